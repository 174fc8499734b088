"""Actuals: append-only versions plus the table of current versions, written set-based.

`record_actuals` is the one way values enter the database (form, import, demo): it compares the
incoming rows with the current versions in one statement, appends a version only where the value
changed (a new version without a note keeps the previous note), and moves `actual_current`
forward in the same transaction. A changed note on an unchanged value is a note revision of the
current version (migration 0008, kpi/storage/notes.py): kept and audited, but the report is not more
recent for it. A version's note is its latest revision's, else its own: read it through
`notes.current_notes` or the two history reads here, never from actual_versions.note alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from kpi.storage.audit import write_audit
from kpi.storage.locks import lock_projects
from kpi.storage.notes import LATEST_REVISION, revise_notes
from kpi.storage.periods import refresh_periods

# Column contract of the incoming frame.
INCOMING_COLUMNS = ["project_code", "kpi_code", "period_end", "organization_code", "value", "note"]
_AUDIT_DETAIL_LIMIT = 50  # beyond this many values the audit keeps counts, the versions the rest


@dataclass(frozen=True)
class WriteCounts:
    inserted: int
    updated: int
    unchanged: int  # no new version: the value is the current one (the noted rows included)
    noted: int = 0  # of the unchanged, those whose changed note was kept as a note revision


_CLASSIFY = (
    """
CREATE OR REPLACE TEMP TABLE _incoming AS
SELECT i.project_code, i.kpi_code, i.period_end, i.organization_code, i.value, i.note,
       c.value AS current_value, c.version_id AS current_version,
       coalesce(r.note, v.note) AS current_note,
       CASE WHEN c.version_id IS NULL THEN 'inserted'
            -- SPEC: re-sending an unchanged value records no new version (a note alone does not
            -- make a report "more recent" for combine = latest); a changed note is a revision.
            -- i.note NULL: no note given, the note stays; '' (notes as given): the note cleared.
            WHEN c.value = i.value THEN
                 CASE WHEN i.note IS NOT NULL AND i.note <> trim(coalesce(r.note, v.note, ''))
                      THEN 'noted' ELSE 'unchanged' END
            ELSE 'updated' END AS change
FROM (SELECT project_code, kpi_code, CAST(period_end AS DATE) AS period_end, organization_code,
             CAST(value AS DOUBLE) AS value,
             CASE WHEN $notes_as_given THEN trim(CAST(note AS VARCHAR))
                  ELSE nullif(trim(coalesce(CAST(note AS VARCHAR), '')), '') END AS note
      FROM _incoming_frame) i
LEFT JOIN actual_current c
  ON c.project_code = i.project_code AND c.kpi_code = i.kpi_code
 AND c.period_end = i.period_end AND c.organization_code = i.organization_code
LEFT JOIN actual_versions v ON v.id = c.version_id
LEFT JOIN ("""
    + LATEST_REVISION
    + """) r ON r.version_id = c.version_id
"""
)

_APPEND = """
INSERT INTO actual_versions (project_code, kpi_code, period_end, organization_code, value, note,
                             recorded_by, recorded_at, source, batch_id)
SELECT project_code, kpi_code, period_end, organization_code, value,
       coalesce(note, current_note, ''), $actor, $now, $source, $batch_id
FROM _incoming WHERE change IN ('inserted', 'updated')
ORDER BY project_code, kpi_code, period_end, organization_code
RETURNING id
"""

_REFRESH_CURRENT = """
DELETE FROM actual_current c USING _incoming i
WHERE i.change = 'updated' AND c.project_code = i.project_code AND c.kpi_code = i.kpi_code
  AND c.period_end = i.period_end AND c.organization_code = i.organization_code;
