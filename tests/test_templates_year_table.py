"""The upload template in the year-table layout (効果検証 sheets): one row per project × KPI targeted
for it, one column per fiscal year of the projects; and that a filled-in template imports."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.intake.service import import_file
from kpi.intake.templates import template_bytes, template_frame, template_years, year_table_frame
from kpi.storage import Database
from tests.conftest import DEMO_TODAY, OPERATOR
from tests.test_intake import set_setting

PARTNER = Actor("demo-partner", Role.PARTNER, "UNI-SETOUCHI")
# The demo partner's organization: P10 (from 2026-10-01), P18 (2025-01-01), P20 (2023-04-01).
ORG = "UNI-SETOUCHI"
P10 = ("P10", "洋上風力と地域漁業の共生モデル", "Offshore wind power coexisting with local fisheries")
P18 = ("P18", "遠隔服薬指導と見守りの実証", "Remote medication guidance and monitoring")
P20 = ("P20", "IoTブイによる牡蠣養殖の水温管理", "IoT buoys for water-temperature control in oyster farming")
# (project, KPI code, Japanese name, unit ja, unit en) in the template's order: projects by code,
# each project's targeted KPIs in catalog order (built-in first, then by code).
# Levels (time_to_implementation, satisfaction_rate) only: the flows of these projects (joint
# studies, jobs, funding, patents) are reported per quarter, so a year's figure has no place.
ROWS = [
    (P10, "time_to_implementation", "社会実装までの期間", "か月", "months"),
    (P18, "time_to_implementation", "社会実装までの期間", "か月", "months"),
    (P18, "satisfaction_rate", "利用者満足度", "%", "%"),
    (P20, "time_to_implementation", "社会実装までの期間", "か月", "months"),
]


def test_japanese_year_table_template(demo_db: Database) -> None:
    frame = year_table_frame(demo_db, ORG, "ja", DEMO_TODAY, actor=PARTNER)
    # P20 starts in FY2023; today (2026-11-26) is in FY2026, which has not ended: no column for it.
    assert list(frame.columns) == [
        "プロジェクトコード", "プロジェクト名", "指標名", "単位", "2023年度", "2024年度", "2025年度",
    ]  # fmt: skip
    assert frame.values.tolist() == [[p[0], p[1], name, unit, "", "", ""] for p, _, name, unit, _ in ROWS]


def test_english_year_table_template(demo_db: Database) -> None:
    frame = template_frame(demo_db, ORG, "en", DEMO_TODAY, actor=PARTNER, layout="year_table")
    assert list(frame.columns) == [
        "project_code", "project_name", "kpi_code", "unit", "FY2023", "FY2024", "FY2025",
    ]  # fmt: skip
    assert frame.values.tolist() == [[p[0], p[2], code, unit, "", "", ""] for p, code, _, _, unit in ROWS]


def test_the_wide_template_is_still_one_row_per_project(demo_db: Database) -> None:
    frame = template_frame(demo_db, ORG, "ja", DEMO_TODAY, actor=PARTNER)
    assert list(frame.columns) == [
        "プロジェクトコード", "プロジェクト名", "期末日", "共同研究の件数（件）", "地域雇用の創出数（人）",
        "社会実装までの期間（か月）", "外部資金獲得額（百万円）", "特許出願件数（件）", "利用者満足度（%）",
        "備考",
    ]  # fmt: skip
    assert frame["プロジェクトコード"].tolist() == ["P10", "P18", "P20"]
    assert set(frame["期末日"]) == {"2026-09-30"}  # the latest closed quarter


def test_another_organizations_year_table_is_forbidden(demo_db: Database) -> None:
    with pytest.raises(Forbidden):
        year_table_frame(demo_db, "UNI-HOKUTO", "ja", DEMO_TODAY, actor=PARTNER)


@pytest.mark.parametrize(
    "starts, ends, today, start_month, expected",
    [
        # from the earliest start's fiscal year to the last that has ended (not today's) ...
        ([date(2023, 4, 1), date(2025, 1, 1)], [date(2028, 3, 31), None], DEMO_TODAY, 4,
         [2023, 2024, 2025]),
        # ... a year ending today has ended; a start in January belongs to the fiscal year before
        ([date(2024, 1, 15)], [None], date(2025, 3, 31), 4, [2023, 2024]),
        # ... but not with a January start: fiscal years are calendar years then
        ([date(2024, 1, 15)], [None], date(2025, 3, 31), 1, [2024]),
        # never beyond the last project's end
        ([date(2020, 4, 1), date(2021, 6, 1)], [date(2022, 3, 31), date(2023, 3, 31)], DEMO_TODAY, 4,
         [2020, 2021, 2022]),
        # an open-ended project keeps the years open up to the last ended one
        ([date(2020, 4, 1), date(2021, 6, 1)], [date(2022, 3, 31), None], DEMO_TODAY, 4,
         [2020, 2021, 2022, 2023, 2024, 2025]),
        # projects that start after today: no year to report yet
        ([date(2027, 4, 1)], [None], DEMO_TODAY, 4, []),
        ([], [], DEMO_TODAY, 4, []),
    ],
)  # fmt: skip
def test_template_years(
    starts: list[date], ends: list[date | None], today: date, start_month: int, expected: list[int]
) -> None:
    assert template_years(starts, ends, today, start_month) == expected


def test_year_columns_follow_the_fiscal_year_start_setting(demo_db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, copy)
    db = Database(copy)
    # GOV-NAGANO's one project starts 2026-01-01: in FY2025 with the April start ...
    assert list(year_table_frame(db, "GOV-NAGANO", "ja", DEMO_TODAY, actor=OPERATOR).columns)[4:] == [
        "2025年度",
    ]  # fmt: skip
    # ... in FY2026 when fiscal years start in January, which has not ended: no year to report.
    set_setting(db, "fiscal_year_start_month", "1")
    frame = year_table_frame(db, "GOV-NAGANO", "ja", DEMO_TODAY, actor=OPERATOR)
    assert list(frame.columns)[4:] == []


def test_year_columns_end_with_the_projects(demo_db: Database) -> None:
    # CO-KIRAMEKI's one project ran 2021-10-01 … 2024-09-30: no column after FY2024.
    frame = year_table_frame(demo_db, "CO-KIRAMEKI", "en", DEMO_TODAY, actor=OPERATOR)
    assert list(frame.columns)[4:] == ["FY2021", "FY2022", "FY2023", "FY2024"]


def _read(data: bytes, fmt: str) -> list[list[object]]:
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert sheet is not None
        return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    text = data.decode("utf-8-sig" if fmt == "csv" else "cp932")
    return [list[object](line.split(",")) for line in text.split("\r\n") if line]


@pytest.mark.parametrize("fmt", ["csv", "csv-cp932", "xlsx"])
def test_year_table_template_files(demo_db: Database, fmt: str) -> None:
    frame = year_table_frame(demo_db, ORG, "ja", DEMO_TODAY, actor=PARTNER)
    data = template_bytes(frame, fmt)
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = _read(data, fmt)
    assert rows[0] == list(frame.columns)
    assert rows[1] == ["P10", "洋上風力と地域漁業の共生モデル", "社会実装までの期間", "か月", "", "", ""]
    assert len(rows) == 1 + len(ROWS)


def _filled(frame: pd.DataFrame, years: list[str]) -> pd.DataFrame:
    """Every cell of the given years filled with 1, as a person types numbers into the sheet;
    the other year columns left empty."""
    filled = frame.copy()
    for year in years:
        filled[year] = 1
    return filled


@pytest.mark.parametrize("fmt", ["csv", "csv-cp932", "xlsx"])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_filled_year_table_template_imports(demo_db: Database, lang: str, fmt: str) -> None:
    frame = year_table_frame(demo_db, ORG, lang, DEMO_TODAY, actor=PARTNER)
    ended = list(frame.columns)[4:]  # FY2026 is in progress: the template stops at FY2025
    assert ended == (["2023年度", "2024年度", "2025年度"] if lang == "ja" else ["FY2023", "FY2024", "FY2025"])
    data = template_bytes(_filled(frame, ended), fmt)
    result = import_file(demo_db, data, file_name=f"years.{fmt}", organization_code=ORG, actor=PARTNER,
                         lang=lang, today=DEMO_TODAY, dry_run=True)  # fmt: skip
    assert result.status == "valid", result.errors
    assert result.format == "year_table"
    assert result.header_row == 1 and result.skipped_rows == []
    # 4 rows × 3 years = 12 values at 2024-03-31, 2025-03-31 and 2026-03-31. The demo holds
    # UNI-SETOUCHI's P18 time_to_implementation and satisfaction_rate at the last two: updated.
    assert (result.rows, result.inserted, result.updated, result.unchanged) == (4, 8, 4, 0)
    assert result.not_reported == 0  # every year filled
    ignored = ["プロジェクト名", "単位"] if lang == "ja" else ["project_name", "unit"]
    assert result.ignored_columns == ignored  # as written in the template's header
    assert result.changes is not None
    changed = result.changes.set_index(["project_code", "kpi_code", "period_end"])
    p18 = changed.xs(("P18", "satisfaction_rate", pd.Timestamp("2026-03-31")))
    assert isinstance(p18, pd.Series)  # the full key of one row
    assert (p18["current_value"], p18["value"], p18["change"]) == (61.0, 1.0, "updated")
    assert changed.loc[("P10", "time_to_implementation", pd.Timestamp("2024-03-31")), "change"] == "inserted"
