"""Hand-worked examples of the revised SPEC section 3 (target points, `yearly`, `ratio`, managed
decline, the year view and grades), checked against tests/reference.py alone.

Each number is worked out by hand in the comment above it, from the SPEC text and the binding
interpretations D1-D8; nothing here imports `kpi` or DuckDB. Floats are compared exactly where the
expression is written in the evaluation order the reference (and the product) uses, so these also
pin the bits: the plan `v1 + (v2 - v1) * days / span`, `B + sum(amounts)`, `(S * dY) / dE`,
`1 - s / G`, `V / T`.

Day counts used below (leap days 2020-02-29, 2024-02-29, 2028-02-29, ...):
  2019-03-31 -> 2024-03-31 = 1827, -> 2025-03-31 = 2192;   2023-03-31 -> 2025-03-31 = 731,
  -> 2028-03-31 = 1827;   2020-03-31 -> 2025-03-31 = 1826, -> 2030-03-31 = 3652,
  -> 2061-03-31 = 14975;   2023-03-31 -> 2024-03-31 = 366;   2024-12-31 -> 2027-12-31 = 1095.
"""

from __future__ import annotations

import ast
from calendar import monthrange
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.reference import (
    CLASSIC_RESULT_FIELDS,
    RESULT_FIELDS,
    YEAR_FIELDS,
    KpiRule,
    Report,
    TargetSet,
    achievement,
    fiscal_year,
    fiscal_year_first_day,
    fiscal_year_last_day,
    grade_bands,
    grade_of,
    plan,
    plan_progress,
    reference_status,
    reference_years,
)


def reports(*pairs: tuple[date, float], org: str = "O1") -> list[Report]:
    return [Report(end, org, float(value), i) for i, (end, value) in enumerate(pairs)]


def status(kpi: KpiRule, target: TargetSet | None, rs: list[Report], as_of: date, **kw: Any) -> dict:
    got = reference_status(kpi, target, rs, as_of, **kw)
    assert set(got) == set(RESULT_FIELDS)
    return got


def years(kpi: KpiRule, target: TargetSet | None, rs: list[Report], as_of: date, **kw: Any) -> list:
    rows = reference_years(kpi, target, rs, as_of, **kw)
    for row in rows:
        assert tuple(row) == YEAR_FIELDS
    return rows


def check(got: dict[str, Any], want: dict[str, Any]) -> None:
    """Exact comparison (floats too) of the named fields; forecasts within 1e-9."""
    for name, value in want.items():
        if name.startswith("forecast_") and isinstance(value, float):
            assert got[name] == pytest.approx(value, rel=1e-9), name
        else:
            assert got[name] == value, (name, got[name], value)


def row(fiscal_year: int, actual: float | None, partial: bool, year_target: float | None, interpolated: bool,
        final_target: float | None, year_achievement: float | None, final_achievement: float | None,
        grade: str | None) -> dict[str, Any]:  # fmt: skip
    return {"fiscal_year": fiscal_year, "actual": actual, "partial": partial, "year_target": year_target,
            "interpolated": interpolated, "final_target": final_target,
            "year_achievement": year_achievement, "final_achievement": final_achievement,
            "grade": grade}  # fmt: skip


# =============================================================================================
# 1. Births (出生数): higher, yearly, sum, progress. B = 3,823 at 2019-03-31 (FY2018's last day),
#    one long target 4,107 at 2025-03-31. A yearly reporter sent 3,679 for FY2023 (2024-03-31).
# =============================================================================================
BIRTHS = KpiRule("higher", "yearly", "sum")
BIRTHS_PLAN = TargetSet(3823.0, date(2019, 3, 31), long=(4107.0, date(2025, 3, 31)))
# P(2024-03-31) = 3823 + (4107 - 3823) * 1827 / 2192 = 3823 + 236.7099 = 4059.7099
BIRTHS_P_FY2023 = 3823 + (4107 - 3823) * 1827 / 2192


def births_p(days: int) -> float:
    """P at 2019-03-31 + days on the one segment: 3823 + 284 * days / 2192."""
    return 3823 + (4107 - 3823) * days / 2192


def test_births_status() -> None:
    # e = 2024-03-31, Y = FY2023, complete (a yearly report ends on the year's last day): V = 3,679,
    # not annualised, not added to B. expected = P(last day of FY2023) = P(2024-03-31) = 4059.7099.
    # R = (3679 - 3823) / (4059.7099 - 3823) = -144 / 236.7099 = -0.6083 -> off_track.
    # Achievement long = (3679 - 3823) / (4107 - 3823) = -144 / 284 = -0.5070; 3,679 < 4,107: never
    # achieved. One complete year only: no forecast.
    got = status(BIRTHS, BIRTHS_PLAN, reports((date(2024, 3, 31), 3679)), date(2024, 6, 30))
    check(got, {
        "value": 3679.0, "baseline": 3823.0, "expected": BIRTHS_P_FY2023,
        "plan_progress": (3679 - 3823) / (BIRTHS_P_FY2023 - 3823), "status": "off_track",
        "last_period_end": date(2024, 3, 31), "achievement_short": None, "achievement_mid": None,
        "achievement_long": (3679 - 3823) / (4107 - 3823), "forecast_long": None,
        "final_target": 4107.0, "final_achievement": (3679 - 3823) / (4107 - 3823),
        "year_in_view": 2023, "grade": "off_track",
    })  # fmt: skip
    assert got["plan_progress"] == pytest.approx(-0.6083, abs=1e-4)
    assert got["achievement_long"] == pytest.approx(-0.5070, abs=1e-4)


def test_births_year_view() -> None:
    # From FY(d0) = FY2018 to FY(2024-06-30) = FY2024: seven rows, each with its own year's value.
    # FY2018: the only period ending in it would be on or before d0 -> no counting period: null.
    # FY2018-FY2022 and FY2024: nothing reported -> actual null (未報告), no achievement, no grade.
    # 年度目標: no point dated in FY2018..FY2023 -> P(last day), interpolated; FY2018: P(d0) = B.
    #   FY2019: P(2020-03-31) = 3823 + 284 * 366 / 2192; FY2020: 731 days; FY2021: 1096; FY2022: 1461;
    #   FY2023: 1827 days = 4059.7099; FY2024: the long point 4,107 is dated in it -> not interpolated.
    # FY2023: actual 3,679 (complete, not partial); 年度 achievement (3679-3823)/(4059.7099-3823)
    #   = -0.6083 -> off_track; final achievement -144 / 284.
    report = reports((date(2024, 3, 31), 3679), (date(2019, 3, 31), 3700))  # the second: on d0
    got = years(BIRTHS, BIRTHS_PLAN, report, date(2024, 6, 30))
    fy2023 = (3679 - 3823) / (BIRTHS_P_FY2023 - 3823)
    assert got == [
        row(2018, None, False, 3823.0, True, 4107.0, None, None, None),
        row(2019, None, False, births_p(366), True, 4107.0, None, None, None),
        row(2020, None, False, births_p(731), True, 4107.0, None, None, None),
        row(2021, None, False, births_p(1096), True, 4107.0, None, None, None),
        row(2022, None, False, births_p(1461), True, 4107.0, None, None, None),
        row(2023, 3679.0, False, BIRTHS_P_FY2023, True, 4107.0, fy2023, -144 / 284, "off_track"),
        row(2024, None, False, 4107.0, False, 4107.0, None, None, None),
    ]


