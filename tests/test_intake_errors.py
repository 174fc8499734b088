"""Partner file intake (SPEC section 4): errors about the whole file.

encoding, empty_file, missing_column and too_large: each rejected file lists exactly the expected
(row, column, code) triples (both null for the whole file) and leaves every table as it was.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from kpi.intake.error_report import error_table
from kpi.storage import Database
from tests.test_intake import (
    JA_LONG_HEADER,
    Errors,
    csv_bytes,
    registry_db,
    rejected,
    run_import,
    set_setting,
    xlsx_bytes,
)

HEADER = "project_code,kpi_code,period_end,value"


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    return registry_db(fresh_db, tmp_path / "registry")


# -- whole-file errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # Invalid in UTF-8 and a byte CP932 maps to a control character, on line 3.
        (
            csv_bytes(HEADER, "P1,joint_studies,2026-03-31,1") + b"P1,local_jobs,2026-03-31,\x80\n",
            [(3, None, "encoding")],
        ),
        # A UTF-8 BOM declares UTF-8: CP932 text after it is an error, not a cue to guess.
        (
            b"\xef\xbb\xbf" + csv_bytes(HEADER, "P1,joint_studies,2026-03-31,1,備考", encoding="cp932"),
            [(2, None, "encoding")],
        ),
        # A UTF-8 file with one corrupt byte: UTF-8 got further, so its line is reported.
        (
            csv_bytes(HEADER, "P1,joint_studies,2026-03-31,1,備考") + b"P1,local_jobs,2026-03-31,\xff\n",
            [(3, None, "encoding")],
        ),
        # Excel's "Unicode text" is UTF-16: a problem with the whole file.
        ("\ufeff".join(["", HEADER + "\n"]).encode("utf-16-le"), [(None, None, "encoding")]),
        # An old .xls workbook is neither text nor .xlsx.
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4, [(1, None, "encoding")]),
    ],
    ids=["stray-byte", "bom-then-cp932", "corrupt-utf8", "utf-16", "xls"],
)
def test_encoding(db: Database, data: bytes, expected: Errors) -> None:
    rejected(db, data, expected, rows=0)


def _with_broken_sheet(workbook: bytes) -> bytes:
    """The same .xlsx with its first sheet's XML cut in half."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)
    return out.getvalue()


GOOD_XLSX = xlsx_bytes(
    [["project_code", "kpi_code", "period_end", "value"], ["P1", "joint_studies", "FY2025Q4", 1]]
)


@pytest.mark.parametrize(
    "data",
    [GOOD_XLSX[:300], b"PK\x03\x04" + b"\x00" * 64, _with_broken_sheet(GOOD_XLSX)],
    ids=["truncated", "not-a-workbook", "broken-sheet-xml"],
)
def test_damaged_xlsx_is_rejected_not_a_crash(db: Database, data: bytes) -> None:
    rejected(db, data, [(None, None, "corrupt_file")], rows=0)
    assert run_import(db, GOOD_XLSX).status == "imported"  # the intact file is fine


def test_whole_file_encoding_message_names_no_line(db: Database) -> None:
    result = run_import(db, (HEADER + "\n").encode("utf-16"))
    assert "None" not in result.errors[0].message


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n\n",
        b"\r\n  \r\n,,,\r\n\t\r\n",
        b"\xef\xbb\xbf",
        csv_bytes(HEADER),
        csv_bytes(HEADER, "", ",,,", newline="\r\n"),
        b"\xef\xbb\xbf" + csv_bytes(JA_LONG_HEADER),
        csv_bytes(JA_LONG_HEADER, encoding="cp932"),
        csv_bytes("project_code,period_end,joint_studies,local_jobs"),
        xlsx_bytes([]),
        xlsx_bytes([["project_code", "kpi_code", "period_end", "value"], [None, None, None, None]]),
    ],
    ids=[
        "zero-bytes",
        "blank-lines",
        "blank-cells",
        "bom-only",
        "header-only",
        "header-and-blank-rows",
        "bom-header-only",
        "cp932-header-only",
        "wide-header-only",
        "xlsx-empty",
        "xlsx-header-only",
    ],
)
def test_empty_file(db: Database, data: bytes) -> None:
    result = rejected(db, data, [(None, None, "empty_file")], rows=0)
    assert result.errors[0].message == "The file has no data rows."


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        ("project_code,kpi_code,value", "P1,joint_studies,1", [(None, "period_end", "missing_column")]),
        (
            "kpi_code,value",
            "joint_studies,1",
            [(None, "period_end", "missing_column"), (None, "project_code", "missing_column")],
        ),
        (
            "project_code,kpi_code,period_end,amount",
            "P1,joint_studies,2026-03-31,1",
            [(None, "value", "missing_column")],
        ),
        ("プロジェクトコード,期末日,実績値", "P1,2026-03-31,1", [(None, "kpi_code", "missing_column")]),
        # Neither a KPI column nor kpi_code/value: what a long file needs.
        (
            "project_code,period_end,note",
            "P1,2026-03-31,x",
            [(None, "kpi_code", "missing_column"), (None, "value", "missing_column")],
        ),
        ("project_code,joint_studies", "P1,1", [(None, "period_end", "missing_column")]),
        ("期末日,共同研究の件数", "2026-03-31,1", [(None, "project_code", "missing_column")]),
    ],
)
def test_missing_column(db: Database, header: str, row: str, expected: Errors) -> None:
    rejected(db, csv_bytes(header, row), expected, rows=1)


