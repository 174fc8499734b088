"""Partners' expenditure files (SPEC section 7, read as section 4 reads KPI files): kept files with
a title, a 単位 row and a 合計 row, CP932 and .xlsx, every spelling of 費目, dates and yen; each bad
file's code at its exact (row, column) with nothing written; duplicates, changed re-uploads,
rollback, roles, and the template filled in and imported.

The demo registry gives the organizations and partners; the awards are this file's own (TEST-…),
inserted with plain SQL (award writes belong to `funding setup`, not to what is tested here).
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.funding.expenditure_intake import import_expenditures
from kpi.funding.expenditure_template import expenditure_template
from kpi.intake.service import ImportResult, ImportUsageError, rollback_import
from kpi.storage import Database
from kpi.storage.registry import write_setting
from tests.conftest import DEMO_TODAY
from tests.xlsx_files import xlsx_bytes

TODAY = DEMO_TODAY  # 2026-11-26
ORG = "UNI-SETOUCHI"  # a partner of P10, P18 and P20 in the demo
OUTSIDER = "CO-HOKUSEI"  # a partner of P01 only
PARTNER = Actor("setouchi", Role.PARTNER, ORG)
ADMIN = Actor.operator("officer")

# award number, version, project, stage: the awards these tests upload against.
AWARDS = [
    ("TEST-20-001", 1, "P20", "awarded"),
    ("TEST-18-002", 1, "P18", "applied"),  # spending on an application is the funding checks' flag
    ("TEST-01-003", 1, "P01", "awarded"),  # a project UNI-SETOUCHI is not a partner of
    ("TEST-20-004", 1, "P20", "withdrawn"),
    ("TEST-20-005", 1, "P20", "rejected"),
    ("TEST-20-006", 1, "P20", "awarded"),
    ("TEST-20-006", 2, "P20", "withdrawn"),  # its current version withdraws it
]
TABLES = ("expenditure_versions", "import_batches", "audit_log")
JA_HEADER = "交付決定番号,費目,支払日,金額,内容,証憑番号"
EN_HEADER = "award_number,category,paid_on,amount,description,evidence"


def add_awards(db: Database, awards: Sequence[tuple[str, int, str, str]] = AWARDS) -> None:
    with db.cursor() as cursor:
        for number, version, project, stage in awards:
            cursor.execute(
                "INSERT INTO award_versions (award_number, version, project_code, programme_code, starts_on,"
                " ends_on, payment_mode, stage, amounts, recorded_by, recorded_at)"
                " VALUES (?, ?, ?, 'JST-COI', DATE '2025-04-01', DATE '2028-03-31', 'settlement', ?,"
                " [{'fiscal_year': 2025, 'amount': 10000000}], 'tester', TIMESTAMP '2025-04-01 09:00:00')",
                [number, version, project, stage],
            )


def funded_copy(demo_db_path: Path, tmp_path: Path) -> Database:
    """The session's demo database copied (the shared one must stay unwritten) with AWARDS added."""
    path = tmp_path / "funded.duckdb"
    shutil.copyfile(demo_db_path, path)
    db = Database(path)
    db.ensure_ready()
    add_awards(db)
    return db


@pytest.fixture
def db(demo_db_path: Path, tmp_path: Path) -> Database:
    return funded_copy(demo_db_path, tmp_path)


def csv_file(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(
    db: Database,
    data: bytes,
    *,
    org: str = ORG,
    actor: Actor = ADMIN,
    lang: str = "en",
    dry_run: bool = False,
    name: str = "expenditures.csv",
) -> ImportResult:
    return import_expenditures(
        db,
        data,
        file_name=name,
        organization_code=org,
        actor=actor,
        lang=lang,
        today=TODAY,
        dry_run=dry_run,
        now=datetime(2026, 11, 26, 10, 0),
    )


def counts(db: Database) -> dict[str, int]:
    with db.cursor() as cursor:
        return {table: cursor.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] for table in TABLES}


