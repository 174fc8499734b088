"""An independent, pure-Python reading of SPEC section 3 (KPI arithmetic), one project x KPI at a time.

Written from the SPEC text, not from kpi/storage/status_sql.py, so the two can be cross-checked
(tests/test_status_crosscheck.py). No DuckDB here, and nothing imported from `kpi`.

Floating-point evaluation order is fixed so exact inputs give the same bits as the product:
the plan on a segment is `v1 + (v2 - v1) * days_since_d1 / segment_days`, and the value to date
for `accumulation = sum` is `B + sum(amounts)`. The forecast is computed exactly with fractions
and rounded once, so it is the most accurate value possible (compare it with a tolerance).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from itertools import pairwise
from typing import Any

HORIZON_NAMES = ("short", "mid", "long")
FORECAST_WINDOW = 8  # "the last <= 8 counting periods"
DEFAULT_ON_TRACK = 0.9
DEFAULT_AT_RISK = 0.7

# The fields of one status row besides project_code, kpi_code and as_of.
RESULT_FIELDS = (
    "value", "baseline", "expected", "plan_progress", "status", "last_period_end",
    "achievement_short", "achievement_mid", "achievement_long",
    "forecast_short", "forecast_mid", "forecast_long",
)  # fmt: skip


@dataclass(frozen=True)
class KpiRule:
    """The parts of a KPI definition that the arithmetic uses."""

    direction: str  # "higher" | "lower"
    accumulation: str  # "sum" | "last"
    combine: str  # "sum" | "latest"


@dataclass(frozen=True)
class TargetSet:
    """The current target version: baseline (value, date) and up to three horizons."""

    baseline_value: float
    baseline_date: date
    short: tuple[float, date] | None = None
    mid: tuple[float, date] | None = None
    long: tuple[float, date] | None = None

    def horizons(self) -> list[tuple[str, float, date]]:
        """Present horizons in date order (the SPEC requires short < mid < long dates)."""
        found = []
        for name in HORIZON_NAMES:
            pair = getattr(self, name)
            if pair is not None:
                found.append((name, pair[0], pair[1]))
        return found


@dataclass(frozen=True)
class Report:
    """A current report: one organization's amount (or level) for one period.

    `recorded_order` is the global order in which this current version was recorded; for
    `combine = latest` the highest one for a period wins.
    """

    period_end: date
    organization_code: str
    value: float
    recorded_order: Any


def at_or_better(direction: str, value: float, reference: float) -> bool:
    """'V is at or better than X in the KPI's direction'."""
    if direction == "higher":
        return value >= reference
    if direction == "lower":
        return value <= reference
    raise ValueError(f"unknown direction {direction!r}")


def combine_period(combine: str, reports: Sequence[Report]) -> float:
    """Rule `combine` for the current reports of one period (all organizations)."""
    if combine == "sum":
        return sum(r.value for r in reports)
    if combine == "latest":
        return max(reports, key=lambda r: r.recorded_order).value
    raise ValueError(f"unknown combine {combine!r}")


def counting_periods(
    kpi: KpiRule, target: TargetSet | None, reports: Iterable[Report], as_of: date
) -> list[tuple[date, float]]:
    """(period_end, combined amount) of every counting period, oldest first.

    A period counts when it ends after the baseline date (the baseline stands for everything
    before it; without a target there is no baseline date) and on or before the as-of date.
    """
    by_period: dict[date, list[Report]] = {}
    for report in reports:
        if target is not None and report.period_end <= target.baseline_date:
            continue
        if report.period_end > as_of:
            continue
        by_period.setdefault(report.period_end, []).append(report)
    return [(end, combine_period(kpi.combine, by_period[end])) for end in sorted(by_period)]


