"""Accounts, sign-in attempts, and the registry facts the access checks need. Values always bound."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from kpi.storage.audit import write_audit

ACCOUNT_FIELDS = ("username", "display_name", "role", "organization_code", "email", "language", "active")
_SELECT = (
    "SELECT username, display_name, role, organization_code, email, language, active,"
    " password_hash, created_at, updated_at, last_sign_in_at FROM accounts"
)


def _public(record: dict[str, Any]) -> dict[str, Any]:
    """What the audit log may show of an account: never the password hash."""
    return {k: record.get(k) for k in ACCOUNT_FIELDS} | {"password_set": bool(record.get("password_hash"))}


def _one(cursor: duckdb.DuckDBPyConnection, where: str, value: str) -> dict[str, Any] | None:
    sql = f"{_SELECT} WHERE {where} = ?"  # `where` is one of the two expressions below
    cursor.execute(sql, [value])
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description or []], row, strict=True))


def account_by_username(cursor: duckdb.DuckDBPyConnection, username: str) -> dict[str, Any] | None:
    return _one(cursor, "username", username)


def account_by_email(cursor: duckdb.DuckDBPyConnection, email: str) -> dict[str, Any] | None:
    return _one(cursor, "lower(email)", email.lower())


def list_accounts(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return cursor.execute(
        "SELECT username, display_name, role, organization_code, email, language, active,"
        " password_hash IS NOT NULL AS password_set, last_sign_in_at FROM accounts ORDER BY username"
    ).df()


def insert_account(
    cursor: duckdb.DuckDBPyConnection, record: dict[str, Any], *, actor: str, now: datetime
) -> None:
    cursor.execute(
        "INSERT INTO accounts (username, display_name, role, organization_code, email, password_hash,"
        " language, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [record["username"], record["display_name"], record["role"], record.get("organization_code"),
         record.get("email"), record.get("password_hash"), record.get("language"),
         record.get("active", True), now, now],
    )  # fmt: skip
    write_audit(cursor, actor=actor, action="insert", entity="accounts", entity_key=record["username"],
                after=_public(record), at=now)  # fmt: skip


def update_account(
    cursor: duckdb.DuckDBPyConnection,
    before: dict[str, Any],
    changes: dict[str, Any],
    *,
    actor: str,
    now: datetime,
    action: str = "update",
) -> None:
    """Set the given columns (names from ACCOUNT_FIELDS or password_hash) and audit before → after."""
    allowed = {*ACCOUNT_FIELDS, "password_hash"} - {"username"}
    columns = [c for c in changes if c in allowed]
    if not columns:
        return
    assignments = ", ".join(f"{c} = ?" for c in columns)  # names from the whitelist above
    sql = f"UPDATE accounts SET {assignments}, updated_at = ? WHERE username = ?"
    cursor.execute(sql, [*(changes[c] for c in columns), now, before["username"]])
    after = before | {c: changes[c] for c in columns}
    write_audit(cursor, actor=actor, action=action, entity="accounts", entity_key=before["username"],
                before=_public(before), after=_public(after), at=now)  # fmt: skip


def note_sign_in(
    cursor: duckdb.DuckDBPyConnection, username: str, *, now: datetime, unless_since: datetime
) -> bool:
    """Set last_sign_in_at to `now` unless it already is `unless_since` or later. True if written."""
    row = cursor.execute(
        "UPDATE accounts SET last_sign_in_at = ? WHERE username = ?"
        " AND (last_sign_in_at IS NULL OR last_sign_in_at < ?) RETURNING username",
        [now, username, unless_since],
    ).fetchone()
    return row is not None


def audit_sign_in(
    cursor: duckdb.DuckDBPyConnection, name: str, action: str, *, actor: str, now: datetime, **details: Any
) -> None:
    """A sign-in, a failed one or a lock: the name, when, and the details (never a password)."""
    write_audit(cursor, actor=actor, action=action, entity="accounts", entity_key=name, after=details or None,
                at=now)  # fmt: skip


# -- sign-in attempts (migration 0009): one row per name serializes its attempts ------------------
def add_sign_in_name(cursor: duckdb.DuckDBPyConnection, name: str, *, now: datetime) -> None:
    sql = "INSERT INTO sign_in_names VALUES (?, 0, ?) ON CONFLICT (username) DO NOTHING"
    cursor.execute(sql, [name, now])


def next_attempt(cursor: duckdb.DuckDBPyConnection, name: str, *, now: datetime) -> int | None:
    """Raise the name's attempt number and return it; None if the name has no row yet. Two
    transactions doing this for one name conflict, so the one that commits second runs again."""
    row = cursor.execute(
        "UPDATE sign_in_names SET attempts = attempts + 1, changed_at = ? WHERE username = ?"
        " RETURNING attempts",
        [now, name],
    ).fetchone()
    return int(row[0]) if row else None


def attempts_taken(cursor: duckdb.DuckDBPyConnection, name: str) -> int:
    row = cursor.execute("SELECT attempts FROM sign_in_names WHERE username = ?", [name]).fetchone()
    return int(row[0]) if row else 0


def touch_sign_in_name(cursor: duckdb.DuckDBPyConnection, name: str, *, now: datetime) -> None:
    """Write the name's row without taking a number: a decision that counts is made in turn."""
    cursor.execute("UPDATE sign_in_names SET changed_at = ? WHERE username = ?", [now, name])