def test_births_forecast_over_complete_years() -> None:
    # D5: OLS over the complete fiscal years, x = each year's last day, y = its sum. Two years,
    # (2023-03-31, 3,700) and (2024-03-31, 3,679): the line through both, slope -21 / 366 per day;
    # at the long date 2025-03-31 (731 days after 2023-03-31): 3700 - 21 * 731 / 366 = 3658.0574.
    # FY2024 so far (a monthly 300 for April 2024) is not complete: not a forecast point. V is that
    # month annualised: 300 * 365 / 30 = 3,650 (FY2024 has 365 days; April 30) -> year in view 2024.
    rs = reports((date(2023, 3, 31), 3700), (date(2024, 3, 31), 3679), (date(2024, 4, 30), 300))
    got = status(BIRTHS, BIRTHS_PLAN, rs, date(2024, 5, 15))
    check(got, {
        "forecast_long": 3700 - 21 * 731 / 366, "value": 300 * 365 / 30, "year_in_view": 2024,
        "last_period_end": date(2024, 4, 30),
        # expected = P(last day of FY2024) = P(2025-03-31) = 4,107 (the long point itself).
        "expected": 4107.0, "plan_progress": (3650 - 3823) / (4107 - 3823),
    })  # fmt: skip
    assert got["forecast_long"] == pytest.approx(3658.0574, abs=1e-4)
    # One complete year only: null.
    assert status(BIRTHS, BIRTHS_PLAN, rs[1:], date(2024, 5, 15))["forecast_long"] is None


def test_yearly_without_counting_period() -> None:
    # No counting period: V null, year in view null, expected = P(last day of FY(a)).
    # a = 2021-07-01 is in FY2021, last day 2022-03-31 = 1096 days after d0.
    got = status(BIRTHS, BIRTHS_PLAN, [], date(2021, 7, 1))
    check(got, {"value": None, "status": "no_data", "year_in_view": None, "expected": births_p(1096),
                "final_target": 4107.0, "final_achievement": None, "grade": "no_data"})  # fmt: skip


# =============================================================================================
# 2. Yearly joint research counts (共同研究実施件数 per 年度): V is that year's count, not a total.
# =============================================================================================
JOINT_YEARLY = KpiRule("higher", "yearly", "sum")
JOINT_PLAN = TargetSet(25000.0, date(2023, 3, 31), long=(35000.0, date(2028, 3, 31)))


def test_yearly_count_is_that_years_count() -> None:
    # FY2023: 27,500; FY2024: 29,644 sent by two partners (20,000 + 9,644, combine sum).
    # V = 29,644 (FY2024, complete), not 25,000 + 27,500 + 29,644. expected = P(2025-03-31)
    # = 25000 + 10000 * 731 / 1827 = 29001.0947; R = 4644 / 4001.0947 = 1.1607 -> on_track.
    # Achievement long = 4644 / 10000 = 0.4644; 29,644 < 35,000: not achieved.
    rs = [Report(date(2024, 3, 31), "O1", 27500.0, 0), Report(date(2025, 3, 31), "O1", 20000.0, 1),
          Report(date(2025, 3, 31), "O2", 9644.0, 2)]  # fmt: skip
    expected = 25000 + (35000 - 25000) * 731 / 1827
    got = status(JOINT_YEARLY, JOINT_PLAN, rs, date(2025, 6, 30))
    check(got, {
        "value": 29644.0, "year_in_view": 2024, "expected": expected,
        "plan_progress": (29644 - 25000) / (expected - 25000), "status": "on_track",
        "achievement_long": 0.4644, "final_achievement": 0.4644, "final_target": 35000.0,
        # two complete years: the forecast line through (2024-03-31, 27500), (2025-03-31, 29644),
        # at 2028-03-31 (1096 days after 2025-03-31; the pair is 365 apart): 29644 + 2144*1096/365
        "forecast_long": 29644 + 2144 * 1096 / 365,
    })  # fmt: skip
    assert got["plan_progress"] == pytest.approx(1.1607, abs=1e-4)
    # The same reports as a running total (`sum`): 25,000 + 27,500 + 29,644 = 82,144 -> achieved.
    running = status(KpiRule("higher", "sum", "sum"), JOINT_PLAN, rs, date(2025, 6, 30))
    check(running, {"value": 82144.0, "status": "achieved", "year_in_view": None})
    # Year view: FY2022 (d0's year) null; FY2023 27,500; FY2024 29,644; FY2025 not reported.
    got_years = years(JOINT_YEARLY, JOINT_PLAN, rs, date(2025, 6, 30))
    assert [(r["fiscal_year"], r["actual"], r["partial"]) for r in got_years] == [
        (2022, None, False), (2023, 27500.0, False), (2024, 29644.0, False), (2025, None, False)
    ]  # fmt: skip
    # FY2023 年度目標 = P(2024-03-31) = 25000 + 10000 * 366 / 1827; achievement 2500 / 2003.28.
    fy2023 = 25000 + (35000 - 25000) * 366 / 1827
    assert got_years[1]["year_target"] == fy2023 and got_years[1]["interpolated"] is True
    assert got_years[1]["year_achievement"] == (27500 - 25000) / (fy2023 - 25000)


# =============================================================================================
# 3. Visitors (入域観光客数), yearly, six monthly reports April-September 2026; a FY2026 target and
#    a target ten years out.
# =============================================================================================
VISITORS = KpiRule("higher", "yearly", "sum")
VISITORS_PLAN = TargetSet(1_000_000.0, date(2026, 3, 31), points=(
    (1_130_000.0, date(2036, 3, 31), "long"),  # FY2035, ten years out (given first: any order)
    (1_100_000.0, date(2027, 3, 31), "short"),  # FY2026
))  # fmt: skip
MONTHS = [
    (date(2026, 4, 30), 80_000), (date(2026, 5, 31), 90_000), (date(2026, 6, 30), 85_000),
    (date(2026, 7, 31), 95_000), (date(2026, 8, 31), 120_000), (date(2026, 9, 30), 100_000),
]  # fmt: skip


