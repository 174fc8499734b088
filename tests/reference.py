"""An independent, pure-Python reading of SPEC section 3 (KPI arithmetic), one project x KPI at a time.

Written from the SPEC text and the binding interpretations of its gaps (D1-D8), not from
kpi/storage/status_sql.py, so the two can be cross-checked (tests/test_status_crosscheck.py). No
DuckDB here, and nothing imported from `kpi`.

Floating-point evaluation order is fixed so exact inputs give the same bits as the product:
- the plan on a segment (k1, k2) is `v1 + (v2 - v1) * days_since_d1 / segment_days` (D2);
- the value to date for `accumulation = sum` is `B + sum(amounts)`, the amounts summed left to right
  in period order starting from 0 (B = 0 when the baseline value is empty, D1);
- for `accumulation = yearly` the year's sum S is summed the same way, and an incomplete year is
  annualised as `(S * days_in_year) / days_elapsed` (D5);
- managed decline: `1 - s / G` (plan progress) and `1 - s / abs(B - T)` (achievement), with
  s = `x - V` (higher) or `V - x` (lower) (D3); `ratio`: `V / T` and `V / P` (D4);
  `progress`: `(V - B) / (X - B)`.
The forecast is computed exactly with fractions and rounded once, so it is the most accurate value
possible (compare it with a tolerance).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise
from typing import Any

HORIZON_NAMES = ("short", "mid", "long")
FORECAST_WINDOW = 8  # "the last <= 8 counting periods" (or complete fiscal years, for `yearly`)
DEFAULT_ON_TRACK = 0.9
DEFAULT_AT_RISK = 0.7
DEFAULT_FY_START_MONTH = 4

# The fields of one status row before this version (besides project_code, kpi_code and as_of).
CLASSIC_RESULT_FIELDS = (
    "value", "baseline", "expected", "plan_progress", "status", "last_period_end",
    "achievement_short", "achievement_mid", "achievement_long",
    "forecast_short", "forecast_mid", "forecast_long",
)  # fmt: skip
# The fields of one status row besides project_code, kpi_code and as_of.
RESULT_FIELDS = (*CLASSIC_RESULT_FIELDS, "final_target", "final_achievement", "year_in_view", "grade")
# The fields of one year-view row besides project_code and kpi_code.
YEAR_FIELDS = (
    "fiscal_year", "actual", "partial", "year_target", "interpolated", "final_target",
    "year_achievement", "final_achievement", "grade",
)  # fmt: skip

ACCUMULATIONS = ("sum", "last", "yearly")
ACHIEVEMENTS = ("progress", "ratio")


@dataclass(frozen=True)
class KpiRule:
    """The parts of a KPI definition that the arithmetic uses."""

    direction: str  # "higher" | "lower"
    accumulation: str  # "sum" | "last" | "yearly"
    combine: str  # "sum" | "latest"
    achievement: str = "progress"  # "progress" (計算式②) | "ratio" (計算式①, V / T)
    allow_negative: bool = False  # SPEC section 2: values cannot be negative unless the KPI allows it

    def __post_init__(self) -> None:
        if self.direction not in ("higher", "lower"):
            raise ValueError(f"unknown direction {self.direction!r}")
        if self.accumulation not in ACCUMULATIONS:
            raise ValueError(f"unknown accumulation {self.accumulation!r}")
        if self.combine not in ("sum", "latest"):
            raise ValueError(f"unknown combine {self.combine!r}")
        if self.achievement not in ACHIEVEMENTS:
            raise ValueError(f"unknown achievement {self.achievement!r}")


TargetPoint = tuple[float, date, str | None]  # (value, date, horizon tag or None)


@dataclass(frozen=True)
class TargetSet:
    """The current target version: a baseline (value, date) and its target points.

    Build it either from `points` — (value, date, horizon-or-None) in any order — or, as before,
    from `short=`, `mid=`, `long=` (value, date) pairs (positionally too: baseline value, baseline
    date, short, mid, long); both may be combined. After construction `points` holds every point
    in date order and `short` / `mid` / `long` the tagged ones, whichever way they were given.
    The baseline value may be None (only `ratio` KPIs allow it, D1); then its date may be None too.
    """

    baseline_value: float | None
    baseline_date: date | None
    short: tuple[float, date] | None = None
    mid: tuple[float, date] | None = None
    long: tuple[float, date] | None = None
    points: tuple[TargetPoint, ...] = ()

    def __post_init__(self) -> None:
        merged: list[TargetPoint] = [(p[0], p[1], p[2] if len(p) > 2 else None) for p in self.points]
        for name in HORIZON_NAMES:
            pair = getattr(self, name)
            if pair is not None:
                if any(tag == name for _, _, tag in merged):
                    raise ValueError(f"horizon {name!r} given twice")
                merged.append((pair[0], pair[1], name))
        merged.sort(key=lambda p: p[1])
        tags = [tag for _, _, tag in merged if tag is not None]
        if any(tag not in HORIZON_NAMES for tag in tags):
            raise ValueError(f"unknown horizon tag in {tags!r}")
        if len(set(tags)) != len(tags):
            raise ValueError(f"a horizon tagged twice: {tags!r}")
        if tags != sorted(tags, key=HORIZON_NAMES.index):
            raise ValueError(f"tagged points out of order: {tags!r}")
        dates = [d for _, d, _ in merged]
        if len(set(dates)) != len(dates):
            raise ValueError("two target points on one date")
        if self.baseline_date is not None and dates and dates[0] <= self.baseline_date:
            raise ValueError("a target point on or before the baseline date")
        if self.baseline_value is None and not merged:
            raise ValueError("a target needs a baseline value or a target point")
        object.__setattr__(self, "points", tuple(merged))
        for name in HORIZON_NAMES:
            found = [(v, d) for v, d, tag in merged if tag == name]
            object.__setattr__(self, name, found[0] if found else None)

    def horizons(self) -> list[tuple[str, float, date]]:
        """The tagged points (name, value, date), in date order (which is short < mid < long)."""
        return [(tag, v, d) for v, d, tag in self.points if tag is not None]

    def final(self) -> tuple[float, date] | None:
        """(T_n, d_n): the last target point, or None for a baseline-only (legacy) target."""
        return (self.points[-1][0], self.points[-1][1]) if self.points else None

    def knots(self) -> list[tuple[date, float]]:
        """The plan's knots (D2): (d0, B) when B is not None, then every point in date order."""
        found: list[tuple[date, float]] = []
        if self.baseline_value is not None:
            if self.baseline_date is None:
                raise ValueError("a baseline value needs a baseline date")
            found.append((self.baseline_date, self.baseline_value))
        found += [(d, v) for v, d, _ in self.points]
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


