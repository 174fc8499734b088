"""Reads for one project's page: its record, partners, value-to-date series and latest reports."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd


def project_list(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Columns project_code, name_ja, name_en: for the project picker."""
    return cursor.execute("SELECT project_code, name_ja, name_en FROM projects ORDER BY project_code").df()


def project_record(cursor: duckdb.DuckDBPyConnection, project_code: str) -> dict[str, Any] | None:
    """The project row with its lead organization's names, or None when there is no such project."""
    frame = cursor.execute(
        "SELECT pr.*, o.name_ja AS lead_name_ja, o.name_en AS lead_name_en"
        " FROM projects pr LEFT JOIN organizations o ON o.organization_code = pr.lead_organization_code"
        " WHERE pr.project_code = ?",
        [project_code],
    ).df()
    return None if frame.empty else {str(k): v for k, v in frame.iloc[0].to_dict().items()}


def project_partners(cursor: duckdb.DuckDBPyConnection, project_code: str) -> pd.DataFrame:
    """Columns organization_code, name_ja, name_en, sector, prefecture, role."""
    return cursor.execute(
        "SELECT o.organization_code, o.name_ja, o.name_en, o.sector, o.prefecture, pa.role"
        " FROM partners pa JOIN organizations o USING (organization_code)"
        " WHERE pa.project_code = ? ORDER BY o.sector, o.organization_code",
        [project_code],
    ).df()


def project_kpis(cursor: duckdb.DuckDBPyConnection, project_code: str) -> pd.DataFrame:
    """KPI definitions of the KPIs this project has a target or a report for."""
    return cursor.execute(
        "SELECT k.* FROM kpi_definitions k WHERE k.kpi_code IN ("
        " SELECT kpi_code FROM target_versions WHERE project_code = $p"
        " UNION SELECT kpi_code FROM actual_current WHERE project_code = $p) ORDER BY k.kpi_code",
        {"p": project_code},
    ).df()


# The value to date at each counting period end, by the same rules as STATUS_SQL (SPEC section 3):
# periods after the current baseline date and on or before the as-of date; `combine` within a
# period, then `accumulation` over periods.
_SERIES_SQL = """
WITH targets AS (
    SELECT * FROM target_versions WHERE project_code = $p
    QUALIFY row_number() OVER (PARTITION BY project_code, kpi_code ORDER BY version DESC) = 1
),
periods AS (
    SELECT a.kpi_code, a.period_end,
           CASE WHEN any_value(k.combine) = 'sum' THEN sum(a.value)
                ELSE arg_max(a.value, a.version_id) END AS amount,
           count(*) AS reports
    FROM actual_current a
    JOIN kpi_definitions k USING (kpi_code)
    LEFT JOIN targets t USING (project_code, kpi_code)
    WHERE a.project_code = $p AND a.period_end <= $as_of
      AND (t.baseline_date IS NULL OR a.period_end > t.baseline_date)
    GROUP BY a.kpi_code, a.period_end
)
SELECT s.kpi_code, s.period_end, s.amount, s.reports,
       CASE WHEN k.accumulation = 'sum'
            THEN coalesce(t.baseline_value, 0.0)
                 + sum(s.amount) OVER (PARTITION BY s.kpi_code ORDER BY s.period_end
                                       ROWS UNBOUNDED PRECEDING)
            ELSE s.amount END AS value
FROM periods s JOIN kpi_definitions k USING (kpi_code)
LEFT JOIN targets t ON t.kpi_code = s.kpi_code
ORDER BY s.kpi_code, s.period_end
"""


def value_series(cursor: duckdb.DuckDBPyConnection, project_code: str, as_of: date) -> pd.DataFrame:
    """Columns kpi_code, period_end, amount, reports, value (value to date at that period end)."""
    return cursor.execute(_SERIES_SQL, {"p": project_code, "as_of": as_of}).df()
