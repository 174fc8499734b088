"""Organizations, projects, partners, KPI definitions, target versions and settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from kpi.model import Settings
from kpi.storage.audit import write_audit

# Whitelisted tables and their key columns; identifiers are never taken from input.
REGISTRY_TABLES: dict[str, tuple[str, ...]] = {
    "organizations": ("organization_code",),
    "projects": ("project_code",),
    "partners": ("project_code", "organization_code"),
    "kpi_definitions": ("kpi_code",),
}

TARGET_VERSION_COLUMNS = [
    "project_code",
    "kpi_code",
    "version",
    "baseline_value",
    "baseline_date",
    "points",
    "reason",
    "recorded_by",
    "recorded_at",
]


def read_table(cursor: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """A whole registry table (small by nature), ordered by its key."""
    keys = REGISTRY_TABLES[table]  # a KeyError for any name not in the whitelist
    sql = "SELECT * FROM " + table + " ORDER BY " + ", ".join(keys)
    return cursor.execute(sql).df()


def upsert_rows(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[dict[str, Any]],
    *,
    actor: str,
    now: datetime,
) -> tuple[int, int, int]:
    """Insert new rows, update changed ones, leave equal ones; audit each change.

    Returns (inserted, updated, unchanged). Columns come from the whitelisted table's schema.
    """
    # Identifiers: the table from the whitelist, column names from its own schema; values bound.
    keys = REGISTRY_TABLES[table]
    columns = [r[0] for r in cursor.execute("DESCRIBE " + table).fetchall()]
    inserted = updated = unchanged = 0
    key_where = " AND ".join(f"{k} = ?" for k in keys)
    select_sql = "SELECT * FROM " + table + " WHERE " + key_where
    for row in rows:
        full = {c: row.get(c) for c in columns if c in row}
        key_values = [row[k] for k in keys]
        found = cursor.execute(select_sql, key_values).fetchone()
        entity_key = "/".join(str(v) for v in key_values)
        if found is None:
            names = list(full)
            insert_sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            cursor.execute(insert_sql, [full[n] for n in names])
            write_audit(
                cursor, actor=actor, action="create", entity=table, entity_key=entity_key, after=full, at=now
            )
            inserted += 1
            continue
        before = dict(zip(columns, found, strict=True))
        changes = {c: v for c, v in full.items() if c not in keys and before.get(c) != v}
        if not changes:
            unchanged += 1
            continue
        update_sql = f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in changes)} WHERE {key_where}"
        cursor.execute(update_sql, [*changes.values(), *key_values])
        write_audit(
            cursor,
            actor=actor,
            action="update",
            entity=table,
            entity_key=entity_key,
            before={c: before[c] for c in changes},
            after=changes,
            at=now,
        )
        updated += 1
    return inserted, updated, unchanged


def current_targets(cursor: duckdb.DuckDBPyConnection, project_code: str | None = None) -> pd.DataFrame:
    """The highest version of each project x KPI target set. Columns: TARGET_VERSION_COLUMNS."""
    return cursor.execute(
        f"SELECT {', '.join(TARGET_VERSION_COLUMNS)} FROM target_versions"
        " WHERE ?::VARCHAR IS NULL OR project_code = ?::VARCHAR"
        " QUALIFY row_number() OVER (PARTITION BY project_code, kpi_code ORDER BY version DESC) = 1"
        " ORDER BY project_code, kpi_code",
        [project_code, project_code],
    ).df()


def target_history(cursor: duckdb.DuckDBPyConnection, project_code: str) -> pd.DataFrame:
    """Every target version of one project, oldest first. Columns: TARGET_VERSION_COLUMNS."""
    return cursor.execute(
        f"SELECT {', '.join(TARGET_VERSION_COLUMNS)} FROM target_versions WHERE project_code = ?"
        " ORDER BY kpi_code, version",
        [project_code],
    ).df()


def append_target_version(
    cursor: duckdb.DuckDBPyConnection, target: dict[str, Any], *, actor: str, now: datetime
) -> int:
    """Record a new version of a target set (the next version number); audit it. Returns it."""
    row = cursor.execute(
        "SELECT coalesce(max(version), 0) FROM target_versions WHERE project_code = ? AND kpi_code = ?",
        [target["project_code"], target["kpi_code"]],
    ).fetchone()
    previous = int(row[0]) if row else 0
    values = {
        **target,
        "points": sorted_points(target.get("points") or []),
        "version": previous + 1,
        "recorded_by": actor,
        "recorded_at": now,
    }
    names = TARGET_VERSION_COLUMNS
    cursor.execute(
        f"INSERT INTO target_versions ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [values.get(n) for n in names],
    )
    before = None
    if previous:
        before_row = cursor.execute(
            f"SELECT {', '.join(names)} FROM target_versions"
            " WHERE project_code = ? AND kpi_code = ? AND version = ?",
            [target["project_code"], target["kpi_code"], previous],
        ).fetchone()
        before = dict(zip(names, before_row, strict=True)) if before_row else None
    write_audit(
        cursor,
        actor=actor,
        action="revise_target" if previous else "set_target",
        entity="targets",
        entity_key=f"{target['project_code']}/{target['kpi_code']}",
        before=before,
        after=values,
        at=now,
    )
    return previous + 1


def sorted_points(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Target points as stored: {day, value, horizon}, in date order."""
    cleaned = [
        {"day": p["day"], "value": float(p["value"]), "horizon": p.get("horizon") or None} for p in points
    ]
    return sorted(cleaned, key=lambda p: p["day"])


