"""Keeping actual_periods (migration 0004) and actual_series (0012) in step with actual_current, in
the same transaction as every write to it.

A period's amounts are added in organization-code order: floating-point addition depends on its
order, and an unordered sum may add them differently on each engine (the demo's 261.6 was
261.59999999999997 on one of them)."""

from __future__ import annotations

import duckdb

# A pair's periods as one list in date order (what status reads).
SERIES = "list_sort(list(struct_pack(day := period_end, summed := summed, latest := latest)))"

# Recompute the periods named in the temp table _touched_periods(project_code, kpi_code, period_end).
_REFRESH = (
    """
DELETE FROM actual_periods p USING _touched_periods t
WHERE p.project_code = t.project_code AND p.kpi_code = t.kpi_code AND p.period_end = t.period_end;
INSERT INTO actual_periods
SELECT c.project_code, c.kpi_code, c.period_end, sum(c.value ORDER BY c.organization_code),
       arg_max(c.value, c.version_id)
FROM actual_current c
SEMI JOIN _touched_periods t
  ON c.project_code = t.project_code AND c.kpi_code = t.kpi_code AND c.period_end = t.period_end
GROUP BY c.project_code, c.kpi_code, c.period_end;
CREATE OR REPLACE TEMP TABLE _touched_series AS SELECT DISTINCT project_code, kpi_code FROM _touched_periods;
DELETE FROM actual_series s USING _touched_series t
WHERE s.project_code = t.project_code AND s.kpi_code = t.kpi_code;
INSERT INTO actual_series
SELECT p.project_code, p.kpi_code, """
    + SERIES
    + """
FROM actual_periods p
SEMI JOIN _touched_series t ON p.project_code = t.project_code AND p.kpi_code = t.kpi_code
GROUP BY p.project_code, p.kpi_code;
DROP TABLE _touched_series;
DROP TABLE _touched_periods;
"""
)


def refresh_periods(cursor: duckdb.DuckDBPyConnection, touched_sql: str) -> None:
    """`touched_sql` is a constant SELECT of (project_code, kpi_code, period_end) from a temp table."""
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE _touched_periods AS SELECT DISTINCT * FROM (" + touched_sql + ")"
    )
    cursor.execute(_REFRESH)


def rebuild_periods(cursor: duckdb.DuckDBPyConnection) -> None:
    cursor.execute("DELETE FROM actual_periods")
    cursor.execute(
        "INSERT INTO actual_periods SELECT project_code, kpi_code, period_end,"
        " sum(value ORDER BY organization_code),"
        " arg_max(value, version_id) FROM actual_current GROUP BY project_code, kpi_code, period_end"
    )
    cursor.execute("DELETE FROM actual_series")
    cursor.execute(
        "INSERT INTO actual_series SELECT project_code, kpi_code, "
        + SERIES
        + " FROM actual_periods GROUP BY project_code, kpi_code"
    )
