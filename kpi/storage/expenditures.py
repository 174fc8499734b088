"""Expenditures (SPEC section 7, migration 0013): what a partner's expenditure file is checked
against, and its batches: append-only versions written set-based, previewed, rolled back.

A key is award × 費目 × organization × payment date × 証憑番号 (evidence); its current version is
the latest one (view `expenditures`), and a version with a NULL amount withdraws the key (what a
rollback writes when nothing came before). Batches share `import_batches` with KPI files, as
kind 'expenditures'.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

import duckdb
import pandas as pd

from kpi.storage.actuals import WriteCounts
from kpi.storage.audit import write_audit
from kpi.storage.batches import RollbackCounts, insert_batch

KIND = "expenditures"  # import_batches.kind of an expenditure file
KEY = ["award_number", "category_code", "organization_code", "paid_on", "evidence"]
# Column contract of the incoming frame: the key, the amount in whole yen, the description (None
# or '' keeps the current one: a file without descriptions does not blank them).
INCOMING_COLUMNS = [*KEY, "amount", "description"]
CLOSED_STAGES = ("rejected", "withdrawn")  # awards no expenditure can be recorded against


class ExpenditureFacts(TypedDict):
    """What an expenditure file is validated against, read once per file."""

    organizations: frozenset[str]
    awards: dict[str, tuple[str, str]]  # award_number → (project_code, stage), current versions
    partners: frozenset[tuple[str, str]]  # (project_code, organization_code) of awards' projects
    categories: list[dict[str, Any]]  # category_code, name_ja, name_en, sort_order, in order


def expenditure_facts(cursor: duckdb.DuckDBPyConnection) -> ExpenditureFacts:
    organizations = cursor.execute("SELECT organization_code FROM organizations").fetchall()
    awards = cursor.execute("SELECT award_number, project_code, stage FROM awards").fetchall()
    partners = cursor.execute(
        "SELECT DISTINCT p.project_code, p.organization_code FROM partners p"
        " JOIN awards a ON a.project_code = p.project_code"
    ).fetchall()
    categories = cursor.execute(
        "SELECT category_code, name_ja, name_en, sort_order FROM funding_categories ORDER BY sort_order"
    ).fetchall()
    return ExpenditureFacts(
        organizations=frozenset(o for (o,) in organizations),
        awards={number: (project, stage) for number, project, stage in awards},
        partners=frozenset((p, o) for p, o in partners),
        categories=[
            {"category_code": c, "name_ja": ja, "name_en": en, "sort_order": int(order)}
            for c, ja, en, order in categories
        ],
    )


def organization_awards(cursor: duckdb.DuckDBPyConnection, organization_code: str) -> list[str]:
    """The award numbers of the projects the organization takes part in, open ones only (not
    rejected or withdrawn), by project and number: the rows of its expenditure template."""
    rows = cursor.execute(
        "SELECT a.award_number FROM awards a"
        " JOIN partners p ON p.project_code = a.project_code AND p.organization_code = ?"
        " WHERE a.stage NOT IN (?, ?) ORDER BY a.project_code, a.award_number",
        [organization_code, *CLOSED_STAGES],
    ).fetchall()
    return [str(number) for (number,) in rows]


# The incoming rows against the current versions: inserted (no current version), unchanged (same
# amount, and the description too when one is given), else updated.
_CLASSIFY = """
CREATE OR REPLACE TEMP TABLE _expenditure_incoming AS
SELECT i.award_number, i.category_code, i.organization_code, i.paid_on, i.evidence, i.amount,
       coalesce(i.description, c.description, '') AS description,
       c.amount AS current_amount, c.version_id AS current_version,
       CASE WHEN c.version_id IS NULL THEN 'inserted'
            WHEN c.amount = i.amount AND (i.description IS NULL OR i.description = c.description)
            THEN 'unchanged' ELSE 'updated' END AS change
FROM (SELECT CAST(award_number AS VARCHAR) AS award_number, CAST(category_code AS VARCHAR) AS category_code,
             CAST(organization_code AS VARCHAR) AS organization_code, CAST(paid_on AS DATE) AS paid_on,
             CAST(evidence AS VARCHAR) AS evidence, CAST(amount AS BIGINT) AS amount,
             nullif(trim(coalesce(CAST(description AS VARCHAR), '')), '') AS description
      FROM _expenditure_frame) i
LEFT JOIN expenditures c
  ON c.award_number = i.award_number AND c.category_code = i.category_code
 AND c.organization_code = i.organization_code AND c.paid_on = i.paid_on AND c.evidence = i.evidence
"""
_COUNTS = """
SELECT count(*) FILTER (WHERE change = 'inserted'), count(*) FILTER (WHERE change = 'updated'),
       count(*) FILTER (WHERE change = 'unchanged')
FROM _expenditure_incoming
"""
_CHANGES = """
SELECT award_number, category_code, organization_code, paid_on, evidence, current_amount, amount,
       description, change
FROM _expenditure_incoming WHERE change <> 'unchanged'
ORDER BY award_number, paid_on, category_code, evidence
"""
_APPEND = """
INSERT INTO expenditure_versions (award_number, category_code, organization_code, paid_on, evidence,
                                  amount, description, recorded_by, recorded_at, source, batch_id)
SELECT award_number, category_code, organization_code, paid_on, evidence, amount, description,
       $actor, $now, 'import', $batch_id