# -- fiscal years ------------------------------------------------------------------------------
def fiscal_year(day: date, start_month: int = DEFAULT_FY_START_MONTH) -> int:
    """The fiscal year (年度) containing `day`, named by its start year."""
    return day.year if day.month >= start_month else day.year - 1


def fiscal_year_first_day(year: int, start_month: int = DEFAULT_FY_START_MONTH) -> date:
    return date(year, start_month, 1)


def fiscal_year_last_day(year: int, start_month: int = DEFAULT_FY_START_MONTH) -> date:
    return fiscal_year_first_day(year + 1, start_month) - timedelta(days=1)


# -- the pieces of section 3 -------------------------------------------------------------------
def at_or_better(direction: str, value: float, reference: float) -> bool:
    """'V is at or better than X in the KPI's direction'."""
    if direction == "higher":
        return value >= reference
    if direction == "lower":
        return value <= reference
    raise ValueError(f"unknown direction {direction!r}")


def shortfall(direction: str, value: float, reference: float) -> float:
    """s(x) of D3: how far V is worse than x in the KPI's direction (negative when better)."""
    if direction == "higher":
        return reference - value
    if direction == "lower":
        return value - reference
    raise ValueError(f"unknown direction {direction!r}")


def combine_period(combine: str, reports: Sequence[Report]) -> float:
    """Rule `combine` for the current reports of one period (all organizations)."""
    if combine == "sum":  # in organization-code order, as the database adds them (floats: order matters)
        return sum(r.value for r in sorted(reports, key=lambda r: r.organization_code))
    if combine == "latest":
        return max(reports, key=lambda r: r.recorded_order).value
    raise ValueError(f"unknown combine {combine!r}")


def counting_periods(
    kpi: KpiRule, target: TargetSet | None, reports: Iterable[Report], as_of: date
) -> list[tuple[date, float]]:
    """(period_end, combined amount) of every counting period, oldest first.

    A period counts when it ends after the baseline date (the baseline stands for everything
    before it; without a target or a baseline date every period counts, D1) and on or before
    the as-of date.
    """
    cutoff = target.baseline_date if target is not None else None
    by_period: dict[date, list[Report]] = {}
    for report in reports:
        if cutoff is not None and report.period_end <= cutoff:
            continue
        if report.period_end > as_of:
            continue
        by_period.setdefault(report.period_end, []).append(report)
    return [(end, combine_period(kpi.combine, by_period[end])) for end in sorted(by_period)]


