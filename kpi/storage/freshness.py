"""Reporting freshness: the last period each partner reported in each project, and the grace setting."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

DEFAULT_GRACE_DAYS = 30

FRESHNESS_SQL = """
SELECT
    pa.project_code,
    p.name_ja AS project_name_ja,
    p.name_en AS project_name_en,
    pa.organization_code,
    o.name_ja AS organization_name_ja,
    o.name_en AS organization_name_en,
    o.sector,
    p.lead_organization_code = pa.organization_code AS is_lead,
    (p.start_date <= ? AND (p.end_date IS NULL OR p.end_date >= ?) AND p.phase <> 'closed') AS due,
    max(ac.period_end) AS last_period_end
FROM partners pa
JOIN projects p ON p.project_code = pa.project_code
LEFT JOIN organizations o ON o.organization_code = pa.organization_code
LEFT JOIN actual_current ac
    ON ac.project_code = pa.project_code AND ac.organization_code = pa.organization_code
    AND ac.period_end <= ?
GROUP BY ALL
ORDER BY pa.project_code, pa.organization_code
"""


def reporting_freshness(cursor: duckdb.DuckDBPyConnection, period_end: date) -> pd.DataFrame:
    """One row per project x partner: names, whether the project was running at period_end (due),
    and the latest period the partner has reported up to period_end (NaT when never)."""
    frame = cursor.execute(FRESHNESS_SQL, [period_end, period_end, period_end]).df()
    frame["last_period_end"] = pd.to_datetime(frame["last_period_end"]).dt.date
    frame["due"] = frame["due"].astype(bool)
    frame["is_lead"] = frame["is_lead"].astype(bool)
    return frame


def grace_days(cursor: duckdb.DuckDBPyConnection) -> int:
    """The setting reminder_grace_days (default 30)."""
    row = cursor.execute("SELECT value FROM settings WHERE key = ?", ["reminder_grace_days"]).fetchone()
    try:
        return int(row[0]) if row else DEFAULT_GRACE_DAYS
    except ValueError:
        return DEFAULT_GRACE_DAYS