def read_settings(cursor: duckdb.DuckDBPyConnection) -> Settings:
    values = dict(cursor.execute("SELECT key, value FROM settings").fetchall())
    defaults = Settings()
    return Settings(
        on_track_threshold=float(values.get("on_track_threshold", defaults.on_track_threshold)),
        at_risk_threshold=float(values.get("at_risk_threshold", defaults.at_risk_threshold)),
        fiscal_year_start_month=int(values.get("fiscal_year_start_month", defaults.fiscal_year_start_month)),
        import_max_bytes=int(values.get("import_max_bytes", defaults.import_max_bytes)),
        import_max_rows=int(values.get("import_max_rows", defaults.import_max_rows)),
        grade_scheme=str(values.get("grade_scheme", defaults.grade_scheme)),
    )


def write_setting(
    cursor: duckdb.DuckDBPyConnection, key: str, value: str, *, actor: str, now: datetime
) -> None:
    if key not in Settings.__dataclass_fields__ and key not in _SETTING_KEYS:
        raise KeyError(key)
    before = cursor.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    cursor.execute(
        "INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
    write_audit(
        cursor,
        actor=actor,
        action="update",
        entity="settings",
        entity_key=key,
        before=before[0] if before else None,
        after=value,
        at=now,
    )


# reminder_grace_days: kpi/storage/freshness.py; demo: set by `init --demo` (kpi/storage/accounts.py)
_SETTING_KEYS = set(Settings.__dataclass_fields__) | {"reminder_grace_days", "demo"}


def registry_counts(cursor: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many projects, organizations and current reported values the database holds."""
    row = cursor.execute(
        "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM organizations),"
        " (SELECT count(*) FROM actual_current)"
    ).fetchone()
    assert row is not None
    return {"projects": int(row[0]), "organizations": int(row[1]), "actuals": int(row[2])}


def partner_projects(cursor: duckdb.DuckDBPyConnection, organization_code: str) -> pd.DataFrame:
    """Projects an organization takes part in. Columns: project_code, name_ja, name_en, role."""
    return cursor.execute(
        "SELECT p.project_code, p.name_ja, p.name_en, pa.role FROM partners pa"
        " JOIN projects p USING (project_code) WHERE pa.organization_code = ? ORDER BY p.project_code",
        [organization_code],
    ).df()


def targeted_kpis(cursor: duckdb.DuckDBPyConnection, project_codes: list[str]) -> pd.DataFrame:
    """KPI definitions that have a target in any of these projects, in catalog order."""
    return cursor.execute(
        "SELECT * FROM kpi_definitions WHERE kpi_code IN"
        " (SELECT kpi_code FROM target_versions WHERE list_contains(?, project_code))"
        " ORDER BY NOT builtin, kpi_code",
        [project_codes],
    ).df()


def read_term_names(cursor: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(kind, Japanese term) → English name, kind 'field' or 'role' (migration 0011); empty on a
    database not yet migrated to it."""
    try:
        rows = cursor.execute("SELECT kind, name_ja, name_en FROM term_names").fetchall()
    except duckdb.CatalogException:
        return {}
    return {(str(kind), str(ja)): str(en) for kind, ja, en in rows}