def test_visitors_annualised_and_never_achieved_in_an_incomplete_year() -> None:
    # S = 80+90+85+95+120+100 thousand = 570,000; e = 2026-09-30 in FY2026 (365 days, 2027 has
    # no 29 February); days elapsed 30+31+30+31+31+30 = 183. V = (570000 * 365) / 183
    # = 1,136,885.2459. expected = P(last day of FY2026) = P(2027-03-31) = 1,100,000 (the point).
    # R = 136,885.2459 / 100,000 = 1.3689 -> on_track. V >= 1,130,000 = T_n, but the year is not
    # complete: not achieved. Achievement short 1.3689, long 136,885.2459 / 130,000 = 1.0530.
    got = status(VISITORS, VISITORS_PLAN, reports(*MONTHS), date(2026, 10, 15))
    value = (570_000.0 * 365) / 183
    check(got, {
        "value": value, "year_in_view": 2026, "expected": 1_100_000.0,
        "plan_progress": (value - 1_000_000) / (1_100_000 - 1_000_000), "status": "on_track",
        "achievement_short": (value - 1_000_000) / 100_000,
        "achievement_long": (value - 1_000_000) / 130_000, "final_target": 1_130_000.0,
        "final_achievement": (value - 1_000_000) / 130_000, "forecast_short": None,
        "last_period_end": date(2026, 9, 30),
    })  # fmt: skip
    assert value == pytest.approx(1_136_885.2459, abs=1e-4)
    assert got["achievement_long"] == pytest.approx(1.0530, abs=1e-4)


def test_visitors_complete_year_can_be_achieved() -> None:
    # Six more months (Oct-Mar) of 95,000 each: S = 570,000 + 570,000 = 1,140,000, e = 2027-03-31
    # = FY2026's last day: complete, V = S = 1,140,000 >= 1,130,000 -> achieved.
    rest = [(end, 95_000) for end in (date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 31),
                                      date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31))]  # fmt: skip
    got = status(VISITORS, VISITORS_PLAN, reports(*MONTHS, *rest), date(2027, 4, 10))
    check(got, {"value": 1_140_000.0, "status": "achieved", "year_in_view": 2026, "grade": "achieved",
                "final_achievement": 140_000 / 130_000})  # fmt: skip
    # As of 2027-05-10 a report for April 2027 (50,000) moves the year in view to FY2027, which is
    # not complete: FY2027 (2027-04-01..2028-03-31) holds 2028-02-29, so 366 days;
    # V = (50,000 * 366) / 30 = 610,000 -> not achieved.
    later = status(VISITORS, VISITORS_PLAN, reports(*MONTHS, *rest, (date(2027, 4, 30), 50_000)),
                   date(2027, 5, 10))  # fmt: skip
    check(later, {"value": 610_000.0, "year_in_view": 2027})
    assert later["status"] != "achieved"


def test_visitors_year_view_partial_rows() -> None:
    # FY2025 (d0's year): nothing reported -> null; 年度目標 P(2026-03-31) = B, interpolated.
    # FY2026: actual = the year's sum 570,000, not annualised, partial (September is not March);
    # 年度目標 = the FY2026 point 1,100,000 (not interpolated). D9: half a year is not evaluated
    # (as (570,000 - 1,000,000) / 100,000 it would read -430%): achievements and grade null.
    got = years(VISITORS, VISITORS_PLAN, reports(*MONTHS), date(2026, 10, 15))
    assert got == [
        row(2025, None, False, 1_000_000.0, True, 1_130_000.0, None, None, None),
        row(2026, 570_000.0, True, 1_100_000.0, False, 1_130_000.0, None, None, None),
    ]  # fmt: skip


# =============================================================================================
# 4. Population vision (人口ビジョン, managed decline): higher, last, latest. B = 109,500 at
#    2020-03-31; long 107,000 at 2061-03-31 (FY2060's last day). G = |B - T_n| = 2,500.
# =============================================================================================
POPULATION = KpiRule("higher", "last", "latest")
VISION = TargetSet(109_500.0, date(2020, 3, 31), long=(107_000.0, date(2061, 3, 31)))
# P(2025-03-31) = 109500 + (107000 - 109500) * 1826 / 14975 = 109500 - 304.8414 = 109195.1586
VISION_P_2025 = 109_500 + (107_000 - 109_500) * 1826 / 14975


def test_population_falling_faster_than_planned() -> None:
    # V = 108,000 at 2025-03-31: s(P) = P - V = 1195.1586; R = 1 - 1195.1586 / 2500 = 0.5219
    # -> off_track. V >= 107,000: achievement long 1.0 — but a < d_n, so not achieved.
    got = status(POPULATION, VISION, reports((date(2025, 3, 31), 108_000)), date(2025, 3, 31))
    check(got, {
        "value": 108_000.0, "expected": VISION_P_2025,
        "plan_progress": 1 - (VISION_P_2025 - 108_000) / 2500, "status": "off_track",
        "achievement_long": 1.0, "final_achievement": 1.0, "final_target": 107_000.0,
        "grade": "off_track",
    })  # fmt: skip
    assert got["plan_progress"] == pytest.approx(0.5219, abs=1e-4)
    # Under the plain progress formula this would have been (108000-109500)/(P-109500) = 4.92.
    plain = (108_000 - 109_500) / (VISION_P_2025 - 109_500)
    assert plain == pytest.approx(4.9206, abs=1e-4)


def test_population_falling_slower_than_planned() -> None:
    # V = 109,300: s(P) = 109195.1586 - 109300 = -104.8414 (better); R = 1 + 104.8414 / 2500
    # = 1.0419 -> on_track; achievement 1.0; not achieved before 2061-03-31.
    got = status(POPULATION, VISION, reports((date(2025, 3, 31), 109_300)), date(2025, 3, 31))
    check(got, {"plan_progress": 1 - (VISION_P_2025 - 109_300) / 2500, "status": "on_track",
                "achievement_long": 1.0})  # fmt: skip
    assert got["plan_progress"] == pytest.approx(1.0419, abs=1e-4)
    # At or better than the vision itself is still not `achieved` before d_n: V = 107,000 reported
    # for 2060-12-31, as of 2061-03-30 (14974 days): P = 109500 - 2500 * 14974 / 14975 = 107000.1669,
    # R = 1 - 0.1669 / 2500 = 0.99993 -> on_track, achievement 1.0.
    early = status(POPULATION, VISION, reports((date(2060, 12, 31), 107_000)), date(2061, 3, 30))
    p = 109_500 + (107_000 - 109_500) * 14974 / 14975
    check(early, {"expected": p, "plan_progress": 1 - (p - 107_000) / 2500, "achievement_long": 1.0,
                  "status": "on_track"})  # fmt: skip


