"""Reads for the overview: the status query filtered by project attributes and aggregated in DuckDB.

`STATUS_SQL` runs once per call into a temporary table of the cursor's own connection; every
aggregate the overview needs is then a small GROUP BY over it, so only a few hundred rows leave
DuckDB whatever the size of the portfolio. The filter fragment comes from kpi/portfolio/filters.py (values
bound as `$f_...` parameters); sort orders come from a whitelist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from kpi.model import Settings
from kpi.storage.status_sql import STATUS_SQL, Grading, status_params

# Severity of a status for "worst first": problems, then good news, then nothing to judge.
_RANK = (
    "CASE status WHEN 'off_track' THEN 0 WHEN 'at_risk' THEN 1 WHEN 'on_track' THEN 2"
    " WHEN 'achieved' THEN 3 WHEN 'no_data' THEN 4 ELSE 5 END"
)
_STATUS_OF_RANK = "['off_track', 'at_risk', 'on_track', 'achieved', 'no_data', 'no_target'][{r} + 1]"

# Matrix orders: name → ORDER BY over the per-project summary `ps`. Identifiers only from here.
SORTS: dict[str, str] = {
    "worst": "ps.worst, ps.off_track DESC, ps.at_risk DESC, ps.project_code",
    "code": "ps.project_code",
    "name": "ps.name_ja, ps.project_code",
    "achieved": "ps.achieved DESC, ps.worst, ps.project_code",
}
# Breakdown dimensions: name → (SELECT expression, FROM addition). Identifiers only from here.
# Phases read in lifecycle order (SPEC section 2) and sectors as 産・学・官, not alphabetically.
_ORDER: dict[str, str] = {
    "phase": "CASE key WHEN 'agreement' THEN 0 WHEN 'planning' THEN 1 WHEN 'demonstration' THEN 2"
    " WHEN 'implementation' THEN 3 WHEN 'closed' THEN 4 ELSE 5 END, key",
    "sector": "CASE key WHEN 'industry' THEN 0 WHEN 'academia' THEN 1 WHEN 'government' THEN 2"
    " ELSE 3 END, key",
}
DIMENSIONS: dict[str, tuple[str, str]] = {
    "field": ("s.field", ""),
    "prefecture": ("s.prefecture", ""),
    "phase": ("s.phase", ""),
    "sector": (
        "o.sector",
        " JOIN (SELECT DISTINCT pa.project_code, og.sector FROM partners pa"
        " JOIN organizations og USING (organization_code)) o USING (project_code)",
    ),
}


def load_filtered_status(
    cursor: duckdb.DuckDBPyConnection,
    as_of: date,
    *,
    settings: Settings,
    grading: Grading,
    where: str,
    params: dict[str, Any],
    status: pd.DataFrame | None = None,
) -> None:
    """Fill the temporary tables `ov_projects` (filtered projects) and `ov_status` (their status).

    `where` is a fragment from kpi.storage.filters_sql.filter_sql over alias `pr`; its values are in `params`.
    `status`, when given, is the whole portfolio's STATUS_SQL result for this as-of date (a cached
    snapshot, STATUS_COLUMNS): it is read in place instead of running the status query again.
    """
    source = f"({STATUS_SQL})"
    if status is not None:
        cursor.register("status_snapshot", status)
        source = "status_snapshot"
    cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE ov_projects AS SELECT pr.* FROM projects pr WHERE {where}", params
    )
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE ov_status AS"
        " SELECT s.*, pr.name_ja, pr.name_en, pr.field, pr.prefecture, pr.phase,"
        "        s.final_target AS last_target"
        f" FROM {source} s"
        " JOIN ov_projects pr USING (project_code)",
        status_params(as_of, settings, grading) if status is None else {},
    )
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE ov_summary AS"
        " SELECT pr.project_code, pr.name_ja, pr.name_en,"
        f"  coalesce(min({_RANK}), 5) AS worst,"
        "   count(*) FILTER (WHERE status = 'off_track') AS off_track,"
        "   count(*) FILTER (WHERE status = 'at_risk') AS at_risk,"
        "   count(*) FILTER (WHERE status = 'achieved') AS achieved"
        " FROM ov_projects pr LEFT JOIN ov_status s USING (project_code)"
        " GROUP BY ALL"
    )


def headline(cursor: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Counts and totals over the loaded status (see load_filtered_status)."""
    row = cursor.execute(
        "SELECT (SELECT count(*) FROM ov_summary),"
        " (SELECT count(*) FROM ov_status WHERE status <> 'no_target'),"
        " (SELECT count(*) FROM ov_status WHERE status = 'achieved'),"
        " (SELECT count(*) FROM ov_summary WHERE achieved > 0),"
        " (SELECT count(*) FROM ov_status),"
        " (SELECT sum(value) FROM ov_status WHERE kpi_code = 'joint_studies'),"
        " (SELECT sum(last_target) FROM ov_status WHERE kpi_code = 'joint_studies'),"
        " (SELECT sum(value) FROM ov_status WHERE kpi_code = 'local_jobs'),"
        " (SELECT sum(last_target) FROM ov_status WHERE kpi_code = 'local_jobs'),"
        " (SELECT median(value) FROM ov_status WHERE kpi_code = 'time_to_implementation'),"
        " (SELECT median(last_target) FROM ov_status WHERE kpi_code = 'time_to_implementation'),"
        # the plan at the as-of date, over the same pairs as the median value (those with a report):
        # a final target of 0 months years ahead says nothing about where the projects should be now
        " (SELECT median(expected) FROM ov_status"
        "  WHERE kpi_code = 'time_to_implementation' AND value IS NOT NULL)"
    ).fetchone()
    names = [
        "projects",
        "kpis_with_target",
        "kpis_achieved",
        "projects_with_achieved",
        "pairs",
        "joint_studies",
        "joint_studies_target",
        "local_jobs",
        "local_jobs_target",
        "tti_median",
        "tti_target_median",
        "tti_plan_median",
    ]
    return dict(zip(names, row or [None] * len(names), strict=True))


