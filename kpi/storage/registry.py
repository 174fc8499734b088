"""Organizations, projects, partners, KPI definitions, target versions and settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from kpi.model import Settings
from kpi.storage.audit import AuditEntry, write_audit, write_audit_entries

# Whitelisted tables and their key columns; identifiers are never taken from input.
REGISTRY_TABLES: dict[str, tuple[str, ...]] = {
    "organizations": ("organization_code",),
    "projects": ("project_code",),
    "partners": ("project_code", "organization_code"),
    "kpi_definitions": ("kpi_code",),
    # Funding (SPEC section 7, migration 0013): what `funding setup` loads like the registry.
    "funding_categories": ("category_code",),
    "programmes": ("programme_code",),
    "programme_categories": ("programme_code", "category_code"),
    "funding_calls": ("programme_code", "fiscal_year", "round"),
    "award_kpis": ("award_number", "kpi_code"),
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


def _schema(cursor: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name → type of a whitelisted table, from DuckDB itself (never from input)."""
    return {row[0]: row[1] for row in cursor.execute("DESCRIBE " + table).fetchall()}


def _object_frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows as a frame whose gaps stay None (not NaN) and whose order is kept in `_n`."""
    data: dict[str, Any] = {"_n": range(len(rows))}
    data.update({c: pd.Series([r.get(c) for r in rows], dtype=object) for c in columns})
    return pd.DataFrame(data)


def _insert_frame(
    cursor: duckdb.DuckDBPyConnection, table: str, types: dict[str, str], rows: list[dict[str, Any]]
) -> None:
    columns = list(rows[0])
    casts = ", ".join(f"CAST({c} AS {types[c]})" for c in columns)
    cursor.register("_upsert_frame", _object_frame(rows, columns))
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {casts} FROM _upsert_frame ORDER BY _n"
    )
    cursor.unregister("_upsert_frame")


def _update_frame(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    types: dict[str, str],
    keys: tuple[str, ...],
    rows: list[dict[str, Any]],
) -> None:
    columns = list(rows[0])
    sets = ", ".join(f"{c} = CAST(f.{c} AS {types[c]})" for c in columns if c not in keys)
    match = " AND ".join(f"{table}.{k} = CAST(f.{k} AS {types[k]})" for k in keys)
    cursor.register("_upsert_frame", _object_frame(rows, columns))
    cursor.execute(f"UPDATE {table} SET {sets} FROM _upsert_frame f WHERE {match}")
    cursor.unregister("_upsert_frame")


def upsert_rows(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[dict[str, Any]],
    *,
    actor: str,
    now: datetime,
) -> tuple[int, int, int]:
    """Insert new rows, update changed ones, leave equal ones; audit each change.

    Set-based: the table is read once, compared here, and written with one INSERT … SELECT and one
    UPDATE … FROM per set of columns given, the audit rows as one set. Returns (inserted, updated,
    unchanged). Identifiers: the table from the whitelist, columns and types from its own schema.
    """
    keys = REGISTRY_TABLES[table]
    types = _schema(cursor, table)
    columns = list(types)
    existing = {
        tuple(found[columns.index(k)] for k in keys): dict(zip(columns, found, strict=True))
        for found in cursor.execute("SELECT * FROM " + table).fetchall()
    }
    inserts: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    entries: list[AuditEntry] = []
    seen: set[tuple[Any, ...]] = set()
    unchanged = 0
    for row in rows:
        full = {c: row.get(c) for c in columns if c in row}
        key_values = tuple(row[k] for k in keys)
        if key_values in seen:
            raise ValueError(f"{table}: {key_values} given twice in one write")
        seen.add(key_values)
        entity_key = "/".join(str(v) for v in key_values)
        before = existing.get(key_values)
        if before is None:
            inserts.setdefault(tuple(full), []).append(full)
            entries.append(AuditEntry("create", table, entity_key, after=full))
            continue
        changes = {c: v for c, v in full.items() if c not in keys and before.get(c) != v}
        if not changes:
            unchanged += 1
            continue
        updates.setdefault(tuple(full), []).append(full)
        entries.append(
            AuditEntry("update", table, entity_key, before={c: before[c] for c in changes}, after=changes)
        )
    for group in inserts.values():
        _insert_frame(cursor, table, types, group)
    for group in updates.values():
        _update_frame(cursor, table, types, keys, group)
    write_audit_entries(cursor, entries, actor=actor, at=now)
    inserted = sum(len(g) for g in inserts.values())
    return inserted, sum(len(g) for g in updates.values()), unchanged


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


_TARGET_KEYS = "_target_keys"
# The current version of each project × KPI named in _target_keys (none for a new set).
_CURRENT_OF_KEYS = f"""
SELECT {", ".join("v." + c for c in TARGET_VERSION_COLUMNS)}
FROM target_versions v JOIN _target_keys k USING (project_code, kpi_code)
QUALIFY row_number() OVER (PARTITION BY v.project_code, v.kpi_code ORDER BY v.version DESC) = 1
"""
_INSERT_TARGET_VERSIONS = """
INSERT INTO target_versions (project_code, kpi_code, version, baseline_value, baseline_date, points,
                             reason, recorded_by, recorded_at)