def test_population_at_and_after_the_vision_date() -> None:
    # As of d_n = 2061-03-31, V = 107,000: at or better than T_n and a >= d_n -> achieved. P = 107,000,
    # R = 1 - 0 / 2500 = 1.0.
    got = status(POPULATION, VISION, reports((date(2061, 3, 31), 107_000)), date(2061, 3, 31))
    check(got, {"status": "achieved", "expected": 107_000.0, "plan_progress": 1.0, "grade": "achieved"})
    # V = 106,000 at d_n: worse than T_n. Achievement 1 - s(T)/|B - T| = 1 - 1000 / 2500 = 0.6;
    # R = 1 - (107000 - 106000) / 2500 = 0.6 -> off_track.
    worse = status(POPULATION, VISION, reports((date(2061, 3, 31), 106_000)), date(2061, 3, 31))
    check(worse, {"status": "off_track", "achievement_long": 0.6, "plan_progress": 0.6,
                  "final_achievement": 0.6})  # fmt: skip
    # After d_n a later level of 107,500 (2061-12-31) is achieved.
    after = status(POPULATION, VISION, reports((date(2061, 12, 31), 107_500)), date(2062, 1, 5))
    check(after, {"status": "achieved", "plan_progress": 1 - (107_000 - 107_500) / 2500})


def test_population_with_an_intermediate_point() -> None:
    # short 108,500 at 2030-03-31: P(2025-03-31) = 109500 + (108500-109500) * 1826 / 3652 = 109,000.
    # V = 108,000: s(P) = 1,000, R = 1 - 1000 / 2500 = 0.6 -> off_track (G uses T_n).
    # Achievement short: V < 108,500, 1 - (108500 - 108000) / |109500 - 108500| = 1 - 500/1000 = 0.5.
    # Achievement long: 108,000 >= 107,000 -> 1.0.
    vision = TargetSet(109_500.0, date(2020, 3, 31), short=(108_500.0, date(2030, 3, 31)),
                       long=(107_000.0, date(2061, 3, 31)))  # fmt: skip
    got = status(POPULATION, vision, reports((date(2025, 3, 31), 108_000)), date(2025, 3, 31))
    check(got, {"expected": 109_000.0, "plan_progress": 0.6, "status": "off_track",
                "achievement_short": 0.5, "achievement_long": 1.0})  # fmt: skip


def test_population_year_view() -> None:
    # As of 2025-03-31, FY2019 (d0's year) .. FY2024. FY2024: actual 108,000, 年度目標 P(2025-03-31)
    # = 109195.1586 (interpolated); against the plan line a decline reads as plan progress does
    # (reading 10): 1 - (109195.1586 - 108000) / |109500 - 107000| = 1 - 1195.1586 / 2500 = 0.5219
    # (the point formula, / |B - P| = 304.8414, would read -292 %); final: 108,000 >= 107,000 -> 1.0.
    got = years(POPULATION, VISION, reports((date(2025, 3, 31), 108_000)), date(2025, 3, 31))
    assert [r["fiscal_year"] for r in got] == [2019, 2020, 2021, 2022, 2023, 2024]
    assert all(r["actual"] is None for r in got[:-1])
    want = 1 - (VISION_P_2025 - 108_000) / abs(109_500 - 107_000)
    assert got[-1] == row(2024, 108_000.0, False, VISION_P_2025, True, 107_000.0, want, 1.0, "off_track")
    assert want == pytest.approx(0.5219, abs=1e-4)


def test_lower_is_better_managed_decline() -> None:
    # Lower is better, B = 12 at 2024-03-31, long 15 at 2025-03-31 (worse: a planned rise), G = 3.
    # As of 2024-09-30 (183 of 365 days): P = 12 + 3 * 183 / 365 = 13.5041. V = 14: s(P) = V - P
    # = 0.4959; R = 1 - 0.4959 / 3 = 0.8347 -> at_risk. 14 <= 15 -> achievement 1.0.
    rule = KpiRule("lower", "last", "latest")
    t = TargetSet(12.0, date(2024, 3, 31), long=(15.0, date(2025, 3, 31)))
    got = status(rule, t, reports((date(2024, 6, 30), 14)), date(2024, 9, 30))
    p = 12 + (15 - 12) * 183 / 365
    check(got, {"expected": p, "plan_progress": 1 - (14 - p) / 3, "status": "at_risk",
                "achievement_long": 1.0})  # fmt: skip
    assert got["plan_progress"] == pytest.approx(0.8347, abs=1e-4)
    # V = 16 at d_n: worse than 15 -> 1 - (16 - 15) / 3 = 0.6667, R the same -> off_track.
    late = status(rule, t, reports((date(2025, 3, 31), 16)), date(2025, 3, 31))
    check(late, {"achievement_long": 1 - 1 / 3, "plan_progress": 1 - 1 / 3, "status": "off_track"})


def test_point_equal_to_baseline_in_a_managed_decline() -> None:
    # D3: achievement of a point with T_i = B is 0.0 when V is worse than it (1.0 when at or better).
    t = TargetSet(100.0, date(2024, 3, 31), short=(100.0, date(2025, 3, 31)),
                  long=(90.0, date(2026, 3, 31)))  # fmt: skip
    assert achievement(POPULATION, t, 99.0, 100.0) == 0.0
    assert achievement(POPULATION, t, 100.0, 100.0) == 1.0
    # 95 against 90 is at or better -> 1.0; 85 against 90: 1 - 5 / 10 = 0.5.
    assert achievement(POPULATION, t, 95.0, 90.0) == 1.0
    assert achievement(POPULATION, t, 85.0, 90.0) == 0.5


# =============================================================================================
# 5. A ratio KPI in % without a baseline (基準値なし): higher, last, latest, ratio. Points 60 at
#    FY2024's end, 70 at FY2025's end, 80 (long) at FY2026's end.
# =============================================================================================
RATE = KpiRule("higher", "last", "latest", achievement="ratio")
RATE_PLAN = TargetSet(None, None, points=(
    (60.0, date(2025, 3, 31), None), (70.0, date(2026, 3, 31), None), (80.0, date(2027, 3, 31), "long"),
))  # fmt: skip
QUARTERS = [(date(2024, 12, 31), 50), (date(2025, 3, 31), 58), (date(2025, 6, 30), 61),
            (date(2025, 9, 30), 63), (date(2025, 12, 31), 66), (date(2026, 3, 31), 71),
            (date(2026, 6, 30), 72)]  # fmt: skip


