"""Accounts, failed sign-ins, and the registry facts the access checks need. Values always bound."""

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


def record_sign_in(cursor: duckdb.DuckDBPyConnection, username: str, *, now: datetime) -> None:
    cursor.execute("UPDATE accounts SET last_sign_in_at = ? WHERE username = ?", [now, username])
    cursor.execute("DELETE FROM sign_in_failures WHERE username = ?", [username])
    write_audit(cursor, actor=username, action="sign_in", entity="accounts", entity_key=username, at=now)


def record_failure(
    cursor: duckdb.DuckDBPyConnection, username: str, *, now: datetime, keep_since: datetime
) -> None:
    cursor.execute("DELETE FROM sign_in_failures WHERE failed_at < ?", [keep_since])
    cursor.execute("INSERT INTO sign_in_failures VALUES (?, ?)", [username, now])


def recent_failures(cursor: duckdb.DuckDBPyConnection, username: str, since: datetime) -> list[datetime]:
    """Failed sign-ins for this name since `since`, oldest first."""
    rows = cursor.execute(
        "SELECT failed_at FROM sign_in_failures WHERE username = ? AND failed_at >= ? ORDER BY failed_at",
        [username, since],
    ).fetchall()
    return [r[0] for r in rows]


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
