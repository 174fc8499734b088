"""The formulas SPEC section 3 repeats, as SQL text builders for status_sql.py.

Each takes SQL expressions (column names or other fragments) and returns one expression; nothing
here reads input, so every identifier in the assembled query is the module's own. The columns they
refer to are those of status_sql's `plans_d` CTE: direction, formula, baseline_value, knots, points,
final_target, decline; the fiscal-year start month is the bound parameter $fy_start.
"""

from __future__ import annotations

# "V is at or better than X in the KPI's direction".
BETTER = "(CASE WHEN direction = 'higher' THEN {v} >= {x} ELSE {v} <= {x} END)"


def better(v: str, x: str) -> str:
    return BETTER.format(v=v, x=x)


def shortfall(v: str, x: str) -> str:
    """How far V is worse than X in the KPI's direction (negative when better)."""
    return f"(CASE WHEN direction = 'higher' THEN {x} - {v} ELSE {v} - {x} END)"


def fiscal_year_of(day: str) -> str:
    """The fiscal year (named by its start year) containing a DATE expression."""
    return f"(year({day}) - CASE WHEN month({day}) < $fy_start::INTEGER THEN 1 ELSE 0 END)"


def fy_first_day(fy: str) -> str:
    return f"make_date(CAST({fy} AS BIGINT), $fy_start::INTEGER, 1)"


def fy_last_day(fy: str) -> str:
    return f"(make_date(CAST({fy} AS BIGINT) + 1, $fy_start::INTEGER, 1) - 1)"


def segment(day: str) -> str:
    """How many knots lie on or before `day`: the plan segment `day` falls in (a column of its own,
    so the plan formula below reads it instead of repeating the list filter)."""
    return f"len(list_filter(knots, lambda k: k.day <= {day}))"


def plan_at(day: str, seg: str) -> str:
    """P(day): piecewise linear in days through the knots; flat before the first and after the last.
    `seg` is the column holding segment(day)."""
    d1, v1 = f"knots[{seg}].day", f"knots[{seg}].value"
    d2, v2 = f"knots[{seg} + 1].day", f"knots[{seg} + 1].value"
    return (
        f"(CASE WHEN knots IS NULL OR len(knots) = 0 THEN NULL"
        f" WHEN {day} <= knots[1].day THEN knots[1].value"
        f" WHEN {day} >= knots[len(knots)].day THEN knots[len(knots)].value"
        f" ELSE {v1} + ({v2} - {v1}) * CAST(date_diff('day', {d1}, {day}) AS DOUBLE)"
        f" / CAST(date_diff('day', {d1}, {d2}) AS DOUBLE) END)"
    )


def achievement(v: str, x: str) -> str:
    """達成率 of value V against a target X: managed decline, `ratio` (①) or `progress` (②)."""
    b = "baseline_value"
    return (
        f"(CASE WHEN {v} IS NULL OR {x} IS NULL THEN NULL"
        f" WHEN decline THEN (CASE WHEN {better(v, x)} THEN 1.0 WHEN {x} = {b} THEN 0.0"
        f"  ELSE 1.0 - {shortfall(v, x)} / abs({b} - {x}) END)"
        f" WHEN formula = 'ratio' THEN (CASE WHEN {x} = 0 THEN (CASE WHEN {v} >= 0 THEN 1.0 ELSE 0.0 END)"
        f"  ELSE {v} / {x} END)"
        f" WHEN {x} = {b} THEN (CASE WHEN {better(v, x)} THEN 1.0 ELSE 0.0 END)"
        f" ELSE ({v} - {b}) / ({x} - {b}) END)"
    )


def horizon_point(horizon: str, field: str) -> str:
    """The value or day of the point tagged `horizon` (a constant of this module's callers)."""
    assert horizon in ("short", "mid", "long") and field in ("value", "day")
    return f"list_filter(points, lambda x: x.horizon = '{horizon}')[1].{field}"


def grade(ach: str) -> str:
    """The code of the first band of $bands that the achievement reaches; NULL without one."""
    return (
        f"(CASE WHEN {ach} IS NULL THEN NULL ELSE list_filter($bands::STRUCT(code VARCHAR, min DOUBLE,"
        f" above BOOLEAN)[], lambda g: g.min IS NULL OR (CASE WHEN g.above THEN {ach} > g.min"
        f" ELSE {ach} >= g.min END))[1].code END)"
    )