def counted_attempts(
    cursor: duckdb.DuckDBPyConnection, name: str, *, since: datetime, stale_before: datetime
) -> tuple[list[datetime], int]:
    """(failed attempts since `since`, oldest first; attempts still being decided). One undecided
    since before `stale_before` (its process died while verifying) counts as failed."""
    rows = cursor.execute(
        "SELECT started_at, outcome = 'failed' OR started_at < ? FROM sign_in_attempts"
        " WHERE username = ? AND started_at >= ? ORDER BY started_at, attempt",
        [stale_before, name, since],
    ).fetchall()
    failed = [started for started, is_failed in rows if is_failed]
    return failed, len(rows) - len(failed)


def insert_attempt(
    cursor: duckdb.DuckDBPyConnection, name: str, attempt: int, *, now: datetime, keep_since: datetime
) -> None:
    cursor.execute("DELETE FROM sign_in_attempts WHERE started_at < ?", [keep_since])
    cursor.execute("INSERT INTO sign_in_attempts VALUES (?, ?, ?, 'pending')", [name, attempt, now])


def mark_attempt_failed(cursor: duckdb.DuckDBPyConnection, name: str, attempt: int) -> bool:
    row = cursor.execute(
        "UPDATE sign_in_attempts SET outcome = 'failed' WHERE username = ? AND attempt = ? RETURNING attempt",
        [name, attempt],
    ).fetchone()
    return row is not None


def clear_attempts(cursor: duckdb.DuckDBPyConnection, name: str, attempt: int) -> int:
    """After a success: delete its own attempt and the failures numbered before it, never an attempt
    that took its place later. Returns how many failures were cleared."""
    rows = cursor.execute(
        "DELETE FROM sign_in_attempts WHERE username = ?"
        " AND (attempt = ? OR (attempt < ? AND outcome = 'failed')) RETURNING attempt",
        [name, attempt, attempt],
    ).fetchall()
    return sum(1 for (number,) in rows if number != attempt)


def drop_attempt(cursor: duckdb.DuckDBPyConnection, name: str, attempt: int) -> None:
    """An attempt given back undecided (nothing was verified)."""
    cursor.execute("DELETE FROM sign_in_attempts WHERE username = ? AND attempt = ?", [name, attempt])


def account_count(cursor: duckdb.DuckDBPyConnection) -> int:
    row = cursor.execute("SELECT count(*) FROM accounts").fetchone()
    return int(row[0]) if row else 0


def is_demo(cursor: duckdb.DuckDBPyConnection) -> bool:
    """Whether `init --demo` made this database (its public demo accounts are then mentioned)."""
    row = cursor.execute("SELECT value FROM settings WHERE key = 'demo'").fetchone()
    return bool(row and row[0] == "true")


def organization_exists(cursor: duckdb.DuckDBPyConnection, code: str) -> bool:
    return (
        cursor.execute("SELECT 1 FROM organizations WHERE organization_code = ?", [code]).fetchone()
        is not None
    )


# -- registry facts for the access checks --------------------------------------------------------
def lead_organizations(cursor: duckdb.DuckDBPyConnection, project_codes: Sequence[str]) -> dict[str, str]:
    """project code → its lead organization, for the codes that exist."""
    rows = cursor.execute(
        "SELECT project_code, lead_organization_code FROM projects WHERE list_contains(?, project_code)",
        [list(project_codes)],
    ).fetchall()
    return {code: lead for code, lead in rows}


def partner_project_codes(cursor: duckdb.DuckDBPyConnection, organization_code: str) -> list[str]:
    rows = cursor.execute(
        "SELECT project_code FROM partners WHERE organization_code = ? ORDER BY project_code",
        [organization_code],
    ).fetchall()
    return [r[0] for r in rows]


def led_project_codes(cursor: duckdb.DuckDBPyConnection, organization_code: str) -> list[str]:
    rows = cursor.execute(
        "SELECT project_code FROM projects WHERE lead_organization_code = ? ORDER BY project_code",
        [organization_code],
    ).fetchall()
    return [r[0] for r in rows]