def value_series(
    kpi: KpiRule, target: TargetSet | None, periods: Sequence[tuple[date, float]]
) -> list[tuple[date, float]]:
    """V(p) at each counting period end p: `sum` -> B + sum of amounts so far; `last` -> amount."""
    baseline = target.baseline_value if target is not None else 0.0
    series = []
    for index, (end, amount) in enumerate(periods):
        if kpi.accumulation == "sum":
            value = baseline + sum(a for _, a in periods[: index + 1])
        elif kpi.accumulation == "last":
            value = amount
        else:
            raise ValueError(f"unknown accumulation {kpi.accumulation!r}")
        series.append((end, value))
    return series


def plan(target: TargetSet, as_of: date) -> float:
    """P(a): piecewise linear in days through (d0, B) then each horizon (d_h, T_h) in order.

    P = B on or before d0; P = the last target on or after the last horizon date.
    """
    points = [(target.baseline_date, target.baseline_value)]
    points += [(d, v) for _, v, d in target.horizons()]
    if as_of <= points[0][0]:
        return target.baseline_value
    for (d1, v1), (d2, v2) in pairwise(points):
        if d1 <= as_of < d2:
            days = float((as_of - d1).days)
            segment = float((d2 - d1).days)
            return v1 + (v2 - v1) * days / segment
    return points[-1][1]


def progress_ratio(direction: str, value: float, baseline: float, reference: float) -> float:
    """(V - B) / (X - B); when X = B: 1.0 if V is at or better than X, else 0.0.

    Achievement uses X = T_h; plan progress uses X = P(a) (and then 'at or better than B').
    """
    if reference == baseline:
        return 1.0 if at_or_better(direction, value, reference) else 0.0
    return (value - baseline) / (reference - baseline)


def ols_forecast(points: Sequence[tuple[date, float]], at: date) -> float:
    """Least-squares line of V against p in days through `points`, evaluated at `at`; exact."""
    origin = points[0][0]
    xs = [Fraction((p - origin).days) for p, _ in points]
    ys = [Fraction(v) for _, v in points]
    n = len(points)
    mean_x = sum(xs, Fraction(0)) / n
    mean_y = sum(ys, Fraction(0)) / n
    sxx = sum(((x - mean_x) ** 2 for x in xs), Fraction(0))
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)), Fraction(0))
    slope = sxy / sxx
    return float(mean_y + slope * (Fraction((at - origin).days) - mean_x))


def reference_status(
    kpi: KpiRule,
    target: TargetSet | None,
    reports: Iterable[Report],
    as_of: date,
    on_track: float = DEFAULT_ON_TRACK,
    at_risk: float = DEFAULT_AT_RISK,
) -> dict[str, Any]:
    """SPEC section 3 for one project x KPI at `as_of`. Keys: RESULT_FIELDS."""
    periods = counting_periods(kpi, target, reports, as_of)
    series = value_series(kpi, target, periods)
    value = series[-1][1] if series else None
    last_period_end = series[-1][0] if series else None
    result: dict[str, Any] = dict.fromkeys(RESULT_FIELDS)
    result["value"] = value
    result["last_period_end"] = last_period_end

    if target is None:
        result["status"] = "no_target"
        return result

    baseline = target.baseline_value
    horizons = target.horizons()
    expected = plan(target, as_of)
    result["baseline"] = baseline
    result["expected"] = expected

    if value is not None:
        for name, target_value, _ in horizons:
            result[f"achievement_{name}"] = progress_ratio(kpi.direction, value, baseline, target_value)
        result["plan_progress"] = progress_ratio(kpi.direction, value, baseline, expected)

    fit = series[-FORECAST_WINDOW:]
    if len(fit) >= 2:
        for name, _, horizon_date in horizons:
            result[f"forecast_{name}"] = ols_forecast(fit, horizon_date)

    progress = result["plan_progress"]
    if value is None:
        status = "no_data"
    elif horizons and at_or_better(kpi.direction, value, horizons[-1][1]):
        status = "achieved"
    elif progress >= on_track:
        status = "on_track"
    elif progress >= at_risk:
        status = "at_risk"
    else:
        status = "off_track"
    result["status"] = status
    return result
