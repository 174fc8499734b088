"""Target plans (SPEC section 2): a baseline and any number of target points, checked one way.

A plan is a dict `{"baseline_value", "baseline_date", "points": [{"day", "value", "horizon"}]}`;
`horizon` is "short", "mid", "long" or None. The registry loader (kpi/registry/checks.py) and the
lead's form (kpi/progress/save.py) both call `check_plan`, so a plan is valid or not wherever it is typed.
A final target worse than the baseline (a managed decline, such as a population vision) is valid.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

from kpi.i18n import t
from kpi.intake.rows import ErrorSink
from kpi.model import HORIZONS, Achievement

Plan = dict[str, Any]


def horizon_of(point: dict[str, Any]) -> str | None:
    tag = point.get("horizon")
    return str(tag) if tag else None


def sorted_plan_points(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(points, key=lambda p: p["day"])


def final_point(plan: Plan) -> dict[str, Any] | None:
    points = sorted_plan_points(plan.get("points") or [])
    return points[-1] if points else None


def is_managed_decline(plan: Plan, direction: str) -> bool:
    """True when the final target is worse than the baseline in the KPI's direction."""
    final, baseline = final_point(plan), plan.get("baseline_value")
    if final is None or baseline is None:
        return False
    return final["value"] < baseline if direction == "higher" else final["value"] > baseline


def check_plan(
    plan: Plan,
    kpi: dict[str, Any],
    sink: ErrorSink,
    *,
    baseline_row: int | None = None,
    require_points: bool = False,
) -> None:
    """Every rule of a target set, each broken rule one error (row: the point's `row`, if any).

    - the baseline value is required unless the KPI's 達成率 is `ratio`; with a value, a date;
    - points strictly after the baseline date, on distinct dates; each tag at most once and the
      tagged points in short < mid < long order;
    - no negative values unless the KPI allows them.
    """
    baseline, baseline_date = plan.get("baseline_value"), plan.get("baseline_date")
    ratio = str(kpi.get("achievement") or Achievement.PROGRESS) == Achievement.RATIO
    if baseline is None and not ratio:
        sink.add("missing_value", baseline_row, "baseline_value")
    if baseline is not None and baseline_date is None:
        sink.add("missing_value", baseline_row, "baseline_date")
    allow_negative = bool(kpi.get("allow_negative"))
    if baseline is not None and baseline < 0 and not allow_negative:
        sink.add("negative_value", baseline_row, "baseline_value", value=f"{baseline:g}", kpi=kpi["kpi_code"])
    points = sorted_plan_points(plan.get("points") or [])
    if require_points and not points:
        sink.add("missing_value", baseline_row, "target_value")
    seen_days: dict[date, int | None] = {}
    seen_tags: dict[str, date] = {}
    for point in points:
        row = point.get("row", baseline_row)
        day, value, tag = point["day"], point["value"], horizon_of(point)
        if value < 0 and not allow_negative:
            sink.add("negative_value", row, "target_value", value=f"{value:g}", kpi=kpi["kpi_code"])
        if baseline_date is not None and day <= baseline_date:
            sink.add("target_order", row, "target_date", variant="after_baseline", date=day,
                     previous=baseline_date)  # fmt: skip
        if day in seen_days:
            sink.add("target_order", row, "target_date", variant="same_date", date=day)
        seen_days[day] = row
        if tag is not None:
            if tag in seen_tags:
                sink.add("duplicate_row", row, "horizon", key=t(f"horizon.{tag}", sink.lang))
            seen_tags[tag] = day
    ordered = [h.value for h in HORIZONS if h.value in seen_tags]
    for earlier, later in pairwise(ordered):
        if seen_tags[later] <= seen_tags[earlier]:
            row = next((p.get("row", baseline_row) for p in points if horizon_of(p) == later), baseline_row)
            names = {"horizon": later, "previous": earlier}
            labels = {key: t(f"horizon.{tag}", sink.lang) for key, tag in names.items()}
            sink.add("target_order", row, "target_date", variant="tags", **labels)


def merge_points(current: list[dict[str, Any]], incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A file's points laid over the current ones: a tagged point replaces the point with its tag,
    any point replaces the one on its date; current points the file does not mention stay."""
    merged = [dict(p) for p in current]
    for point in incoming:
        tag = horizon_of(point)
        merged = [p for p in merged if p["day"] != point["day"] and (tag is None or horizon_of(p) != tag)]
        merged.append(dict(point))
    return sorted_plan_points(merged)


def plain_points(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Points as stored and compared: day, value, horizon only."""
    return [
        {"day": p["day"], "value": float(p["value"]), "horizon": horizon_of(p)}
        for p in sorted_plan_points(points)
    ]