def _baseline_or_zero(target: TargetSet | None) -> float:
    if target is None or target.baseline_value is None:
        return 0.0
    return target.baseline_value


def value_series(
    kpi: KpiRule, target: TargetSet | None, periods: Sequence[tuple[date, float]]
) -> list[tuple[date, float]]:
    """V(p) at each counting period end p: `sum` -> B + sum of amounts so far; `last` -> amount."""
    baseline = _baseline_or_zero(target)
    series = []
    for index, (end, amount) in enumerate(periods):
        if kpi.accumulation == "sum":
            value = baseline + sum(a for _, a in periods[: index + 1])
        elif kpi.accumulation == "last":
            value = amount
        else:
            raise ValueError(f"value_series is for sum/last, not {kpi.accumulation!r}")
        series.append((end, value))
    return series


def yearly_value(
    periods: Sequence[tuple[date, float]], fy_start_month: int = DEFAULT_FY_START_MONTH
) -> tuple[float, int, bool] | None:
    """D5: (V, year in view, complete) for a `yearly` KPI from its counting periods, or None.

    e = the latest counting period's end, Y = its fiscal year, S = the sum of Y's counting
    periods up to e; V = S when e is Y's last day, else (S * days_in_Y) / days_elapsed.
    """
    if not periods:
        return None
    last_end = periods[-1][0]
    year = fiscal_year(last_end, fy_start_month)
    first = fiscal_year_first_day(year, fy_start_month)
    last = fiscal_year_last_day(year, fy_start_month)
    total = sum(a for end, a in periods if first <= end <= last_end)
    if last_end == last:
        return total, year, True
    days_in_year = (last - first).days + 1
    days_elapsed = (last_end - first).days + 1
    return (total * days_in_year) / days_elapsed, year, False


def plan(target: TargetSet, as_of: date) -> float | None:
    """P(a) per D2: piecewise linear in days through the knots (d0, B), (d_1, T_1), ... (d_n, T_n).

    P = the first knot's value on or before its date; the last knot's value on or after its date.
    None only when there is no knot at all (which TargetSet refuses).
    """
    knots = target.knots()
    if not knots:
        return None
    if as_of <= knots[0][0]:
        return knots[0][1]
    for (d1, v1), (d2, v2) in pairwise(knots):
        if d1 <= as_of < d2:
            days = float((as_of - d1).days)
            segment = float((d2 - d1).days)
            return v1 + (v2 - v1) * days / segment
    return knots[-1][1]


def is_managed_decline(kpi: KpiRule, target: TargetSet) -> bool:
    """D3: B not None, at least one point, and T_n strictly worse than B in the KPI's direction."""
    final = target.final()
    if target.baseline_value is None or final is None:
        return False
    return not at_or_better(kpi.direction, final[0], target.baseline_value)


def progress_ratio(direction: str, value: float, baseline: float, reference: float) -> float:
    """(V - B) / (X - B); when X = B: 1.0 if V is at or better than X, else 0.0.

    Achievement uses X = T_h; plan progress uses X = P(a) (and then 'at or better than B').
    """
    if reference == baseline:
        return 1.0 if at_or_better(direction, value, reference) else 0.0
    return (value - baseline) / (reference - baseline)


def achievement(kpi: KpiRule, target: TargetSet, value: float, point_value: float) -> float:
    """達成率 of V against one target value T_i (a point, a 年度目標 or T_n): D3, D4 or progress."""
    baseline = target.baseline_value
    if is_managed_decline(kpi, target):
        assert baseline is not None
        if at_or_better(kpi.direction, value, point_value):
            return 1.0
        if point_value == baseline:
            return 0.0
        return 1 - shortfall(kpi.direction, value, point_value) / abs(baseline - point_value)
    if kpi.achievement == "ratio":
        if point_value == 0:
            return 1.0 if value >= 0 else 0.0
        return value / point_value
    if baseline is None:
        raise ValueError("the progress formula needs a baseline value")
    return progress_ratio(kpi.direction, value, baseline, point_value)


def plan_progress(kpi: KpiRule, target: TargetSet, value: float, expected: float) -> float:
    """R: D3 for a managed decline, else `ratio` V / P (P = 0: 1.0), else progress (V - B) / (P - B)."""
    baseline = target.baseline_value
    if is_managed_decline(kpi, target):
        final = target.final()
        assert baseline is not None and final is not None
        planned_change = abs(baseline - final[0])
        return 1 - shortfall(kpi.direction, value, expected) / planned_change
    if kpi.achievement == "ratio":
        if expected == 0:
            return 1.0
        return value / expected
    if baseline is None:
        raise ValueError("the progress formula needs a baseline value")
    return progress_ratio(kpi.direction, value, baseline, expected)


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