def stored(db: Database, award_prefix: str = "TEST-") -> dict[tuple[str, str, str, str], tuple[int, str]]:
    """The current expenditures of these tests' awards: (award, 費目, day, evidence) → (yen, description)."""
    with db.cursor() as cursor:
        rows = cursor.execute(
            "SELECT award_number, category_code, paid_on, evidence, amount, description FROM expenditures"
            " WHERE award_number LIKE ? AND organization_code = ?",
            [award_prefix + "%", ORG],
        ).fetchall()
    return {(a, c, p.isoformat(), e): (amount, d) for a, c, p, e, amount, d in rows}


def errors_of(result: ImportResult) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.code) for e in result.errors]


# A CP932 file as a partner's accounting keeps it: a title, the header, a 単位 row under it, a 合計.
KEPT = csv_file(
    "令和7年度 共創の場形成支援 支出明細書,,,,,",
    JA_HEADER,
    "単位,,,円,,",
    'TEST-20-001,消耗品費,令和7年5月12日,"12,000",試薬,A-001',
    'TEST-20-001,外注費・委託費,2025/6/1,"￥350,000",解析委託,A-002',
    'TEST-20-001,旅費,2025-07-03,"▲3,000",出張旅費の戻入,A-003',
    'ＴＥＳＴ－１８－００２,人件費,R7.8.29,"120,000円",研究補助員,B-001',
    '合計,,,"479,000",,',
    encoding="cp932",
)
KEPT_AMOUNTS = {
    ("TEST-20-001", "supplies", "2025-05-12", "A-001"): (12_000, "試薬"),
    ("TEST-20-001", "outsourcing", "2025-06-01", "A-002"): (350_000, "解析委託"),
    ("TEST-20-001", "travel", "2025-07-03", "A-003"): (-3_000, "出張旅費の戻入"),
    ("TEST-18-002", "personnel", "2025-08-29", "B-001"): (120_000, "研究補助員"),
}


def test_a_kept_cp932_file_imports_with_exact_counts_and_yen(db: Database) -> None:
    before = counts(db)
    result = upload(db, KEPT, actor=PARTNER)
    assert result.as_dict() == {
        "status": "imported",
        "batch_id": result.batch_id,
        "rows": 4,
        "inserted": 4,
        "updated": 0,
        "unchanged": 0,
        "not_reported": 0,
        "header_row": 2,
        "ignored_columns": [],
        "errors": [],
        "skipped_rows": [
            {"row": 1, "reason": "above_header"},
            {"row": 3, "reason": "unit_row"},
            {"row": 8, "reason": "total_row"},
        ],
    }
    assert stored(db) == KEPT_AMOUNTS  # the 合計 row is not an expenditure; ▲3,000 is −3,000 yen
    after = counts(db)
    assert after == {
        "expenditure_versions": before["expenditure_versions"] + 4,
        "import_batches": before["import_batches"] + 1,
        "audit_log": before["audit_log"] + 1,
    }
    with db.cursor() as cursor:
        batch = cursor.execute(
            "SELECT kind, organization_code, uploaded_by, rows, inserted FROM import_batches"
            " WHERE batch_id = ?",
            [result.batch_id],
        ).fetchall()
        sources = cursor.execute(
            "SELECT DISTINCT source, batch_id, recorded_by FROM expenditure_versions"
            " WHERE award_number LIKE 'TEST-%'"
        ).fetchall()
    assert batch == [("expenditures", ORG, "setouchi", 4, 4)]
    assert sources == [("import", result.batch_id, "setouchi")]


