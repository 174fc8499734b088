"""The audit log: every write says who, when, what, and the before and after."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd


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


@dataclass(frozen=True)
class AuditEntry:
    action: str
    entity: str
    entity_key: str
    before: Any = None
    after: Any = None


_INSERT_ENTRIES = """
INSERT INTO audit_log (recorded_at, actor, action, entity, entity_key, before, after)
SELECT CAST($at AS TIMESTAMP), $actor, action, entity, entity_key, before, after
FROM _audit_frame ORDER BY _n
"""


def write_audit_entries(
    cursor: duckdb.DuckDBPyConnection, entries: Sequence[AuditEntry], *, actor: str, at: datetime
) -> None:
    """Many audit rows of one write as one INSERT … SELECT (ids keep the order given)."""
    if not entries:
        return
    frame = pd.DataFrame(
        {
            "_n": range(len(entries)),
            "action": pd.Series([e.action for e in entries], dtype=object),
            "entity": pd.Series([e.entity for e in entries], dtype=object),
            "entity_key": pd.Series([e.entity_key for e in entries], dtype=object),
            "before": pd.Series([to_json(e.before) for e in entries], dtype=object),
            "after": pd.Series([to_json(e.after) for e in entries], dtype=object),
        }
    )
    cursor.register("_audit_frame", frame)
    cursor.execute(_INSERT_ENTRIES, {"at": at, "actor": actor})
    cursor.unregister("_audit_frame")
