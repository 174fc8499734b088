"""Reporting freshness: the last period each partner reported in each project, per reporting
frequency of the KPIs it reports there, and the grace setting."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

DEFAULT_GRACE_DAYS = 30

# The frequency order of rows, and the group of a partner that has reported nothing yet in a
# project: the default reporting frequency (SPEC section 2).
FREQUENCY_ORDER = ("month", "quarter", "year")
DEFAULT_FREQUENCY = "quarter"

FRESHNESS_SQL = """
WITH reported AS (
    SELECT
        ac.project_code,
        ac.organization_code,
        k.frequency,
        list(DISTINCT ac.kpi_code ORDER BY ac.kpi_code) AS kpi_codes,
        max(ac.period_end) AS last_period_end
    FROM actual_current ac
    JOIN kpi_definitions k ON k.kpi_code = ac.kpi_code
    WHERE ac.period_end <= $today
    GROUP BY ALL
)
SELECT
    pa.project_code,
    p.name_ja AS project_name_ja,
    p.name_en AS project_name_en,
    pa.organization_code,
    o.name_ja AS organization_name_ja,
    o.name_en AS organization_name_en,
    o.sector,
    p.lead_organization_code = pa.organization_code AS is_lead,
    p.start_date,
    p.end_date,
    p.phase,
    coalesce(r.frequency, $default_frequency) AS frequency,
    coalesce(r.kpi_codes, []::VARCHAR[]) AS kpi_codes,
    r.last_period_end
FROM partners pa
JOIN projects p ON p.project_code = pa.project_code
LEFT JOIN organizations o ON o.organization_code = pa.organization_code
LEFT JOIN reported r ON r.project_code = pa.project_code AND r.organization_code = pa.organization_code
ORDER BY pa.project_code, pa.organization_code, list_position($frequencies, frequency)
"""


def reporting_freshness(cursor: duckdb.DuckDBPyConnection, today: date) -> pd.DataFrame:
    """One row per project x partner x reporting frequency of the KPIs the partner has reported in
    that project (one row with DEFAULT_FREQUENCY and no KPIs when it has reported nothing): names,
    the project's dates and phase, the KPI codes, and the latest period the partner has reported
    for them up to today (NaT when never)."""
    params = {"today": today, "default_frequency": DEFAULT_FREQUENCY, "frequencies": list(FREQUENCY_ORDER)}
    frame = cursor.execute(FRESHNESS_SQL, params).df()
    for column in ("last_period_end", "start_date", "end_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    frame["is_lead"] = frame["is_lead"].astype(bool)
    frame["kpi_codes"] = frame["kpi_codes"].map(lambda codes: tuple(str(c) for c in codes))
    return frame


def grace_days(cursor: duckdb.DuckDBPyConnection) -> int:
    """The setting reminder_grace_days (default 30)."""
    row = cursor.execute("SELECT value FROM settings WHERE key = ?", ["reminder_grace_days"]).fetchone()
    try:
        return int(row[0]) if row else DEFAULT_GRACE_DAYS
    except ValueError:
        return DEFAULT_GRACE_DAYS
