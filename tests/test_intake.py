"""Partner file intake (SPEC section 4): every accepted encoding, format, value and date spelling.

The helpers and the small registry here are shared by tests/test_intake_*.py: formats (.xlsx,
wide, templates), errors (whole-file) and rows (cell and registry errors, messages), batches
(duplicates, counts, rollback, combine = latest) and cli.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from kpi.access import Actor
from kpi.intake.service import ImportResult, import_file
from kpi.registry.setup import setup_registry
from kpi.storage import Database
from kpi.storage.registry import write_setting
from tests.conftest import table_counts

TODAY = date(2026, 11, 26)

# P1 has two partners, U1 (lead) and C1; G1 is registered but takes part in no project.
ORGS = """organization_code,name,name_en,sector,prefecture
U1,北浜工業大学,Kitahama Tech,academia,北海道
C1,株式会社そらテック,Sora Tech,industry,北海道
G1,浜野市,Hamano City,government,北海道
"""
PROJECTS = """project_code,name,field,prefecture,phase,start_date,end_date,lead_organization_code
P1,雪氷冷熱,エネルギー,北海道,demonstration,2024-04-01,2029-03-31,U1
"""
PARTNERS = """project_code,organization_code,role
P1,C1,共同研究機関
"""
# `balance` may be negative; `patents` may not (like the three built-in KPIs).
KPIS = """kpi_code,name_en,name_ja,unit,direction,accumulation,combine,allow_negative
balance,Net balance,収支,百万円,higher,last,latest,true
patents,Patent applications,特許出願件数,件,higher,sum,sum,false
"""
TARGETS = """project_code,kpi_code,horizon,target_value,target_date,baseline_value,baseline_date,reason
P1,joint_studies,short,3,2025-03-31,0,2024-03-31,
P1,joint_studies,long,15,2029-03-31,0,2024-03-31,
P1,time_to_implementation,long,24,2029-03-31,60,2024-03-31,
P1,balance,long,10,2029-03-31,-10,2024-03-31,
"""

LONG_HEADER = "project_code,kpi_code,period_end,value,note"
JA_LONG_HEADER = "プロジェクトコード,指標コード,期末日,実績値,備考"

Key = tuple[str, str, str, str]  # project, KPI, period end (ISO), organization
Errors = Sequence[tuple[int | None, str | None, str]]  # (row, column, code)


def load_registry(db: Database, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "organizations": ORGS,
        "projects": PROJECTS,
        "partners": PARTNERS,
        "kpis": KPIS,
        "targets": TARGETS,
    }
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    result = setup_registry(db, folder, actor=Actor.operator("admin@example"), lang="en")
    assert result.status == "loaded", result.errors


_REGISTRY_FILE: list[bytes] = []  # the database file with the registry loaded, once per session


def registry_db(fresh_db: Database, folder: Path) -> Database:
    """fresh_db with the registry above: loaded by setup_registry once, then copied (faster). On
    PostgreSQL each test's fresh database is loaded (a file copy does not apply)."""
    if fresh_db.path.startswith("postgresql://"):
        load_registry(fresh_db, folder)
        return fresh_db
    path = Path(fresh_db.path)
    if not _REGISTRY_FILE:
        load_registry(fresh_db, folder)
        _REGISTRY_FILE.append(path.read_bytes())
    else:
        path.write_bytes(_REGISTRY_FILE[0])  # fresh_db holds the file open only inside a unit of work
    return fresh_db


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    return registry_db(fresh_db, tmp_path / "registry")


def csv_bytes(*lines: str, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(
    db: Database,
    data: bytes,
    *,
    org: str = "U1",
    lang: str = "en",
    dry_run: bool = False,
    name: str = "actuals.csv",
) -> ImportResult:
    return import_file(
        db,
        data,
        file_name=name,
        organization_code=org,
        actor=Actor.operator(f"{org.lower()}@example"),
        lang=lang,
        today=TODAY,
        dry_run=dry_run,
    )


def error_list(result: ImportResult) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.code) for e in result.errors]


def counts(result: ImportResult) -> tuple[str, int, int, int, int]:
    return (result.status, result.rows, result.inserted, result.updated, result.unchanged)


def current_values(db: Database) -> dict[Key, float]:
    with db.cursor() as cursor:
        rows = cursor.execute(
            "SELECT project_code, kpi_code, period_end, organization_code, value FROM actual_current"
        ).fetchall()
    return {(p, k, d.isoformat(), o): v for p, k, d, o, v in rows}


def current_notes(db: Database) -> dict[Key, str]:
    with db.cursor() as cursor:
        rows = cursor.execute(
            "SELECT v.project_code, v.kpi_code, v.period_end, v.organization_code, v.note"
            " FROM actual_current c JOIN actual_versions v ON v.id = c.version_id"
        ).fetchall()
    return {(p, k, d.isoformat(), o): n for p, k, d, o, n in rows}


