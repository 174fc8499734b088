"""Sign-in sessions and the cookie's signing secret (migration 0010). Values always bound."""

from __future__ import annotations

from datetime import datetime

import duckdb

from kpi.storage.audit import write_audit

REASONS = ("sign_out", "everywhere", "deactivated", "password")


def secret(cursor: duckdb.DuckDBPyConnection) -> str | None:
    row = cursor.execute("SELECT secret FROM session_secret WHERE id = 1").fetchone()
    return str(row[0]) if row else None


def add_secret(cursor: duckdb.DuckDBPyConnection, value: str, *, now: datetime) -> None:
    """Keep `value` unless another process made the secret first (then its secret stands)."""
    cursor.execute("INSERT INTO session_secret VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING", [value, now])


def insert_session(
    cursor: duckdb.DuckDBPyConnection,
    id_hash: str,
    username: str,
    *,
    now: datetime,
    expires: datetime,
    forget_before: datetime,
) -> None:
    """A new session; sessions that ended before `forget_before` are deleted on the way."""
    cursor.execute(
        "DELETE FROM sign_in_sessions WHERE least(expires_at, coalesce(revoked_at, expires_at)) < ?",
        [forget_before],
    )
    cursor.execute(
        "INSERT INTO sign_in_sessions VALUES (?, ?, ?, ?, ?, NULL, NULL)",
        [id_hash, username, now, expires, now],
    )


def live_session(
    cursor: duckdb.DuckDBPyConnection, id_hash: str, *, now: datetime
) -> tuple[str, datetime] | None:
    """(account name, last seen) of a session neither revoked nor expired at `now`, whose account is
    active; None otherwise."""
    row = cursor.execute(
        "SELECT s.username, s.last_seen_at FROM sign_in_sessions s JOIN accounts a USING (username)"
        " WHERE s.id_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND a.active",
        [id_hash, now],
    ).fetchone()
    return (str(row[0]), row[1]) if row else None


def touch(cursor: duckdb.DuckDBPyConnection, id_hash: str, *, now: datetime) -> None:
    cursor.execute("UPDATE sign_in_sessions SET last_seen_at = ? WHERE id_hash = ?", [now, id_hash])


def revoke(
    cursor: duckdb.DuckDBPyConnection,
    *,
    reason: str,
    actor: str,
    now: datetime,
    id_hash: str | None = None,
    username: str | None = None,
) -> int:
    """Revoke one session (`id_hash`) or every live one of `username`; audit it when any was live.
    Returns how many were revoked. Audited under entity "accounts", which leaves the page caches be."""
    if reason not in REASONS:
        raise ValueError(f"unknown revocation reason {reason!r}")
    column, value = ("id_hash", id_hash) if id_hash is not None else ("username", username)
    rows = cursor.execute(
        f"UPDATE sign_in_sessions SET revoked_at = ?, revoked_reason = ?"  # column: one of the two above
        f" WHERE {column} = ? AND revoked_at IS NULL AND expires_at > ? RETURNING username",
        [now, reason, value, now],
    ).fetchall()
    for name in sorted({r[0] for r in rows}):
        count = sum(1 for r in rows if r[0] == name)
        write_audit(cursor, actor=actor, action="sessions_revoked", entity="accounts", entity_key=name,
                    after={"reason": reason, "sessions": count}, at=now)  # fmt: skip
    return len(rows)


def live_count(cursor: duckdb.DuckDBPyConnection, username: str, *, now: datetime) -> int:
    row = cursor.execute(
        "SELECT count(*) FROM sign_in_sessions WHERE username = ? AND revoked_at IS NULL AND expires_at > ?",
        [username, now],
    ).fetchone()
    return int(row[0]) if row else 0
