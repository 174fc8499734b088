"""Set-based loading of a whole portfolio (kpi/demo/portfolio.py) into a freshly migrated database.

Each frame is registered with DuckDB and inserted with one `INSERT INTO ... SELECT` whose text
is a constant: no value is ever formatted into SQL. Actual versions take their ids from the
sequence, handed out in the order the values were recorded, so "highest id" keeps meaning
"most recently recorded"; `actual_current` then gets the highest version of each key.
"""

from __future__ import annotations

from typing import Protocol

import duckdb
import numpy as np
import pandas as pd

from kpi.storage.audit import write_audit
from kpi.storage.periods import rebuild_periods


class Portfolio(Protocol):
    """What load_portfolio reads of kpi.demo.portfolio.Portfolio: its frames (storage imports
    nothing from the demo)."""

    @property
    def organizations(self) -> pd.DataFrame: ...
    @property
    def projects(self) -> pd.DataFrame: ...
    @property
    def partners(self) -> pd.DataFrame: ...
    @property
    def kpis(self) -> pd.DataFrame: ...
    @property
    def targets(self) -> pd.DataFrame: ...
    @property
    def actuals(self) -> pd.DataFrame: ...
    @property
    def target_points(self) -> pd.DataFrame: ...


ACTION = "load_demo"
_FRAME = "_bulk_frame"

_INSERT_ORGANIZATIONS = """
INSERT INTO organizations (organization_code, name_ja, name_en, sector, prefecture)
SELECT organization_code, name_ja, name_en, sector, prefecture FROM _bulk_frame
"""
_INSERT_PROJECTS = """
INSERT INTO projects (project_code, name_ja, name_en, field, prefecture, phase, start_date,
                      end_date, lead_organization_code)
SELECT project_code, name_ja, name_en, field, prefecture, phase, CAST(start_date AS DATE),
       CAST(end_date AS DATE), lead_organization_code
FROM _bulk_frame
"""
_INSERT_PARTNERS = """
INSERT INTO partners (project_code, organization_code, role)
SELECT project_code, organization_code, coalesce(role, '') FROM _bulk_frame
"""
_INSERT_KPIS = """
INSERT INTO kpi_definitions (kpi_code, name_ja, name_en, unit_ja, unit_en, direction,
                             accumulation, combine, allow_negative, builtin, achievement, frequency)
SELECT kpi_code, name_ja, name_en, unit_ja, unit_en, direction, accumulation, combine,
       CAST(allow_negative AS BOOLEAN), CAST(builtin AS BOOLEAN), achievement, frequency
FROM _bulk_frame
"""
# A target version's points come from the second frame, one row per point, as one sorted list.
_INSERT_TARGETS = """
INSERT INTO target_versions (project_code, kpi_code, version, baseline_value, baseline_date,
                             points, reason, recorded_by, recorded_at)
SELECT t.project_code, t.kpi_code, CAST(t.version AS INTEGER), CAST(t.baseline_value AS DOUBLE),
       CAST(t.baseline_date AS DATE), coalesce(pt.points, []), coalesce(t.reason, ''), t.recorded_by,
       CAST(t.recorded_at AS TIMESTAMP)
FROM _bulk_frame t
LEFT JOIN (
    SELECT project_code, kpi_code, CAST(version AS INTEGER) AS version,
           list_sort(list(struct_pack(day := CAST(day AS DATE), value := CAST(value AS DOUBLE),
                                      horizon := CAST(horizon AS VARCHAR)))) AS points
    FROM _bulk_points GROUP BY ALL
) pt ON pt.project_code = t.project_code AND pt.kpi_code = t.kpi_code
    AND pt.version = CAST(t.version AS INTEGER)
ORDER BY t.recorded_at, t.project_code, t.kpi_code, t.version
"""
# Ids: as many values as there are rows, drawn from the sequence, matched in order to the rows
# ordered by when they were recorded (ties: their order in the frame).
_DRAW_IDS = """
CREATE OR REPLACE TEMP TABLE _bulk_ids AS
SELECT row_number() OVER (ORDER BY id) AS rn, id
FROM (SELECT nextval('actual_version_id') AS id FROM range($n))
"""
_INSERT_ACTUALS = """
INSERT INTO actual_versions (id, project_code, kpi_code, period_end, organization_code, value,
                             note, recorded_by, recorded_at, source, batch_id)
SELECT i.id, f.project_code, f.kpi_code, CAST(f.period_end AS DATE), f.organization_code,
       CAST(f.value AS DOUBLE), coalesce(f.note, ''), f.recorded_by,
       CAST(f.recorded_at AS TIMESTAMP), f.source, NULL
FROM _bulk_frame f JOIN _bulk_ids i ON i.rn = f._rn
"""
_FILL_CURRENT = """
INSERT INTO actual_current (project_code, kpi_code, period_end, organization_code, value,
                            version_id)
SELECT project_code, kpi_code, period_end, organization_code, value, version_id
FROM (SELECT project_code, kpi_code, period_end, organization_code,
             arg_max_null(value, id) AS value, max(id) AS version_id
      FROM actual_versions
      GROUP BY project_code, kpi_code, period_end, organization_code)
WHERE value IS NOT NULL
"""


