"""Notes of reported values: note revisions (migration 0008), a version's note as it reads now, and
purging a poisoned note. Values always bound.

A changed note on an unchanged value is a note revision of the current version: kept and audited,
but the report is not more recent for it. A version's note is its latest revision's, else its own:
read it through `current_notes` (or the history reads in kpi/storage/actuals.py, which show every
revision), never from actual_versions.note alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from kpi.storage.audit import write_audit

_AUDIT_DETAIL_LIMIT = 50  # as for values (kpi/storage/actuals.py): beyond this many, only counts

# Each version's latest note revision (highest id); a version without one keeps its own note.
LATEST_REVISION = (
    "SELECT version_id, arg_max(note, id) AS note FROM actual_note_revisions GROUP BY version_id"
)

_REVISE_NOTES = """
INSERT INTO actual_note_revisions (version_id, note, recorded_by, recorded_at, source, batch_id)
SELECT current_version, note, $actor, $now, $source, $batch_id
FROM _incoming WHERE change = 'noted'
ORDER BY project_code, kpi_code, period_end, organization_code
RETURNING id
"""


def revise_notes(
    cursor: duckdb.DuckDBPyConnection, *, actor: str, source: str, batch_id: int | None, now: datetime
) -> None:
    """Append a note revision for each row of the temp table _incoming classified 'noted' (filled by
    record_actuals, kpi/storage/actuals.py) and audit them; call inside its transaction."""
    # The revisions this call wrote, by id: not "ids above the last max", which another server's
    # write may reach first.
    written = cursor.execute(
        _REVISE_NOTES, {"actor": actor, "now": now, "source": source, "batch_id": batch_id}
    ).fetchall()
    cursor.register("_revised", pd.DataFrame({"id": pd.Series([r[0] for r in written], dtype="int64")}))
    try:
        _audit_notes(cursor, actor=actor, source=source, batch_id=batch_id, now=now)
    finally:
        cursor.unregister("_revised")


def _audit_notes(
    cursor: duckdb.DuckDBPyConnection, *, actor: str, source: str, batch_id: int | None, now: datetime
) -> None:
    """One row for the note revisions just written: which keys, which revisions, how long the notes
    are. Never the text itself: a note can be unbounded, and a purge must be able to remove it."""
    rows = cursor.execute(
        "SELECT i.project_code, i.kpi_code, i.period_end, i.organization_code, i.current_version,"
        " length(coalesce(i.current_note, '')), r.id, length(r.note)"
        " FROM _incoming i JOIN actual_note_revisions r ON r.version_id = i.current_version"
        " AND r.id IN (SELECT id FROM _revised)"
        " WHERE i.change = 'noted' ORDER BY r.id LIMIT ?",
        [_AUDIT_DETAIL_LIMIT + 1],
    ).fetchall()
    noted = cursor.execute("SELECT count(*) FROM _incoming WHERE change = 'noted'").fetchall()[0][0]
    after: dict[str, Any] = {"source": source, "batch_id": batch_id, "noted": int(noted)}
    before = None
    if len(rows) <= _AUDIT_DETAIL_LIMIT:
        keys = [f"{r[0]}/{r[1]}/{r[2]}/{r[3]}" for r in rows]
        before = {k: {"version_id": r[4], "note_chars": r[5]} for k, r in zip(keys, rows, strict=True)}
        after["revisions"] = {
            k: {"revision_id": r[6], "note_chars": r[7]} for k, r in zip(keys, rows, strict=True)
        }
    write_audit(cursor, actor=actor, action="revise_notes", entity="actuals",
                entity_key=f"batch {batch_id}" if batch_id is not None else rows[0][0],
                before=before, after=after, at=now)  # fmt: skip


def current_notes(cursor: duckdb.DuckDBPyConnection, version_ids: list[int]) -> dict[int, str]:
    """Each version's note as it reads now: its latest note revision's, else its own."""
    rows = cursor.execute(
        "SELECT v.id, coalesce(r.note, v.note) FROM actual_versions v LEFT JOIN (" + LATEST_REVISION + ")"
        " r ON r.version_id = v.id WHERE list_contains(?, v.id)",
        [version_ids],
    ).fetchall()
    return {int(i): str(n) for i, n in rows}


# -- purging a poisoned note (kpi/admin/purge.py) ---------------------------------------------------------

_OVERSIZED = """
WITH long_notes AS (
    SELECT id AS version_id, length(note) AS chars FROM actual_versions WHERE length(note) > $limit
    UNION ALL
    SELECT version_id, length(note) FROM actual_note_revisions WHERE length(note) > $limit
)
SELECT v.id AS version_id, v.project_code, v.kpi_code, v.period_end, v.organization_code,
       max(n.chars) AS note_chars, count(*) AS long_notes, any_value(c.version_id) IS NOT NULL AS is_current