def rejected(
    db: Database, data: bytes, expected: Errors, *, rows: int | None = None, org: str = "U1", lang: str = "en"
) -> ImportResult:
    """Import `data`, expect exactly these errors, and check that nothing was written."""
    before = table_counts(db)
    result = run_import(db, data, org=org, lang=lang)
    assert result.status == "rejected"
    assert error_list(result) == list(expected), [(e.row, e.column, e.code, e.message) for e in result.errors]
    assert result.batch_id is None
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 0)
    if rows is not None:
        assert result.rows == rows
    assert all(e.message and "None" not in e.message for e in result.errors if e.code != "encoding")
    assert table_counts(db) == before
    # A dry run finds the same errors.
    assert error_list(run_import(db, data, org=org, lang=lang, dry_run=True)) == list(expected)
    return result


def set_setting(db: Database, key: str, value: str) -> None:
    with db.transaction() as cursor:
        write_setting(cursor, key, value, actor="admin@example", now=datetime(2026, 11, 1))


Q4 = "2026-03-31"  # FY2025 Q4


# -- encodings ------------------------------------------------------------------------------------

ROWS_EN = (
    LONG_HEADER,
    "P1,joint_studies,2026-03-31,2,",
    "P1,local_jobs,2026-03-31,5,地元採用",
    "P1,time_to_implementation,2026-03-31,48,",
)
EXPECTED_EN = {
    ("P1", "joint_studies", Q4, "U1"): 2.0,
    ("P1", "local_jobs", Q4, "U1"): 5.0,
    ("P1", "time_to_implementation", Q4, "U1"): 48.0,
}


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes(*ROWS_EN),
        b"\xef\xbb\xbf" + csv_bytes(*ROWS_EN),
        csv_bytes(*ROWS_EN, encoding="cp932"),
        csv_bytes(*ROWS_EN, newline="\r\n"),
        b"\xef\xbb\xbf" + csv_bytes(*ROWS_EN, newline="\r\n"),
    ],
    ids=["utf-8", "utf-8-bom", "cp932", "crlf", "bom-crlf"],
)
def test_each_accepted_csv_encoding_imports_the_same_values(db: Database, data: bytes) -> None:
    result = run_import(db, data)
    assert counts(result) == ("imported", 3, 3, 0, 0), result.errors
    assert result.batch_id == 1 and result.errors == []
    assert current_values(db) == EXPECTED_EN
    assert current_notes(db)[("P1", "local_jobs", Q4, "U1")] == "地元採用"


def test_cp932_with_japanese_headers_wareki_and_extension_characters(db: Database) -> None:
    data = csv_bytes(
        JA_LONG_HEADER,
        "P1,joint_studies,令和8年3月31日,2,①㈱そらテックと髙橋研究室",
        "P1,local_jobs,R8.3.31,5,",
        "P1,time_to_implementation,2026年3月31日,48,㈱の工場①号棟",
        encoding="cp932",
        newline="\r\n",
    )
    data.decode("cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("shift_jis")  # ①, ㈱ and 髙 exist only in CP932
    result = run_import(db, data)
    assert counts(result) == ("imported", 3, 3, 0, 0), result.errors
    assert current_values(db) == EXPECTED_EN
    notes = current_notes(db)
    assert notes[("P1", "joint_studies", Q4, "U1")] == "①㈱そらテックと髙橋研究室"
    assert notes[("P1", "time_to_implementation", Q4, "U1")] == "㈱の工場①号棟"
    assert notes[("P1", "local_jobs", Q4, "U1")] == ""


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("project_code,kpi_code,period_end,value", "P1,joint_studies,2026-03-31,7"),
        ("プロジェクトコード,KPIコード,対象期間末日,値", "P1,joint_studies,2026-03-31,7"),
        ("プロジェクトコード,指標コード,期末日,実績値", "P1,joint_studies,2026-03-31,7"),
        (" Project_Code ,KPI_CODE,Period_End,Value", "P1,joint_studies,2026-03-31,7"),
        ("ｐｒｏｊｅｃｔ＿ｃｏｄｅ,kpi_code,period_end,value", "P1,joint_studies,2026-03-31,7"),
        ("value,period_end,kpi_code,project_code", "7,2026-03-31,joint_studies,P1"),
        ("機関コード,project_code,kpi_code,period_end,value", "U1,P1,joint_studies,2026-03-31,7"),
        ("報告機関コード,project_code,kpi_code,period_end,value", "U1,P1,joint_studies,2026-03-31,7"),
    ],
)
def test_long_header_spellings(db: Database, header: str, row: str) -> None:
    result = run_import(db, csv_bytes(header, row))
    assert counts(result) == ("imported", 1, 1, 0, 0), result.errors
    assert current_values(db) == {("P1", "joint_studies", Q4, "U1"): 7.0}