def test_ratio_before_the_first_point() -> None:
    # As of 2024-12-31, V = 50. No baseline: P = T_1 = 60 before d_1. R = V / P = 50 / 60 = 0.8333
    # -> at_risk. Achievement long = 50 / 80 = 0.625.
    got = status(RATE, RATE_PLAN, reports(*QUARTERS[:1]), date(2024, 12, 31))
    check(got, {"value": 50.0, "baseline": None, "expected": 60.0, "plan_progress": 50 / 60,
                "status": "at_risk", "achievement_long": 0.625, "final_target": 80.0,
                "final_achievement": 0.625, "year_in_view": None})  # fmt: skip


def test_ratio_between_points() -> None:
    # As of 2025-09-30, V = 63. P = 60 + (70 - 60) * 183 / 365 = 65.0137; R = 63 / 65.0137 = 0.9690
    # -> on_track. Achievement long 63 / 80 = 0.7875.
    got = status(RATE, RATE_PLAN, reports(*QUARTERS[:4]), date(2025, 9, 30))
    p = 60 + (70 - 60) * 183 / 365
    check(got, {"value": 63.0, "expected": p, "plan_progress": 63 / p, "status": "on_track",
                "achievement_long": 63 / 80})  # fmt: skip
    assert got["plan_progress"] == pytest.approx(0.9690, abs=1e-4)
    # V = 81 on 2026-03-31 is at or better than T_n = 80: achieved (not a managed decline, no year).
    high = status(RATE, RATE_PLAN, reports((date(2026, 3, 31), 81)), date(2026, 3, 31))
    check(high, {"status": "achieved", "expected": 70.0, "plan_progress": 81 / 70,
                 "achievement_long": 81 / 80})  # fmt: skip


def test_ratio_year_view() -> None:
    # As of 2026-06-30. No baseline date: first year = min(FY(first period 2024-12-31) = FY2024,
    # FY(d_1 = 2025-03-31) = FY2024) = FY2024, to FY2026.
    # FY2024: latest level <= 2025-03-31 = 58; 年度目標 60 (its point); 58/60 = 0.9667 -> on_track;
    #   final 58 / 80 = 0.725. Not partial (a is past 2025-03-31).
    # FY2025: 71 against 70: 1.0143 -> achieved; final 71 / 80 = 0.8875.
    # FY2026: 72 (2026-06-30), partial (a < 2027-03-31); against 80: 0.9 -> on_track (exactly 0.9).
    got = years(RATE, RATE_PLAN, reports(*QUARTERS), date(2026, 6, 30))
    assert got == [
        row(2024, 58.0, False, 60.0, False, 80.0, 58 / 60, 58 / 80, "on_track"),
        row(2025, 71.0, False, 70.0, False, 80.0, 71 / 70, 71 / 80, "achieved"),
        row(2026, 72.0, True, 80.0, False, 80.0, 0.9, 0.9, "on_track"),
    ]


def test_ratio_year_view_interpolated_years() -> None:
    # Points only at FY2024's end (60) and FY2026's end (80, long); a report of 45 in FY2023.
    # First year = min(FY(2023-12-31) = FY2023, FY(d_1) = FY2024) = FY2023.
    # FY2023: 年度目標 P(2024-03-31) = T_1 = 60 (before d_1), interpolated; 45 / 60 = 0.75 -> at_risk.
    # FY2024: no report in it -> null; its point 60.
    # FY2025: P(2026-03-31) = 60 + 20 * 365 / 730 = 70.0, interpolated; 66 / 70 = 0.9429 -> on_track.
    t = TargetSet(None, None, points=((60.0, date(2025, 3, 31), None), (80.0, date(2027, 3, 31), "long")))
    rs = reports((date(2023, 12, 31), 45), (date(2025, 12, 31), 66))
    got = years(RATE, t, rs, date(2026, 1, 10))
    assert got == [
        row(2023, 45.0, False, 60.0, True, 80.0, 0.75, 45 / 80, "at_risk"),
        row(2024, None, False, 60.0, False, 80.0, None, None, None),
        row(2025, 66.0, True, 70.0, True, 80.0, 66 / 70, 66 / 80, "on_track"),
    ]


def test_ratio_zero_target_and_zero_plan() -> None:
    # D4: T_i = 0 -> 1.0 when V >= 0 else 0.0; P = 0 -> R = 1.0.
    t = TargetSet(0.0, date(2024, 3, 31), long=(10.0, date(2025, 3, 31)))
    assert achievement(RATE, t, 0.0, 0.0) == 1.0
    assert achievement(RATE, t, 3.0, 0.0) == 1.0
    assert achievement(RATE, t, -1.0, 0.0) == 0.0
    assert plan_progress(RATE, t, 5.0, 0.0) == 1.0
    # As of 2024-04-30 with V = 2: P = 0 + 10 * 30 / 365 = 0.8219, R = V / P = 2 / 0.8219 = 2.4333
    # (the ratio formula ignores B).
    got = status(RATE, t, reports((date(2024, 4, 30), 2)), date(2024, 4, 30))
    check(got, {"expected": 0 + (10 - 0) * 30 / 365, "plan_progress": 2 / ((10 - 0) * 30 / 365)})


def test_sum_with_empty_baseline() -> None:
    # D1: `sum` with a null baseline value: V = 0 + sum of amounts; every period <= a counts.
    rule = KpiRule("higher", "sum", "sum", achievement="ratio")
    t = TargetSet(None, None, long=(100.0, date(2026, 3, 31)))
    got = status(rule, t, reports((date(2024, 6, 30), 30), (date(2024, 9, 30), 20)), date(2024, 9, 30))
    # V = 50; P = T_1 = 100 before d_1; R = 50 / 100 = 0.5 -> off_track; achievement 0.5.
    check(got, {"value": 50.0, "expected": 100.0, "plan_progress": 0.5, "status": "off_track",
                "achievement_long": 0.5})  # fmt: skip


# =============================================================================================
# 6. One target per 年度 (untagged, the last tagged long), a `sum` KPI (joint studies).
#    B = 10 at 2024-03-31; 20 at 2025-03-31, 35 at 2026-03-31, 50 (long) at 2027-03-31.
# =============================================================================================
JOINT = KpiRule("higher", "sum", "sum")
PER_YEAR = TargetSet(10.0, date(2024, 3, 31), points=(
    (20.0, date(2025, 3, 31), None), (35.0, date(2026, 3, 31), None), (50.0, date(2027, 3, 31), "long"),
))  # fmt: skip
STUDIES = [(date(2024, 6, 30), 3), (date(2024, 9, 30), 4), (date(2024, 12, 31), 2),
           (date(2025, 3, 31), 5), (date(2025, 6, 30), 6), (date(2025, 9, 30), 3)]  # fmt: skip