INSERT INTO actual_current
SELECT project_code, kpi_code, period_end, organization_code, value, id
FROM actual_versions WHERE id IN (SELECT id FROM _appended) AND value IS NOT NULL;
"""


def _classify(
    cursor: duckdb.DuckDBPyConnection, rows: pd.DataFrame, notes_as_given: bool = False
) -> WriteCounts:
    """Fill the temp table _incoming with each row and how it compares with the current value."""
    frame = rows[INCOMING_COLUMNS].copy()
    notes = frame["note"]
    if notes_as_given:  # a missing note (None) keeps the stored one: the gaps stay NULL
        frame["note"] = notes.astype("string").astype(object).where(notes.notna(), None)
    else:  # an import: a blank cell keeps the stored note (set-wise, no per-row Python)
        frame["note"] = notes.fillna("").astype(str)
    cursor.register("_incoming_frame", frame)
    try:
        cursor.execute(_CLASSIFY, {"notes_as_given": notes_as_given})
    finally:
        cursor.unregister("_incoming_frame")
    counts_row = cursor.execute(
        "SELECT count(*) FILTER (WHERE change = 'inserted'), count(*) FILTER (WHERE change = 'updated'),"
        " count(*) FILTER (WHERE change IN ('unchanged', 'noted')), count(*) FILTER (WHERE change = 'noted')"
        " FROM _incoming"
    ).fetchall()[0]
    return WriteCounts(*(int(n) for n in counts_row))


def preview_actuals(
    cursor: duckdb.DuckDBPyConnection, rows: pd.DataFrame
) -> tuple[WriteCounts, pd.DataFrame]:
    """What record_actuals would do, without writing: counts and the changed values.

    Frame columns: project_code, kpi_code, period_end, organization_code, current_value, value, change
    (inserted or updated; a note revision changes no value and is only counted, in `noted`).
    """
    counts = _classify(cursor, rows)
    changes = cursor.execute(
        "SELECT project_code, kpi_code, period_end, organization_code, current_value, value, change"
        " FROM _incoming WHERE change IN ('inserted', 'updated')"
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
    notes_as_given: bool = False,
) -> WriteCounts:
    """Append versions for new or changed values, note revisions for changed notes on unchanged
    values; call inside a transaction.

    `rows` has INCOMING_COLUMNS with at most one row per key (project, KPI, period, organization).
    A blank note keeps the stored one (an import's empty 備考 cell). With `notes_as_given` (a form
    that shows the note and sends it back, kpi/progress/save.py) a note is the note as it should
    read: an empty one clears the stored note, and only a missing one (None) keeps it.
    """
    now = now or datetime.now()
    lock_projects(cursor, rows["project_code"])
    counts = _classify(cursor, rows, notes_as_given)
    if counts.inserted or counts.updated:
        # The versions this call appended, by id (not "ids above the last max": another server's
        # import may commit its own in between).
        appended = cursor.execute(
            _APPEND, {"actor": actor, "now": now, "source": source, "batch_id": batch_id}
        ).fetchall()
        cursor.register("_appended", pd.DataFrame({"id": pd.Series([r[0] for r in appended], dtype="int64")}))
        cursor.execute(_REFRESH_CURRENT)
        cursor.unregister("_appended")
        refresh_periods(
            cursor,
            "SELECT project_code, kpi_code, period_end FROM _incoming"
            " WHERE change IN ('inserted', 'updated')",
        )
        _audit(cursor, counts, actor=actor, source=source, batch_id=batch_id, now=now)
    if counts.noted:  # actual_current and actual_periods stay: the report is not more recent
        revise_notes(cursor, actor=actor, source=source, batch_id=batch_id, now=now)
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
        " FROM _incoming WHERE change IN ('inserted', 'updated')"
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


# Every version of a project's reports and every note revision, each as recorded (a revision shows
# the value of its version and its own note), newest first; a revision just after its version.
_HISTORY = """
SELECT h.*, o.name_ja AS org_name_ja, o.name_en AS org_name_en FROM (
    SELECT v.id, v.project_code, v.kpi_code, v.period_end, v.organization_code, v.value, v.note,
           v.recorded_by, v.recorded_at, v.source, v.batch_id, v.explanation, 'value' AS kind,
           CAST(NULL AS BIGINT) AS revision_id
    FROM actual_versions v WHERE v.project_code = $p AND ($k IS NULL OR v.kpi_code = $k)
    UNION ALL
    SELECT v.id, v.project_code, v.kpi_code, v.period_end, v.organization_code, v.value, r.note,
           r.recorded_by, r.recorded_at, r.source, r.batch_id, v.explanation, 'note' AS kind, r.id
    FROM actual_note_revisions r JOIN actual_versions v ON v.id = r.version_id
    WHERE v.project_code = $p AND ($k IS NULL OR v.kpi_code = $k)
) h
LEFT JOIN organizations o USING (organization_code)
"""
_HISTORY_ORDER = " ORDER BY h.recorded_at DESC, h.id DESC, h.revision_id DESC NULLS LAST LIMIT $limit"


def actual_history(
    cursor: duckdb.DuckDBPyConnection, project_code: str, kpi_code: str | None = None
) -> pd.DataFrame:
    """Every version of a project's reports and every note revision of one, newest first.

    Columns: id (the version), project_code, kpi_code, period_end, organization_code, value, note,
    recorded_by, recorded_at, source, batch_id, explanation, kind ('value': a version, 'note': a note
    revision of version `id`), revision_id, is_current (the row's version is the current one).
    """
    return cursor.execute(
        "SELECT h.id, h.project_code, h.kpi_code, h.period_end, h.organization_code, h.value, h.note,"
        " h.recorded_by, h.recorded_at, h.source, h.batch_id, h.explanation, h.kind, h.revision_id,"
        " c.version_id IS NOT NULL AS is_current FROM ("
        + _HISTORY
        + ") h LEFT JOIN actual_current c ON c.version_id = h.id"
        + _HISTORY_ORDER,
        {"p": project_code, "k": kpi_code, "limit": None},
    ).df()


def recent_reports(cursor: duckdb.DuckDBPyConnection, project_code: str, limit: int = 15) -> pd.DataFrame:
    """The project page's latest reports: values and note revisions, newest first, with who sent them.

    Columns: recorded_at, kpi_code, period_end, value, organization_code, org_name_ja, org_name_en,
    recorded_by, source, batch_id, note, kind.
    """
    return cursor.execute(
        "SELECT h.recorded_at, h.kpi_code, h.period_end, h.value, h.organization_code, h.org_name_ja,"
        " h.org_name_en, h.recorded_by, h.source, h.batch_id, h.note, h.kind FROM ("
        + _HISTORY
        + ") h"
        + _HISTORY_ORDER,
        {"p": project_code, "k": None, "limit": limit},
    ).df()


def reported_pairs(cursor: duckdb.DuckDBPyConnection, pairs: pd.DataFrame) -> set[tuple[str, str]]:
    """Which of the given project x KPI pairs (columns project_code, kpi_code) have any report."""
    frame = pairs[["project_code", "kpi_code"]].drop_duplicates().astype(str)
    cursor.register("_pairs_frame", frame)
    try:
        found = cursor.execute(
            "SELECT p.project_code, p.kpi_code FROM _pairs_frame p"
            " SEMI JOIN actual_current c ON p.project_code = c.project_code AND p.kpi_code = c.kpi_code"
        ).fetchall()
    finally:
        cursor.unregister("_pairs_frame")
    return {(str(p), str(k)) for p, k in found}


# Per incoming row (_n): how many of its reporter's latest reports of the pair (other periods than
# the row's own) there are, up to $limit, and their median, all in one pass over the reports.
_HISTORY_MEDIANS = """
SELECT _n, len(history) AS reports, list_aggregate(history, 'median') AS median
FROM (
    SELECT i._n, list(c.value ORDER BY c.period_end DESC)[1:$limit] AS history
    FROM _history_rows i
    JOIN actual_current c
      ON c.project_code = i.project_code AND c.kpi_code = i.kpi_code
     AND c.organization_code = i.organization_code AND c.period_end <> i.period_end
    GROUP BY i._n
)
"""


def history_medians(cursor: duckdb.DuckDBPyConnection, rows: pd.DataFrame, limit: int) -> pd.DataFrame:
    """For each of `rows` (project_code, kpi_code, organization_code, period_end) that has history:
    columns _n (its position in `rows`), reports (how many, ≤ limit) and median."""
    frame = pd.DataFrame(
        {
            "_n": range(len(rows)),
            **{c: rows[c].astype(str).to_numpy() for c in ("project_code", "kpi_code", "organization_code")},
            "period_end": pd.to_datetime(rows["period_end"]).to_numpy(),
        }
    )
    cursor.register("_history_rows", frame)
    try:
        return cursor.execute(_HISTORY_MEDIANS, {"limit": limit}).df()
    finally:
        cursor.unregister("_history_rows")
