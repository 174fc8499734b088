"""Portfolio status (SPEC section 3) for every project x KPI, computed in DuckDB.

The result is a DataFrame with `STATUS_COLUMNS` (see kpi/storage/status_sql.py); `status_records`
turns it into the JSON-ready objects of `python -m kpi status --json`.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from kpi.grades import grading
from kpi.model import HORIZONS, Settings
from kpi.storage import Database
from kpi.storage.registry import read_settings
from kpi.storage.status_sql import STATUS_COLUMNS, YEAR_COLUMNS, query_status

__all__ = [
    "STATUS_COLUMNS",
    "YEAR_COLUMNS",
    "portfolio_status",
    "portfolio_years",
    "status_records",
    "year_records",
]


def portfolio_status(
    db: Database,
    as_of: date,
    project_code: str | None = None,
    settings: Settings | None = None,
    *,
    years: bool = False,
) -> pd.DataFrame:
    """One row per project x KPI that has a target or an actual, sorted by project and KPI; with
    years=True the year view instead (one row per project x KPI with a target x fiscal year)."""
    with db.cursor() as cursor:
        settings = settings or read_settings(cursor)
        return query_status(cursor, as_of, settings, grading(settings), project_code, years=years)


def portfolio_years(
    db: Database, as_of: date, project_code: str | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """The year view (SPEC section 3, YEAR_COLUMNS)."""
    return portfolio_status(db, as_of, project_code, settings, years=True)


def read_db_settings(db: Database) -> Settings:
    """The database's settings (thresholds, fiscal-year start, grade scheme)."""
    with db.cursor() as cursor:
        return read_settings(cursor)


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
                "final_target": _number(row["final_target"]),
                "final_achievement": _number(row["final_achievement"]),
                "year_in_view": _integer(row["year_in_view"]),
                "grade": _text(row["grade"]),
            }
        )
    return records


def year_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """SPEC section 5's `years --json` objects."""
    return [
        {
            "project_code": row["project_code"],
            "kpi_code": row["kpi_code"],
            "fiscal_year": _integer(row["fiscal_year"]),
            "actual": _number(row["actual"]),
            "partial": bool(row["partial"]),
            "year_target": _number(row["year_target"]),
            "interpolated": bool(row["interpolated"]),
            "final_target": _number(row["final_target"]),
            "year_achievement": _number(row["year_achievement"]),
            "final_achievement": _number(row["final_achievement"]),
            "grade": _text(row["grade"]),
        }
        for row in frame.to_dict("records")
    ]


def _integer(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _text(value: Any) -> str | None:
    return (
        None
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
        else str(value)
    )
