"""Partnerships' stored facts (migration 0014): agreement and meeting versions (a meeting's action
items travel in its version), review cadences and the reasons a lead gave for a phase without a
research agreement. Versions are appended, never updated; the `agreements` and `meetings` views
hold the current, not withdrawn ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from kpi.storage.audit import AuditEntry, write_audit_entries
from kpi.storage.registry import _object_frame

# Versioned tables: code column, the columns a version carries, the current view, list columns.
AGREEMENT_COLUMNS = (
    "project_code",
    "kind",
    "title",
    "parties",
    "signed_on",
    "starts_on",
    "ends_on",
    "renewal",
    "notice_days",
    "ip_ownership",
    "ip_shares",
    "bayh_dole",
    "ethics",
    "ethics_approved_on",
    "ip_terms",
    "withdrawn",
    "reason",
)
MEETING_COLUMNS = (
    "project_code",
    "held_on",
    "kind",
    "title",
    "organizations",
    "minutes",
    "decisions",
    "kpi_codes",
    "action_items",
    "withdrawn",
    "reason",
)
VERSIONED: dict[str, tuple[str, tuple[str, ...], str]] = {
    "agreement_versions": ("agreement_code", AGREEMENT_COLUMNS, "agreements"),
    "meeting_versions": ("meeting_code", MEETING_COLUMNS, "meetings"),
}


def _types(cursor: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {row[0]: row[1] for row in cursor.execute("DESCRIBE " + table).fetchall()}


def append_versions(
    cursor: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], *, actor: str, now: datetime
) -> int:
    """Append each row as the next version of its code (one INSERT … SELECT) and audit each ("create"
    for a code's first version, "revise" after, "withdraw" for a withdrawal). Returns rows written."""
    if not rows:
        return 0
    code, columns, _view = VERSIONED[table]  # a KeyError for any name not in the whitelist
    types = _types(cursor, table)
    frame = _object_frame(rows, [code, *columns])
    known = latest_versions(cursor, table, [r[code] for r in rows])
    frame["version"] = [known.get(r[code], 0) + 1 for r in rows]
    for name in ("ip_shares", "action_items", "parties", "organizations", "kpi_codes"):
        if name in frame:  # DuckDB reads Python lists of dicts as lists of structs
            frame[name] = pd.Series([list(r.get(name) or []) for r in rows], dtype=object)
    names = [code, *columns, "version"]
    casts = ", ".join(f"CAST({c} AS {types[c]})" for c in names)
    cursor.register("_partnership_frame", frame)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(names)}, recorded_by, recorded_at)"
        f" SELECT {casts}, $actor, CAST($at AS TIMESTAMP) FROM _partnership_frame ORDER BY _n",
        {"actor": actor, "at": now},
    )
    cursor.unregister("_partnership_frame")
    entries = [
        AuditEntry(
            "withdraw" if row.get("withdrawn") else "create" if version == 1 else "revise",
            table,
            str(row[code]),
            after={c: row.get(c) for c in columns},
        )
        for row, version in zip(rows, frame["version"], strict=True)
    ]
    write_audit_entries(cursor, entries, actor=actor, at=now)
    return len(rows)


def latest_versions(cursor: duckdb.DuckDBPyConnection, table: str, codes: Iterable[str]) -> dict[str, int]:
    """The highest version of each code (withdrawn ones included), for numbering the next."""
    code = VERSIONED[table][0]
    result = cursor.execute(
        f"SELECT {code}, max(version) FROM {table} WHERE list_contains($codes::VARCHAR[], {code})"
        f" GROUP BY {code}",
        {"codes": sorted(set(codes))},
    )
    return {str(c): int(v) for c, v in result.fetchall()}


def _scope(project_codes: Iterable[str] | None, column: str = "project_code") -> tuple[str, dict[str, Any]]:
    if project_codes is None:
        return "", {}
    return f" WHERE list_contains($projects::VARCHAR[], {column})", {"projects": sorted(set(project_codes))}


# Each view's order: agreements by start date, meetings newest first.
_ORDER = {"agreement_versions": "starts_on, agreement_code", "meeting_versions": "held_on DESC, meeting_code"}


def _current(
    cursor: duckdb.DuckDBPyConnection, table: str, project_codes: Iterable[str] | None
) -> pd.DataFrame:
    code, columns, view = VERSIONED[table]
    where, params = _scope(project_codes)
    names = ", ".join((code, "version", *columns, "recorded_by", "recorded_at"))
    return cursor.execute(f"SELECT {names} FROM {view}{where} ORDER BY {_ORDER[table]}", params).df()


