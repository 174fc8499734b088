"""The latest closed quarter, computed once (kpi/fiscal.py) with the fiscal-year start setting (issue 17).

The demo's anchor (the last quarter its reports reach), the freshness page's period due and the
template's period end are the quarter and year ends a person expects for the database's
fiscal_year_start_month; no other module computes them.
"""

from __future__ import annotations

import ast
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from kpi.access import Actor
from kpi.demo.load import load_demo
from kpi.demo.portfolio import demo_portfolio
from kpi.portfolio.freshness import closed_period_end
from kpi.storage import Database
from kpi.storage.registry import read_settings, write_setting

ROOT = Path(__file__).parent.parent
TODAY = date(2026, 11, 26)


def _demo_actuals(tmp_path: Path, start_month: int) -> pd.DataFrame:
    """The actuals of a demo loaded into a database whose fiscal year starts in `start_month`."""
    db = Database(tmp_path / "kpi.duckdb")
    db.migrate()
    with db.transaction() as cursor:
        write_setting(
            cursor, "fiscal_year_start_month", str(start_month), actor="tester", now=datetime(2026, 11, 1)
        )
    assert load_demo(db, TODAY, actor=Actor.operator("tester")) is not None
    with db.cursor() as cursor:
        assert read_settings(cursor).fiscal_year_start_month == start_month
        actuals = cursor.execute("SELECT project_code, kpi_code, period_end FROM actual_versions").df()
    db.close()
    return actuals


@pytest.mark.parametrize(
    ("start_month", "anchor", "quarter_days", "population_days"),
    [
        # 2026-11-26: the last closed quarter ended 2026-09-30; 定住人口 is counted at each
        # fiscal year's end, 31 March with the April start, 31 December with the January start.
        (4, date(2026, 9, 30), {"03-31", "06-30", "09-30", "12-31"}, {"03-31"}),
        (1, date(2026, 9, 30), {"03-31", "06-30", "09-30", "12-31"}, {"12-31"}),
        # March start: quarters end 31 May, 31 Aug, 30 Nov and end of February; 2026-11-30 has
        # not come yet, so the demo reaches 2026-08-31 (the old demo said 2026-09-30).
        (3, date(2026, 8, 31), {"05-31", "08-31", "11-30", "02-28", "02-29"}, {"02-28", "02-29"}),
    ],
)
def test_the_demo_reaches_the_last_closed_quarter_of_the_setting(
    tmp_path: Path, start_month: int, anchor: date, quarter_days: set[str], population_days: set[str]
) -> None:
    actuals = _demo_actuals(tmp_path, start_month)
    ends = pd.to_datetime(actuals["period_end"])
    assert ends.max() == pd.Timestamp(anchor)
    quarterly = ends[~actuals["kpi_code"].isin(["tourist_visitors", "resident_population"])]
    assert set(quarterly.dt.strftime("%m-%d")) <= quarter_days
    assert (quarterly == pd.Timestamp(anchor)).any()  # the anchor quarter is reported
    population = ends[actuals["kpi_code"] == "resident_population"]
    assert not population.empty and set(population.dt.strftime("%m-%d")) <= population_days


def test_demo_portfolio_defaults_to_april() -> None:
    april = demo_portfolio(TODAY).actuals
    assert april["period_end"].max() == pd.Timestamp(2026, 9, 30)
    assert demo_portfolio(TODAY, 4).actuals.equals(april)


@pytest.mark.parametrize(
    ("day", "frequency", "start_month", "due"),
    [
        # The period due on 2026-11-26: the same quarter for a January or April start, …
        (TODAY, "quarter", 4, date(2026, 9, 30)),
        (TODAY, "quarter", 1, date(2026, 9, 30)),
        # … but another year: FY2025 ended 2026-03-31 (April) or 2025-12-31 (January).
        (TODAY, "year", 4, date(2026, 3, 31)),
        (TODAY, "year", 1, date(2025, 12, 31)),
        # On 2026-01-05 the quarter Oct–Dec has closed: Q3 of FY2025 (April), Q4 of FY2025 (January).
        (date(2026, 1, 5), "quarter", 4, date(2025, 12, 31)),
        (date(2026, 1, 5), "quarter", 1, date(2025, 12, 31)),
        (date(2026, 1, 5), "year", 1, date(2025, 12, 31)),
        (date(2026, 1, 5), "year", 4, date(2025, 3, 31)),
        # A quarter's or year's last day closes it.
        (date(2026, 12, 31), "year", 1, date(2026, 12, 31)),
        (date(2026, 3, 31), "quarter", 4, date(2026, 3, 31)),
        # March start: the quarter Sep–Nov is still open on 2026-11-26.
        (TODAY, "quarter", 3, date(2026, 8, 31)),
        (TODAY, "year", 3, date(2026, 2, 28)),
    ],
)
def test_freshness_period_due(day: date, frequency: str, start_month: int, due: date) -> None:
    assert closed_period_end(day, frequency, start_month) == due


# The helpers kpi/fiscal.py holds, and names the copies it replaced went by.
FISCAL_HELPERS = {
    "last_closed_quarter_end",
    "closed_quarter_ends",
    "last_closed_fiscal_year",
    "last_quarter_end",
}


def test_closed_periods_are_computed_in_kpi_fiscal_only() -> None:
    offenders = []
    for path in sorted((ROOT / "kpi").rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name in FISCAL_HELPERS and where != "kpi/fiscal.py":
                offenders.append(f"{where}: def {node.name}")
            if isinstance(node, ast.ImportFrom) and node.module != "kpi.fiscal":
                offenders += [f"{where}: from {node.module}" for a in node.names if a.name in FISCAL_HELPERS]
    assert offenders == []
