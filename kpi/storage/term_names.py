"""English names of the registry's terms (migration 0011): what the registry uses, and set-based saves.

A project's field and a partner's role are free text in Japanese; term_names keeps one English name
per (kind, Japanese term). A save is three statements over the changed rows, whatever their number:
the audit entries, the deletions (a blank English name) and one INSERT ... ON CONFLICT.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

TERM_KINDS = ("field", "role")
ROW_COLUMNS = ["kind", "name_ja", "name_en", "uses"]
WANTED_COLUMNS = ["kind", "name_ja", "name_en"]

_ROWS = """
WITH used AS (
    SELECT 'field' AS kind, field AS name_ja, count(*) AS uses FROM projects
    WHERE field IS NOT NULL AND trim(field) <> '' GROUP BY field
    UNION ALL
    SELECT 'role', role, count(*) FROM partners  -- 'lead' is the product's own word, named by the catalog
    WHERE role IS NOT NULL AND trim(role) <> '' AND role <> 'lead' GROUP BY role
)
SELECT kind, name_ja, t.name_en, coalesce(u.uses, 0)::BIGINT AS uses
FROM used u FULL OUTER JOIN term_names t USING (kind, name_ja)
ORDER BY kind, name_ja
"""

# The wanted rows against what is stored: only real changes (a NULL English name removes one).
_CHANGES = """
CREATE OR REPLACE TEMP TABLE _term_changes AS
SELECT w.kind, w.name_ja, t.name_en AS before, w.name_en AS after
FROM (SELECT kind::VARCHAR AS kind, name_ja::VARCHAR AS name_ja, name_en::VARCHAR AS name_en
      FROM _term_wanted) w LEFT JOIN term_names t USING (kind, name_ja)
WHERE t.name_en IS DISTINCT FROM w.name_en
"""

# Actions as kpi/storage/registry.upsert_rows and remove_partner write them: create, update, delete.
_AUDIT = """
INSERT INTO audit_log (recorded_at, actor, action, entity, entity_key, before, after)
SELECT $now, $actor,
       CASE WHEN before IS NULL THEN 'create' WHEN after IS NULL THEN 'delete' ELSE 'update' END,
       'term_names', kind || '/' || name_ja,
       CASE WHEN before IS NOT NULL THEN json_object('name_en', before) END,
       CASE WHEN after IS NOT NULL THEN json_object('name_en', after) END
FROM _term_changes ORDER BY kind, name_ja
"""

_DELETE = """
DELETE FROM term_names t USING _term_changes c
WHERE c.after IS NULL AND t.kind = c.kind AND t.name_ja = c.name_ja
"""

_UPSERT = """
INSERT INTO term_names (kind, name_ja, name_en)
SELECT kind, name_ja, after FROM _term_changes WHERE after IS NOT NULL
ON CONFLICT (kind, name_ja) DO UPDATE SET name_en = excluded.name_en
"""


def term_rows(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every field and role the registry uses, and every term with an English name. Columns:
    ROW_COLUMNS (name_en None when missing, uses 0 for a term no project or partner uses now)."""
    frame = cursor.execute(_ROWS).df()
    frame["name_en"] = frame["name_en"].astype(object).where(frame["name_en"].notna(), None)
    frame["uses"] = frame["uses"].astype(int)
    return frame[ROW_COLUMNS]


def write_term_names(
    cursor: duckdb.DuckDBPyConnection, wanted: pd.DataFrame, *, actor: str, now: datetime
) -> int:
    """Make term_names hold `wanted` (kind, name_ja, name_en; name_en None to remove), auditing
    each change. Keys must be unique and kinds in TERM_KINDS (checked by the caller). Returns how
    many terms changed."""
    if wanted.empty:
        return 0
    frame = wanted[WANTED_COLUMNS].astype(object)
    frame = frame.where(frame.notna(), None)
    cursor.register("_term_wanted", frame)
    try:
        cursor.execute(_CHANGES)
    finally:
        cursor.unregister("_term_wanted")
    row = cursor.execute("SELECT count(*) FROM _term_changes").fetchone()
    changed = int(row[0]) if row else 0
    if changed:
        cursor.execute(_AUDIT, {"now": now, "actor": actor})
        cursor.execute(_DELETE)
        cursor.execute(_UPSERT)
    cursor.execute("DROP TABLE _term_changes")
    return changed
