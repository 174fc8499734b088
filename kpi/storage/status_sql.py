"""SPEC section 3 as one DuckDB query over the whole portfolio (status), and one for the year view.

The queries are long but flat: each CTE is one step of the arithmetic, named after it, and the
repeated formulas (the plan at a day, a point's achievement, a grade) come from the small builders
in status_terms.py. A pure-Python reference (tests/reference.py) computes the same numbers one
project at a time and the tests cross-check the two on generated portfolios.

Floating-point order is fixed on purpose so both give identical bits on exact inputs: the plan is
`v1 + (v2 - v1) * days_since_v1 / segment_days`, the value to date is `B + sum(amounts)`, and a
yearly value is annualised as `(S * days_in_year) / days_elapsed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from kpi.model import Settings
from kpi.storage.status_terms import (
    BETTER,
    achievement,
    fiscal_year_of,
    fy_first_day,
    fy_last_day,
    grade,
    horizon_point,
    plan_at,
    segment,
    shortfall,
)

# Column contract of portfolio_status(): one row per project x KPI with a target or an actual.
STATUS_COLUMNS = [
    "project_code",
    "kpi_code",
    "as_of",
    "value",
    "baseline",
    "expected",
    "plan_progress",
    "status",
    "last_period_end",
    "achievement_short",
    "achievement_mid",
    "achievement_long",
    "forecast_short",
    "forecast_mid",
    "forecast_long",
    "final_target",
    "final_achievement",
    "year_in_view",
    "grade",
]

# Column contract of the year view (SPEC section 3 効果検証, `python -m kpi years`).
YEAR_COLUMNS = [
    "project_code",
    "kpi_code",
    "fiscal_year",
    "actual",
    "partial",
    "year_target",
    "interpolated",
    "final_target",
    "year_achievement",
    "final_achievement",
    "grade",
]

_BANDS_TYPE = "STRUCT(code VARCHAR, min DOUBLE, above BOOLEAN)[]"

# The current target set of each pair, with the plan's knots: (d0, B) when there is a baseline
# value, then the points in date order; and whether it is a managed decline (SPEC section 3).
_PLANS = (
    """