def current_agreements(
    cursor: duckdb.DuckDBPyConnection, project_codes: Iterable[str] | None = None
) -> pd.DataFrame:
    """Current agreements (all, or those of these projects), by start date and code."""
    return _current(cursor, "agreement_versions", project_codes)


def current_meetings(
    cursor: duckdb.DuckDBPyConnection, project_codes: Iterable[str] | None = None
) -> pd.DataFrame:
    """Current meetings (all, or those of these projects), newest first."""
    return _current(cursor, "meeting_versions", project_codes)


def versions_of(cursor: duckdb.DuckDBPyConnection, table: str, code_value: str) -> pd.DataFrame:
    """Every version of one agreement or meeting, oldest first (its history)."""
    code, columns, _view = VERSIONED[table]
    names = ", ".join((code, "version", *columns, "recorded_by", "recorded_at"))
    return cursor.execute(f"SELECT {names} FROM {table} WHERE {code} = ? ORDER BY version", [code_value]).df()


def action_items(
    cursor: duckdb.DuckDBPyConnection, project_codes: Iterable[str] | None = None
) -> pd.DataFrame:
    """The action items of current meetings, one row each, with their meeting (code, version, …) and
    position (1-based)."""
    where, params = _scope(project_codes, "m.project_code")
    return cursor.execute(
        "SELECT m.meeting_code, m.version, m.project_code, m.held_on, m.kind, i.item_no,"
        # (i.item).field: a struct's field, written so that PostgreSQL reads it too
        " (i.item).description AS description, (i.item).owner AS owner, (i.item).due_on AS due_on,"
        " (i.item).done_on AS done_on"
        " FROM meetings m, LATERAL (SELECT unnest(m.action_items) AS item,"
        "  generate_subscripts(m.action_items, 1) AS item_no) i"
        f"{where} ORDER BY (i.item).due_on, m.meeting_code, i.item_no",
        params,
    ).df()


def last_reviews(cursor: duckdb.DuckDBPyConnection, kinds: tuple[str, ...]) -> dict[str, date]:
    """Each project's latest meeting of these kinds (its last review)."""
    result = cursor.execute(
        "SELECT project_code, max(held_on) FROM meetings"
        " WHERE list_contains($kinds::VARCHAR[], kind) GROUP BY project_code",
        {"kinds": list(kinds)},
    )
    return {str(p): d for p, d in result.fetchall()}


def review_cadences(cursor: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Projects whose review cadence differs from the setting: months, the latest version's."""
    result = cursor.execute(
        "SELECT project_code, arg_max(months, id) FROM review_cadence_versions GROUP BY project_code"
    )
    return {str(p): int(m) for p, m in result.fetchall()}


def record_review_cadence(
    cursor: duckdb.DuckDBPyConnection,
    project_code: str,
    months: int,
    reason: str,
    *,
    actor: str,
    now: datetime,
) -> None:
    before = review_cadences(cursor).get(project_code)
    cursor.execute(
        "INSERT INTO review_cadence_versions (project_code, months, reason, recorded_by, recorded_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [project_code, months, reason, actor, now],
    )
    write_audit_entries(
        cursor,
        [
            AuditEntry(
                "update",
                "review_cadence",
                project_code,
                before=before,
                after={"months": months, "reason": reason},
            )
        ],
        actor=actor,
        at=now,
    )


def phase_exceptions(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every recorded reason for a phase without a research agreement, oldest first."""
    return cursor.execute(
        "SELECT project_code, phase, reason, recorded_by, recorded_at FROM phase_exceptions ORDER BY id"
    ).df()


def record_phase_exception(
    cursor: duckdb.DuckDBPyConnection,
    project_code: str,
    phase: str,
    reason: str,
    *,
    actor: str,
    now: datetime,
) -> None:
    cursor.execute(
        "INSERT INTO phase_exceptions (project_code, phase, reason, recorded_by, recorded_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [project_code, phase, reason, actor, now],
    )
    write_audit_entries(
        cursor,
        [AuditEntry("create", "phase_exceptions", f"{project_code}/{phase}", after={"reason": reason})],
        actor=actor,
        at=now,
    )


def corporate_number_holders(cursor: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """法人番号 → the organization that carries it."""
    result = cursor.execute(
        "SELECT corporate_number, organization_code FROM organizations WHERE corporate_number IS NOT NULL"
    )
    return {str(n): str(o) for n, o in result.fetchall()}


def setting_value(cursor: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """One setting's stored text (the partnerships settings of migration 0014), None when absent."""
    row = cursor.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])
