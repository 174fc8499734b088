"""Portfolio status (SPEC section 3) for every project x KPI, computed in DuckDB.

The result is a DataFrame with `STATUS_COLUMNS` (see kpi/storage/status_sql.py); `status_records`
turns it into the JSON-ready objects of `python -m kpi status --json`.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from kpi.model import HORIZONS, Settings
from kpi.storage import Database
from kpi.storage.registry import read_settings
from kpi.storage.status_sql import STATUS_COLUMNS, query_status

__all__ = ["STATUS_COLUMNS", "portfolio_status", "status_records"]


def portfolio_status(
    db: Database,
    as_of: date,
    project_code: str | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """One row per project x KPI that has a target or an actual, sorted by project and KPI."""
    with db.cursor() as cursor:
        settings = settings or read_settings(cursor)
        return query_status(
            cursor,
            as_of,
            on_track=settings.on_track_threshold,
            at_risk=settings.at_risk_threshold,
            project_code=project_code,
        )


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)


def _day(value: Any) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return pd.Timestamp(value).date().isoformat()


def status_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """SPEC section 5's JSON objects: dates as YYYY-MM-DD, numbers or null."""
    records = []
    for row in frame.to_dict("records"):
        records.append(
            {
                "project_code": row["project_code"],
                "kpi_code": row["kpi_code"],
                "as_of": _day(row["as_of"]),
                "value": _number(row["value"]),
                "baseline": _number(row["baseline"]),
                "expected": _number(row["expected"]),
                "plan_progress": _number(row["plan_progress"]),
                "status": row["status"],
                "last_period_end": _day(row["last_period_end"]),
                "achievement": {h.value: _number(row[f"achievement_{h}"]) for h in HORIZONS},
                "forecast": {h.value: _number(row[f"forecast_{h}"]) for h in HORIZONS},
            }
        )
    return records