targets AS (
    SELECT project_code, kpi_code, version, baseline_value, baseline_date,
           list_sort(coalesce(points, [])) AS points
    FROM target_versions
    WHERE $project::VARCHAR IS NULL OR project_code = $project::VARCHAR
    QUALIFY row_number() OVER (PARTITION BY project_code, kpi_code ORDER BY version DESC) = 1
),
plans AS (
    SELECT t.*, k.direction, k.accumulation, k.achievement AS formula,
           CASE WHEN baseline_value IS NULL THEN points
                ELSE list_concat([struct_pack(day := baseline_date, value := baseline_value,
                                              horizon := NULL::VARCHAR)], points) END AS knots,
           CASE WHEN len(points) > 0 THEN points[len(points)].value END AS final_target,
           CASE WHEN len(points) > 0 THEN points[len(points)].day END AS final_date
    FROM targets t JOIN kpi_definitions k USING (kpi_code)
),
plans_d AS (
    SELECT *,
           coalesce(baseline_value IS NOT NULL AND final_target IS NOT NULL
                    AND NOT """
    + BETTER.format(v="final_target", x="baseline_value")
    + """, false) AS decline
    FROM plans
)"""
)

# Per pair with a report: its counting periods (after the baseline date, on or before as-of) in
# date order, each with its amount by rule `combine`. actual_series, each pair's periods as one
# sorted list, is kept by every write (kpi/storage/periods.py): status neither groups the millions
# of reports nor builds the lists again; the as-of step only filters them.
_COUNTED = """
reported AS (
    SELECT project_code, kpi_code, periods
    FROM actual_series
    WHERE $project::VARCHAR IS NULL OR project_code = $project::VARCHAR
),
counted AS (
    SELECT r.project_code, r.kpi_code, k.accumulation, coalesce(t.baseline_value, 0.0) AS base,
           list_transform(
               list_filter(r.periods, lambda x: x.day <= $as_of::DATE
                                                AND (t.baseline_date IS NULL OR x.day > t.baseline_date)),
               lambda x: struct_pack(day := x.day,
                                     amt := CASE WHEN k.combine = 'sum' THEN x.summed ELSE x.latest END)
           ) AS kept
    FROM reported r
    JOIN kpi_definitions k USING (kpi_code)
    LEFT JOIN targets t USING (project_code, kpi_code)
)"""

_FY = fiscal_year_of


def _forecast(h: str) -> str:
    """The least-squares line at horizon h's date; never below 0 for a KPI whose values cannot be
    negative (`allow_negative` false): a duration cannot be forecast at −4.5 months."""
    day = f"{h}_day"
    line = f"fit_intercept + fit_slope * CAST(date_diff('day', fit_anchor, {day}) AS DOUBLE)"
    return (
        f"CASE WHEN n_fit >= 2 AND {day} IS NOT NULL THEN"
        f" (CASE WHEN allow_negative THEN {line} ELSE greatest({line}, 0.0) END) END"
    )


_FIRST = fy_first_day
_LAST = fy_last_day

STATUS_SQL = f"""
WITH p AS (
    SELECT $as_of::DATE AS as_of, $on_track::DOUBLE AS on_track, $at_risk::DOUBLE AS at_risk
),
{_PLANS},
{_COUNTED},
amounts AS (
    SELECT project_code, kpi_code, accumulation, base, kept, len(kept) AS n,
           list_transform(kept, lambda x: x.day) AS days,
           list_transform(kept, lambda x: x.amt) AS a,
           CASE WHEN len(kept) > 0 THEN {_FY("kept[len(kept)].day")} END AS y_view
    FROM counted
),
-- Rule `accumulation`: the value to date, and the points the least-squares line goes through:
-- the last eight periods' values to date (`sum`, `last`), or the last eight complete fiscal
-- years' sums at their last days (`yearly`); x in days since the last point.
series AS (
    SELECT project_code, kpi_code, n, y_view,
           CASE WHEN n > 0 THEN days[n] END AS last_period_end,
           CASE WHEN accumulation = 'yearly' AND n > 0 THEN days[n] = {_LAST("y_view")} END AS complete,
           CASE WHEN n = 0 THEN NULL
                WHEN accumulation = 'sum' THEN base + list_sum(a)
                WHEN accumulation = 'last' THEN a[n]
                ELSE list_sum(list_transform(list_filter(kept, lambda x: x.day >= {_FIRST("y_view")}),
                                             lambda x: x.amt)) END AS raw_value,
           CASE WHEN accumulation = 'yearly'
                THEN list_filter(kept, lambda x: x.day = {_LAST(_FY("x.day"))}) END AS year_ends,
           CASE WHEN accumulation <> 'yearly'
                THEN list_transform(range(greatest(n - 7, 1), n + 1),
                                    lambda i: CASE WHEN accumulation = 'sum' THEN base + list_sum(a[1:i])
                                                   ELSE a[i] END) END AS period_ys,
           CASE WHEN accumulation <> 'yearly'
                THEN list_transform(range(greatest(n - 7, 1), n + 1), lambda i: days[i]) END AS period_xs,
           kept
    FROM amounts
),
fit_points AS (
    SELECT project_code, kpi_code, n, y_view, last_period_end, complete,
           CASE WHEN n = 0 THEN NULL
                WHEN complete IS NOT false THEN raw_value
                ELSE (raw_value * CAST(date_diff('day', {_FIRST("y_view")}, {_LAST("y_view")}) + 1 AS DOUBLE))
                     / CAST(date_diff('day', {_FIRST("y_view")}, last_period_end) + 1 AS DOUBLE) END AS value,
           coalesce(period_xs,
                    list_transform(year_ends[greatest(len(year_ends) - 7, 1):], lambda e: e.day)) AS fx,
           coalesce(period_ys,
                    list_transform(year_ends[greatest(len(year_ends) - 7, 1):],
                                   lambda e: list_sum(list_transform(
                                       list_filter(kept, lambda x: {_FY("x.day")} = {_FY("e.day")}),
                                       lambda x: x.amt)))) AS fy
    FROM series
),
sums AS (
    SELECT *, len(fx) AS m,
           CASE WHEN len(fx) > 0 THEN fx[len(fx)] END AS fit_anchor,
           list_transform(fx, lambda d: CAST(date_diff('day', fx[len(fx)], d) AS DOUBLE)) AS xs
    FROM fit_points
),
latest AS (
    SELECT project_code, kpi_code, last_period_end, value, complete, y_view, m AS n_fit, fit_anchor,
           (m * sxy - sx * sy) / (m * sxx - sx * sx) AS fit_slope,
           -- the line's value at the last point (x = 0)
           (sy - (m * sxy - sx * sy) / (m * sxx - sx * sx) * sx) / m AS fit_intercept
    FROM (SELECT *, list_sum(xs) AS sx, list_sum(fy) AS sy,
                 list_sum(list_transform(xs, lambda x: x * x)) AS sxx,
                 list_sum(list_transform(range(1, len(xs) + 1), lambda j: xs[j] * fy[j])) AS sxy
          FROM sums)
    WHERE n > 0
),
pairs AS (
    SELECT project_code, kpi_code FROM targets
    UNION
    SELECT project_code, kpi_code FROM reported
),
joined AS (
    SELECT pr.project_code, pr.kpi_code, k.direction, k.accumulation, k.achievement AS formula,
           k.allow_negative, p.as_of, p.on_track, p.at_risk,
           t.baseline_value, t.baseline_date, t.points, t.knots, t.final_target, t.final_date,
           coalesce(t.decline, false) AS decline,
           t.version IS NOT NULL AS has_target,
           l.value, l.last_period_end, l.complete, l.y_view, coalesce(l.n_fit, 0) AS n_fit,
           l.fit_anchor, l.fit_slope, l.fit_intercept,
           -- the day the plan is read at: as-of, or the last day of a yearly KPI's year in view
           CASE WHEN k.accumulation = 'yearly' THEN {_LAST("coalesce(l.y_view, " + _FY("p.as_of") + ")")}
                ELSE p.as_of END AS plan_day,
           {horizon_point("short", "value")} AS short_value, {horizon_point("short", "day")} AS short_day,
           {horizon_point("mid", "value")} AS mid_value, {horizon_point("mid", "day")} AS mid_day,
           {horizon_point("long", "value")} AS long_value, {horizon_point("long", "day")} AS long_day
    FROM pairs pr
    CROSS JOIN p
    JOIN kpi_definitions k USING (kpi_code)
    LEFT JOIN plans_d t USING (project_code, kpi_code)
    LEFT JOIN latest l USING (project_code, kpi_code)
),
planned AS (
    SELECT *, {plan_at("plan_day", "seg")} AS expected
    FROM (SELECT *, {segment("plan_day")} AS seg FROM joined)
),
scored AS (
    SELECT *,
           CASE WHEN NOT has_target OR value IS NULL OR expected IS NULL THEN NULL
                WHEN decline THEN 1.0 - {shortfall("value", "expected")} / abs(baseline_value - final_target)
                WHEN formula = 'ratio' THEN (CASE WHEN expected = 0 THEN 1.0 ELSE value / expected END)
                WHEN expected = baseline_value THEN
                     (CASE WHEN {BETTER.format(v="value", x="baseline_value")} THEN 1.0 ELSE 0.0 END)
                ELSE (value - baseline_value) / (expected - baseline_value) END AS plan_progress,
           {achievement("value", "final_target")} AS final_achievement
    FROM planned
),
statused AS (
    SELECT *,
           CASE WHEN NOT has_target THEN 'no_target'
                WHEN value IS NULL THEN 'no_data'
                WHEN final_target IS NOT NULL AND {BETTER.format(v="value", x="final_target")}
                     AND (accumulation <> 'yearly' OR complete)
                     AND (NOT decline OR as_of >= final_date) THEN 'achieved'
                WHEN plan_progress >= on_track THEN 'on_track'
                WHEN plan_progress >= at_risk THEN 'at_risk'
                ELSE 'off_track' END AS status
    FROM scored
)
SELECT project_code, kpi_code, as_of, value,
       baseline_value AS baseline, expected, plan_progress, status, last_period_end,
       {achievement("value", "short_value")} AS achievement_short,
       {achievement("value", "mid_value")} AS achievement_mid,
       {achievement("value", "long_value")} AS achievement_long,
       {_forecast("short")} AS forecast_short,
       {_forecast("mid")} AS forecast_mid,
       {_forecast("long")} AS forecast_long,
       final_target, final_achievement,
       CASE WHEN accumulation = 'yearly' THEN y_view END AS year_in_view,
       CASE WHEN $status_grades::BOOLEAN THEN status ELSE {grade("final_achievement")} END AS grade
