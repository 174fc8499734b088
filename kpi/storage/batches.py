"""Import batches: what intake needs from the registry, batch records, history and rollback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

import duckdb
import pandas as pd

from kpi.storage.audit import write_audit
from kpi.storage.periods import refresh_periods

BATCH_COLUMNS = [
    "batch_id", "file_name", "sha256", "organization_code", "uploaded_by", "uploaded_at", "rows",
    "inserted", "updated", "unchanged", "outcome", "rolled_back_by", "rolled_back_at", "kind",
]  # fmt: skip
# kind: "actuals" (KPI values, the default) or "expenditures" (funding, kpi/storage/expenditures.py)


class RegistryFacts(TypedDict):
    """What intake validates against, as read from the registry (kpi.intake.known builds its
    IntakeRegistry from these)."""

    projects: frozenset[str]
    organizations: frozenset[str]
    partners: frozenset[tuple[str, str]]  # (project_code, organization_code)
    kpis_allowing_negative: dict[str, bool]  # kpi_code → allow_negative
    kpi_units: dict[str, tuple[str, str]]  # kpi_code → (unit_ja, unit_en)
    kpi_names: dict[str, dict[str, str]]  # kpi_code → {"ja": …, "en": …}
    kpi_flows: dict[str, str]  # KPIs counted as flows → their frequency


def registry_facts(cursor: duckdb.DuckDBPyConnection) -> RegistryFacts:
    projects = cursor.execute("SELECT project_code FROM projects").fetchall()
    organizations = cursor.execute("SELECT organization_code FROM organizations").fetchall()
    partners = cursor.execute("SELECT project_code, organization_code FROM partners").fetchall()
    kpis = cursor.execute(
        "SELECT kpi_code, allow_negative, name_ja, name_en, unit_ja, unit_en, accumulation, frequency"
        " FROM kpi_definitions"
    ).fetchall()
    return RegistryFacts(
        projects=frozenset(p for (p,) in projects),
        organizations=frozenset(o for (o,) in organizations),
        partners=frozenset((p, o) for p, o in partners),
        kpis_allowing_negative={k: bool(a) for k, a, *_ in kpis},
        kpi_units={k: (unit_ja, unit_en) for k, _a, _n, _e, unit_ja, unit_en, *_ in kpis},
        kpi_names={k: {"ja": name_ja, "en": name_en} for k, _a, name_ja, name_en, *_ in kpis},
        kpi_flows={
            k: frequency for k, *_, accumulation, frequency in kpis if accumulation in ("sum", "yearly")
        },
    )


def imported_batch_with_hash(
    cursor: duckdb.DuckDBPyConnection, sha256: str, organization_code: str, *, kind: str = "actuals"
) -> int | None:
    """The live batch of this kind that imported these exact bytes for this organization, if any."""
    rows = cursor.execute(
        "SELECT batch_id FROM import_batches WHERE sha256 = ? AND organization_code = ?"
        " AND coalesce(kind, 'actuals') = ?"
        " AND outcome = 'imported' AND rolled_back_at IS NULL ORDER BY batch_id DESC LIMIT 1",
        [sha256, organization_code, kind],
    ).fetchall()
    return int(rows[0][0]) if rows else None


def next_batch_id(cursor: duckdb.DuckDBPyConnection) -> int:
    rows = cursor.execute("SELECT nextval('import_batch_id')").fetchall()
    return int(rows[0][0])


def insert_batch(cursor: duckdb.DuckDBPyConnection, batch: dict[str, object]) -> None:
    names = [c for c in BATCH_COLUMNS if c in batch]
    sql = f"INSERT INTO import_batches ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    cursor.execute(sql, [batch[n] for n in names])


def list_batches(cursor: duckdb.DuckDBPyConnection, organization_code: str | None = None) -> pd.DataFrame:
    """Newest first. Columns: BATCH_COLUMNS."""
    sql = (
        "SELECT * FROM import_batches WHERE ?::VARCHAR IS NULL OR organization_code = ?::VARCHAR"
        " ORDER BY batch_id DESC"
    )
    return cursor.execute(sql, [organization_code, organization_code]).df()[BATCH_COLUMNS]


def get_batch(cursor: duckdb.DuckDBPyConnection, batch_id: int) -> dict[str, object] | None:
    rows = cursor.execute("SELECT * FROM import_batches WHERE batch_id = ?", [batch_id]).fetchall()
    if not rows:
        return None
    columns = [d[0] for d in cursor.description or []]
    return dict(zip(columns, rows[0], strict=True))


@dataclass(frozen=True)
class RollbackCounts:
    restored: int  # keys put back to their value before the batch (or withdrawn)
    skipped: int  # keys changed again after the batch: left as they are


# The batch's versions that are still current, each with the version just before it.
_ROLLBACK_PLAN = """
CREATE OR REPLACE TEMP TABLE _rollback AS
SELECT v.project_code, v.kpi_code, v.period_end, v.organization_code, v.id AS batch_version,
       (SELECT p.value FROM actual_versions p
         WHERE p.project_code = v.project_code AND p.kpi_code = v.kpi_code
           AND p.period_end = v.period_end AND p.organization_code = v.organization_code
           AND p.id < v.id ORDER BY p.id DESC LIMIT 1) AS previous_value,
       (SELECT coalesce((SELECT n.note FROM actual_note_revisions n WHERE n.version_id = p.id
                          ORDER BY n.id DESC LIMIT 1), p.note) FROM actual_versions p
         WHERE p.project_code = v.project_code AND p.kpi_code = v.kpi_code
           AND p.period_end = v.period_end AND p.organization_code = v.organization_code
           AND p.id < v.id ORDER BY p.id DESC LIMIT 1) AS previous_note,
       (SELECT p.id FROM actual_versions p
         WHERE p.project_code = v.project_code AND p.kpi_code = v.kpi_code
           AND p.period_end = v.period_end AND p.organization_code = v.organization_code
           AND p.id < v.id ORDER BY p.id DESC LIMIT 1) AS previous_version,
       c.version_id = v.id AS still_current
