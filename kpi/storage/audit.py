"""The audit log: every write says who, when, what, and the before and after."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import duckdb


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def to_json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=_json_default, sort_keys=True)


def write_audit(
    cursor: duckdb.DuckDBPyConnection,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_key: str,
    before: Any = None,
    after: Any = None,
    at: datetime | None = None,
) -> None:
    cursor.execute(
        "INSERT INTO audit_log (recorded_at, actor, action, entity, entity_key, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [at or datetime.now(), actor, action, entity, entity_key, to_json(before), to_json(after)],
    )