FROM statused
ORDER BY project_code, kpi_code
"""

# The year view: per project x KPI with a target, one row per fiscal year from the baseline's (or
# the first report's or point's) to the as-of date's; each row only that year's own value.
YEARS_SQL = f"""
WITH p AS (SELECT $as_of::DATE AS as_of),
{_PLANS},
{_COUNTED},
bounds AS (
    SELECT t.*, p.as_of, coalesce(c.kept, []) AS kept, {_FY("p.as_of")} AS last_fy,
           least({_FY("p.as_of")},
                 CASE WHEN t.baseline_date IS NOT NULL THEN {_FY("t.baseline_date")}
                      ELSE coalesce(least({_FY("c.kept[1].day")}, {_FY("t.points[1].day")}),
                                    {_FY("c.kept[1].day")}, {_FY("t.points[1].day")}, {_FY("p.as_of")})
                 END) AS first_fy
    FROM plans_d t CROSS JOIN p
    LEFT JOIN counted c USING (project_code, kpi_code)
),
years AS (
    SELECT *, unnest(range(first_fy, last_fy + 1)) AS fiscal_year FROM bounds
),
framed AS (
    SELECT *, {_FIRST("fiscal_year")} AS y_first, {_LAST("fiscal_year")} AS y_last
    FROM years
),
in_year AS (
    SELECT *,
           list_filter(kept, lambda x: x.day >= y_first AND x.day <= y_last) AS in_y,
           list_filter(points, lambda x: x.day >= y_first AND x.day <= y_last) AS year_points,
           {segment("y_last")} AS seg
    FROM framed
),
valued AS (
    SELECT *,
           CASE WHEN len(in_y) = 0 THEN NULL
                WHEN accumulation = 'sum'
                     THEN coalesce(baseline_value, 0.0)
                          + list_sum(list_transform(list_filter(kept, lambda x: x.day <= y_last),
                                                    lambda x: x.amt))
                WHEN accumulation = 'last' THEN in_y[len(in_y)].amt
                ELSE list_sum(list_transform(in_y, lambda x: x.amt)) END AS actual,
           CASE WHEN len(in_y) = 0 THEN false
                WHEN accumulation = 'yearly' THEN in_y[len(in_y)].day <> y_last
                ELSE as_of < y_last END AS partial,
           len(year_points) = 0 AS interpolated,
           CASE WHEN len(year_points) > 0 THEN year_points[len(year_points)].value
                ELSE {plan_at("y_last", "seg")} END AS year_target
    FROM in_year
),
-- A yearly flow's incomplete year is a part of a year: it is shown (途中) but not evaluated.
achieved AS (
    SELECT *,
           CASE WHEN accumulation = 'yearly' AND partial THEN NULL
                -- against the plan line (no point that year) a decline reads as plan progress does
                WHEN decline AND interpolated
                THEN 1.0 - {shortfall("actual", "year_target")} / abs(baseline_value - final_target)
                ELSE {achievement("actual", "year_target")} END AS year_achievement,
           CASE WHEN NOT (accumulation = 'yearly' AND partial)
                THEN {achievement("actual", "final_target")} END AS final_achievement
    FROM valued
)
SELECT project_code, kpi_code, fiscal_year, actual, partial, year_target, interpolated,
       final_target, year_achievement, final_achievement, {grade("year_achievement")} AS grade
