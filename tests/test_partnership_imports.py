"""Agreements and meetings files (SPEC sections 4 and 8, kpi/partnerships/imports.py): read as
partner files are (UTF-8 and CP932, a title row, Japanese headers and names, 「－」, full-width
digits, .xlsx), all or nothing, versions only where a record changed, access per project."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.partnerships.agreements import records
from kpi.partnerships.imports import PartnershipImport, import_agreements, import_meetings
from kpi.storage import Database
from kpi.storage.partnerships import current_agreements, current_meetings, versions_of
from tests.conftest import DEMO_TODAY, OPERATOR, table_counts

HEADER = [
    "契約番号",
    "プロジェクトコード",
    "種類",
    "件名",
    "当事者",
    "締結日",
    "開始日",
    "終了日",
    "更新",
    "申し出期限（日）",
    "知財の帰属",
    "持分",
    "バイ・ドール",
    "倫理審査",
    "承認日",
    "知財条項",
    "理由",
]
JOINT = [
    "JR-P04-01",
    "P04",
    "共同研究契約",
    "生分解性素材の共同研究契約",
    "RI-BIO、CO-AOBA、UNI-KANSAI",
    "2026/1/10",
    "2026/1/15",
    "2028/3/31",
    "なし",
    "－",
    "共有",
    "RI-BIO:50、CO-AOBA:30、UNI-KANSAI:20",
    "無",
    "不要",
    "－",
    "持分は別表のとおり。",
    "",
]
COMMISSIONED = [
    "CR-P11-01",
    "P11",
    "受託研究契約",
    "臨床評価の受託研究契約",
    "UNI-CHUBU；CO-TAKUMI",
    "令和8年3月25日",
    "令和８年４月１日",
    "令和9年3月31日",
    "自動更新",
    "９０日",
    "単独",
    "UNI-CHUBU 100%",
    "有",
    "承認済み",
    "R8.3.18",
    "",
    "",
]
BETWEEN = [
    "ＣＡ－ＫＯＣＨＩ",
    "－",
    "包括連携協定",
    "高知県と瀬戸内海洋大学の包括連携協定",
    "GOV-KOCHI/UNI-SETOUCHI",
    "２０２５/６/２",
    "2025/6/2",
    "2028/3/31",
    "自動更新",
    "９０",
    "なし",
    "－",
    "×",
    "－",
    "－",
    "",
    "",
]
LEAD_P03 = Actor("demo-lead", Role.LEAD, "CO-SAKURAGI")  # leads P03 only
PARTNER = Actor("demo-partner", Role.PARTNER, "UNI-SETOUCHI")  # a partner of P10, P18 and P20


@pytest.fixture
def db(demo_db_path: Path, tmp_path: Path) -> Iterator[Database]:
    """The demo's registry without its agreements and meetings: every count here is hand-worked."""
    path = tmp_path / "partnerships.duckdb"
    shutil.copyfile(demo_db_path, path)
    copy = Database(path)
    copy.ensure_ready()
    with copy.transaction() as cursor:
        cursor.execute("DELETE FROM agreement_versions")
        cursor.execute("DELETE FROM meeting_versions")
    yield copy
    copy.close()


def csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8", title: Sequence[str] = ()) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in title:
        writer.writerow([line])
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def counts(db: Database) -> dict[str, int]:
    """Every table's rows (conftest's list and this feature's), to prove nothing was written."""
    with db.cursor() as cursor:
        own = {
            t: cursor.execute(f"SELECT count(*) FROM {t}").fetchone()
            for t in ("agreement_versions", "meeting_versions")
        }
    return table_counts(db) | {t: int(row[0]) for t, row in own.items() if row}


def agreements(db: Database) -> dict[str, dict[str, Any]]:
    with db.cursor() as cursor:
        return {r["agreement_code"]: r for r in records(current_agreements(cursor))}


def agree(
    db: Database,
    data: bytes,
    *,
    actor: Actor = OPERATOR,
    lang: str = "en",
    name: str = "契約.csv",
    dry_run: bool = False,
) -> PartnershipImport:
    return import_agreements(
        db,
        data,
        name,
        actor=actor,
        lang=lang,
        today=DEMO_TODAY,
        dry_run=dry_run,
        now=datetime(2026, 11, 26, 9),
    )


