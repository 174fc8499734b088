"""The reminder e-mails tried (migration 0015, table reminder_sends): sent or failed, and what the
no-repeat rule reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import duckdb
import pandas as pd

LOG_COLUMNS = [
    "id",
    "attempted_at",
    "sent_on",
    "as_of",
    "recipient",
    "organization_codes",
    "language",
    "subject",
    "items",
    "status",
    "error",
    "actor",
]


def recently_sent(cursor: duckdb.DuckDBPyConnection, after: date) -> dict[str, date]:
    """Address (lower case) → the last day it was sent a digest, for sends on a day later than `after`."""
    rows = cursor.execute(
        "SELECT lower(recipient), max(sent_on) FROM reminder_sends WHERE status = 'sent' AND sent_on > ?"
        " GROUP BY lower(recipient)",
        [after],
    ).fetchall()
    return {row[0]: row[1] for row in rows}


def record_send(
    cursor: duckdb.DuckDBPyConnection,
    *,
    attempted_at: datetime,
    sent_on: date,
    as_of: date,
    recipient: str,
    organization_codes: Sequence[str],
    language: str,
    subject: str,
    body: str,
    items: int,
    status: str,
    error: str,
    actor: str,
) -> int:
    """One attempt; returns its id."""
    row = cursor.execute(
        "INSERT INTO reminder_sends (attempted_at, sent_on, as_of, recipient, organization_codes, language,"
        " subject, body, items, status, error, actor)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            attempted_at,
            sent_on,
            as_of,
            recipient,
            list(organization_codes),
            language,
            subject,
            body,
            items,
            status,
            error,
            actor,
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])


def send_log(cursor: duckdb.DuckDBPyConnection, limit: int) -> pd.DataFrame:
    """The latest `limit` attempts, newest first. Columns LOG_COLUMNS (no body)."""
    return cursor.execute(
        "SELECT "
        + ", ".join(LOG_COLUMNS)
        + " FROM reminder_sends ORDER BY attempted_at DESC, id DESC LIMIT ?",
        [limit],
    ).df()


DEFAULT_REPEAT_DAYS = 7


def repeat_days(cursor: duckdb.DuckDBPyConnection) -> int:
    """The setting reminder_repeat_days (default 7): a contact sent a digest gets no other for so long."""
    row = cursor.execute("SELECT value FROM settings WHERE key = ?", ["reminder_repeat_days"]).fetchone()
    try:
        return max(int(row[0]), 0) if row else DEFAULT_REPEAT_DAYS
    except ValueError:
        return DEFAULT_REPEAT_DAYS