def test_per_year_plan_interpolates_between_consecutive_points() -> None:
    # As of 2025-09-30: V = 10 + (3+4+2+5+6+3) = 33. P on (2025-03-31, 20) -> (2026-03-31, 35):
    # 20 + 15 * 183 / 365 = 27.5205. R = 23 / 17.5205 = 1.3127 -> on_track.
    # Untagged points have no horizon field; achievement long = 23 / 40 = 0.575 = final achievement.
    got = status(JOINT, PER_YEAR, reports(*STUDIES), date(2025, 9, 30))
    p = 20 + (35 - 20) * 183 / 365
    check(got, {"value": 33.0, "expected": p, "plan_progress": (33 - 10) / (p - 10), "status": "on_track",
                "achievement_short": None, "achievement_mid": None, "achievement_long": 0.575,
                "final_target": 50.0, "final_achievement": 0.575, "forecast_short": None,
                "forecast_mid": None})  # fmt: skip
    assert got["forecast_long"] is not None
    # On each point's date P is the point itself; before d0, B; after d_n, T_n.
    assert [plan(PER_YEAR, d) for d in (date(2024, 1, 1), date(2025, 3, 31), date(2026, 3, 31),
                                         date(2030, 1, 1))] == [10.0, 20.0, 35.0, 50.0]  # fmt: skip
    # Between d0 and the first point: 10 + (20 - 10) * 91 / 365 at 2024-06-30.
    assert plan(PER_YEAR, date(2024, 6, 30)) == 10 + (20 - 10) * 91 / 365


def test_per_year_year_view() -> None:
    # FY2023 (d0's year): null, 年度目標 P(2024-03-31) = B = 10 (interpolated).
    # FY2024: 10 + 3+4+2+5 = 24 (not partial), 年度目標 = its point 20: (24-10)/(20-10) = 1.4
    #   -> achieved; final (24-10)/(50-10) = 0.35.
    # FY2025: 33, partial (a = 2025-09-30 < 2026-03-31), 年度目標 35: 23 / 25 = 0.92 -> on_track;
    #   final 23 / 40 = 0.575.
    got = years(JOINT, PER_YEAR, reports(*STUDIES), date(2025, 9, 30))
    assert got == [
        row(2023, None, False, 10.0, True, 50.0, None, None, None),
        row(2024, 24.0, False, 20.0, False, 50.0, 1.4, 0.35, "achieved"),
        row(2025, 33.0, True, 35.0, False, 50.0, 0.92, 0.575, "on_track"),
    ]


def test_year_view_takes_the_last_point_dated_in_the_year() -> None:
    # Two points in FY2024 (2024-09-30: 15 and 2025-03-31: 20): 年度目標 = the later one, 20.
    t = TargetSet(10.0, date(2024, 3, 31), points=((15.0, date(2024, 9, 30), None),
                                                    (20.0, date(2025, 3, 31), "long")))  # fmt: skip
    got = years(JOINT, t, reports((date(2024, 6, 30), 5)), date(2025, 3, 31))
    assert got[-1]["year_target"] == 20.0 and got[-1]["interpolated"] is False
    # a `last` KPI in the same plan: the level of 2024-06-30 is FY2024's actual: 5.
    level = years(KpiRule("higher", "last", "latest"), t, reports((date(2024, 6, 30), 5)), date(2025, 3, 31))
    assert level[-1]["actual"] == 5.0 and level[-1]["partial"] is False


def test_year_view_is_capped_at_the_as_of_year() -> None:
    # As of 2023-06-30, before the baseline's FY2023 ends: one row, FY2023, nothing counted yet.
    got = years(JOINT, PER_YEAR, reports(*STUDIES), date(2023, 6, 30))
    assert got == [row(2023, None, False, 10.0, True, 50.0, None, None, None)]
    # As of 2022-12-31, a fiscal year before the baseline's: capped at FY(a) = FY2022, one row.
    assert years(JOINT, PER_YEAR, reports(*STUDIES), date(2022, 12, 31)) == [
        row(2022, None, False, 10.0, True, 50.0, None, None, None)
    ]
    # No target: no rows.
    assert years(JOINT, None, reports(*STUDIES), date(2025, 9, 30)) == []


# =============================================================================================
# 7. Grades (評価).
# =============================================================================================
@pytest.mark.parametrize(
    ("value", "abcd", "marks"),
    [
        (1.5, "A", "◎"), (1.0, "A", "◎"), (0.9999, "B", "○"), (0.8, "B", "○"), (0.7999, "C", "○"),
        (0.5, "C", "○"), (0.4999, "D", "△"), (0.0001, "D", "△"), (0.0, "D", "×"), (-0.3, "D", "×"),
        (None, None, None),
    ],
)  # fmt: skip
def test_grade_presets(value: float | None, abcd: str | None, marks: str | None) -> None:
    assert grade_of(value, grade_bands("abcd")) == abcd
    assert grade_of(value, grade_bands("marks")) == marks


def test_status_preset_bands_follow_the_thresholds() -> None:
    bands = grade_bands("status")
    assert [grade_of(v, bands) for v in (1.0, 0.9999, 0.9, 0.8999, 0.7, 0.6999, -2.0)] == [
        "achieved", "on_track", "on_track", "at_risk", "at_risk", "off_track", "off_track"
    ]  # fmt: skip
    custom = grade_bands("status", on_track=0.75, at_risk=0.5)
    assert [grade_of(v, custom) for v in (0.75, 0.7499, 0.5, 0.4999)] == [
        "on_track", "at_risk", "at_risk", "off_track"
    ]  # fmt: skip
    with pytest.raises(ValueError):
        grade_bands("stars")


def test_grades_in_status_rows() -> None:
    # Scheme `status`: grade = status code, no_target and no_data included.
    assert status(JOINT, None, reports(*STUDIES), date(2025, 9, 30))["grade"] == "no_target"
    assert status(JOINT, PER_YEAR, [], date(2025, 9, 30))["grade"] == "no_data"
    # Other schemes: the grade of final_achievement. V = 33 as of 2025-09-30: 0.575 -> C, ○.
    assert status(JOINT, PER_YEAR, reports(*STUDIES), date(2025, 9, 30), grade_scheme="abcd")["grade"] == "C"
    assert status(JOINT, PER_YEAR, reports(*STUDIES), date(2025, 9, 30), grade_scheme="marks")["grade"] == "○"
    # No achievement -> no grade (「−」 on pages): no data, or no target.
    assert status(JOINT, PER_YEAR, [], date(2025, 9, 30), grade_scheme="abcd")["grade"] is None
    assert status(JOINT, None, reports(*STUDIES), date(2025, 9, 30), grade_scheme="marks")["grade"] is None
    # A status-scheme grade is the status even where final achievement says otherwise: V = 33 is
    # on_track by R (1.3127) although the final achievement is 0.575.
    assert status(JOINT, PER_YEAR, reports(*STUDIES), date(2025, 9, 30))["grade"] == "on_track"


