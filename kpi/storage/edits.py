"""What interactive edits need: current versions to detect stale saves, and partner membership."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from kpi.storage.audit import write_audit


def current_target_version(cursor: duckdb.DuckDBPyConnection, project_code: str, kpi_code: str) -> int:
    """0 when the project x KPI has no target yet."""
    rows = cursor.execute(
        "SELECT coalesce(max(version), 0) FROM target_versions WHERE project_code = ? AND kpi_code = ?",
        [project_code, kpi_code],
    ).fetchall()
    return int(rows[0][0])


def current_versions(cursor: duckdb.DuckDBPyConnection, keys: pd.DataFrame) -> pd.DataFrame:
    """For each key (project_code, kpi_code, period_end, organization_code): its current version.

    Columns: the key, version_id (NULL when nothing is reported), value.
    """
    frame = keys[["project_code", "kpi_code", "period_end", "organization_code"]].copy()
    cursor.register("_edit_keys", frame)
    try:
        return cursor.execute(
            "SELECT k.project_code, k.kpi_code, CAST(k.period_end AS DATE) AS period_end,"
            " k.organization_code, c.version_id, c.value FROM _edit_keys k LEFT JOIN actual_current c"
            " ON c.project_code = k.project_code AND c.kpi_code = k.kpi_code"
            " AND c.period_end = CAST(k.period_end AS DATE) AND c.organization_code = k.organization_code"
        ).df()
    finally:
        cursor.unregister("_edit_keys")


def set_explanations(cursor: duckdb.DuckDBPyConnection, explanations: pd.DataFrame) -> None:
    """Attach 要因分析 to the versions just written (columns: version_id, explanation)."""
    cursor.register("_explanations", explanations[["version_id", "explanation"]])
    try:
        cursor.execute(
            "UPDATE actual_versions SET explanation = e.explanation FROM _explanations e"
            " WHERE actual_versions.id = e.version_id"
        )
    finally:
        cursor.unregister("_explanations")


def remove_partner(
    cursor: duckdb.DuckDBPyConnection, project_code: str, organization_code: str, *, actor: str, now: datetime
) -> None:
    before = cursor.execute(
        "SELECT role FROM partners WHERE project_code = ? AND organization_code = ?",
        [project_code, organization_code],
    ).fetchall()
    cursor.execute(
        "DELETE FROM partners WHERE project_code = ? AND organization_code = ?",
        [project_code, organization_code],
    )
    write_audit(cursor, actor=actor, action="delete", entity="partners",
                entity_key=f"{project_code}/{organization_code}",
                before={"role": before[0][0]} if before else None, at=now)  # fmt: skip


def project_row(cursor: duckdb.DuckDBPyConnection, project_code: str) -> dict[str, Any] | None:
    rows = cursor.execute("SELECT * FROM projects WHERE project_code = ?", [project_code]).fetchall()
    if not rows:
        return None
    columns = [d[0] for d in cursor.description or []]
    return dict(zip(columns, rows[0], strict=True))