SELECT t.project_code, t.kpi_code, CAST(t.version AS INTEGER), CAST(t.baseline_value AS DOUBLE),
       CAST(t.baseline_date AS DATE), coalesce(p.points, []), CAST(t.reason AS VARCHAR), $actor,
       CAST($at AS TIMESTAMP)
FROM _target_keys t
LEFT JOIN (
    SELECT _n, list(struct_pack(day := CAST(day AS DATE), value := CAST(value AS DOUBLE),
                                horizon := CAST(horizon AS VARCHAR)) ORDER BY _i) AS points
    FROM _target_points GROUP BY _n
) p USING (_n)
ORDER BY t._n
"""


def append_target_versions(
    cursor: duckdb.DuckDBPyConnection, targets: list[dict[str, Any]], *, actor: str, now: datetime
) -> list[int]:
    """Record a new version of each target set (its next version number) and audit each, as one
    INSERT … SELECT and one set of audit rows. Returns the versions, in the order given."""
    if not targets:
        return []
    keys = _object_frame(targets, ["project_code", "kpi_code", "baseline_value", "baseline_date", "reason"])
    cursor.register(_TARGET_KEYS, keys)
    names = TARGET_VERSION_COLUMNS
    current = {
        (row[0], row[1]): dict(zip(names, row, strict=True))
        for row in cursor.execute(_CURRENT_OF_KEYS).fetchall()
    }
    values = []
    for target in targets:
        before = current.get((target["project_code"], target["kpi_code"]))
        version = (before["version"] if before else 0) + 1
        points = sorted_points(target.get("points") or [])
        values.append(
            {**target, "points": points, "version": version, "recorded_by": actor, "recorded_at": now}
        )
    keys["version"] = pd.Series([v["version"] for v in values], dtype=object)
    points_rows = [
        {"_n": n, "_i": i, **point}
        for n, value in enumerate(values)
        for i, point in enumerate(value["points"])
    ]
    points_frame = pd.DataFrame(
        {
            c: pd.Series([p[c] for p in points_rows], dtype=object)
            for c in ("_n", "_i", "day", "value", "horizon")
        }
    )
    cursor.register(_TARGET_KEYS, keys)
    cursor.register("_target_points", points_frame)
    cursor.execute(_INSERT_TARGET_VERSIONS, {"actor": actor, "at": now})
    cursor.unregister("_target_points")
    cursor.unregister(_TARGET_KEYS)
    entries = []
    for value in values:
        before = current.get((value["project_code"], value["kpi_code"]))
        action = "revise_target" if before else "set_target"
        entity_key = f"{value['project_code']}/{value['kpi_code']}"
        entries.append(AuditEntry(action, "targets", entity_key, before=before, after=value))
    write_audit_entries(cursor, entries, actor=actor, at=now)
    return [v["version"] for v in values]


def append_target_version(
    cursor: duckdb.DuckDBPyConnection, target: dict[str, Any], *, actor: str, now: datetime
) -> int:
    """Record a new version of one target set (the next version number); audit it. Returns it."""
    return append_target_versions(cursor, [target], actor=actor, now=now)[0]


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
# agreement_alert_days, review_cadence_months, quiet_months: partnerships (migration 0014)
# reminder_repeat_days, backup_keep: operations (migration 0015)
_SETTING_KEYS = set(Settings.__dataclass_fields__) | {
    "reminder_grace_days",
    "demo",
    "agreement_alert_days",
    "review_cadence_months",
    "quiet_months",
    "reminder_repeat_days",
    "backup_keep",
}


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