# -- values and dates as people type them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ('"1,234"', 1234.0),
        ("１２３", 123.0),
        ('"１，２３４"', 1234.0),
        (" 5 ", 5.0),
        ("\u30005\u3000", 5.0),  # full-width spaces
        ("12.5", 12.5),
        ("+3", 3.0),
        ("0", 0.0),
    ],
)
def test_values_as_people_type_them(db: Database, cell: str, value: float) -> None:
    result = run_import(db, csv_bytes("project_code,kpi_code,period_end,value", f"P1,local_jobs,{Q4},{cell}"))
    assert counts(result) == ("imported", 1, 1, 0, 0), result.errors
    assert current_values(db) == {("P1", "local_jobs", Q4, "U1"): value}


@pytest.mark.parametrize("cell", ["-5", "－５", "\u22125", '"-1,500"'])
def test_a_kpi_that_allows_negatives_accepts_them(db: Database, cell: str) -> None:
    result = run_import(db, csv_bytes("project_code,kpi_code,period_end,value", f"P1,balance,{Q4},{cell}"))
    assert counts(result) == ("imported", 1, 1, 0, 0), result.errors
    expected = -1500.0 if "1,500" in cell else -5.0
    assert current_values(db) == {("P1", "balance", Q4, "U1"): expected}


@pytest.mark.parametrize(
    "cell",
    [
        "2026-03-31",
        "2026/3/31",
        "2026/03/31",
        "2026.3.31",
        "2026年3月31日",
        "令和8年3月31日",
        "R8.3.31",
        "r8/3/31",
        "FY2025Q4",
        "fy2025 q4",
        "2025年度Q4",
        "2025年度第4四半期",
        "令和7年度Q4",
        "２０２６／３／３１",
        "2026-03-31 00:00:00",
    ],
)
def test_period_end_spellings(db: Database, cell: str) -> None:
    result = run_import(db, csv_bytes("project_code,kpi_code,period_end,value", f"P1,joint_studies,{cell},1"))
    assert counts(result) == ("imported", 1, 1, 0, 0), result.errors
    assert current_values(db) == {("P1", "joint_studies", Q4, "U1"): 1.0}


def test_other_fiscal_quarters_end_on_their_last_day(db: Database) -> None:
    data = csv_bytes(
        "project_code,kpi_code,period_end,value",
        "P1,joint_studies,FY2026Q1,1",
        "P1,joint_studies,2026年度Q2,2",
        "P1,joint_studies,FY2025Q3,3",
    )
    assert counts(run_import(db, data)) == ("imported", 3, 3, 0, 0)
    assert set(current_values(db)) == {
        ("P1", "joint_studies", "2026-06-30", "U1"),
        ("P1", "joint_studies", "2026-09-30", "U1"),
        ("P1", "joint_studies", "2025-12-31", "U1"),
    }


def test_period_ending_today_is_accepted(db: Database) -> None:
    data = csv_bytes("project_code,kpi_code,period_end,value", f"P1,joint_studies,{TODAY.isoformat()},1")
    assert counts(run_import(db, data)) == ("imported", 1, 1, 0, 0)


def test_blank_lines_are_skipped_and_rows_counts_data_rows(db: Database) -> None:
    data = csv_bytes(
        "",
        "project_code,kpi_code,period_end,value,organization_code,project_name",
        "",
        "P1,joint_studies,2026-03-31,2,U1,雪氷冷熱",
        ",,,,,",
        "P1,local_jobs,2026-03-31,5,,",
        "   ",
        newline="\r\n",
    )
    result = run_import(db, data)
    assert counts(result) == ("imported", 2, 2, 0, 0), result.errors
    # Trailing columns may be missing from a short row, like Excel writes them.
    short_row = csv_bytes("project_code,kpi_code,period_end,value,note", "P1,patents,2026-03-31,1")
    assert counts(run_import(db, short_row)) == ("imported", 1, 1, 0, 0)


def test_quoted_cells_with_commas_and_line_breaks(db: Database) -> None:
    data = csv_bytes(
        LONG_HEADER,
        'P1,joint_studies,2026-03-31,"1,200","A社, B社と\n共同"',
        "P1,local_jobs,2026-03-31,x,",  # the spreadsheet row after a two-line cell is row 3
    )
    rejected(db, data, [(3, "value", "invalid_number")], rows=2)
    fixed = run_import(db, data.replace(b"local_jobs,2026-03-31,x", b"local_jobs,2026-03-31,4"))
    assert counts(fixed) == ("imported", 2, 2, 0, 0)
    assert current_notes(db)[("P1", "joint_studies", Q4, "U1")] == "A社, B社と\n共同"
    assert current_values(db)[("P1", "joint_studies", Q4, "U1")] == 1200.0