@pytest.mark.parametrize(
    "note, header, amount, expected",
    [
        ("（単位：千円）", "金額", "12", 12_000),  # the file's unit multiplies a bare figure
        ("（単位：千円）", "金額", "350,000円", 350_000),  # a cell with its own unit is what it says
        ("", "金額（千円）", "1.5", 1_500),  # the header's unit
        ("", "支出額（税込）", "12,000", 12_000),  # 税込 is a note, not a unit
        ("（単位：円）", "金額", "12千円", 12_000),
    ],
)
def test_the_files_unit_scales_bare_amounts(
    db: Database, note: str, header: str, amount: str, expected: int
) -> None:
    data = csv_file(
        f"支出明細,{note}",
        f"交付決定番号,費目,支払日,{header}",
        f'TEST-20-001,消耗品費,2025-05-12,"{amount}"',
    )
    result = upload(db, data)
    assert result.status == "imported", result.errors
    assert stored(db) == {("TEST-20-001", "supplies", "2025-05-12", ""): (expected, "")}


def test_every_spelling_of_category_amount_and_date(db: Database) -> None:
    rows = [  # evidence numbers keep the keys apart; each row: 費目, date, amount → stored
        ("消耗品費", "2025-05-12", "12,000", "supplies", "2025-05-12", 12_000),
        ("supplies", "2025/5/12", "¥12,000", "supplies", "2025-05-12", 12_000),
        ("外注費", "令和7年5月12日", "12,000円", "outsourcing", "2025-05-12", 12_000),
        ("委託費", "R7.5.12", "▲3,000", "outsourcing", "2025-05-12", -3_000),
        ("ＳＵＰＰＬＩＥＳ", "２０２５－０５－１２", "△3,000", "supplies", "2025-05-12", -3_000),
        ("間接経費", "2025年5月12日", "-3,000", "indirect", "2025-05-12", -3_000),
        ("Travel", "2025-05-12", "12千円", "travel", "2025-05-12", 12_000),
        ("人件費", "2025-05-12", "１２，０００", "personnel", "2025-05-12", 12_000),
    ]
    lines = [EN_HEADER] + [f'TEST-20-001,{c},{d},"{a}",,E{i}' for i, (c, d, a, *_) in enumerate(rows)]
    result = upload(db, csv_file(*lines))
    assert (result.status, result.inserted) == ("imported", len(rows)), result.errors
    assert stored(db) == {
        ("TEST-20-001", code, day, f"E{i}"): (yen, "") for i, (*_, code, day, yen) in enumerate(rows)
    }


def test_an_xlsx_with_date_cells_a_merged_title_and_a_total(db: Database) -> None:
    data = xlsx_bytes(
        [
            ["令和7年度 支出明細書", None, None, None, None],
            ["交付決定番号", "費目", "支払日", "支出額（税込）", "摘要"],
            ["TEST-20-001", "設備備品費", datetime(2025, 9, 1), 1_980_000, "水温センサー"],
            ["TEST-20-001", "その他", date(2025, 9, 2), 4_400.0, "振込手数料"],
            ["合計", None, None, 1_984_400, None],
        ],
        merged=["A1:E1"],
    )
    result = upload(db, data, name="支出.xlsx")
    assert (result.status, result.rows, result.header_row) == ("imported", 2, 2), result.errors
    assert [s.as_dict() for s in result.skipped_rows] == [
        {"row": 1, "reason": "above_header"},
        {"row": 5, "reason": "total_row"},
    ]
    assert stored(db) == {
        ("TEST-20-001", "equipment", "2025-09-01", ""): (1_980_000, "水温センサー"),
        ("TEST-20-001", "other", "2025-09-02", ""): (4_400, "振込手数料"),
    }


GOOD_ROW = "TEST-20-001,消耗品費,2025-05-12,12000,試薬,A-001"