def meet(db: Database, data: bytes, *, actor: Actor = OPERATOR, lang: str = "en") -> PartnershipImport:
    return import_meetings(db, data, "会議.csv", actor=actor, lang=lang, now=datetime(2026, 11, 26, 9))


def test_a_utf8_file_with_japanese_headers_names_and_blanks(db: Database) -> None:
    result = agree(db, csv_bytes([HEADER, JOINT, COMMISSIONED, BETWEEN]))
    assert (result.status, result.errors) == ("imported", [])
    assert (result.rows, result.records, result.created, result.revised, result.unchanged) == (3, 3, 3, 0, 0)
    stored = agreements(db)
    joint, commissioned, between = stored["JR-P04-01"], stored["CR-P11-01"], stored["CA-KOCHI"]
    assert joint["kind"] == "joint_research" and joint["parties"] == ["RI-BIO", "CO-AOBA", "UNI-KANSAI"]
    assert [(s["organization_code"], s["percent"]) for s in joint["ip_shares"]] == [
        ("RI-BIO", 50.0),
        ("CO-AOBA", 30.0),
        ("UNI-KANSAI", 20.0),
    ]
    assert (joint["signed_on"], joint["ends_on"], joint["notice_days"]) == (
        date(2026, 1, 10),
        date(2028, 3, 31),
        None,
    )
    assert (joint["renewal"], joint["bayh_dole"], joint["ethics"], joint["ethics_approved_on"]) == (
        "none",
        False,
        "not_needed",
        None,
    )
    assert (commissioned["kind"], commissioned["renewal"], commissioned["notice_days"]) == (
        "commissioned",
        "auto",
        90,
    )
    assert commissioned["starts_on"] == date(2026, 4, 1) and commissioned["ethics_approved_on"] == date(
        2026, 3, 18
    )
    assert (commissioned["ip_ownership"], commissioned["bayh_dole"], commissioned["ethics"]) == (
        "sole",
        True,
        "approved",
    )
    assert commissioned["parties"] == ["UNI-CHUBU", "CO-TAKUMI"]  # ； folds to ;
    assert (
        between["project_code"] is None and between["kind"] == "comprehensive"
    )  # 「－」: between organizations
    assert (between["signed_on"], between["notice_days"], between["ip_shares"]) == (date(2025, 6, 2), 90, [])


def test_a_cp932_file_with_a_title_row(db: Database) -> None:
    data = csv_bytes(
        [HEADER, JOINT, BETWEEN],
        encoding="cp932",
        title=["令和8年度 契約・協定台帳", "作成日: 令和8年10月1日"],
    )
    assert data.decode("cp932") and not _is_utf8(data)
    result = agree(db, data, lang="ja")
    assert (result.status, result.header_row, result.created) == ("imported", 3, 2)
    assert [(s.row, s.reason) for s in result.skipped_rows] == [(1, "above_header"), (2, "above_header")]
    assert agreements(db)["JR-P04-01"]["title"] == "生分解性素材の共同研究契約"


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_an_xlsx_workbook_with_date_cells_and_numbers(db: Database) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["契約台帳（令和8年度）"])
    sheet.append(HEADER)
    row: list[object] = list(COMMISSIONED)
    row[5:8] = [datetime(2026, 3, 25), datetime(2026, 4, 1), datetime(2027, 3, 31)]
    row[9], row[12], row[14] = 60, "○", datetime(2026, 3, 18)
    sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    result = agree(db, buffer.getvalue(), name="契約.xlsx")
    assert (result.status, result.header_row, result.created, result.errors) == ("imported", 2, 1, [])
    stored = agreements(db)["CR-P11-01"]
    assert (stored["signed_on"], stored["ends_on"], stored["notice_days"], stored["bayh_dole"]) == (
        date(2026, 3, 25),
        date(2027, 3, 31),
        60,
        True,
    )