FROM long_notes n JOIN actual_versions v ON v.id = n.version_id
LEFT JOIN actual_current c ON c.version_id = v.id
GROUP BY v.id, v.project_code, v.kpi_code, v.period_end, v.organization_code
ORDER BY note_chars DESC, version_id LIMIT $max_rows
"""
# What a purge removes: the version's own note and its revisions' notes, measured, never returned.
_PURGED = """
SELECT 'version' AS kind, id, length(note), strlen(note), sha256(note)
FROM actual_versions WHERE id = $v AND note <> ''
UNION ALL
SELECT 'revision', id, length(note), strlen(note), sha256(note)
FROM actual_note_revisions WHERE version_id = $v AND note <> ''
ORDER BY kind DESC, id
"""


def oversized_note_versions(cursor: duckdb.DuckDBPyConnection, limit: int, max_rows: int) -> pd.DataFrame:
    """Versions whose note, or a note revision of which, is longer than `limit` characters, longest first.

    Columns: version_id, project_code, kpi_code, period_end, organization_code, note_chars (the longest),
    long_notes (how many of its notes are too long), is_current.
    """
    return cursor.execute(_OVERSIZED, {"limit": limit, "max_rows": max_rows}).df()


def version_key(cursor: duckdb.DuckDBPyConnection, version_id: int) -> dict[str, Any] | None:
    rows = cursor.execute(
        "SELECT project_code, kpi_code, period_end, organization_code FROM actual_versions WHERE id = ?",
        [version_id],
    ).fetchall()
    if not rows:
        return None
    return dict(zip(["project_code", "kpi_code", "period_end", "organization_code"], rows[0], strict=True))


def purge_version_note(
    cursor: duckdb.DuckDBPyConnection, version_id: int, *, reason: str, actor: str, now: datetime
) -> list[tuple[str, int, int, int, str]]:
    """Blank the note of a version and of its note revisions, keeping the value; call inside a
    transaction. The audit row says who, when, why, and the size and SHA-256 of each text removed
    (never the text). Returns (kind, id, chars, UTF-8 bytes, sha256) of each; empty: no note."""
    removed = [(str(k), int(i), int(c), int(b), str(h)) for k, i, c, b, h in
               cursor.execute(_PURGED, {"v": version_id}).fetchall()]  # fmt: skip
    if not removed:
        return []
    cursor.execute("UPDATE actual_versions SET note = '' WHERE id = ?", [version_id])
    cursor.execute("UPDATE actual_note_revisions SET note = '' WHERE version_id = ?", [version_id])
    measured = [dict(zip(("kind", "id", "chars", "bytes", "sha256"), r, strict=True)) for r in removed]
    before = {"key": version_key(cursor, version_id), "removed": measured}
    after = {"reason": reason, "note": ""}
    write_audit(cursor, actor=actor, action="purge_note", entity="actual_versions",
                entity_key=str(version_id), before=before, after=after, at=now)  # fmt: skip
    return removed
