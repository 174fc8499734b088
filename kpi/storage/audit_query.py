"""Reading the audit log with filters: each filter is a (sql_fragment, params) built by a pure function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    entity: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    text: str | None = None  # searched in the key and in before/after


def audit_where(f: AuditFilter) -> tuple[str, list[Any]]:
    """The WHERE clause and its bound values; identifiers are fixed, values never formatted in."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("actor", f.actor), ("entity", f.entity), ("action", f.action)):
        if value:
            clauses.append(column + " = ?")  # column names from this fixed tuple only
            params.append(value)
    if f.since:
        clauses.append("recorded_at >= ?")
        params.append(f.since)
    if f.until:
        clauses.append("recorded_at < ?")
        params.append(f.until + timedelta(days=1))
    if f.text:
        clauses.append(
            "(entity_key ILIKE ? ESCAPE '\\' OR CAST(before AS VARCHAR) ILIKE ? ESCAPE '\\'"
            " OR CAST(after AS VARCHAR) ILIKE ? ESCAPE '\\')"
        )
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params.extend([pattern] * 3)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def search_audit(cursor: duckdb.DuckDBPyConnection, f: AuditFilter, limit: int = 500) -> pd.DataFrame:
    """Newest first. Columns: id, recorded_at, actor, action, entity, entity_key, before, after."""
    where, params = audit_where(f)
    sql = (
        "SELECT id, recorded_at, actor, action, entity, entity_key, CAST(before AS VARCHAR) AS before,"
        " CAST(after AS VARCHAR) AS after FROM audit_log" + where + " ORDER BY id DESC LIMIT ?"
    )
    return cursor.execute(sql, [*params, limit]).df()


def audit_choices(cursor: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Distinct actors, entities and actions, for the filter pickers."""
    return {
        column: [
            r[0]
            for r in cursor.execute(
                "SELECT DISTINCT "
                + column
                + " FROM audit_log ORDER BY 1"  # column from the fixed tuple below
            ).fetchall()
        ]
        for column in ("actor", "entity", "action")
    }