def test_the_same_file_again_changes_nothing_and_a_changed_row_is_version_2(db: Database) -> None:
    data = csv_bytes([HEADER, JOINT, COMMISSIONED])
    agree(db, data)
    before = counts(db)
    again = agree(db, data)
    assert (again.status, again.created, again.revised, again.unchanged) == ("imported", 0, 0, 2)
    assert counts(db) == before  # not even an audit entry
    changed = list(JOINT)
    changed[7] = "2028/9/30"  # the end moved: a 変更契約
    result = agree(db, csv_bytes([HEADER, changed, COMMISSIONED]), name="台帳.csv")
    assert (result.created, result.revised, result.unchanged) == (0, 1, 1)
    with db.cursor() as cursor:
        history = records(versions_of(cursor, "agreement_versions", "JR-P04-01"))
    assert [(h["version"], h["ends_on"], h["reason"]) for h in history] == [
        (1, date(2028, 3, 31), ""),
        (2, date(2028, 9, 30), "imported from 台帳.csv"),
    ]
    changed[16] = "変更契約（期間延長）"
    changed[7] = "2029/3/31"
    agree(db, csv_bytes([HEADER, changed]), lang="ja")
    assert (
        agreements(db)["JR-P04-01"]["version"] == 3
        and agreements(db)["JR-P04-01"]["reason"] == "変更契約（期間延長）"
    )


def test_a_dry_run_counts_and_writes_nothing(db: Database) -> None:
    before = counts(db)
    result = agree(db, csv_bytes([HEADER, JOINT, COMMISSIONED]), dry_run=True)
    assert (result.status, result.created) == ("valid", 2)
    assert counts(db) == before


def bad_rows() -> bytes:
    shares = list(JOINT)
    shares[11] = "RI-BIO:60、CO-AOBA:20、UNI-KANSAI:10"  # 90 in all
    unknown = list(COMMISSIONED)
    unknown[4] = "UNI-CHUBU、CO-NOWHERE"
    backwards = list(BETWEEN)
    backwards[7] = "2025/3/31"  # before its start, 2025/6/2
    return csv_bytes([HEADER, shares, unknown, backwards])


@pytest.mark.parametrize(
    "lang, words",
    [
        (
            "ja",
            [
                "2 行目: 共有は2者以上で、持分の合計が100%になる必要があります（現在 90%）。「持分」",
                "3 行目: 「当事者」に未登録の機関があります: CO-NOWHERE",
                "4 行目: 終了日（2025年3月31日）が開始日（2025年6月2日）より前です。「終了日」",
            ],
        ),
        (
            "en",
            [
                "Row 2: Joint ownership needs two or more owners whose shares add up to 100% (now 90%)",
                "Row 3: “当事者” names organizations that are not registered: CO-NOWHERE",
                "Row 4: The end (31 Mar 2025) is before the start (2 Jun 2025)",
            ],
        ),
    ],
)
def test_bad_rows_are_refused_with_row_column_and_message(db: Database, lang: str, words: list[str]) -> None:
    agree(db, csv_bytes([HEADER, COMMISSIONED]))  # one agreement stored already
    before = counts(db)
    result = agree(db, bad_rows(), lang=lang)
    assert result.status == "rejected"
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (2, "ip_shares", "joint_shares"),
        (3, "parties", "unknown_organization"),
        (4, "ends_on", "end_before_start"),
    ]
    for error, expected in zip(result.errors, words, strict=True):
        assert expected in error.message
    assert counts(db) == before  # the good rows of the file were not written either


def test_a_cell_that_cannot_be_read_is_one_error(db: Database) -> None:
    row = list(COMMISSIONED)
    row[6], row[9], row[11], row[12] = "2026年4月", "三十日", "UNI-CHUBU 全部", "たぶん"
    result = agree(db, csv_bytes([HEADER, row]), lang="ja")
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (2, "bayh_dole", "invalid_yes_no"),
        (2, "ip_shares", "invalid_shares"),
        (2, "notice_days", "invalid_days"),
        (2, "starts_on", "invalid_date"),
    ]  # no "required" start, no sole_owner on top of the unreadable cells
    assert "「開始日」の「2026年4月」は日付として読めません" in result.errors[3].message


