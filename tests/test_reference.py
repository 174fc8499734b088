"""Hand-worked examples of SPEC section 3, checked against the reference and against the product.

Each example is worked out by hand in its comment. `test_reference_example` checks
tests/reference.py against the hand numbers; `test_product_example` loads the same inputs
through the storage functions and checks `portfolio_status` against the same numbers.

Dates: baseline D0 = 2024-03-31; S = 2025-03-31 (D0 + 365 days); M = 2026-03-31 (S + 365);
L = 2027-03-31 (S + 730); AS = 2024-09-30 (D0 + 183 days).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from kpi.model import Settings
from kpi.portfolio.status import portfolio_status
from kpi.storage.actuals import record_actuals
from tests.reference import RESULT_FIELDS, KpiRule, Report, TargetSet, plan, reference_status
from tests.test_status_crosscheck import ALL_KPIS, Portfolio, frame_rows, load

D0 = date(2024, 3, 31)
S = date(2025, 3, 31)
M = date(2026, 3, 31)
L = date(2027, 3, 31)
AS = date(2024, 9, 30)
Q1 = date(2024, 6, 30)
Q2 = date(2024, 9, 30)
PLAN_AS = 10 + 10 * 183 / 365  # P(AS) for B = 10 at D0, short 20 at S: 15.0137
LOWER_AS = 36 - 6 * 183 / 365  # P(AS) for B = 36 at D0, short 30 at S: 32.9918
NONE_PLAN = dict.fromkeys(
    ["baseline", "expected", "plan_progress", *(f"{k}_{h}" for k in ("achievement", "forecast")
                                               for h in ("short", "mid", "long"))]
)  # fmt: skip


def target(
    baseline: float,
    short: tuple[float, date] | None = None,
    mid: tuple[float, date] | None = None,
    long: tuple[float, date] | None = None,
    baseline_date: date = D0,
) -> dict[str, Any]:
    points = [
        {"day": pair[1], "value": float(pair[0]), "horizon": name}
        for name, pair in (("short", short), ("mid", mid), ("long", long))
        if pair
    ]
    return {"baseline_value": baseline, "baseline_date": baseline_date, "reason": "hand", "points": points}


HIGHER = target(10, short=(20, S), long=(50, L))  # joint studies: 10 at D0, 20 by S, 50 by L
LOWER = target(36, short=(30, S), long=(24, M))  # months to implementation: 36 -> 30 -> 24


@dataclass(frozen=True)
class Example:
    kpi: str
    target: dict[str, Any] | None
    calls: list[list[tuple[date, str, float]]]  # record_actuals calls: (period end, org, value)
    as_of: date
    expected: dict[str, Any]
    thresholds: tuple[float, float] | None = None
    earlier_targets: list[dict[str, Any]] = field(default_factory=list)  # superseded versions

    def portfolio(self) -> Portfolio:
        versions = [*self.earlier_targets, *([self.target] if self.target else [])]
        calls = [
            [{"project_code": "P01", "kpi_code": self.kpi, "period_end": end,
              "organization_code": org, "value": float(value), "note": ""}
             for end, org, value in call]
            for call in self.calls
        ]  # fmt: skip
        return Portfolio(
            target_versions=[{"project_code": "P01", "kpi_code": self.kpi, **v} for v in versions],
            calls=calls,
            as_ofs=[self.as_of],
            thresholds=self.thresholds,
        )


def one(end: date, value: float, org: str = "O1") -> list[tuple[date, str, float]]:
    return [(end, org, value)]


EXAMPLES: dict[str, Example] = {
    # V = 10 + 3 + (2 + 1) = 16; P(AS) = 10 + 10 * 183/365 = 15.0137; R = 6 / 5.0137 = 1.197.
    # Achievement short 6/10, long 6/40. Two periods: a forecast line through (Q1, 13), (Q2, 16).
    "on_track_higher": Example(
        "joint_studies",
        HIGHER,
        [one(Q1, 3), [(Q2, "O1", 2), (Q2, "O2", 1)]],
        AS,
        {
            "value": 16.0,
            "baseline": 10.0,
            "expected": PLAN_AS,
            "plan_progress": 6 / (PLAN_AS - 10),
            "status": "on_track",
            "last_period_end": Q2,
            "achievement_short": 0.6,
            "achievement_mid": None,
            "achievement_long": 0.15,
            "forecast_short": 13 + 3 * (S - Q1).days / (Q2 - Q1).days,
            "forecast_long": 13 + 3 * (L - Q1).days / (Q2 - Q1).days,
            "forecast_mid": None,
        },
    ),
    # V = 14; R = 4 / 5.0137 = 0.798 -> at_risk. One period: no forecast.
    "at_risk_higher": Example(
        "joint_studies",
        HIGHER,
        [one(Q1, 4)],
        AS,
        {
            "value": 14.0,
            "plan_progress": 4 / (PLAN_AS - 10),
            "status": "at_risk",
            "achievement_short": 0.4,
            "achievement_long": 0.1,
            "forecast_short": None,
            "forecast_long": None,
        },
    ),
    # V = 12; R = 2 / 5.0137 = 0.399 -> off_track.
    "off_track_higher": Example(
        "joint_studies",
        HIGHER,
        [one(Q1, 2)],
        AS,
        {"value": 12.0, "plan_progress": 2 / (PLAN_AS - 10), "status": "off_track"},
    ),
    # V = 10 + 25 + 15 = 50 = the long target (at or better counts) -> achieved, well before S.
    "achieved_higher_exactly": Example(
        "joint_studies",
        HIGHER,
        [one(Q1, 25), one(Q2, 15)],
        AS,
        {
            "value": 50.0,
            "status": "achieved",
            "achievement_short": 4.0,
            "achievement_long": 1.0,
            "plan_progress": 40 / (PLAN_AS - 10),
        },
    ),
    # Lower is better: at S, P = 30 exactly. V = 31: R = (31-36)/(30-36) = 5/6 -> at_risk.
    # Achievement short 5/6, long (31-36)/(24-36) = 5/12.
    "at_risk_lower": Example(
        "time_to_implementation",
        LOWER,
        [one(Q1, 33), one(S, 31)],
        S,
        {
            "value": 31.0,
            "expected": 30.0,
            "plan_progress": 5 / 6,
            "status": "at_risk",
            "achievement_short": 5 / 6,
            "achievement_long": 5 / 12,
            "last_period_end": S,
        },
    ),
    # V = 30 = T_short: R = 1 -> on_track, not achieved (the last horizon, 24, is not reached).
    "on_track_lower": Example(
        "time_to_implementation",
        LOWER,
        [one(S, 30)],
        S,
        {
            "value": 30.0,
            "plan_progress": 1.0,
            "status": "on_track",
            "achievement_short": 1.0,
            "achievement_long": 0.5,
        },
    ),
    # V = 37, worse than the baseline: R = (37-36)/(30-36) = -1/6 -> off_track.
    "off_track_lower": Example(
        "time_to_implementation",
        LOWER,
        [one(Q1, 37)],
        S,
        {
            "value": 37.0,
            "plan_progress": -1 / 6,
            "status": "off_track",
            "achievement_short": -1 / 6,
            "achievement_long": -1 / 12,
        },
    ),
    # V = 23 <= 24 (the last target): achieved; achievement long (23-36)/(24-36) = 13/12 (raw).
    "achieved_lower_beyond": Example(
        "time_to_implementation",
        LOWER,
        [one(Q1, 23)],
        AS,
        {
            "value": 23.0,
            "status": "achieved",
            "achievement_long": 13 / 12,
            "achievement_short": 13 / 6,
            "expected": LOWER_AS,
            "plan_progress": -13 / (LOWER_AS - 36),
        },
    ),
    # V = 24 exactly the last target: achieved (at or better, lower direction).
    "achieved_lower_exactly": Example(
        "time_to_implementation",
        LOWER,
        [one(Q1, 24)],
        AS,
        {"value": 24.0, "status": "achieved", "achievement_long": 1.0},
    ),
    # Targets but no counting period: no_data, plan fields still shown.
    "no_data": Example(
        "joint_studies",
        HIGHER,
        [one(Q2 + timedelta(days=1), 5)],
        AS,
        {
            "value": None,
            "status": "no_data",
            "expected": PLAN_AS,
            "baseline": 10.0,
            "plan_progress": None,
            "achievement_short": None,
            "achievement_long": None,
            "last_period_end": None,
            "forecast_short": None,
        },
    ),
    # Before the baseline date P = B; no period can count yet.
    "before_baseline": Example(
        "joint_studies",
        HIGHER,
        [one(D0 - timedelta(days=90), 5)],
        D0 - timedelta(days=1),
        {"value": None, "status": "no_data", "expected": 10.0},
    ),
    # After the last horizon date P = the last target.
    "after_last_horizon": Example(
        "time_to_implementation",
        LOWER,
        [one(M + timedelta(days=5), 26)],
        M + timedelta(days=10),
        {"value": 26.0, "expected": 24.0, "plan_progress": 10 / 12, "status": "at_risk"},
    ),
    # Between short (S, 30) and long (M, 24) with no mid: P = 30 + (24-30) * 183/365.
    "plan_between_short_and_long": Example(
        "time_to_implementation",
        LOWER,
        [one(S, 29)],
        S + timedelta(days=183),
        {
            "value": 29.0,
            "expected": 30 - 6 * 183 / 365,
            "plan_progress": (29 - 36) / (30 - 6 * 183 / 365 - 36),
        },
    ),
    # R exactly 0.9 is on_track: B = 0, T_short = 20, as of S: P = 20, V = 18, R = 18/20 = 0.9.
    "threshold_on_track_exact": Example(
        "joint_studies",
        target(0, short=(20, S), long=(40, L)),
        [one(Q1, 10), one(S, 8)],
        S,
        {"value": 18.0, "expected": 20.0, "plan_progress": 0.9, "status": "on_track"},
    ),
    # R exactly 0.7 is at_risk: V = 14, R = 14/20.
    "threshold_at_risk_exact": Example(
        "joint_studies",
        target(0, short=(20, S), long=(40, L)),
        [one(S, 14)],
        S,
        {"value": 14.0, "plan_progress": 0.7, "status": "at_risk"},
    ),
    # Just below: V = 13.75 -> R = 0.6875 -> off_track.
    "threshold_just_below_at_risk": Example(
        "joint_studies",
        target(0, short=(20, S), long=(40, L)),
        [one(S, 13.75)],
        S,
        {"value": 13.75, "plan_progress": 0.6875, "status": "off_track"},
    ),
    # Lower: B = 36, T = 16, V = 18: R = (18-36)/(16-36) = 0.9 -> on_track; V = 22 -> 0.7.
    "threshold_lower_on_track_exact": Example(
        "time_to_implementation",
        target(36, short=(16, S), long=(12, M)),
        [one(S, 18)],
        S,
        {"value": 18.0, "plan_progress": 0.9, "status": "on_track"},
    ),
    "threshold_lower_at_risk_exact": Example(
        "time_to_implementation",
        target(36, short=(16, S), long=(12, M)),
        [one(S, 22)],
        S,
        {"value": 22.0, "plan_progress": 0.7, "status": "at_risk"},
    ),
    # The thresholds are settings: with 0.75 / 0.5, R = 15/20 = 0.75 is on_track, 0.5 at_risk.
    "threshold_setting_on_track": Example(
        "joint_studies",
        target(0, short=(20, S), long=(40, L)),
        [one(S, 15)],
        S,
        {"plan_progress": 0.75, "status": "on_track"},
        thresholds=(0.75, 0.5),
    ),
    "threshold_setting_at_risk": Example(
        "joint_studies",
        target(0, short=(20, S), long=(40, L)),
        [one(S, 10)],
        S,
        {"plan_progress": 0.5, "status": "at_risk"},
        thresholds=(0.75, 0.5),
    ),
    # T_short = B = 5 (higher): V = 5 -> achievement 1.0; as of S, P = 5 = B -> R = 1.0.
    "t_equals_b_higher_met": Example(
        "x_higher_last_latest_progress",
        target(5, short=(5, S), long=(15, L)),
        [one(S, 5)],
        S,
        {
            "expected": 5.0,
            "achievement_short": 1.0,
            "achievement_long": 0.0,
            "plan_progress": 1.0,
            "status": "on_track",
        },
    ),
    # V = 4 < 5: achievement short 0.0, R = 0.0 -> off_track; long (4-5)/(15-5) = -0.1.
    "t_equals_b_higher_missed": Example(
        "x_higher_last_latest_progress",
        target(5, short=(5, S), long=(15, L)),
        [one(S, 4)],
        S,
        {"achievement_short": 0.0, "achievement_long": -0.1, "plan_progress": 0.0, "status": "off_track"},
    ),
    # Lower, T_short = B = 12: V = 11 is better -> 1.0 (and P = B as of AS: R = 1.0).
    "t_equals_b_lower_better": Example(
        "time_to_implementation",
        target(12, short=(12, S), long=(6, M)),
        [one(Q1, 11)],
        AS,
        {
            "expected": 12.0,
            "achievement_short": 1.0,
            "achievement_long": 1 / 6,
            "plan_progress": 1.0,
            "status": "on_track",
        },
    ),
    # V = 13 is worse -> 0.0 and R = 0.0.
    "t_equals_b_lower_worse": Example(
        "time_to_implementation",
        target(12, short=(12, S), long=(6, M)),
        [one(Q1, 13)],
        AS,
        {"achievement_short": 0.0, "plan_progress": 0.0, "status": "off_track"},
    ),
    # Baseline only (no horizon): P = B always, no achievement, never `achieved`.
    "p_equals_b_baseline_only_better": Example(
        "x_higher_last_latest_progress",
        target(10),
        [one(Q1, 12)],
        AS,
        {
            "expected": 10.0,
            "plan_progress": 1.0,
            "status": "on_track",
            "achievement_short": None,
            "achievement_mid": None,
            "achievement_long": None,
        },
    ),
    "p_equals_b_baseline_only_equal": Example(
        "x_higher_last_latest_progress",
        target(10),
        [one(Q1, 10)],
        AS,
        {"plan_progress": 1.0, "status": "on_track"},
    ),
    "p_equals_b_baseline_only_worse": Example(
        "x_higher_last_latest_progress",
        target(10),
        [one(Q1, 9)],
        AS,
        {"plan_progress": 0.0, "status": "off_track"},
    ),
    "p_equals_b_lower_baseline_only": Example(
        "time_to_implementation",
        target(10),
        [one(Q1, 9)],
        AS,
        {"plan_progress": 1.0, "status": "on_track"},
    ),
    # A report on the baseline date (and one before it) does not count: V = 10 + 2.
    "report_on_baseline_date_not_counted": Example(
        "joint_studies",
        HIGHER,
        [[(D0 - timedelta(days=91), "O1", 7), (D0, "O1", 5), (Q1, "O1", 2)]],
        AS,
        {"value": 12.0, "last_period_end": Q1},
    ),
    "level_only_on_baseline_date": Example(
        "time_to_implementation",
        LOWER,
        [one(D0, 30)],
        AS,
        {"value": None, "status": "no_data", "last_period_end": None},
    ),
    # A period after the as-of date does not count; one ending on it does.
    "period_after_as_of_not_counted": Example(
        "joint_studies",
        HIGHER,
        [one(Q1, 2), one(AS + timedelta(days=1), 5)],
        AS,
        {"value": 12.0, "last_period_end": Q1},
    ),
    "period_on_as_of_counted": Example(
        "joint_studies",
        HIGHER,
        [one(Q1, 2), one(AS + timedelta(days=1), 5)],
        AS + timedelta(days=1),
        {"value": 17.0, "last_period_end": AS + timedelta(days=1)},
    ),
    # Two partners report for Q1: O1 says 3 (recorded first), O2 says 5 (recorded later).
    "combine_sum_two_partners": Example(
        "x_higher_sum_sum_progress",
        target(0, long=(40, L)),
        [one(Q1, 3, "O1"), one(Q1, 5, "O2")],
        AS,
        {"value": 8.0},
    ),
    "combine_latest_two_partners": Example(
        "x_higher_sum_latest_progress",
        target(0, long=(40, L)),
        [one(Q1, 3, "O1"), one(Q1, 5, "O2")],
        AS,
        {"value": 5.0},
    ),
    "combine_latest_two_partners_other_order": Example(
        "x_higher_sum_latest_progress",
        target(0, long=(40, L)),
        [one(Q1, 5, "O2"), one(Q1, 3, "O1")],
        AS,
        {"value": 3.0},
    ),
    # A level KPI with combine sum adds the partners' levels; latest takes the last recorded.
    "combine_sum_levels": Example(
        "x_lower_last_sum_progress",
        target(20, long=(4, L)),
        [one(Q1, 3, "O1"), one(Q1, 5, "O2")],
        AS,
        {"value": 8.0},
    ),
    "combine_latest_levels_correction": Example(
        "time_to_implementation",
        LOWER,
        [one(Q1, 24, "O1"), one(Q1, 20, "O2"), one(Q1, 30, "O1")],
        AS,
        {"value": 30.0},
    ),
    # No target: status no_target, plan fields null; value = sum of all amounts up to as-of.
    "no_target_sum": Example(
        "joint_studies",
        None,
        [[(D0 - timedelta(days=91), "O1", 2), (Q1, "O1", 3), (S, "O1", 9)], one(Q1, 4, "O2")],
        AS,
        {"value": 9.0, "status": "no_target", "last_period_end": Q1, **NONE_PLAN},
    ),
    "no_target_level": Example(
        "time_to_implementation",
        None,
        [one(Q1, 30), one(Q2, 28)],
        AS,
        {"value": 28.0, "status": "no_target", "last_period_end": Q2, **NONE_PLAN},
    ),
    # Status uses the current target: version 1 (B = 0, short 100) is superseded by HIGHER.
    "revised_target": Example(
        "joint_studies",
        HIGHER,
        [one(Q1, 6)],
        AS,
        {"value": 16.0, "baseline": 10.0, "status": "on_track", "achievement_short": 0.6},
        earlier_targets=[target(0, short=(100, S)), target(5, short=(50, S), long=(60, L))],
    ),
    # Forecast from 10 periods every 30 days: amounts 100, 100, then 6 each. Only the last 8
    # count: V(x) = 200 + 6 (x/30 - 2) = 188 + x/5 (x = days since D0), exactly a line, so
    # forecast short (x = 365) = 261 and long (x = 1095) = 407. All 10 would bend the line.
    "forecast_last_eight_of_ten": Example(
        "joint_studies",
        target(0, short=(300, S), long=(500, L)),
        [one(D0 + timedelta(days=30 * i), 100 if i <= 2 else 6) for i in range(1, 11)],
        D0 + timedelta(days=300),
        {"value": 248.0, "forecast_short": 261.0, "forecast_long": 407.0, "forecast_mid": None},
    ),
    # Levels 36 at Q1 (D0 + 91) and 33 at S: line 36 - 3 (x - 91) / 274, at M (x = 730): 29.0109.
    "forecast_two_levels": Example(
        "time_to_implementation",
        LOWER,
        [one(Q1, 36), one(S, 33)],
        S,
        {"forecast_short": 33.0, "forecast_long": 36 - 3 * (730 - 91) / 274},
    ),
}


def reference_reports(example: Example) -> list[Report]:
    reports = example.portfolio().current_reports()
    return reports.get(("P01", example.kpi), [])


def reference_target(example: Example) -> TargetSet | None:
    return example.portfolio().current_targets().get(("P01", example.kpi))


def assert_matches(got: dict[str, Any], expected: dict[str, Any]) -> None:
    for name, want in expected.items():
        if isinstance(want, float):
            rel = 1e-9 if name.startswith("forecast_") else 1e-12
            assert got[name] == pytest.approx(want, rel=rel, abs=1e-12), name
        else:
            assert got[name] == want, name


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_reference_example(name: str) -> None:
    example = EXAMPLES[name]
    on_track, at_risk = example.thresholds or (0.9, 0.7)
    got = reference_status(
        ALL_KPIS[example.kpi], reference_target(example), reference_reports(example),
        example.as_of, on_track=on_track, at_risk=at_risk,
    )  # fmt: skip
    assert set(got) == set(RESULT_FIELDS)
    assert_matches(got, example.expected)


def product_row(portfolio: Portfolio, kpi: str, as_of: date) -> dict[str, Any]:
    db = load(portfolio)
    try:
        settings = None
        if portfolio.thresholds:
            settings = Settings(on_track_threshold=portfolio.thresholds[0],
                                at_risk_threshold=portfolio.thresholds[1])  # fmt: skip
        rows = frame_rows(portfolio_status(db, as_of, settings=settings))
    finally:
        db.close()
    assert set(rows) == {("P01", kpi)}
    return rows[("P01", kpi)]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_product_example(name: str) -> None:
    example = EXAMPLES[name]
    got = product_row(example.portfolio(), example.kpi, example.as_of)
    assert got["as_of"] == example.as_of
    assert_matches(got, example.expected)


# -- exact float values the SPEC fixes ------------------------------------------------------
def test_thresholds_are_exact_floats() -> None:
    """18/20 and 14/20 are the same doubles as the literals 0.9 and 0.7 the settings hold."""
    assert 18 / 20 == 0.9 and (18 - 36) / (16 - 36) == 0.9
    assert 14 / 20 == 0.7 and (22 - 36) / (16 - 36) == 0.7


def test_plan_hits_each_target_exactly_on_its_date() -> None:
    t = TargetSet(10.0, D0, short=(20.25, S), mid=(7.5, M), long=(50.0, L))
    assert plan(t, D0 - timedelta(days=1)) == 10.0
    assert plan(t, D0) == 10.0
    assert plan(t, S) == 20.25
    assert plan(t, M) == 7.5
    assert plan(t, L) == 50.0
    assert plan(t, L + timedelta(days=400)) == 50.0
    assert plan(t, S + timedelta(days=73)) == 20.25 + (7.5 - 20.25) * 73 / 365


def test_forecast_uses_only_the_last_eight_periods() -> None:
    """Sanity check of the example above: all ten periods would give a different line."""
    example = EXAMPLES["forecast_last_eight_of_ten"]
    reports = reference_reports(example)
    rule = KpiRule("higher", "sum", "sum")
    eight = reference_status(rule, reference_target(example), reports, example.as_of)
    assert eight["forecast_short"] == 261.0
    # Dropping the two oldest periods changes the value to date but not the fitted line's slope.
    later = [r for r in reports if r.period_end > D0 + timedelta(days=60)]
    shifted = reference_status(rule, reference_target(example), later, example.as_of)
    assert shifted["forecast_short"] == pytest.approx(261.0 - 200.0)
    # Nine periods: the window is still eight, so the oldest period only shifts V by its amount.
    nine = [r for r in reports if r.period_end > D0 + timedelta(days=30)]
    assert reference_status(rule, reference_target(example), nine, example.as_of)[
        "forecast_short"
    ] == pytest.approx(261.0 - 100.0)


# -- a re-sent unchanged value does not make a report more recent (through the database) -----
def _resend_case(third_value: float, third_note: str = "") -> tuple[dict[str, Any], list[int]]:
    """O1 reports 24 for Q1, then O2 reports 20, then O1 sends Q1 again (time_to_implementation:
    combine = latest). Returns the status row as of AS and the versions each call appended."""
    portfolio = Portfolio(target_versions=[{"project_code": "P01", "kpi_code": "time_to_implementation",
                                            **LOWER}], as_ofs=[AS])  # fmt: skip
    db = load(portfolio)
    appended = []
    try:
        for org, value, note in (("O1", 24.0, ""), ("O2", 20.0, ""), ("O1", third_value, third_note)):
            row = {"project_code": "P01", "kpi_code": "time_to_implementation", "period_end": Q1,
                   "organization_code": org, "value": value, "note": note}  # fmt: skip
            with db.transaction() as cursor:
                counts = record_actuals(cursor, pd.DataFrame([row]), actor=org, source="form")
            appended.append(counts.inserted + counts.updated)
        rows = frame_rows(portfolio_status(db, AS))
    finally:
        db.close()
    return rows[("P01", "time_to_implementation")], appended


def test_resent_unchanged_value_is_not_more_recent() -> None:
    row, appended = _resend_case(24.0)
    assert appended == [1, 1, 0]  # no new version for the unchanged re-send
    assert row["value"] == 20.0  # O2's report, recorded after O1's only version, still wins
    # The reference says the same: O1's current version keeps its original recorded order.
    reports = [Report(Q1, "O1", 24.0, 0), Report(Q1, "O2", 20.0, 1)]
    assert reference_status(ALL_KPIS["time_to_implementation"], reference_target(
        EXAMPLES["on_track_lower"]), reports, AS)["value"] == 20.0  # fmt: skip


def test_resent_changed_value_is_more_recent() -> None:
    row, appended = _resend_case(25.0)
    assert appended == [1, 1, 1]
    assert row["value"] == 25.0


def test_resent_unchanged_value_with_new_note_is_not_more_recent() -> None:
    row, appended = _resend_case(24.0, third_note="再送")
    assert appended == [1, 1, 0]
    assert row["value"] == 20.0
