"""Actuals: append-only versions plus the table of current versions, written set-based.

`record_actuals` is the one way values enter the database (form, import, demo): it compares the
incoming rows with the current versions in one statement, appends a version only where the value
changed (a new version without a note keeps the previous note), and moves `actual_current`
forward in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from kpi.storage.audit import write_audit
from kpi.storage.periods import refresh_periods

# Column contract of the incoming frame.
INCOMING_COLUMNS = ["project_code", "kpi_code", "period_end", "organization_code", "value", "note"]
_AUDIT_DETAIL_LIMIT = 50  # beyond this many values the audit keeps counts, the versions the rest


@dataclass(frozen=True)
class WriteCounts:
    inserted: int
    updated: int
    unchanged: int


_CLASSIFY = """
CREATE OR REPLACE TEMP TABLE _incoming AS
SELECT i.project_code, i.kpi_code, CAST(i.period_end AS DATE) AS period_end,
       i.organization_code, CAST(i.value AS DOUBLE) AS value,
       nullif(trim(coalesce(i.note, '')), '') AS note,
       c.value AS current_value, v.note AS current_note,
       CASE WHEN c.version_id IS NULL THEN 'inserted'
            -- SPEC: re-sending an unchanged value records no new version (a note alone does not
            -- make a report "more recent" for combine = latest).
            WHEN c.value = CAST(i.value AS DOUBLE) THEN 'unchanged'
            ELSE 'updated' END AS change
FROM _incoming_frame i
LEFT JOIN actual_current c
  ON c.project_code = i.project_code AND c.kpi_code = i.kpi_code
 AND c.period_end = CAST(i.period_end AS DATE) AND c.organization_code = i.organization_code
LEFT JOIN actual_versions v ON v.id = c.version_id
"""

_APPEND = """
INSERT INTO actual_versions (project_code, kpi_code, period_end, organization_code, value, note,
                             recorded_by, recorded_at, source, batch_id)
SELECT project_code, kpi_code, period_end, organization_code, value,
       coalesce(note, current_note, ''), $actor, $now, $source, $batch_id
FROM _incoming WHERE change <> 'unchanged'
ORDER BY project_code, kpi_code, period_end, organization_code
"""

_REFRESH_CURRENT = """
DELETE FROM actual_current c USING _incoming i
WHERE i.change = 'updated' AND c.project_code = i.project_code AND c.kpi_code = i.kpi_code
  AND c.period_end = i.period_end AND c.organization_code = i.organization_code;
