"""Per-project write locks for many writers (PostgreSQL).

Two partners of one project importing at the same moment both classify their rows against the same
current values and both add the project × KPI's period totals: under PostgreSQL's READ COMMITTED
the later one then fails on a unique key, or counts a value twice. A transaction-scoped advisory
lock per project, taken before anything is read, puts such writes one after the other (different
projects still write side by side). Locks are taken in code order, so two writers never wait on
each other in a circle. DuckDB needs none: one process writes its file, and a conflict between two
of its sessions aborts one, which `Database.write` runs again.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

# The lock's first key: this product's project locks (the second key is the project code's hash).
PROJECT_LOCK_SPACE = 7_150_002


def lock_projects(cursor: duckdb.DuckDBPyConnection, project_codes: Iterable[str]) -> None:
    """Hold each project's write lock until the transaction ends (PostgreSQL; nothing on DuckDB)."""
    if getattr(cursor, "engine", "duckdb") != "postgresql":
        return
    codes = sorted({str(code) for code in project_codes})
    if codes:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock($space, hashtext(code)))"
            " FROM (SELECT unnest($codes::VARCHAR[]) AS code ORDER BY code)",
            {"space": PROJECT_LOCK_SPACE, "codes": codes},
        )