FROM actual_versions v
LEFT JOIN actual_current c
  ON c.project_code = v.project_code AND c.kpi_code = v.kpi_code
 AND c.period_end = v.period_end AND c.organization_code = v.organization_code
WHERE v.batch_id = $batch_id
"""
_ROLLBACK_APPEND = """
INSERT INTO actual_versions (project_code, kpi_code, period_end, organization_code, value, note,
                             recorded_by, recorded_at, source, batch_id)
SELECT project_code, kpi_code, period_end, organization_code, previous_value,
       coalesce(previous_note, ''), $actor, $now, 'rollback', NULL
FROM _rollback WHERE still_current
ORDER BY project_code, kpi_code, period_end, organization_code
"""
# The restored value points at the version it came from, not at the rollback version: for
# combine = latest, recency is when a value was reported, so a rollback must not make the
# restored report more recent than another partner's report sent after it.
_ROLLBACK_CURRENT = """
DELETE FROM actual_current c USING _rollback r
WHERE r.still_current AND c.version_id = r.batch_version;
INSERT INTO actual_current
SELECT project_code, kpi_code, period_end, organization_code, previous_value, previous_version
FROM _rollback WHERE still_current AND previous_value IS NOT NULL;
"""


# The batch's note revisions (migration 0008), each with the note before it; one that is still the
# latest of a version that is still current is withdrawn by a revision back to that note.
_ROLLBACK_NOTES_PLAN = """
CREATE OR REPLACE TEMP TABLE _rollback_notes AS
SELECT r.id, r.version_id,
       coalesce((SELECT p.note FROM actual_note_revisions p WHERE p.version_id = r.version_id
                   AND p.id < r.id ORDER BY p.id DESC LIMIT 1), v.note) AS previous_note,
       c.version_id IS NOT NULL
       AND r.id = (SELECT max(l.id) FROM actual_note_revisions l WHERE l.version_id = r.version_id)
           AS still_current
FROM actual_note_revisions r JOIN actual_versions v ON v.id = r.version_id
LEFT JOIN actual_current c ON c.version_id = r.version_id
WHERE r.batch_id = $batch_id
"""
_ROLLBACK_NOTES_APPEND = """
INSERT INTO actual_note_revisions (version_id, note, recorded_by, recorded_at, source, batch_id)
SELECT version_id, previous_note, $actor, $now, 'rollback', NULL
FROM _rollback_notes WHERE still_current ORDER BY version_id
"""


def rollback_batch(
    cursor: duckdb.DuckDBPyConnection, batch_id: int, *, actor: str, now: datetime
) -> RollbackCounts:
    """Supersede a batch's values with the ones before it, and withdraw its note revisions by a
    revision back to the note before each; call inside a transaction. Keys changed again since (a
    newer value or note) are left as they are."""
    cursor.execute(_ROLLBACK_PLAN, {"batch_id": batch_id})
    counts = cursor.execute(
        "SELECT count(*) FILTER (WHERE still_current), count(*) FILTER (WHERE NOT coalesce(still_current,"
        " false)) FROM _rollback"
    ).fetchall()[0]
    cursor.execute(_ROLLBACK_APPEND, {"actor": actor, "now": now})
    cursor.execute(_ROLLBACK_CURRENT)
    refresh_periods(cursor, "SELECT project_code, kpi_code, period_end FROM _rollback WHERE still_current")
    cursor.execute("DROP TABLE _rollback")
    cursor.execute(_ROLLBACK_NOTES_PLAN, {"batch_id": batch_id})
    notes = cursor.execute(
        "SELECT count(*) FILTER (WHERE still_current), count(*) FILTER (WHERE NOT still_current)"
        " FROM _rollback_notes"
    ).fetchall()[0]
    cursor.execute(_ROLLBACK_NOTES_APPEND, {"actor": actor, "now": now})
    cursor.execute("DROP TABLE _rollback_notes")
    cursor.execute(
        "UPDATE import_batches SET rolled_back_by = ?, rolled_back_at = ? WHERE batch_id = ?",
        [actor, now, batch_id],
    )
    result = RollbackCounts(restored=int(counts[0]) + int(notes[0]), skipped=int(counts[1]) + int(notes[1]))
    write_audit(cursor, actor=actor, action="rollback_batch", entity="import_batches",
                entity_key=str(batch_id), before={"rolled_back": False},
                after={"rolled_back": True, "restored": result.restored, "skipped": result.skipped,
                       "notes_restored": int(notes[0])},
                at=now)  # fmt: skip
    return result
