"""The project page's per-KPI tables, charts and explanations on the new KPIs of the demo, with real numbers.

P08 入域観光客数 (yearly flow, monthly reports, a target per 年度), P07 定住人口 (managed decline),
P03 利用者満足度 (ratio, no baseline): what the page shows must equal `portfolio_status` and
`portfolio_years`, and read as SPEC section 3 says.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.portfolio.status import portfolio_status
from kpi.project.view import KpiStory, build_project_view
from kpi.project.years import day_label, plan_of, point_achievement
from kpi.storage import Database
from kpi.storage.project import project_kpis
from kpi.storage.registry import current_targets, write_setting
from tests.conftest import DEMO_TODAY, OPERATOR

PROJECTS = [f"P{n:02d}" for n in range(1, 25)]


def _story(db: Database, code: str, kpi: str, lang: str = "en", **kw: Any) -> KpiStory:
    view = build_project_view(db, code, DEMO_TODAY, lang, actor=kw.pop("actor", OPERATOR), **kw)
    assert view is not None
    return next(s for s in view.kpis if s.kpi_code == kpi)


def _traces(story: KpiStory) -> dict[str, Any]:
    return {trace.name: trace for trace in story.figure.data}


# -- the 達成率 formula, one point at a time ------------------------------------------------------
PROGRESS = {"direction": "higher", "achievement": "progress"}
LOWER = {"direction": "lower", "achievement": "progress"}
RATIO = {"direction": "higher", "achievement": "ratio"}


def _plan(baseline: float | None, *finals: float) -> dict[str, Any]:
    points = [{"day": date(2030 + i, 3, 31), "value": v, "horizon": None} for i, v in enumerate(finals)]
    return {"baseline_value": baseline, "baseline_date": date(2024, 3, 31), "points": points}


@pytest.mark.parametrize(
    "v, target, plan, kpi, expected",
    [
        (15.0, 20.0, _plan(10.0, 20.0), PROGRESS, 0.5),  # ② (V − B) / (T − B)
        (50.0, 40.0, _plan(60.0, 40.0), LOWER, 0.5),  # lower is better: the signs cancel
        (10.0, 10.0, _plan(10.0, 10.0), PROGRESS, 1.0),  # T = B: at or better
        (9.0, 10.0, _plan(10.0, 10.0), PROGRESS, 0.0),
        (73.0, 90.0, _plan(None, 90.0), RATIO, 73.0 / 90.0),  # ① V / T
        (0.0, 0.0, _plan(None, 0.0), RATIO, 1.0),
        (12_240.0, 12_100.0, _plan(12_400.0, 12_100.0, 11_800.0), PROGRESS, 1.0),  # decline, met
        # decline, short: 1 − s(T) / |B − T| = 1 − (12,300 − 12,240) / 100
        (12_240.0, 12_300.0, _plan(12_400.0, 12_300.0, 11_800.0), PROGRESS, 1.0 - 60.0 / 100.0),
        (None, 10.0, _plan(0.0, 10.0), PROGRESS, None),
    ],
)
def test_point_achievement(
    v: float | None, target: float, plan: dict[str, Any], kpi: dict[str, Any], expected: float | None
) -> None:
    assert point_achievement(v, target, plan, kpi) == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    "day, lang, wareki, shown",
    [
        (date(2026, 3, 31), "ja", False, "2025年度"),
        (date(2026, 3, 31), "en", False, "FY2025"),
        (date(2026, 3, 31), "ja", True, "令和7年度"),
        (date(2026, 6, 30), "ja", False, "2026年6月30日"),
        (date(2026, 6, 30), "en", False, "30 Jun 2026"),
    ],
)
def test_a_fiscal_year_end_is_written_as_its_year(day: date, lang: str, wareki: bool, shown: str) -> None:
    assert day_label(day, lang, 4, wareki) == shown


@pytest.mark.parametrize("code", PROJECTS)
def test_tagged_and_final_achievements_equal_the_status(demo_db: Database, code: str) -> None:
    """Points evaluated against V (sum/last, and a yearly KPI's points from the year in view on)."""
    status = portfolio_status(demo_db, DEMO_TODAY, code).set_index("kpi_code")
    with demo_db.cursor() as cursor:
        kpis = project_kpis(cursor, code).set_index("kpi_code")
        targets = current_targets(cursor, code)
    for row in targets.to_dict("records"):
        plan, s = plan_of(row), status.loc[row["kpi_code"]]
        assert plan is not None
        kpi = kpis.loc[row["kpi_code"]].to_dict()
        v = None if pd.isna(s["value"]) else float(s["value"])
        yearly = kpi["accumulation"] == "yearly"
        for i, point in enumerate(plan["points"]):
            if yearly and v is not None and point["day"] < date(int(s["year_in_view"]) + 1, 3, 31):
                continue
            got = point_achievement(v, point["value"], plan, kpi)
            if point["horizon"]:
                want = s[f"achievement_{point['horizon']}"]
                assert (got is None and pd.isna(want)) or got == want
            if i == len(plan["points"]) - 1:
                assert (got is None and pd.isna(s["final_achievement"])) or got == s["final_achievement"]


# -- P08 入域観光客数: a yearly flow -------------------------------------------------------------
def test_p08_visitors_year_view_rows(demo_db: Database) -> None:
    story = _story(demo_db, "P08", "tourist_visitors")
    assert story.years.to_dict("records") == [
        {"year": "FY2022", "actual": "not reported", "year_target": "182,000 (interpolated)",
         "final_target": "227,000", "year_achievement": "—", "final_achievement": "—", "grade": "−"},
        {"year": "FY2023", "actual": "193,000", "year_target": "191,000", "final_target": "227,000",
         "year_achievement": "122%", "final_achievement": "24%", "grade": "Achieved"},
        {"year": "FY2024", "actual": "198,500", "year_target": "200,000", "final_target": "227,000",
         "year_achievement": "92%", "final_achievement": "37%", "grade": "On track"},
        {"year": "FY2025", "actual": "204,000", "year_target": "209,000", "final_target": "227,000",
         "year_achievement": "81%", "final_achievement": "49%", "grade": "At risk"},
        {"year": "FY2026", "actual": "106,500 (partial)", "year_target": "218,000", "final_target": "227,000",
         "year_achievement": "—", "final_achievement": "—", "grade": "−"},
    ]  # fmt: skip
    ja = _story(demo_db, "P08", "tourist_visitors", "ja")
    assert list(ja.years["year"]) == [f"{y}年度" for y in range(2022, 2027)]
    assert ja.years["actual"].iloc[-1] == "106,500（途中）" and ja.years["actual"].iloc[0] == "未報告"
    assert ja.years["year_target"].iloc[0] == "182,000（計画値）"
    assert ja.grade == "注意" and story.grade == "At risk"


def test_p08_visitors_chart_has_a_bar_per_year_the_current_one_partial(demo_db: Database) -> None:
    story = _story(demo_db, "P08", "tourist_visitors")
    traces = _traces(story)
    complete, partial = traces["Year's total"], traces["Partial year"]
    assert [pd.Timestamp(x).date() for x in complete.x] == [date(y + 1, 3, 31) for y in (2023, 2024, 2025)]
    assert list(complete.y) == [193_000.0, 198_500.0, 204_000.0]
    assert list(partial.y) == [106_500.0] and partial.marker.pattern.shape == "/"
    assert partial.hovertext == ("FY2026 (partial): 106,500 visitors",)
    # Every 年度 from the year view's first to the final target's has its tick, FY2022 without a bar.
    assert list(story.figure.layout.xaxis.ticktext) == [f"FY{y}" for y in range(2022, 2028)]
    assert list(traces["Annualised"].y) == [pytest.approx(106_500 * 365 / 183)]
    assert traces["Annualised"].y[0] == story.status["value"]
    assert list(traces["Target"].y) == [191_000.0, 200_000.0, 209_000.0, 218_000.0]
    assert list(traces["Plan"].y) == [182_000.0, 191_000.0, 200_000.0, 209_000.0, 218_000.0, 227_000.0]
    assert list(traces["Baseline"].y) == [182_000.0]
    assert list(traces["Forecast"].y) == [204_000.0, pytest.approx(story.status["forecast_long"])]
    ja = _traces(_story(demo_db, "P08", "tourist_visitors", "ja"))
    assert {"年度実績", "年度実績（途中）", "年換算値", "計画", "基準値"} <= set(ja)


def test_p08_visitors_points_and_how_computed(demo_db: Database) -> None:
    story = _story(demo_db, "P08", "tourist_visitors")
    assert story.points.to_dict("records") == [
        {"day": "FY2022", "tag": "Baseline", "value": "182,000", "achievement": "", "forecast": ""},
        {"day": "FY2023", "tag": "", "value": "191,000", "achievement": "122%", "forecast": ""},
        {"day": "FY2024", "tag": "", "value": "200,000", "achievement": "92%", "forecast": ""},
        {"day": "FY2025", "tag": "", "value": "209,000", "achievement": "81%", "forecast": ""},
        # From the year in view on, points are measured with the annualised V = 212,418.03.
        {"day": "FY2026", "tag": "", "value": "218,000", "achievement": "84%", "forecast": ""},
        {"day": "FY2027", "tag": "Long term (final)", "value": "227,000", "achievement": "68%",
         "forecast": "215,015"},
    ]  # fmt: skip
    text = "\n".join(story.explanation)
    assert (
        "1 Apr 2026 to 30 Sep 2026, summing to 106,500, annualised: 106,500 × 365 / 183 = 212,418.03" in text
    )
    assert "P = the plan at the end of FY2026 (31 Mar 2027) = 218,000" in text
    assert "(212,418.03 − 182,000) / (218,000 − 182,000) = 84%" in text
    assert "last 3 complete years' totals" in text
    ja = "\n".join(_story(demo_db, "P08", "tourist_visitors", "ja").explanation)
    assert "106,500 × 365 / 183 = 212,418.03（年度の途中）" in ja


def test_wareki_labels_the_years_in_era_names(demo_db: Database) -> None:
    story = _story(demo_db, "P08", "tourist_visitors", "ja", wareki=True)
    assert list(story.years["year"])[:2] == ["令和4年度", "令和5年度"]
    assert story.points["day"].iloc[-1] == "令和9年度"
    assert list(story.figure.layout.xaxis.ticktext)[-1] == "令和9<br>年度"


# -- P07 定住人口: a managed decline -------------------------------------------------------------
def test_p07_population_renders_its_points_and_the_decline_formula(demo_db: Database) -> None:
    story = _story(demo_db, "P07", "resident_population")
    assert story.points.to_dict("records") == [
        {"day": "FY2023", "tag": "Baseline", "value": "12,400", "achievement": "", "forecast": ""},
        {"day": "FY2030", "tag": "Mid term", "value": "12,100", "achievement": "100%",
         "forecast": "11,790"},
        {"day": "FY2040", "tag": "Long term (final)", "value": "11,800", "achievement": "100%",
         "forecast": "10,889"},
    ]  # fmt: skip
    traces = _traces(story)
    assert list(traces["Plan"].y) == [12_400.0, 12_100.0, 11_800.0]
    assert list(traces["Actual to date"].y) == [12_330.0, 12_240.0]
    assert traces["Actual to date"].line.color == "#4caf50"  # on track, though the line falls
    text = "\n".join(story.explanation)
    assert "A managed decline" in text
    assert "G = |B − Tn| = |12,400 − 11,800| = 600" in text
    assert "s(P) = 12,286.15 − 12,240 = 46.15" in text and "1 − 46.15 / 600 = 92%" in text
    assert "Mid term: V = 12,240 is at or better than the target 12,100 → achievement 100%." in text
    assert list(story.years["actual"]) == ["not reported", "12,330", "12,240", "not reported"]
    ja = _story(demo_db, "P07", "resident_population", "ja")
    assert "計画的な減少" in "\n".join(ja.explanation) and ja.points["tag"].iloc[1] == "中期"


# -- P03 利用者満足度: a ratio without baseline --------------------------------------------------
def test_p03_satisfaction_has_no_baseline_marker_and_the_ratio_formula(demo_db: Database) -> None:
    story = _story(demo_db, "P03", "satisfaction_rate")
    traces = _traces(story)
    assert "Baseline" not in traces
    assert list(traces["Plan"].y) == [70.0, 75.0, 80.0, 85.0, 90.0]
    assert "Baseline" not in set(story.points["tag"])
    assert list(story.points["achievement"]) == ["104%", "97%", "91%", "86%", "81%"]
    text = "\n".join(story.explanation)
    assert "No baseline" in text and "formula ① V / T" in text
    assert "R = V / P = 73 / 78.29 = 93%" in text and "achievement V / T = 73 / 90 = 81%" in text
    shown = story.years[["year", "actual", "year_target", "year_achievement", "final_achievement", "grade"]]
    assert shown.values.tolist() == [
        ["FY2024", "62", "70", "89%", "69%", "At risk"],
        ["FY2025", "72", "75", "96%", "80%", "On track"],
        ["FY2026", "73 (partial)", "80", "91%", "81%", "On track"],
    ]  # fmt: skip


# -- grades and access -------------------------------------------------------------------------
@pytest.fixture
def abcd_db(demo_db_path: Path, tmp_path: Path) -> Database:
    copy = tmp_path / "abcd.duckdb"
    shutil.copy(demo_db_path, copy)
    db = Database(copy)
    with db.cursor() as cursor:
        write_setting(cursor, "grade_scheme", "abcd", actor="tester", now=datetime(2026, 11, 26))
    return db


def test_the_grade_follows_the_scheme(abcd_db: Database) -> None:
    visitors = _story(abcd_db, "P08", "tourist_visitors")
    assert visitors.grade == "C"  # final achievement 68%
    assert list(visitors.years["grade"]) == ["−", "A", "B", "B", "−"]
    assert _story(abcd_db, "P03", "satisfaction_rate").grade == "B"  # 81%


def test_a_partner_reads_only_its_own_projects(demo_db: Database) -> None:
    partner = Actor("demo-partner", Role.PARTNER, "UNI-SETOUCHI")
    with pytest.raises(Forbidden):
        build_project_view(demo_db, "P03", DEMO_TODAY, "en", actor=partner)
    story = _story(demo_db, "P18", "satisfaction_rate", actor=partner)
    assert len(story.years) > 0 and "Baseline" not in _traces(story)