def complete_years(
    periods: Sequence[tuple[date, float]], fy_start_month: int = DEFAULT_FY_START_MONTH
) -> list[tuple[date, float]]:
    """D5 forecast points for `yearly`: (Y's last day, sum of Y's counting periods) for every
    fiscal year Y that has a counting period ending on its last day, oldest first."""
    sums: dict[int, float] = {}
    complete: set[int] = set()
    for end, amount in periods:
        year = fiscal_year(end, fy_start_month)
        sums[year] = sums.get(year, 0) + amount
        if end == fiscal_year_last_day(year, fy_start_month):
            complete.add(year)
    return [(fiscal_year_last_day(y, fy_start_month), float(sums[y])) for y in sorted(complete)]


# -- grades (D7) -------------------------------------------------------------------------------
def _band(label: str, minimum: float | None, above: bool = False) -> dict[str, Any]:
    return {"label_ja": label, "label_en": label, "min": minimum, "above": above}


GRADE_PRESETS: dict[str, list[dict[str, Any]]] = {
    "abcd": [_band("A", 1.0), _band("B", 0.8), _band("C", 0.5), _band("D", None)],
    "marks": [_band("◎", 1.0), _band("○", 0.5), _band("△", 0.0, above=True), _band("×", None)],
}


def grade_bands(
    scheme: str | Sequence[dict[str, Any]] = "status",
    on_track: float = DEFAULT_ON_TRACK,
    at_risk: float = DEFAULT_AT_RISK,
) -> list[dict[str, Any]]:
    """The ordered bands of a scheme: a preset name ("status", "abcd", "marks") or a band list."""
    if not isinstance(scheme, str):
        return [dict(band) for band in scheme]
    if scheme == "status":
        return [_band("achieved", 1.0), _band("on_track", on_track), _band("at_risk", at_risk),
                _band("off_track", None)]  # fmt: skip
    if scheme in GRADE_PRESETS:
        return [dict(band) for band in GRADE_PRESETS[scheme]]
    raise ValueError(f"unknown grade scheme {scheme!r}")


def grade_of(value: float | None, bands: Sequence[dict[str, Any]]) -> str | None:
    """label_en of the first band that matches (>= min, or > min when `above`; min None: any)."""
    if value is None:
        return None
    for band in bands:
        minimum = band.get("min")
        if minimum is None:
            return band["label_en"]
        if (value > minimum) if band.get("above") else (value >= minimum):
            return band["label_en"]
    return None  # a scheme without a catch-all band, and nothing matched


# -- status (one row per project x KPI) ---------------------------------------------------------
def reference_status(
    kpi: KpiRule,
    target: TargetSet | None,
    reports: Iterable[Report],
    as_of: date,
    on_track: float = DEFAULT_ON_TRACK,
    at_risk: float = DEFAULT_AT_RISK,
    fy_start_month: int = DEFAULT_FY_START_MONTH,
    grade_scheme: str | Sequence[dict[str, Any]] = "status",
) -> dict[str, Any]:
    """SPEC section 3 for one project x KPI at `as_of`. Keys: RESULT_FIELDS."""
    periods = counting_periods(kpi, target, reports, as_of)
    result: dict[str, Any] = dict.fromkeys(RESULT_FIELDS)
    complete = True  # whether the year in view is complete (always true for sum/last)
    fit: list[tuple[date, float]]
    if kpi.accumulation == "yearly":
        found = yearly_value(periods, fy_start_month)
        value = found[0] if found else None
        if found:
            result["year_in_view"] = found[1]
            complete = found[2]
        fit = complete_years(periods, fy_start_month)[-FORECAST_WINDOW:]
    else:
        series = value_series(kpi, target, periods)
        value = series[-1][1] if series else None
        fit = series[-FORECAST_WINDOW:]
    result["value"] = value
    result["last_period_end"] = periods[-1][0] if periods else None

    bands = grade_bands(grade_scheme, on_track, at_risk)
    if target is None:
        result["status"] = "no_target"
        result["grade"] = "no_target" if grade_scheme == "status" else None
        return result

    horizons = target.horizons()
    final = target.final()
    if kpi.accumulation == "yearly":
        year = result["year_in_view"]
        if year is None:
            year = fiscal_year(as_of, fy_start_month)
        expected = plan(target, fiscal_year_last_day(year, fy_start_month))
    else:
        expected = plan(target, as_of)
    result["baseline"] = target.baseline_value
    result["expected"] = expected
    result["final_target"] = final[0] if final else None

    if value is not None:
        for name, target_value, _ in horizons:
            result[f"achievement_{name}"] = achievement(kpi, target, value, target_value)
        if final is not None:
            result["final_achievement"] = achievement(kpi, target, value, final[0])
        assert expected is not None
        result["plan_progress"] = plan_progress(kpi, target, value, expected)

    if len(fit) >= 2:
        for name, _, horizon_date in horizons:
            forecast = ols_forecast(fit, horizon_date)
            # a value that cannot be negative is not forecast below 0 (a duration of −4.5 months)
            result[f"forecast_{name}"] = forecast if kpi.allow_negative else max(forecast, 0.0)

    progress = result["plan_progress"]
    if value is None:
        status = "no_data"
    elif (
        final is not None
        and at_or_better(kpi.direction, value, final[0])
        and complete
        and (as_of >= final[1] or not is_managed_decline(kpi, target))
    ):
        status = "achieved"
    elif progress >= on_track:
        status = "on_track"
    elif progress >= at_risk:
        status = "at_risk"
    else:
        status = "off_track"
    result["status"] = status
    result["grade"] = status if grade_scheme == "status" else grade_of(result["final_achievement"], bands)
    return result