class DatabaseNotEmpty(RuntimeError):
    """load_portfolio was called on a database that already holds a registry or data."""


def _count(cursor: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = cursor.execute(sql).fetchall()  # fetch everything: DuckDB 2 refuses unfinished results
    return int(rows[0][0]) if rows else 0


def _require_empty(cursor: duckdb.DuckDBPyConnection) -> None:
    checks = {
        "organizations": "SELECT count(*) FROM organizations",
        "projects": "SELECT count(*) FROM projects",
        "partners": "SELECT count(*) FROM partners",
        "kpi_definitions": "SELECT count(*) FROM kpi_definitions WHERE NOT builtin",
        "target_versions": "SELECT count(*) FROM target_versions",
        "actual_versions": "SELECT count(*) FROM actual_versions",
        "actual_note_revisions": "SELECT count(*) FROM actual_note_revisions",  # they point at versions
    }
    filled = [table for table, sql in checks.items() if _count(cursor, sql)]
    if filled:
        raise DatabaseNotEmpty(f"cannot load a portfolio: already holds {', '.join(filled)}")


def _insert(cursor: duckdb.DuckDBPyConnection, sql: str, frame: pd.DataFrame) -> int:
    if frame.empty:
        return 0
    cursor.register(_FRAME, frame)
    cursor.execute(sql)  # no `finally`: after a failure DuckDB refuses even unregister()
    cursor.unregister(_FRAME)
    return len(frame)


def _insert_targets(cursor: duckdb.DuckDBPyConnection, targets: pd.DataFrame, points: pd.DataFrame) -> int:
    cursor.register("_bulk_points", points)
    n = _insert(cursor, _INSERT_TARGETS, targets)
    cursor.unregister("_bulk_points")
    return n


def _insert_actuals(cursor: duckdb.DuckDBPyConnection, actuals: pd.DataFrame) -> int:
    n = len(actuals)
    if n == 0:
        return 0
    recorded = actuals["recorded_at"].to_numpy(dtype="datetime64[ns]")
    order = np.argsort(recorded, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1, dtype=np.int64)
    frame = actuals.assign(_rn=rank)
    cursor.execute(_DRAW_IDS, {"n": n})
    _insert(cursor, _INSERT_ACTUALS, frame)
    cursor.execute("DROP TABLE _bulk_ids")  # on failure the rollback removes it
    cursor.execute(_FILL_CURRENT)
    rebuild_periods(cursor)
    return n


def load_portfolio(cursor: duckdb.DuckDBPyConnection, portfolio: Portfolio, *, actor: str) -> None:
    """Load every frame of `portfolio` into a freshly migrated database; call in a transaction.

    Writes one audit row per table (action "load_demo", after = {"rows": n}). Raises
    DatabaseNotEmpty if the registry or the data tables already hold rows.
    """
    _require_empty(cursor)
    counts = {
        "organizations": _insert(cursor, _INSERT_ORGANIZATIONS, portfolio.organizations),
        "projects": _insert(cursor, _INSERT_PROJECTS, portfolio.projects),
        "partners": _insert(cursor, _INSERT_PARTNERS, portfolio.partners),
        "kpi_definitions": _insert(cursor, _INSERT_KPIS, portfolio.kpis),
        "target_versions": _insert_targets(cursor, portfolio.targets, portfolio.target_points),
        "actual_versions": _insert_actuals(cursor, portfolio.actuals),
    }
    counts["actual_current"] = _count(cursor, "SELECT count(*) FROM actual_current")
    for table, rows in counts.items():
        write_audit(cursor, actor=actor, action=ACTION, entity=table, entity_key="*",
                    after={"rows": rows})  # fmt: skip
