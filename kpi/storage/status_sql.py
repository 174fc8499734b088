"""SPEC section 3 as one DuckDB query over the whole portfolio.

The query is long but flat: each CTE is one step of the arithmetic, named after it. A pure-Python
reference (tests/reference.py) computes the same numbers one project at a time and the tests
cross-check the two on generated cases.

Floating-point order is fixed on purpose so both give identical bits on exact inputs: the plan is
`v1 + (v2 - v1) * days_since_v1 / segment_days`, and the value to date is `B + sum(amounts)`.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

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
]

_BETTER = "(CASE WHEN direction = 'higher' THEN {v} >= {x} ELSE {v} <= {x} END)"


def _better_or_equal(v: str, x: str) -> str:
    return _BETTER.format(v=v, x=x)


def _interp(d1: str, v1: str, d2: str, v2: str) -> str:
    return (
        f"({v1} + ({v2} - {v1}) * CAST(date_diff('day', {d1}, p.as_of) AS DOUBLE)"
        f" / CAST(date_diff('day', {d1}, {d2}) AS DOUBLE))"
    )


def _achievement(h: str) -> str:
    return (
        f"CASE WHEN value IS NULL OR {h}_value IS NULL THEN NULL"
        f" WHEN {h}_value = baseline_value THEN"
        f" (CASE WHEN {_better_or_equal('value', f'{h}_value')} THEN 1.0 ELSE 0.0 END)"
        f" ELSE (value - baseline_value) / ({h}_value - baseline_value) END"
    )


def _forecast(h: str) -> str:
    return (
        f"CASE WHEN n_fit >= 2 AND {h}_date IS NOT NULL THEN"
        f" fit_intercept + fit_slope * CAST(date_diff('day', last_period_end, {h}_date) AS DOUBLE)"
        f" END"
    )


# The horizon before each one, for the plan's piecewise-linear segments.
_PREV_OF_MID = (
    "coalesce(short_date, baseline_date)",
    "(CASE WHEN short_date IS NULL THEN baseline_value ELSE short_value END)",
)
_PREV_OF_LONG = (
    "coalesce(mid_date, short_date, baseline_date)",
    "(CASE WHEN mid_date IS NOT NULL THEN mid_value"
    " WHEN short_date IS NOT NULL THEN short_value ELSE baseline_value END)",
)

_PLAN = f"""
    CASE
      WHEN baseline_date IS NULL THEN NULL
      WHEN p.as_of <= baseline_date THEN baseline_value
      WHEN short_date IS NOT NULL AND p.as_of < short_date
        THEN {_interp("baseline_date", "baseline_value", "short_date", "short_value")}
      WHEN mid_date IS NOT NULL AND p.as_of < mid_date
        THEN {_interp(_PREV_OF_MID[0], _PREV_OF_MID[1], "mid_date", "mid_value")}
      WHEN long_date IS NOT NULL AND p.as_of < long_date
        THEN {_interp(_PREV_OF_LONG[0], _PREV_OF_LONG[1], "long_date", "long_value")}
      ELSE coalesce(long_value, mid_value, short_value, baseline_value)
    END"""

STATUS_SQL = f"""
WITH p AS (
    SELECT $as_of::DATE AS as_of, $on_track::DOUBLE AS on_track, $at_risk::DOUBLE AS at_risk
),
targets AS (
    SELECT * FROM target_versions
    WHERE $project::VARCHAR IS NULL OR project_code = $project::VARCHAR
    QUALIFY row_number() OVER (PARTITION BY project_code, kpi_code ORDER BY version DESC) = 1
),
-- Per project x KPI x period, both combine rules: actual_periods is kept by every write (see
-- kpi/storage/periods.py), so status never groups the millions of individual reports.
periods AS (
    SELECT project_code, kpi_code, period_end, summed, latest
    FROM actual_periods
    WHERE $project::VARCHAR IS NULL OR project_code = $project::VARCHAR
),
-- One row per project x KPI from here on (every pair with a report, whatever its date): its
-- periods as one list in date order (list_sort orders structs by their first field, the day).
reported AS (
    SELECT project_code, kpi_code,
           list_sort(list(struct_pack(day := period_end, summed := summed, latest := latest))) AS periods
    FROM periods GROUP BY project_code, kpi_code
),
-- Periods that count (after the baseline date, on or before the as-of date), amounts by `combine`.
counted AS (
    SELECT r.project_code, r.kpi_code, k.accumulation, coalesce(t.baseline_value, 0.0) AS base,
           list_filter(r.periods, lambda x: x.day <= $as_of::DATE
                                            AND (t.baseline_date IS NULL OR x.day > t.baseline_date)) AS kept,
           k.combine
    FROM reported r
    JOIN kpi_definitions k USING (kpi_code)
    LEFT JOIN targets t USING (project_code, kpi_code)
),
amounts AS (
    SELECT project_code, kpi_code, accumulation, base, len(kept) AS n,
           list_transform(kept, lambda x: x.day) AS days,
           list_transform(kept, lambda x: CASE WHEN combine = 'sum' THEN x.summed ELSE x.latest END) AS a
    FROM counted
),
-- Rule `accumulation`: value to date at the last period (B + the sum of amounts, in date order),
-- and at each of the last eight, with x in days since the last one, for the least-squares line.
series AS (
    SELECT project_code, kpi_code, n,
           CASE WHEN n > 0 THEN days[n] END AS last_period_end,
           CASE WHEN n = 0 THEN NULL WHEN accumulation = 'sum' THEN base + list_sum(a) ELSE a[n] END AS value,
           list_transform(range(greatest(n - 7, 1), n + 1),
                          lambda i: CASE WHEN accumulation = 'sum' THEN base + list_sum(a[1:i])
                                         ELSE a[i] END) AS ys,
           list_transform(range(greatest(n - 7, 1), n + 1),
                          lambda i: CAST(date_diff('day', days[n], days[i]) AS DOUBLE)) AS xs
    FROM amounts
),
sums AS (
    SELECT project_code, kpi_code, last_period_end, value, len(xs) AS m,
           list_sum(xs) AS sx, list_sum(ys) AS sy,
           list_sum(list_transform(xs, lambda x: x * x)) AS sxx,
           list_sum(list_transform(range(1, len(xs) + 1), lambda j: xs[j] * ys[j])) AS sxy
    FROM series
),
latest AS (
    SELECT project_code, kpi_code, last_period_end, value, m AS n_fit,
           (m * sxy - sx * sy) / (m * sxx - sx * sx) AS fit_slope,
           -- the line's value at the last period (x = 0)
           (sy - (m * sxy - sx * sy) / (m * sxx - sx * sx) * sx) / m AS fit_intercept
    FROM sums WHERE m > 0
),
pairs AS (
    SELECT project_code, kpi_code FROM targets
    UNION
    SELECT project_code, kpi_code FROM reported
),
joined AS (
    SELECT pr.project_code, pr.kpi_code, k.direction, p.as_of, p.on_track, p.at_risk,
           t.baseline_value, t.baseline_date, t.short_value, t.short_date,
           t.mid_value, t.mid_date, t.long_value, t.long_date,
           t.version IS NOT NULL AS has_target,
           coalesce(t.long_value, t.mid_value, t.short_value) AS last_target,
           l.value, l.last_period_end, coalesce(l.n_fit, 0) AS n_fit,
           l.fit_slope, l.fit_intercept,
           {_PLAN} AS expected
    FROM pairs pr
    CROSS JOIN p
    JOIN kpi_definitions k USING (kpi_code)
    LEFT JOIN targets t USING (project_code, kpi_code)
    LEFT JOIN latest l USING (project_code, kpi_code)
),
scored AS (
    SELECT *,
           CASE WHEN NOT has_target OR value IS NULL THEN NULL
                WHEN expected = baseline_value THEN
                     (CASE WHEN {_better_or_equal("value", "baseline_value")} THEN 1.0 ELSE 0.0 END)
                ELSE (value - baseline_value) / (expected - baseline_value) END AS plan_progress
    FROM joined
)
SELECT project_code, kpi_code, as_of, value,
       baseline_value AS baseline, expected, plan_progress,
       CASE WHEN NOT has_target THEN 'no_target'
            WHEN value IS NULL THEN 'no_data'
            WHEN last_target IS NOT NULL AND {_better_or_equal("value", "last_target")}
                 THEN 'achieved'
            WHEN plan_progress >= on_track THEN 'on_track'
            WHEN plan_progress >= at_risk THEN 'at_risk'
            ELSE 'off_track' END AS status,
       last_period_end,
       {_achievement("short")} AS achievement_short,
       {_achievement("mid")} AS achievement_mid,
       {_achievement("long")} AS achievement_long,
       {_forecast("short")} AS forecast_short,
       {_forecast("mid")} AS forecast_mid,
       {_forecast("long")} AS forecast_long
FROM scored
ORDER BY project_code, kpi_code
"""


def query_status(
    cursor: duckdb.DuckDBPyConnection,
    as_of: date,
    on_track: float,
    at_risk: float,
    project_code: str | None = None,
) -> pd.DataFrame:
    """Run STATUS_SQL; every value is bound, the SQL text itself is a constant."""
    params = {"as_of": as_of, "on_track": on_track, "at_risk": at_risk, "project": project_code}
    frame = cursor.execute(STATUS_SQL, params).df()
    return frame[STATUS_COLUMNS]
