"""Reads for exports and the executive report: filtered projects, explanations of off-track values."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd


def filtered_projects(cursor: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any]) -> pd.DataFrame:
    """Projects matching `where` (a kpi.storage.filters_sql fragment over alias `pr`, values in params)."""
    return cursor.execute(
        "SELECT pr.project_code, pr.name_ja, pr.name_en FROM projects pr"
        f" WHERE {where} ORDER BY pr.project_code",
        params,
    ).df()


def latest_explanations(cursor: duckdb.DuckDBPyConnection, project_codes: list[str]) -> pd.DataFrame:
    """The latest non-empty 要因分析 per project x KPI among the given projects."""
    return cursor.execute(
        "SELECT project_code, kpi_code, explanation, period_end FROM actual_versions"
        " WHERE list_contains(?::VARCHAR[], project_code) AND coalesce(explanation, '') <> ''"
        " QUALIFY row_number() OVER"
        "   (PARTITION BY project_code, kpi_code ORDER BY recorded_at DESC, id DESC) = 1"
        " ORDER BY project_code, kpi_code",
        [project_codes],
    ).df()