def test_the_same_agreement_number_twice_names_both_rows(db: Database) -> None:
    result = agree(db, csv_bytes([HEADER, JOINT, COMMISSIONED, JOINT]))
    assert [(e.row, e.column, e.code) for e in result.errors] == [(4, "agreement_code", "duplicate")]
    assert "also row 2" in result.errors[0].message


def test_a_missing_column_names_the_closest_row(db: Database) -> None:
    header = [h for h in HEADER if h != "当事者"]
    result = agree(db, csv_bytes([header, JOINT[:4] + JOINT[5:]]), lang="ja")
    assert [(e.code, e.column) for e in result.errors] == [("missing_column", "parties")]
    assert "必須の列「当事者」がありません" in result.errors[0].message


def test_partners_and_other_projects_leads_are_forbidden(db: Database) -> None:
    before = counts(db)
    with pytest.raises(Forbidden):
        agree(db, csv_bytes([HEADER, JOINT]), actor=PARTNER)
    p03 = [
        "JR-P03-09",
        "P03",
        "共同研究契約",
        "",
        "CO-SAKURAGI、RI-SANGI",
        "",
        "2026/4/1",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    assert agree(db, csv_bytes([HEADER, p03]), actor=LEAD_P03, dry_run=True).status == "valid"
    with pytest.raises(Forbidden):  # P03 is theirs, P04 is not: nothing of the file is written
        agree(db, csv_bytes([HEADER, p03, JOINT]), actor=LEAD_P03)
    assert counts(db) == before


MEETING_HEADER = [
    "プロジェクトコード",
    "開催日",
    "種類",
    "件名",
    "参加機関",
    "議事録",
    "決定事項",
    "議論したKPI",
    "対応事項",
    "担当機関",
    "期限",
    "完了日",
]


def meeting_rows() -> list[list[str]]:
    return [
        MEETING_HEADER,
        [
            "P18",
            "2026/4/20",
            "定例会",
            "第1回 定例会",
            "UNI-SETOUCHI、CO-NAGISA、GOV-HIROSHIMA",
            "服薬指導の手順を確認した。\n次回は実証の計画。",
            "手順書を改訂する。",
            "satisfaction_rate",
            "手順書の改訂案を作る",
            "UNI-SETOUCHI",
            "2026/5/31",
            "2026/5/28",
        ],
        [
            "P18",
            "2026/4/20",
            "定例会",
            "",
            "",
            "",
            "",
            "",
            "見守り端末の台数を確認する",
            "CO-NAGISA",
            "２０２６/６/３０",
            "－",
        ],
        [
            "P20",
            "2026/5/12",
            "成果報告会",
            "成果報告会",
            "CO-NAGISA、UNI-SETOUCHI",
            "",
            "",
            "－",
            "",
            "",
            "",
            "",
        ],
        [
            "P18",
            "2026/4/20",
            "定例会・振り返り",
            "第1回 定例会",
            "",
            "",
            "",
            "",
            "県への報告書を出す",
            "GOV-HIROSHIMA",
            "R8.7.10",
            "",
        ],
    ]


def test_action_items_across_rows_are_one_meeting(db: Database) -> None:
    result = meet(db, csv_bytes(meeting_rows()))
    assert (result.status, result.errors) == ("imported", [])
    assert (result.rows, result.records, result.created) == (4, 2, 2)
    with db.cursor() as cursor:
        stored = {m["meeting_code"]: m for m in records(current_meetings(cursor))}
    review = stored["P18-20260420-regular"]
    assert [(i["description"], i["owner"], i["due_on"], i["done_on"]) for i in review["action_items"]] == [
        ("手順書の改訂案を作る", "UNI-SETOUCHI", date(2026, 5, 31), date(2026, 5, 28)),
        ("見守り端末の台数を確認する", "CO-NAGISA", date(2026, 6, 30), None),
        ("県への報告書を出す", "GOV-HIROSHIMA", date(2026, 7, 10), None),
    ]
    assert review["minutes"] == "服薬指導の手順を確認した。\n次回は実証の計画。" and review["kpi_codes"] == [
        "satisfaction_rate"
    ]
    assert review["organizations"] == ["UNI-SETOUCHI", "CO-NAGISA", "GOV-HIROSHIMA"]
    assert (
        stored["P20-20260512-results"]["action_items"] == []
        and stored["P20-20260512-results"]["kpi_codes"] == []
    )
    assert meet(db, csv_bytes(meeting_rows())).unchanged == 2


def test_a_partner_adds_meetings_to_its_projects_but_does_not_change_them(db: Database) -> None:
    assert meet(db, csv_bytes(meeting_rows()), actor=PARTNER).created == 2
    assert meet(db, csv_bytes(meeting_rows()), actor=PARTNER).unchanged == 2
    changed = meeting_rows()
    changed[2][11] = "2026/6/20"  # an item done: the lead's to record
    before = counts(db)
    with pytest.raises(Forbidden):
        meet(db, csv_bytes(changed), actor=PARTNER)
    other = [MEETING_HEADER, ["P04", "2026/4/20", "定例会", "", "RI-BIO", "", "", "", "", "", "", ""]]
    with pytest.raises(Forbidden):
        meet(db, csv_bytes(other), actor=PARTNER)
    assert counts(db) == before
    revised = meet(db, csv_bytes(changed))
    assert (revised.revised, revised.unchanged) == (1, 1)


def test_meeting_rows_that_disagree_and_bad_items_name_their_rows(db: Database) -> None:
    rows = meeting_rows()
    rows[2][3] = "第2回 定例会"  # the title of the same meeting, differently
    rows[4][9], rows[4][10] = "CO-NOWHERE", "2026/4/1"  # owner unknown, due before the meeting
    result = meet(db, csv_bytes(rows), lang="ja")
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (3, "title", "meeting_conflict"),
        (5, "action_due", "item_due_before"),
        (5, "action_owner", "unknown_organization"),
    ]
    assert result.errors[0].message.startswith("3 行目: 2 行目と同じ会議")
    assert "アクションアイテム 3" in result.errors[1].message and "「担当機関」" in result.errors[2].message