FROM _expenditure_incoming WHERE change IN ('inserted', 'updated')
ORDER BY award_number, category_code, organization_code, paid_on, evidence
"""


def _frame(rows: pd.DataFrame) -> pd.DataFrame:
    frame = rows[INCOMING_COLUMNS].astype(object)
    return frame.where(frame.notna(), None)


def _classify(cursor: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> WriteCounts:
    cursor.register("_expenditure_frame", _frame(rows))
    try:
        cursor.execute(_CLASSIFY)
    finally:
        cursor.unregister("_expenditure_frame")
    inserted, updated, unchanged = cursor.execute(_COUNTS).fetchall()[0]
    return WriteCounts(int(inserted), int(updated), int(unchanged))


def preview_expenditures(
    cursor: duckdb.DuckDBPyConnection, rows: pd.DataFrame
) -> tuple[WriteCounts, pd.DataFrame]:
    """What writing `rows` (INCOMING_COLUMNS) would do: the counts, and the rows that would change
    with their current amount (None for a new key) and `change` ('inserted' or 'updated')."""
    counts = _classify(cursor, rows)
    changes = cursor.execute(_CHANGES).df()
    cursor.execute("DROP TABLE _expenditure_incoming")
    return counts, changes


def write_expenditure_batch(
    cursor: duckdb.DuckDBPyConnection, rows: pd.DataFrame, batch: dict[str, Any], *, actor: str, now: datetime
) -> WriteCounts:
    """One uploaded file, inside the caller's transaction: a new version for each new or changed
    key (one INSERT … SELECT), the batch row (kind 'expenditures') with the counts, and its audit
    row. `batch` holds batch_id, file_name, sha256, organization_code and rows (the file's)."""
    counts = _classify(cursor, rows)
    cursor.execute(_APPEND, {"actor": actor, "now": now, "batch_id": batch["batch_id"]})
    cursor.execute("DROP TABLE _expenditure_incoming")
    record = batch | {
        "uploaded_by": actor,
        "uploaded_at": now,
        "inserted": counts.inserted,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "outcome": "imported",
        "kind": KIND,
    }
    insert_batch(cursor, record)
    write_audit(
        cursor,
        actor=actor,
        action="import",
        entity="import_batches",
        entity_key=str(batch["batch_id"]),
        after=record,
        at=now,
    )
    return counts


# A version "in effect": a rollback's version stands for the version it put back (restored_version).
# For each of the batch's versions: whether it is still the one in effect on its key (a key changed
# again since is left as it is), and the version in effect just before it, which is put back.
_ROLLBACK_PLAN = """
CREATE OR REPLACE TEMP TABLE _expenditure_rollback AS
WITH keyed AS (
    SELECT v.id, v.batch_id, v.award_number, v.category_code, v.organization_code, v.paid_on, v.evidence,
           CASE WHEN v.source = 'rollback' THEN v.restored_version ELSE v.id END AS in_effect
    FROM expenditure_versions v
    SEMI JOIN (SELECT award_number, category_code, organization_code, paid_on, evidence
               FROM expenditure_versions WHERE batch_id = $batch_id) b
      ON b.award_number = v.award_number AND b.category_code = v.category_code
     AND b.organization_code = v.organization_code AND b.paid_on = v.paid_on AND b.evidence = v.evidence
), ordered AS (
    SELECT *, lag(in_effect) OVER keys AS before_it,
           last(in_effect) OVER (keys ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
               AS now_in_effect
    FROM keyed
    WINDOW keys AS (PARTITION BY award_number, category_code, organization_code, paid_on, evidence
                    ORDER BY id)
)
SELECT award_number, category_code, organization_code, paid_on, evidence, before_it AS previous_version,
       coalesce(now_in_effect = id, false) AS still_current
FROM ordered WHERE batch_id = $batch_id
"""
_ROLLBACK_APPEND = """
INSERT INTO expenditure_versions (award_number, category_code, organization_code, paid_on, evidence,
                                  amount, description, recorded_by, recorded_at, source, batch_id,
                                  restored_version)
SELECT r.award_number, r.category_code, r.organization_code, r.paid_on, r.evidence, p.amount,
       coalesce(p.description, ''), $actor, $now, 'rollback', NULL, p.id
FROM _expenditure_rollback r LEFT JOIN expenditure_versions p ON p.id = r.previous_version
WHERE r.still_current
ORDER BY r.award_number, r.category_code, r.organization_code, r.paid_on, r.evidence
"""


def rollback_expenditure_batch(
    cursor: duckdb.DuckDBPyConnection, batch_id: int, *, actor: str, now: datetime
) -> RollbackCounts:
    """Supersede an expenditure batch's versions that are still in effect with the version in effect
    before each (a NULL amount, withdrawing the key, when there was none), in one INSERT … SELECT;
    call inside a transaction. Keys changed again since the batch are left as they are. Audited."""
    cursor.execute(_ROLLBACK_PLAN, {"batch_id": batch_id})
    restored, skipped = cursor.execute(
        "SELECT count(*) FILTER (WHERE still_current), count(*) FILTER (WHERE NOT still_current)"
        " FROM _expenditure_rollback"
    ).fetchall()[0]
    cursor.execute(_ROLLBACK_APPEND, {"actor": actor, "now": now})
    cursor.execute("DROP TABLE _expenditure_rollback")
    cursor.execute(
        "UPDATE import_batches SET rolled_back_by = ?, rolled_back_at = ? WHERE batch_id = ?",
        [actor, now, batch_id],
    )
    result = RollbackCounts(restored=int(restored), skipped=int(skipped))
    write_audit(
        cursor,
        actor=actor,
        action="rollback_batch",
        entity="import_batches",
        entity_key=str(batch_id),
        before={"rolled_back": False},
        after={"rolled_back": True, "kind": KIND, "restored": result.restored, "skipped": result.skipped},
        at=now,
    )
    return result