def test_custom_scheme_in_status_and_year_rows() -> None:
    # Bands: 良 / good >= 0.75 (above: > 0.75), 可 / fair >= 0.5, 要改善 / improve for the rest.
    scheme: list[dict[str, Any]] = [
        {"label_ja": "良", "label_en": "good", "min": 0.75, "above": True},
        {"label_ja": "可", "label_en": "fair", "min": 0.5, "above": False},
        {"label_ja": "要改善", "label_en": "improve", "min": None, "above": False},
    ]
    assert [grade_of(v, scheme) for v in (0.76, 0.75, 0.5, 0.49)] == ["good", "fair", "fair", "improve"]
    # Year rows of section 6: 1.4 -> good, 0.92 -> good; status row final 0.575 -> fair.
    got = years(JOINT, PER_YEAR, reports(*STUDIES), date(2025, 9, 30), grade_scheme=scheme)
    assert [r["grade"] for r in got] == [None, "good", "good"]
    assert (
        status(JOINT, PER_YEAR, reports(*STUDIES), date(2025, 9, 30), grade_scheme=scheme)["grade"] == "fair"
    )
    # Year rows with abcd: FY2024 1.4 -> A, FY2025 0.92 -> B; marks: ◎, ○.
    assert [r["grade"] for r in years(JOINT, PER_YEAR, reports(*STUDIES), date(2025, 9, 30),
                                      grade_scheme="abcd")] == [None, "A", "B"]  # fmt: skip
    assert [r["grade"] for r in years(JOINT, PER_YEAR, reports(*STUDIES), date(2025, 9, 30),
                                      grade_scheme="marks")] == [None, "◎", "○"]  # fmt: skip
    # The status scheme in year rows follows the thresholds: 0.92 with on_track 0.95 -> at_risk.
    strict = years(JOINT, PER_YEAR, reports(*STUDIES), date(2025, 9, 30), on_track=0.95, at_risk=0.7)
    assert [r["grade"] for r in strict] == [None, "achieved", "at_risk"]


# =============================================================================================
# 8. fy_start_month = 1 (a calendar fiscal year) for a yearly KPI.
# =============================================================================================
def test_calendar_fiscal_year_helpers() -> None:
    assert fiscal_year(date(2025, 1, 1), 1) == 2025 and fiscal_year(date(2025, 12, 31), 1) == 2025
    assert fiscal_year(date(2025, 3, 31)) == 2024 and fiscal_year(date(2025, 4, 1)) == 2025
    assert fiscal_year_first_day(2025, 1) == date(2025, 1, 1)
    assert fiscal_year_last_day(2025, 1) == date(2025, 12, 31)
    assert fiscal_year_last_day(2025) == date(2026, 3, 31)
    assert fiscal_year_last_day(2025, 10) == date(2026, 9, 30)


def test_calendar_year_yearly_kpi() -> None:
    # Tourism by calendar year: B = 500,000 at 2024-12-31, long 600,000 at 2027-12-31 (1095 days).
    # Monthly Jan-Mar 2025: 40,000 + 35,000 + 45,000 = S = 120,000, e = 2025-03-31.
    # fy_start_month = 1: Y = 2025 (365 days), elapsed 31+28+31 = 90: V = (120000 * 365) / 90
    # = 486,666.67, not complete. expected = P(2025-12-31) = 500000 + 100000 * 365 / 1095 = 533,333.33.
    # R = (486,666.67 - 500,000) / 33,333.33 = -0.4 -> off_track.
    rule = KpiRule("higher", "yearly", "sum")
    t = TargetSet(500_000.0, date(2024, 12, 31), long=(600_000.0, date(2027, 12, 31)))
    rs = reports((date(2025, 1, 31), 40_000), (date(2025, 2, 28), 35_000), (date(2025, 3, 31), 45_000))
    got = status(rule, t, rs, date(2025, 4, 15), fy_start_month=1)
    value = (120_000.0 * 365) / 90
    p = 500_000 + (600_000 - 500_000) * 365 / 1095
    check(got, {"value": value, "year_in_view": 2025, "expected": p,
                "plan_progress": (value - 500_000) / (p - 500_000), "status": "off_track"})  # fmt: skip
    assert got["plan_progress"] == pytest.approx(-0.4, abs=1e-9)
    # No counting period yet, as of 2025-01-10: expected = P(last day of FY(a)) with the calendar
    # year: P(2025-12-31) = p (with the April start it would be P(2025-03-31)).
    empty = status(rule, t, [], date(2025, 1, 10), fy_start_month=1)
    check(empty, {"value": None, "year_in_view": None, "expected": p, "status": "no_data"})
    # The default April start: 2025-03-31 is FY2024's last day -> complete, V = S = 120,000;
    # expected = P(2025-03-31) = 500000 + 100000 * 90 / 1095.
    april = status(rule, t, rs, date(2025, 4, 15))
    check(april, {"value": 120_000.0, "year_in_view": 2024,
                  "expected": 500_000 + (600_000 - 500_000) * 90 / 1095})  # fmt: skip
    # Year view, calendar years: 2024 (d0's year): null, 年度目標 B; 2025: 120,000 partial,
    # 年度目標 P(2025-12-31) = 533,333.33 interpolated; a partial year is not evaluated (D9).
    rows = years(rule, t, rs, date(2025, 4, 15), fy_start_month=1)
    assert rows == [
        row(2024, None, False, 500_000.0, True, 600_000.0, None, None, None),
        row(2025, 120_000.0, True, p, True, 600_000.0, None, None, None),
    ]  # fmt: skip
    # December completes the calendar year: twelve months of 45,000 = 540,000 on 2025-12-31 ->
    # complete, V = 540,000; 540,000 < 600,000, not achieved; R = 40,000 / 33,333.33 = 1.2.
    full = reports(*((date(2025, m, monthrange(2025, m)[1]), 45_000) for m in range(1, 13)))
    done = status(rule, t, full, date(2026, 1, 5), fy_start_month=1)
    check(done, {"value": 540_000.0, "year_in_view": 2025, "expected": p, "status": "on_track"})
    assert done["plan_progress"] == pytest.approx(1.2, abs=1e-9)


# =============================================================================================
# 9. Classic three-horizon plans: the old fields are unchanged, the new ones follow from them.
# =============================================================================================
D0, S, M, L = date(2024, 3, 31), date(2025, 3, 31), date(2026, 3, 31), date(2027, 3, 31)
HIGHER = TargetSet(10.0, D0, short=(20.0, S), long=(50.0, L))
LOWER = TargetSet(36.0, D0, short=(30.0, S), mid=(27.0, M), long=(24.0, L))