# -- the year view (効果検証, D8) ----------------------------------------------------------------
def reference_years(
    kpi: KpiRule,
    target: TargetSet | None,
    reports: Iterable[Report],
    as_of: date,
    fy_start_month: int = DEFAULT_FY_START_MONTH,
    grade_scheme: str | Sequence[dict[str, Any]] = "status",
    on_track: float = DEFAULT_ON_TRACK,
    at_risk: float = DEFAULT_AT_RISK,
) -> list[dict[str, Any]]:
    """One row per fiscal year from the first year (D8) to FY(as_of). Keys: YEAR_FIELDS.

    No target -> no rows (the year view is per project x KPI with a target).
    """
    if target is None:
        return []
    periods = counting_periods(kpi, target, reports, as_of)
    last_year = fiscal_year(as_of, fy_start_month)
    if target.baseline_date is not None:
        first_year = fiscal_year(target.baseline_date, fy_start_month)
    else:
        starts = [target.points[0][1]] if target.points else []
        starts += [periods[0][0]] if periods else []
        first_year = min(fiscal_year(day, fy_start_month) for day in starts)
    first_year = min(first_year, last_year)

    bands = grade_bands(grade_scheme, on_track, at_risk)
    final = target.final()
    baseline = _baseline_or_zero(target)
    rows = []
    for year in range(first_year, last_year + 1):
        first = fiscal_year_first_day(year, fy_start_month)
        last = fiscal_year_last_day(year, fy_start_month)
        in_year = [(end, a) for end, a in periods if first <= end <= last]  # all <= as_of already
        actual: float | None = None
        partial = False
        if in_year:
            if kpi.accumulation == "sum":
                actual = baseline + sum(a for end, a in periods if end <= last)
            elif kpi.accumulation == "last":
                actual = in_year[-1][1]
            else:
                actual = sum(a for _, a in in_year)
            # yearly: the year's latest period is not its last day; sum/last: the year is not over.
            partial = in_year[-1][0] != last if kpi.accumulation == "yearly" else as_of < last
        dated = [v for v, d, _ in target.points if first <= d <= last]
        year_target: float | None
        if dated:
            year_target, interpolated = dated[-1], False
        else:
            year_target, interpolated = plan(target, last), True
        year_achievement = final_achievement = None
        # D9: a yearly flow's incomplete year is shown but not evaluated.
        if actual is not None and not (kpi.accumulation == "yearly" and partial):
            assert year_target is not None
            if interpolated and is_managed_decline(kpi, target):
                # Reading 10: against the plan line a decline is measured as plan progress is.
                year_achievement = plan_progress(kpi, target, actual, year_target)
            else:
                year_achievement = achievement(kpi, target, actual, year_target)
            if final is not None:
                final_achievement = achievement(kpi, target, actual, final[0])
        rows.append({
            "fiscal_year": year,
            "actual": actual,
            "partial": partial,
            "year_target": year_target,
            "interpolated": interpolated,
            "final_target": final[0] if final else None,
            "year_achievement": year_achievement,
            "final_achievement": final_achievement,
            "grade": grade_of(year_achievement, bands),
        })  # fmt: skip
    return rows