@pytest.mark.parametrize(
    "line, column, code, quoted",
    [
        ("TEST-99-999,消耗品費,2025-05-12,12000,,", "award_number", "unknown_award", "TEST-99-999"),
        ("TEST-01-003,消耗品費,2025-05-12,12000,,", "award_number", "not_a_partner", "P01"),
        ("TEST-20-004,消耗品費,2025-05-12,12000,,", "award_number", "closed_award", "withdrawn"),
        ("TEST-20-005,消耗品費,2025-05-12,12000,,", "award_number", "closed_award", "rejected"),
        ("TEST-20-006,消耗品費,2025-05-12,12000,,", "award_number", "closed_award", "withdrawn"),
        ("TEST-20-001,研究費,2025-05-12,12000,,", "category", "unknown_category", "Supplies (supplies)"),
        ("TEST-20-001,消耗品費,2025年5月,12000,,", "paid_on", "invalid_date", "2025年5月"),
        ("TEST-20-001,消耗品費,令和7年度,12000,,", "paid_on", "invalid_date", "令和7年度"),
        ("TEST-20-001,消耗品費,2025-13-01,12000,,", "paid_on", "invalid_date", "2025-13-01"),
        ("TEST-20-001,消耗品費,2026-11-27,12000,,", "paid_on", "future_date", "2026-11-26"),
        ("TEST-20-001,消耗品費,2025-05-12,12000.5,,", "amount", "not_whole_yen", "12000.5"),
        ("TEST-20-001,消耗品費,2025-05-12,0,,", "amount", "zero_amount", "is zero"),
        ("TEST-20-001,消耗品費,2025-05-12,abc,,", "amount", "invalid_number", "abc"),
        ("TEST-20-001,消耗品費,2025-05-12,約12000,,", "amount", "invalid_number", "約12000"),
        ("TEST-20-001,消耗品費,2025-05-12,12000ドル,,", "amount", "unit_mismatch", "12000ドル"),
        ("TEST-20-001,消耗品費,2025-05-12,,,", "amount", "missing_value", "金額"),
        ('TEST-20-001,消耗品費,2025-05-12,"12,000",試薬,A-001', "evidence", "duplicate_row", "証憑番号"),
        ('TEST-20-001,消耗品費,2025-05-12,"13,000",試薬,A-001', "evidence", "duplicate_row", "13,000"),
    ],
)
def test_each_bad_row_is_its_own_error_and_nothing_is_written(
    db: Database, line: str, column: str, code: str, quoted: str
) -> None:
    before = counts(db)
    result = upload(db, csv_file("支出明細書", JA_HEADER, GOOD_ROW, line))
    assert result.status == "rejected"
    assert errors_of(result) == [(4, column, code)]
    assert quoted in result.errors[0].message
    assert counts(db) == before


def test_messages_are_in_the_users_language_and_say_what_to_write(db: Database) -> None:
    data = csv_file(
        JA_HEADER,
        "TEST-20-001,研究費,2025-05-12,12000,,",
        'TEST-20-001,消耗品費,2025-05-12,"5,000",,',
        'TEST-20-001,消耗品費,2025-05-12,"6,000",,',
    )
    result = upload(db, data, lang="ja")
    assert errors_of(result) == [(2, "category", "unknown_category"), (4, "evidence", "duplicate_row")]
    category, duplicate = (e.message for e in result.errors)
    assert category == (
        "2 行目: 「費目」の「研究費」は費目ではありません。次のいずれかを書いてください: "
        "人件費、設備備品費、消耗品費、旅費、外注費・委託費、その他、間接経費"
    )
    assert "3 行目と同じ支払い" in duplicate and "別の証憑番号を付けてください" in duplicate
    assert "6,000 円" in duplicate and "5,000 円" in duplicate
    english = upload(db, data).errors[0].message
    assert english.endswith(
        "Write one of: Personnel (personnel), Equipment (equipment), Supplies (supplies), "
        "Travel (travel), Outsourcing (outsourcing), Other (other), Indirect costs (indirect)."
    )


def test_every_error_of_a_file_is_listed_by_row_and_column(db: Database) -> None:
    data = csv_file(EN_HEADER, "TEST-99-999,supplies,2025-05-12,1,,", "TEST-99-998,food,2026-12-01,0,,")
    result = upload(db, data)
    assert errors_of(result) == [
        (2, "award_number", "unknown_award"),
        (3, "amount", "zero_amount"),
        (3, "award_number", "unknown_award"),
        (3, "category", "unknown_category"),
        (3, "paid_on", "future_date"),
    ]