FROM achieved
ORDER BY project_code, kpi_code, fiscal_year
"""


@dataclass(frozen=True)
class Grading:
    """What the grade needs: the scheme's bands (kpi.grades.sql_bands) and whether it is `status`."""

    bands: list[dict[str, Any]]
    by_status: bool


def status_params(
    as_of: date, settings: Settings, grading: Grading, project_code: str | None = None, *, years: bool = False
) -> dict[str, Any]:
    """Every value the status query (or, with years=True, the year query) binds."""
    params: dict[str, Any] = {
        "as_of": as_of,
        "project": project_code,
        "fy_start": settings.fiscal_year_start_month,
        "bands": grading.bands,
    }
    if not years:
        params |= {
            "on_track": settings.on_track_threshold,
            "at_risk": settings.at_risk_threshold,
            "status_grades": grading.by_status,
        }
    return params


def query_status(
    cursor: duckdb.DuckDBPyConnection,
    as_of: date,
    settings: Settings,
    grading: Grading,
    project_code: str | None = None,
    *,
    years: bool = False,
) -> pd.DataFrame:
    """Run STATUS_SQL (STATUS_COLUMNS), or with years=True YEARS_SQL (the year view, YEAR_COLUMNS),
    for the portfolio or one project. Every value is bound; the SQL text itself is a constant."""
    sql, columns = (YEARS_SQL, YEAR_COLUMNS) if years else (STATUS_SQL, STATUS_COLUMNS)
    frame = cursor.execute(sql, status_params(as_of, settings, grading, project_code, years=years)).df()
    return frame[columns]
