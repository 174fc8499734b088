"""Partner file intake (SPEC section 4): .xlsx, the wide format, and the upload templates."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from kpi.intake.templates import template_bytes, template_frame
from kpi.storage import Database
from tests.conftest import OPERATOR
from tests.test_intake import (
    Q4,
    TODAY,
    counts,
    csv_bytes,
    current_notes,
    current_values,
    registry_db,
    run_import,
    set_setting,
    xlsx_bytes,
)


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    return registry_db(fresh_db, tmp_path / "registry")


# -- .xlsx ------------------------------------------------------------------------------------------


def test_xlsx_with_date_cells_text_dates_and_numbers(db: Database) -> None:
    data = xlsx_bytes(
        [
            ["プロジェクトコード", "指標コード", "期末日", "実績値", "備考"],
            ["P1", "joint_studies", datetime(2026, 3, 31), 2, "①㈱髙"],
            ["P1", "local_jobs", date(2026, 6, 30), 5.0, None],
            ["P1", "time_to_implementation", "R8.9.30", "48", None],
            [None, None, None, None, None],
            ["P1", "balance", "2025年度Q4", -1.5, "赤字"],
            ["P1", "patents", "2026/3/31", " １，２３４ ", ""],
        ]
    )
    result = run_import(db, data, name="actuals.xlsx")
    assert counts(result) == ("imported", 5, 5, 0, 0), result.errors
    assert current_values(db) == {
        ("P1", "joint_studies", Q4, "U1"): 2.0,
        ("P1", "local_jobs", "2026-06-30", "U1"): 5.0,
        ("P1", "time_to_implementation", "2026-09-30", "U1"): 48.0,
        ("P1", "balance", Q4, "U1"): -1.5,
        ("P1", "patents", Q4, "U1"): 1234.0,
    }
    assert current_notes(db)[("P1", "joint_studies", Q4, "U1")] == "①㈱髙"


def test_xlsx_reads_only_the_first_sheet_and_numeric_codes(db: Database) -> None:
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.append(["project_code", "kpi_code", "period_end", "value"])
    first.append(["P1", "joint_studies", date(2026, 3, 31), 3])
    other = workbook.create_sheet("notes")
    other.append(["this sheet is ignored"])
    other.append(["P9", "nope", "soon", "many"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run_import(db, buffer.getvalue(), name="a.xlsx")
    assert counts(result) == ("imported", 1, 1, 0, 0), result.errors


def test_xlsx_wide_format(db: Database) -> None:
    data = xlsx_bytes(
        [
            ["project_code", "period_end", "joint_studies", "地域雇用の創出数", "note"],
            ["P1", date(2026, 3, 31), 2, None, "Q4"],
            ["P1", "FY2026Q1", 1, 4, None],
        ]
    )
    result = run_import(db, data, name="wide.xlsx")
    assert counts(result) == ("imported", 2, 3, 0, 0), result.errors
    assert current_values(db) == {
        ("P1", "joint_studies", Q4, "U1"): 2.0,
        ("P1", "joint_studies", "2026-06-30", "U1"): 1.0,
        ("P1", "local_jobs", "2026-06-30", "U1"): 4.0,
    }


# -- wide format ------------------------------------------------------------------------------------


def test_wide_format_by_kpi_code_counts_one_value_per_cell(db: Database) -> None:
    data = csv_bytes(
        "project_code,period_end,joint_studies,local_jobs,time_to_implementation,note",
        "P1,2026-03-31,2,5,,年度末",
        "P1,FY2026Q1,1,,40,",
        "P1,2026/9/30,,,,",  # nothing reported in this row
    )
    result = run_import(db, data)
    assert counts(result) == ("imported", 3, 4, 0, 0), result.errors
    assert current_values(db) == {
        ("P1", "joint_studies", Q4, "U1"): 2.0,
        ("P1", "local_jobs", Q4, "U1"): 5.0,
        ("P1", "joint_studies", "2026-06-30", "U1"): 1.0,
        ("P1", "time_to_implementation", "2026-06-30", "U1"): 40.0,
    }
    assert current_notes(db)[("P1", "local_jobs", Q4, "U1")] == "年度末"


def test_wide_format_with_japanese_names_in_cp932(db: Database) -> None:
    data = csv_bytes(
        "プロジェクトコード,プロジェクト名,期末日,共同研究の件数,地域雇用の創出数,収支,特許出願件数,備考",
        'P1,雪氷冷熱,令和8年3月31日,"1,234",１２,－３, 2 ,㈱①髙',
        newline="\r\n",
        encoding="cp932",
    )
    result = run_import(db, data)
    assert counts(result) == ("imported", 1, 4, 0, 0), result.errors
    assert current_values(db) == {
        ("P1", "joint_studies", Q4, "U1"): 1234.0,
        ("P1", "local_jobs", Q4, "U1"): 12.0,
        ("P1", "balance", Q4, "U1"): -3.0,
        ("P1", "patents", Q4, "U1"): 2.0,
    }
    assert set(current_notes(db).values()) == {"㈱①髙"}


@pytest.mark.parametrize("fmt", ["csv", "csv-cp932", "xlsx"])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_filled_in_upload_template_imports(db: Database, fmt: str, lang: str) -> None:
    frame = template_frame(db, "C1", lang, TODAY, actor=OPERATOR)
    kpi_columns = (  # the unit rides in the header and is read past on the way back
        ["共同研究の件数（件）", "収支（百万円）"]
        if lang == "ja"
        else ["joint_studies (studies)", "balance (百万円)"]
    )
    assert kpi_columns[0] in frame.columns and kpi_columns[1] in frame.columns
    frame[kpi_columns[0]] = 3  # typed into the spreadsheet as numbers
    frame[kpi_columns[1]] = -2
    result = run_import(db, template_bytes(frame, fmt), org="C1", name=f"template.{fmt}")
    assert counts(result) == ("imported", 1, 2, 0, 0), result.errors
    assert current_values(db) == {
        ("P1", "joint_studies", "2026-09-30", "C1"): 3.0,
        ("P1", "balance", "2026-09-30", "C1"): -2.0,
    }


def test_unfilled_template_imports_no_values(db: Database) -> None:
    # One row per project with the period filled in and every KPI cell empty: "not reported".
    data = template_bytes(template_frame(db, "U1", "ja", TODAY, actor=OPERATOR), "csv")
    result = run_import(db, data)
    assert counts(result) == ("imported", 1, 0, 0, 0), result.errors
    assert current_values(db) == {}


def test_limits_that_are_not_exceeded_accept_the_file(db: Database) -> None:
    data = csv_bytes(
        "project_code,kpi_code,period_end,value", "P1,joint_studies,FY2025Q4,1", "P1,local_jobs,FY2025Q4,2"
    )
    set_setting(db, "import_max_rows", "2")
    set_setting(db, "import_max_bytes", str(len(data)))
    assert counts(run_import(db, data)) == ("imported", 2, 2, 0, 0)