@pytest.mark.parametrize(
    "header, lang, named",
    [
        ("交付決定番号,費目,支払日,内容", "en", "“金額”"),  # a Japanese header: the column's Japanese name
        ("award_number,category,paid_on,description", "ja", "「amount」"),  # an English one: its own
    ],
)
def test_a_missing_column_is_named_as_the_file_would(
    db: Database, header: str, lang: str, named: str
) -> None:
    before = counts(db)
    result = upload(db, csv_file("支出明細書", header, "TEST-20-001,消耗品費,2025-05-12,試薬"), lang=lang)
    assert errors_of(result) == [(None, "amount", "missing_column")]
    assert named in result.errors[0].message and "2" in result.errors[0].message  # the closest row
    assert counts(db) == before


def test_a_header_unit_that_is_not_yen_is_refused_at_the_header(db: Database) -> None:
    result = upload(
        db,
        csv_file(
            "支出明細書", "交付決定番号,費目,支払日,金額（ドル）", "TEST-20-001,消耗品費,2025-05-12,120"
        ),
    )
    assert errors_of(result) == [(2, "amount", "unit_mismatch")]
    assert "金額（ドル）" in result.errors[0].message


@pytest.mark.parametrize(
    "setting, value, data",
    [
        (
            "import_max_rows",
            "2",
            csv_file(EN_HEADER, *[f"TEST-20-001,supplies,2025-05-12,100,,E{i}" for i in range(3)]),
        ),
        ("import_max_bytes", "50", csv_file(EN_HEADER, "TEST-20-001,supplies,2025-05-12,100,,E1")),
    ],
)
def test_a_file_over_the_limits_is_too_large(db: Database, setting: str, value: str, data: bytes) -> None:
    with db.cursor() as cursor:
        write_setting(cursor, setting, value, actor="tester", now=datetime(2026, 11, 1))
    before = counts(db)
    result = upload(db, data)
    assert errors_of(result) == [(None, None, "too_large")]
    assert counts(db) == before


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "empty_file"),
        (csv_file("支出明細書", JA_HEADER), "empty_file"),
        ("交付決定番号,費目\r\n".encode() + "費目,旅費\r\n".encode("cp932"), "encoding"),
    ],
)
def test_files_without_rows_or_unreadable_are_refused(db: Database, data: bytes, code: str) -> None:
    before = counts(db)
    assert [e.code for e in upload(db, data).errors] == [code]
    assert counts(db) == before


def test_the_same_bytes_again_are_a_duplicate_also_as_a_dry_run(db: Database) -> None:
    first = upload(db, KEPT)
    before = counts(db)
    again = upload(db, KEPT)
    dry = upload(db, KEPT, dry_run=True)
    assert (again.status, again.batch_id) == ("duplicate", first.batch_id)
    assert (dry.status, dry.batch_id) == ("duplicate", first.batch_id)
    assert counts(db) == before


def test_a_changed_file_writes_only_what_changed_and_a_dry_run_writes_nothing(db: Database) -> None:
    upload(db, KEPT)
    changed = csv_file(
        JA_HEADER,
        'TEST-20-001,消耗品費,2025-05-12,"12,000",試薬,A-001',  # unchanged
        'TEST-20-001,外注費・委託費,2025-06-01,"360,000",解析委託,A-002',  # corrected amount
        'TEST-20-001,旅費,2025-07-03,"▲3,000",,A-003',  # no description: the stored one stays
        'TEST-20-001,旅費,2025-07-04,"8,200",新幹線,A-004',  # new
    )
    before = counts(db)
    dry = upload(db, changed, dry_run=True)
    assert (dry.status, dry.rows, dry.inserted, dry.updated, dry.unchanged) == ("valid", 4, 1, 1, 2)
    assert dry.changes is not None and sorted(dry.changes["change"]) == ["inserted", "updated"]
    assert counts(db) == before
    result = upload(db, changed)
    assert (result.status, result.rows, result.inserted, result.updated, result.unchanged) == (
        "imported",
        4,
        1,
        1,
        2,
    )
    assert counts(db)["expenditure_versions"] == before["expenditure_versions"] + 2
    assert stored(db) == KEPT_AMOUNTS | {
        ("TEST-20-001", "outsourcing", "2025-06-01", "A-002"): (360_000, "解析委託"),
        ("TEST-20-001", "travel", "2025-07-04", "A-004"): (8_200, "新幹線"),
    }