INSERT INTO actual_current
SELECT project_code, kpi_code, period_end, organization_code, value, id
FROM actual_versions WHERE id > $last_id AND value IS NOT NULL;
"""


def _classify(cursor: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> WriteCounts:
    """Fill the temp table _incoming with each row and how it compares with the current value."""
    frame = rows[INCOMING_COLUMNS].copy()
    frame["note"] = frame["note"].fillna("").astype(str)
    cursor.register("_incoming_frame", frame)
    try:
        cursor.execute(_CLASSIFY)
    finally:
        cursor.unregister("_incoming_frame")
    counts_row = cursor.execute(
        "SELECT count(*) FILTER (WHERE change = 'inserted'), count(*) FILTER (WHERE change = 'updated'),"
        " count(*) FILTER (WHERE change = 'unchanged') FROM _incoming"
    ).fetchall()[0]
    return WriteCounts(int(counts_row[0]), int(counts_row[1]), int(counts_row[2]))


def preview_actuals(
    cursor: duckdb.DuckDBPyConnection, rows: pd.DataFrame
) -> tuple[WriteCounts, pd.DataFrame]:
    """What record_actuals would do, without writing: counts and the changed values.

    Frame columns: project_code, kpi_code, period_end, organization_code, current_value, value, change.
    """
    counts = _classify(cursor, rows)
    changes = cursor.execute(
        "SELECT project_code, kpi_code, period_end, organization_code, current_value, value, change"
        " FROM _incoming WHERE change <> 'unchanged'"
        " ORDER BY project_code, kpi_code, period_end, organization_code"
    ).df()
    cursor.execute("DROP TABLE _incoming")
    return counts, changes


def record_actuals(
    cursor: duckdb.DuckDBPyConnection,
    rows: pd.DataFrame,
    *,
    actor: str,
    source: str,
    batch_id: int | None = None,
    now: datetime | None = None,
) -> WriteCounts:
    """Append versions for new or changed values; call inside a transaction.

    `rows` has INCOMING_COLUMNS with at most one row per key (project, KPI, period, organization).
    """
    now = now or datetime.now()
    counts = _classify(cursor, rows)
    if counts.inserted or counts.updated:
        last = cursor.execute("SELECT coalesce(max(id), 0) FROM actual_versions").fetchone()
        last_id = int(last[0]) if last else 0
        cursor.execute(_APPEND, {"actor": actor, "now": now, "source": source, "batch_id": batch_id})
        cursor.execute(_REFRESH_CURRENT, {"last_id": last_id})
        refresh_periods(
            cursor, "SELECT project_code, kpi_code, period_end FROM _incoming WHERE change <> 'unchanged'"
        )
        _audit(cursor, counts, actor=actor, source=source, batch_id=batch_id, now=now)
    cursor.execute("DROP TABLE _incoming")
    return counts


def _audit(
    cursor: duckdb.DuckDBPyConnection,
    counts: WriteCounts,
    *,
    actor: str,
    source: str,
    batch_id: int | None,
    now: datetime,
) -> None:
    changed = cursor.execute(
        "SELECT project_code, kpi_code, period_end, organization_code, current_value, value"
        " FROM _incoming WHERE change <> 'unchanged'"
        " ORDER BY project_code, kpi_code, period_end, organization_code LIMIT ?",
        [_AUDIT_DETAIL_LIMIT + 1],
    ).fetchall()
    summary: dict[str, Any] = {
        "source": source,
        "batch_id": batch_id,
        "inserted": counts.inserted,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
    }
    if len(changed) <= _AUDIT_DETAIL_LIMIT:
        keys = [f"{r[0]}/{r[1]}/{r[2]}/{r[3]}" for r in changed]
        before = {key: r[4] for key, r in zip(keys, changed, strict=True)}
        after = {**summary, "values": {key: r[5] for key, r in zip(keys, changed, strict=True)}}
    else:
        before, after = None, summary
    entity_key = f"batch {batch_id}" if batch_id is not None else changed[0][0]
    write_audit(
        cursor,
        actor=actor,
        action="record_actuals",
        entity="actuals",
        entity_key=entity_key,
        before=before,
        after=after,
        at=now,
    )


def actual_history(
    cursor: duckdb.DuckDBPyConnection, project_code: str, kpi_code: str | None = None
) -> pd.DataFrame:
    """Every version of a project's reports, newest first.

    Columns: id, project_code, kpi_code, period_end, organization_code, value, note,
    recorded_by, recorded_at, source, batch_id, is_current.
    """
    return cursor.execute(
        "SELECT v.*, c.version_id IS NOT NULL AS is_current FROM actual_versions v"
        " LEFT JOIN actual_current c ON c.version_id = v.id"
        " WHERE v.project_code = ? AND (? IS NULL OR v.kpi_code = ?) ORDER BY v.id DESC",
        [project_code, kpi_code, kpi_code],
    ).df()


def period_series(cursor: duckdb.DuckDBPyConnection, project_code: str) -> pd.DataFrame:
    """Current reports of one project, one row per KPI x period x organization.

    Columns: kpi_code, period_end, organization_code, value, version_id.
    """
    return cursor.execute(
        "SELECT kpi_code, period_end, organization_code, value, version_id FROM actual_current"
        " WHERE project_code = ? ORDER BY kpi_code, period_end, organization_code",
        [project_code],
    ).df()