def test_too_large_in_bytes(db: Database) -> None:
    data = csv_bytes(HEADER, "P1,joint_studies,2026-03-31,1")
    set_setting(db, "import_max_bytes", str(len(data) - 1))
    result = rejected(db, data, [(None, None, "too_large")], rows=0)
    assert (
        result.errors[0].message
        == f"The file is too large: {len(data)} bytes (the limit is {len(data) - 1} bytes)."
    )


def test_default_byte_limit_is_20_mb(db: Database) -> None:
    line = "P1,joint_studies,2026-03-31,1\n"
    data = (HEADER + "\n" + line * (20 * 1024 * 1024 // len(line) + 1)).encode()
    result = rejected(db, data, [(None, None, "too_large")], rows=0)
    assert "21.0 MB" in result.errors[0].message or "20.0 MB" in result.errors[0].message


THREE_ROWS = ("P1,joint_studies,FY2025Q1,1", "P1,joint_studies,FY2025Q2,1", "P1,joint_studies,FY2025Q3,1")


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes(HEADER, *THREE_ROWS),
        csv_bytes(
            "project_code,period_end,joint_studies", "P1,FY2025Q1,1", "", "P1,FY2025Q2,1", "P1,FY2025Q3,"
        ),
        xlsx_bytes([HEADER.split(","), *(row.split(",") for row in THREE_ROWS)]),
    ],
    ids=["csv-long", "csv-wide", "xlsx"],
)
def test_too_large_in_rows(db: Database, data: bytes) -> None:
    set_setting(db, "import_max_rows", "2")
    result = rejected(db, data, [(None, None, "too_large")], rows=0)
    assert result.errors[0].message == "The file is too large: 3 rows (the limit is 2 rows)."


# -- the column as the file wrote it ------------------------------------------------------------


def test_error_table_names_the_header_as_written_and_the_files_own_row(db: Database) -> None:
    """A wide file under a title: each error names the KPI column as its header reads (unit and
    all), on the row a spreadsheet shows; the canonical code stays in ValidationError.column."""
    data = csv_bytes(
        "令和8年度 実績報告,,,,",
        "",
        "プロジェクトコード,期末日,特許出願件数（件）,収支（百万円）,備考",
        "P1,2026-09-30,-1,3,",
        "P1,2026-06-30,2,abc,",
        encoding="cp932",
    )
    result = rejected(
        db, data, [(4, "patents", "negative_value"), (5, "balance", "invalid_number")], lang="ja"
    )
    assert [e.header for e in result.errors] == ["特許出願件数（件）", "収支（百万円）"]
    table = error_table(result.errors, "ja")
    assert table[["行", "列"]].values.tolist() == [[4, "特許出願件数（件）"], [5, "収支（百万円）"]]
    assert table["内容"].tolist() == [
        "4 行目: 「特許出願件数（件）」が -1 ですが、KPI「patents」は負の値にできません。",
        "5 行目: 「収支（百万円）」の「abc」は数値ではありません。",
    ]
    assert "header" not in result.errors[0].as_dict()  # SPEC section 5's JSON keeps its keys


def test_a_header_written_as_its_code_is_named_as_the_code(db: Database) -> None:
    result = rejected(db, csv_bytes("project_code,period_end,patents", "P1,2026-09-30,-1"),
                      [(2, "patents", "negative_value")])  # fmt: skip
    assert result.errors[0].header is None
    assert error_table(result.errors, "en")["Column"].tolist() == ["patents"]


def test_a_unit_in_the_header_is_the_unit_of_its_numbers(db: Database) -> None:
    """`収支（千円）` over a 百万円 KPI: 2,500 is 2.5 (never 2,500); a unit that is not the KPI's
    is refused naming both, not read as a bare number."""
    data = csv_bytes("project_code,period_end,収支（千円）,patents (件)", 'P1,2026-09-30,"2,500",2')
    result = run_import(db, data, dry_run=True)
    assert result.status == "valid", result.errors
    assert result.changes is not None
    assert sorted(zip(result.changes["kpi_code"], result.changes["value"], strict=True)) == [
        ("balance", 2.5), ("patents", 2.0)]  # fmt: skip
    wrong = rejected(db, csv_bytes("project_code,period_end,patents (人)", "P1,2026-09-30,2"),
                     [(2, "patents", "unit_mismatch")])  # fmt: skip
    assert wrong.errors[0].message == (
        "Row 2: “2” in “patents (人)” is written in 人, but KPI “Patent applications” is counted in 件. "
        "Write the figure in 件, or the number alone."
    )
    assert wrong.errors[0].header == "patents (人)"