def test_rollback_restores_the_previous_amounts_and_withdraws_new_keys(db: Database) -> None:
    first = upload(db, KEPT)
    second = upload(
        db,
        csv_file(
            EN_HEADER,
            "TEST-20-001,supplies,2025-05-12,15000,,A-001",
            "TEST-20-001,travel,2025-07-04,8200,,A-004",
        ),
    )
    assert (second.updated, second.inserted) == (1, 1)
    audit_before = counts(db)["audit_log"]
    undone = rollback_import(db, second.batch_id or 0, actor=PARTNER, now=datetime(2026, 11, 26, 11, 0))
    assert (undone.restored, undone.skipped) == (2, 0)
    assert stored(db) == KEPT_AMOUNTS  # 15,000 is 12,000 again; A-004 is gone
    assert counts(db)["audit_log"] == audit_before + 1
    undone = rollback_import(db, first.batch_id or 0, actor=PARTNER)
    assert (undone.restored, undone.skipped) == (4, 0)
    assert stored(db) == {}
    again = upload(db, KEPT)  # a rolled-back file may be sent again
    assert (again.status, again.inserted) == ("imported", 4)
    assert stored(db) == KEPT_AMOUNTS


def test_rollback_leaves_a_key_changed_again_since(db: Database) -> None:
    first = upload(
        db,
        csv_file(EN_HEADER, "TEST-20-001,supplies,2025-05-12,100,,A", "TEST-20-001,travel,2025-05-12,200,,B"),
    )
    upload(db, csv_file(EN_HEADER, "TEST-20-001,supplies,2025-05-12,150,,A"))
    undone = rollback_import(db, first.batch_id or 0, actor=ADMIN)
    assert (undone.restored, undone.skipped) == (1, 1)
    assert stored(db) == {("TEST-20-001", "supplies", "2025-05-12", "A"): (150, "")}
    assert rollback_import(db, first.batch_id or 0, actor=ADMIN) == type(undone)(restored=0, skipped=0)


def test_rollback_puts_back_what_was_in_effect_before_the_batch(db: Database) -> None:
    """Three batches on one key; undoing the middle one is skipped (the third changed it again),
    undoing the third puts the second's amount back, and the first is then no longer in effect."""
    line = "TEST-20-001,supplies,2025-05-12,{},,A"
    batches = [upload(db, csv_file(EN_HEADER, line.format(yen))).batch_id or 0 for yen in (100, 150, 200)]
    assert (rollback_import(db, batches[1], actor=ADMIN).skipped, stored(db)[KEY_A][0]) == (1, 200)
    assert (rollback_import(db, batches[2], actor=ADMIN).restored, stored(db)[KEY_A][0]) == (1, 150)
    assert (rollback_import(db, batches[0], actor=ADMIN).skipped, stored(db)[KEY_A][0]) == (1, 150)


KEY_A = ("TEST-20-001", "supplies", "2025-05-12", "A")


def test_a_batch_is_rolled_back_only_by_its_organization_or_an_administrator(db: Database) -> None:
    batch = upload(db, KEPT).batch_id or 0
    with pytest.raises(Forbidden):
        rollback_import(db, batch, actor=Actor("hokusei", Role.PARTNER, OUTSIDER))
    with pytest.raises(ImportUsageError):
        rollback_import(db, batch, actor=ADMIN, organization_code=OUTSIDER)
    assert stored(db) == KEPT_AMOUNTS