def test_classic_higher_plan() -> None:
    # As tests/test_reference.py's on_track_higher: V = 10 + 3 + 3 = 16 as of 2024-09-30,
    # P = 10 + 10 * 183 / 365 = 15.0137, R = 6 / 5.0137 = 1.197 -> on_track. New: final target 50,
    # final achievement = achievement long = 6 / 40 = 0.15; year in view null (not yearly).
    rs = reports((date(2024, 6, 30), 3), (date(2024, 9, 30), 3))
    got = status(JOINT, HIGHER, rs, date(2024, 9, 30))
    p = 10 + (20 - 10) * 183 / 365
    check(got, {"value": 16.0, "expected": p, "plan_progress": 6 / (p - 10), "status": "on_track",
                "achievement_short": 0.6, "achievement_long": 0.15, "achievement_mid": None,
                "final_target": 50.0, "final_achievement": 0.15, "year_in_view": None,
                "grade": "on_track"})  # fmt: skip
    assert got["final_achievement"] == got["achievement_long"]


def test_classic_lower_plan() -> None:
    # Lower: 36 -> 30 (S) -> 27 (M) -> 24 (L). V = 31 at S: P = 30, R = (31-36)/(30-36) = 5/6
    # -> at_risk; achievement short 5/6, mid 5/9, long 5/12 = final achievement; abcd: D.
    got = status(KpiRule("lower", "last", "latest"), LOWER, reports((S, 31)), S, grade_scheme="abcd")
    check(got, {"expected": 30.0, "plan_progress": 5 / 6, "status": "at_risk",
                "achievement_short": 5 / 6, "achievement_mid": 5 / 9, "achievement_long": 5 / 12,
                "final_target": 24.0, "final_achievement": 5 / 12, "grade": "D"})  # fmt: skip


def test_target_set_constructions_agree() -> None:
    # short=/mid=/long= keywords, positional pairs, and points in any order build the same set.
    by_points = TargetSet(36.0, D0, points=((24.0, L, "long"), (30.0, S, "short"), (27.0, M, "mid")))
    positional = TargetSet(36.0, D0, (30.0, S), (27.0, M), (24.0, L))
    assert by_points == LOWER == positional
    assert LOWER.horizons() == [("short", 30.0, S), ("mid", 27.0, M), ("long", 24.0, L)]
    assert LOWER.points == ((30.0, S, "short"), (27.0, M, "mid"), (24.0, L, "long"))
    assert by_points.long == (24.0, L) and by_points.final() == (24.0, L)
    mixed = TargetSet(10.0, D0, long=(50.0, L), points=((20.0, S, None),))
    assert mixed.horizons() == [("long", 50.0, L)] and mixed.short is None
    assert mixed.points == ((20.0, S, None), (50.0, L, "long"))


@pytest.mark.parametrize(
    "build",
    [
        lambda: TargetSet(10.0, D0, points=((20.0, S, None), (30.0, S, "long"))),  # one date twice
        lambda: TargetSet(10.0, D0, points=((20.0, S, "long"), (30.0, L, "short"))),  # tags out of order
        lambda: TargetSet(10.0, D0, points=((20.0, S, "long"), (30.0, L, "long"))),  # tag twice
        lambda: TargetSet(10.0, D0, long=(20.0, S), points=((30.0, L, "long"),)),  # long given twice
        lambda: TargetSet(10.0, D0, points=((20.0, D0, None),)),  # on the baseline date
        lambda: TargetSet(None, None),  # nothing at all
    ],
)
def test_target_set_refuses_invalid_plans(build: Any) -> None:
    with pytest.raises(ValueError):
        build()


def test_baseline_only_legacy_target() -> None:
    # D2: no points -> P = B everywhere, final target null, final achievement null; abcd grade null.
    t = TargetSet(10.0, D0)
    got = status(KpiRule("higher", "last", "latest"), t, reports((S, 12)), S, grade_scheme="abcd")
    check(got, {"expected": 10.0, "plan_progress": 1.0, "status": "on_track", "final_target": None,
                "final_achievement": None, "grade": None})  # fmt: skip
    rows = years(KpiRule("higher", "last", "latest"), t, reports((S, 12)), S)
    assert rows[-1] == row(2024, 12.0, False, 10.0, True, None, 1.0, None, "achieved")


def test_classic_fields_are_a_prefix_of_the_result_fields() -> None:
    assert RESULT_FIELDS[: len(CLASSIC_RESULT_FIELDS)] == CLASSIC_RESULT_FIELDS
    assert RESULT_FIELDS[len(CLASSIC_RESULT_FIELDS) :] == (
        "final_target", "final_achievement", "year_in_view", "grade"
    )  # fmt: skip


def test_reference_stays_independent() -> None:
    """tests/reference.py imports neither the product (`kpi`) nor DuckDB."""
    tree = ast.parse((Path(__file__).parent / "reference.py").read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    assert modules <= {"__future__", "collections", "dataclasses", "datetime", "fractions", "itertools",
                       "typing"}, modules  # fmt: skip


# -- SPEC section 2: values cannot be negative unless the KPI allows it; nor can a forecast -------
def test_forecast_is_clamped_at_zero_unless_negative_values_are_allowed() -> None:
    # Time to implementation 48 months at 2024-03-31, reports 36 (2024-06-30) and 24 (2024-09-30):
    # the line falls 12 months in 92 days, so at the long point 2026-03-31 (547 days after the
    # last report) it reads 24 - 12 * 547 / 92 = -47.35 months, and at the short point
    # 2024-12-31 (92 days) exactly 12. A duration is never negative: the long forecast is 0.
    target = TargetSet(48.0, date(2024, 3, 31), points=((12.0, date(2024, 12, 31), "short"),
                                                        (0.0, date(2026, 3, 31), "long")))  # fmt: skip
    rs = reports((date(2024, 6, 30), 36), (date(2024, 9, 30), 24))
    tti = KpiRule("lower", "last", "latest")
    got = status(tti, target, rs, date(2024, 10, 15))
    assert got["forecast_short"] == pytest.approx(12.0, rel=1e-12)
    assert got["forecast_long"] == 0.0
    # A KPI that allows negative values (a net balance, say) keeps the line's value.
    net = KpiRule("lower", "last", "latest", allow_negative=True)
    got = status(net, target, rs, date(2024, 10, 15))
    assert got["forecast_long"] == pytest.approx(24 - 12 * 547 / 92, rel=1e-9)
    assert got["forecast_long"] == pytest.approx(-47.3478, abs=1e-4)