def test_the_row_and_size_limits_of_the_settings(db: Database) -> None:
    with db.transaction() as cursor:
        cursor.execute("INSERT OR REPLACE INTO settings VALUES ('import_max_rows', '2')")
    result = agree(db, csv_bytes([HEADER, JOINT, COMMISSIONED, BETWEEN]))
    assert [e.code for e in result.errors] == ["too_large"] and "3 rows" in result.errors[0].message
    with db.transaction() as cursor:
        cursor.execute("INSERT OR REPLACE INTO settings VALUES ('import_max_bytes', '100')")
    assert [e.code for e in agree(db, csv_bytes([HEADER, JOINT])).errors] == ["too_large"]


def test_empty_and_undecodable_files(db: Database) -> None:
    assert [e.code for e in agree(db, csv_bytes([HEADER])).errors] == ["empty_file"]
    assert [e.code for e in meet(db, b"\xff\xfe\x00garbage\x81").errors] == ["encoding"]


def test_minutes_may_be_long_but_not_without_bound(db: Database) -> None:
    rows = meeting_rows()[:2]
    rows[1][5] = "議" * 5_000  # far past a partner file's 500-character note: minutes are long
    assert meet(db, csv_bytes(rows)).created == 1
    rows[1][1], rows[1][5] = "2026/4/21", "議" * 20_001
    result = meet(db, csv_bytes(rows), lang="ja")
    assert [(e.row, e.column, e.code) for e in result.errors] == [(2, "minutes", "cell_too_long")]
    assert "「議事録」のセルが 20,001 文字あります" in result.errors[0].message


def test_executives_import_nothing(db: Database) -> None:
    executive = Actor("demo-executive", Role.EXECUTIVE)
    with pytest.raises(Forbidden):
        meet(db, csv_bytes(meeting_rows()), actor=executive)