@pytest.mark.parametrize(
    "actor",
    [
        Actor("hokusei", Role.PARTNER, OUTSIDER),  # another organization's partner
        Actor("lead", Role.LEAD, "CO-SAKURAGI"),  # a lead of another organization
        Actor("board", Role.EXECUTIVE),  # executives read, never upload
    ],
)
def test_only_the_organization_itself_or_an_administrator_uploads(db: Database, actor: Actor) -> None:
    before = counts(db)
    with pytest.raises(Forbidden):
        upload(db, b"\x00not even read", actor=actor)  # refused before the file is read
    assert counts(db) == before


def test_rows_of_another_organizations_awards_are_errors_even_for_an_administrator(db: Database) -> None:
    result = upload(db, KEPT, org=OUTSIDER, actor=ADMIN)
    assert errors_of(result) == [(r, "award_number", "not_a_partner") for r in (4, 5, 6, 7)]
    with pytest.raises(ImportUsageError):
        upload(db, KEPT, org="NO-SUCH-ORG")


@pytest.mark.parametrize("file_format, lang", [("xlsx", "ja"), ("csv", "ja"), ("xlsx", "en"), ("csv", "en")])
def test_the_template_lists_the_open_awards_and_imports_once_filled(
    db: Database, file_format: str, lang: str
) -> None:
    data = expenditure_template(db, ORG, lang, actor=PARTNER, file_format=file_format)
    if file_format == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        lines = data.decode("utf-8-sig").splitlines()
        header, awards = lines[0], [line.split(",")[0] for line in lines[1:]]
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        cells = [[c.value for c in row] for row in sheet.iter_rows()]
        header, awards = ",".join(cells[0]), [row[0] for row in cells[1:]]
        assert all(v is None for row in cells[1:] for v in row[1:])  # only the award number is filled
    assert header == (JA_HEADER if lang == "ja" else EN_HEADER)
    mine = [a for a in awards if a.startswith("TEST-")]
    assert mine == ["TEST-18-002", "TEST-20-001"]  # open awards of its projects, by project
    assert upload(db, data, lang=lang).errors[0].code == "empty_file"  # as it came: nothing to import

    filled = csv_file(
        header, *[f"{award},消耗品費,2025-10-0{1 + i % 9},{1000 + i},,T{i}" for i, award in enumerate(awards)]
    )
    if file_format == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        sheet = workbook.worksheets[0]
        for i in range(len(awards)):
            sheet.cell(row=2 + i, column=2, value="消耗品費" if lang == "ja" else "supplies")
            sheet.cell(row=2 + i, column=3, value=datetime(2025, 10, 1 + i % 9))
            sheet.cell(row=2 + i, column=4, value=1000 + i)
            sheet.cell(row=2 + i, column=6, value=f"T{i}")
        buffer = io.BytesIO()
        workbook.save(buffer)
        filled = buffer.getvalue()
    result = upload(db, filled, actor=PARTNER, lang=lang)
    assert (result.status, result.rows, result.inserted) == ("imported", len(awards), len(awards)), (
        result.errors
    )
    position = awards.index("TEST-20-001")
    day = f"2025-10-0{1 + position % 9}"
    assert stored(db)[("TEST-20-001", "supplies", day, f"T{position}")] == (1000 + position, "")


def test_template_rows_left_as_they_came_are_not_reported(db: Database) -> None:
    data = csv_file(JA_HEADER, "TEST-18-002,,,,,", 'TEST-20-001,旅費,2025-05-12,"8,000",,')
    result = upload(db, data)
    assert (result.status, result.rows, result.not_reported, result.inserted) == ("imported", 2, 1, 1)


def test_the_template_is_for_the_users_own_organization(db: Database) -> None:
    with pytest.raises(Forbidden):
        expenditure_template(db, OUTSIDER, "ja", actor=PARTNER)