def project_status_counts(cursor: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Projects by their worst KPI status (a project with no KPI at all counts as no_target)."""
    rows = cursor.execute(
        f"SELECT {_STATUS_OF_RANK.format(r='worst')} AS status, count(*) FROM ov_summary GROUP BY 1"
    ).fetchall()
    return {str(status): int(n) for status, n in rows}


def matrix_page(cursor: duckdb.DuckDBPyConnection, sort: str, limit: int, offset: int) -> pd.DataFrame:
    """One page of projects in the chosen order, with their KPI status rows (long format).

    Columns: position, project_code, name_ja, name_en, worst_status, kpi_code, status, value,
    plan_progress. A project without any KPI has one row with kpi_code NULL.
    """
    order = SORTS[sort]
    return cursor.execute(
        "WITH page AS ("
        f"  SELECT ps.*, row_number() OVER (ORDER BY {order}) AS position FROM ov_summary ps"
        f"  ORDER BY {order} LIMIT $limit OFFSET $offset)"
        " SELECT page.position, page.project_code, page.name_ja, page.name_en,"
        f"   {_STATUS_OF_RANK.format(r='page.worst')} AS worst_status,"
        "   s.kpi_code, s.status, s.value, s.plan_progress"
        " FROM page LEFT JOIN ov_status s USING (project_code)"
        " ORDER BY page.position, s.kpi_code",
        {"limit": limit, "offset": offset},
    ).df()


def kpi_status_counts(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Columns kpi_code, status, n: the whole filtered portfolio in one small table."""
    return cursor.execute(
        "SELECT kpi_code, status, count(*) AS n FROM ov_status GROUP BY ALL ORDER BY kpi_code, status"
    ).df()


def breakdown(cursor: duckdb.DuckDBPyConnection, dimension: str) -> pd.DataFrame:
    """Columns key, status, n: project × KPI pairs by a project attribute (whitelisted)."""
    expression, join = DIMENSIONS[dimension]
    return cursor.execute(
        f"SELECT * FROM (SELECT {expression} AS key, s.status, count(*) AS n FROM ov_status s{join}"
        f" GROUP BY ALL) ORDER BY {_ORDER.get(dimension, 'key')}, status"
    ).df()


def filter_options(cursor: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any]) -> dict[str, Any]:
    """Values the filters offer: fields, prefectures, and the span of project dates, over the
    projects (alias `pr`) that `where` keeps: a kpi.storage.scope fragment (kpi.access.scope_sql),
    values bound."""
    visible = f"FROM projects pr WHERE {where}"
    queries = {
        "fields": f"SELECT DISTINCT field {visible} ORDER BY 1",
        "prefectures": f"SELECT DISTINCT prefecture {visible} ORDER BY 1",
        "span": f"SELECT min(start_date), max(coalesce(end_date, start_date)) {visible}",
    }
    fields = [r[0] for r in cursor.execute(queries["fields"], params).fetchall()]
    prefectures = [r[0] for r in cursor.execute(queries["prefectures"], params).fetchall()]
    span = cursor.execute(queries["span"], params).fetchone()
    return {
        "fields": fields,
        "prefectures": prefectures,
        "first": span[0] if span else None,
        "last": span[1] if span else None,
    }


def data_version(cursor: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """Changes whenever anything the pages show changes: the key that makes caching safe."""
    row = cursor.execute(
        # sign-ins and account changes leave the data as it was: they do not empty the caches
        "SELECT (SELECT max(id) FROM audit_log WHERE entity <> 'accounts'),"
        " (SELECT count(*) FROM audit_log WHERE entity <> 'accounts'),"
        " (SELECT max(id) FROM actual_versions), (SELECT max(id) FROM target_versions),"
        " (SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM settings)"
    ).fetchone()
    return tuple(row or ())
