"""Purging a poisoned note: an administrator's audited action (issue 15, item 3).

A note imported before size limits existed (200 MB from a 206 KB .xlsx) makes the project page
fail for every reader, and rolling its batch back does not help: versions are kept. The purge blanks
the note text of one version and of its note revisions, keeps the value, and writes an audit row with
who, when, why, and the size and SHA-256 of every text removed, never the text itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from kpi.access import Actor, require_role
from kpi.errors import Rejected
from kpi.intake.rows import ErrorSink
from kpi.storage import Database
from kpi.storage.notes import oversized_note_versions, purge_version_note, version_key

NOTE_LIMIT = 500  # characters: what the form allows and intake accepts
MAX_LISTED = 1000  # rows of the oversized list: the page must stay small whatever the database holds


@dataclass(frozen=True)
class RemovedNote:
    kind: str  # "version" (the version's own note) or "revision" (one of its note revisions)
    id: int  # actual_versions.id or actual_note_revisions.id
    chars: int
    bytes: int  # UTF-8
    sha256: str


@dataclass(frozen=True)
class PurgeResult:
    version_id: int
    removed: list[RemovedNote]

    @property
    def chars(self) -> int:
        return sum(r.chars for r in self.removed)


def oversized_notes(db: Database, *, actor: Actor, limit: int = NOTE_LIMIT) -> pd.DataFrame:
    """Versions whose note (or a note revision of which) is longer than `limit` characters, longest
    first, at most MAX_LISTED. Administrators only.

    Columns: version_id, project_code, kpi_code, period_end, organization_code, note_chars, long_notes,
    is_current.
    """
    require_role(actor)
    with db.cursor() as cursor:
        return oversized_note_versions(cursor, limit, MAX_LISTED)


def purge_note(
    db: Database,
    version_id: int,
    *,
    reason: str,
    actor: Actor,
    lang: str,
    now: datetime | None = None,
) -> PurgeResult:
    """Replace the note text of `version_id` and of its note revisions with an empty string; the value
    and every other field stay. Administrators only (Forbidden); Rejected without a reason, for an
    unknown version, or when there is no note to purge (nothing is written then)."""
    require_role(actor)
    sink = ErrorSink(lang)
    if not reason.strip():
        sink.add("purge_reason_required")
        raise Rejected(sink.errors)
    moment = now or datetime.now()

    def work(cursor: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int, int, str]]:
        if version_key(cursor, version_id) is None:
            sink.add("purge_unknown_version", version=version_id)
            raise Rejected(sink.errors)
        removed = purge_version_note(
            cursor, version_id, reason=reason.strip(), actor=actor.username, now=moment
        )
        if not removed:
            sink.add("purge_nothing", version=version_id)
            raise Rejected(sink.errors)
        return removed

    removed = db.write(work)  # run again if another session writes the same rows meanwhile
    return PurgeResult(version_id, [RemovedNote(*r) for r in removed])
