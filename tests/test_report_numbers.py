"""Issue 17: a figure reads with the same digits on the dashboard, in the executive report and in
the 効果検証 files: kpi.formatting.numbers.format_number is the one formatter (12.345 → 12.35)."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kpi.formatting.numbers import format_number
from kpi.portfolio.filters import Filters
from kpi.progress.forms import progress_grid
from kpi.progress.save import record_progress
from kpi.project.explain import fmt
from kpi.reports.evaluation import export_bytes, filtered_years
from kpi.reports.executive import report_html
from kpi.storage import Database
from tests.conftest import DEMO_TODAY, OPERATOR

HOKKAIDO = Filters(prefectures=("北海道",))  # P01
PERIOD = date(2026, 9, 30)  # in FY2026, which the report shows as the current (partial) year


def test_the_dashboard_formatter_and_format_number_agree() -> None:
    assert format_number(12.345, "en") == fmt(12.345) == "12.35"
    assert format_number(12.345, "ja", "百万円") == "12.35百万円"
    assert format_number(12.5, "en") == fmt(12.5) == "12.5"
    assert format_number(12.0, "en") == fmt(12.0) == "12"
    assert format_number(1234567.891, "en") == fmt(1234567.891) == "1,234,567.89"
    assert format_number(-0.004, "en") == "0"
    # The overview's and the report's headline figures: at most one decimal for months, none for counts.
    assert format_number(12.0, "en", at_most=1) == fmt(12.0, 1) == "12"
    assert format_number(4.55, "ja", at_most=1) == fmt(4.55, 1) == "4.5"
    assert format_number(7.6, "en", at_most=0) == fmt(7.6, 0) == "8"


def test_the_report_headline_writes_months_as_the_overview_does(demo_db_path: Path) -> None:
    """The report's time to implementation reads as the overview's card: "{n} months" with the
    overview's own formatter (fmt at one decimal), for every month figure of the headline."""
    from kpi.portfolio.overview import build_overview

    db = Database(demo_db_path)
    try:
        page = html.unescape(report_html(db, DEMO_TODAY, "en", Filters(), actor=OPERATOR))
        headline = build_overview(db, DEMO_TODAY, "en", Filters(), actor=OPERATOR).headline
    finally:
        db.close()
    for key in ("tti_median", "tti_plan_median"):
        assert f"{fmt(headline[key], 1)} months" in page


@pytest.fixture(scope="module")
def twelve_point_345(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database with P01's 共同研究 at 12.345 so far in FY2026: the Sep 2026 report of
    CO-HOKUSEI raised by 12.345 minus what FY2026 had."""
    copy = tmp_path_factory.mktemp("numbers") / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    db = Database(copy)
    try:
        grid = progress_grid(db, "P01", PERIOD, "CO-HOKUSEI", "en", actor=OPERATOR)
        row = grid[grid["kpi_code"] == "joint_studies"].iloc[0]
        before = _fy2026_joint_studies(db)
        value = (0.0 if pd.isna(row["value"]) else float(row["value"])) + round(12.345 - before, 6)
        version = None if pd.isna(row["version_id"]) else int(row["version_id"])
        key = ("P01", "joint_studies", PERIOD, "CO-HOKUSEI")
        rows = pd.DataFrame(
            [dict(zip(("project_code", "kpi_code", "period_end", "organization_code"), key, strict=True))]
        ).assign(value=value, note="issue 17")
        record_progress(
            db, rows, base_versions={key: version}, actor=OPERATOR, lang="en", today=DEMO_TODAY,
            explanations={("P01", "joint_studies"): "issue 17"},
        )  # fmt: skip
        assert round(_fy2026_joint_studies(db), 6) == 12.345
    finally:
        db.close()
    return copy


def _fy2026_joint_studies(db: Database) -> float:
    """P01 共同研究's FY2026 実績値 so far, as stored (the report shows it as "9 (partial)")."""
    years = filtered_years(db, DEMO_TODAY, HOKKAIDO, actor=OPERATOR)
    row = years[(years["project_code"] == "P01") & (years["kpi_code"] == "joint_studies")]
    return float(row.loc[row["fiscal_year"] == 2026, "actual"].iloc[0])


def _joint_studies(page: str) -> list[str]:
    start = page.index('<h2 id="years">')
    section = page[start : page.index("<h2>", start)]
    for row in re.findall(r"<tr>(.*?)</tr>", section):
        if ">Joint studies<" in row:
            return [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    raise AssertionError("no Joint studies row")


def test_the_report_reads_12_345_as_the_dashboard_does(twelve_point_345: Path) -> None:
    db = Database(twelve_point_345)
    try:
        page = report_html(db, DEMO_TODAY, "en", HOKKAIDO, actor=OPERATOR)
        ja = report_html(db, DEMO_TODAY, "ja", HOKKAIDO, actor=OPERATOR)
        data, _ = export_bytes(db, DEMO_TODAY, "en", "csv", HOKKAIDO, actor=OPERATOR)
    finally:
        db.close()
    shown = fmt(12.345)  # what the dashboard writes
    assert shown == "12.35"
    assert _joint_studies(page)[-4] == f"{shown} (partial)"
    assert f"<td class='n'>{shown}（途中）</td>" in ja
    # The 効果検証 CSV holds the same figure: 12.35, not 12.3.
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    figures = {r[k] for r in rows for k in r if r[k] and r[k].startswith("12.3")}
    assert figures == {shown}
