"""Per-project write locks for many writers (PostgreSQL).

Two partners of one project importing at the same moment both classify their rows against the same
current values and both add the project × KPI's period totals: under PostgreSQL's READ COMMITTED
the later one then fails on a unique key, or counts a value twice. A transaction-scoped advisory
lock per project, taken before anything is read, puts such writes one after the other (different
projects still write side by side). Locks are taken in code order, so two writers never wait on
each other in a circle.

On DuckDB one process writes the file, but its sessions are threads, and two appends of "version
N + 1" do not conflict there either: the same keys are locked in the process (a lock per key, held
by the thread until its `Database.transaction()` ends: `held_until_the_end`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import duckdb

# The lock's first key: this product's project locks (the second key is the project code's hash).
PROJECT_LOCK_SPACE = 7_150_002


# What a lock is on → its first key. A stale-save check ("the version the form showed is still the
# current one") holds its entity's lock from that read to its write: versions are appended rows, so
# there is no row to SELECT … FOR UPDATE before the first one, and DuckDB has no FOR UPDATE.
LOCK_SPACES = {
    "project": PROJECT_LOCK_SPACE,
    "agreement": 7_150_003,
    "meeting": 7_150_004,
    "award": 7_150_005,
    "organization": 7_150_006,
}


def lock_projects(cursor: duckdb.DuckDBPyConnection, project_codes: Iterable[str]) -> None:
    """Hold each project's write lock until the transaction ends (PostgreSQL; nothing on DuckDB)."""
    lock_keys(cursor, "project", project_codes)


def lock_keys(cursor: duckdb.DuckDBPyConnection, kind: str, keys: Iterable[str | None]) -> None:
    """Hold the write lock of each `kind` (LOCK_SPACES) key until the transaction ends."""
    space = LOCK_SPACES[kind]  # a KeyError for any other kind
    codes = sorted({str(code) for code in keys if code})
    if not codes:
        return
    from kpi.storage.connection import cursor_engine  # (connection.py imports this module)

    if cursor_engine(cursor) == "duckdb":
        _hold_in_process(kind, codes)
    else:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock($space, hashtext(code)))"
            " FROM (SELECT unnest($codes::VARCHAR[]) AS code ORDER BY code)",
            {"space": space, "codes": codes},
        )


_KEY_LOCKS: dict[tuple[str, str], threading.RLock] = {}
_KEY_LOCKS_GUARD = threading.Lock()
_HELD = threading.local()  # the locks this thread's open transaction holds


def _hold_in_process(kind: str, codes: list[str]) -> None:
    held: list[threading.RLock] | None = getattr(_HELD, "locks", None)
    if held is None:
        return  # outside a transaction: nothing would release it
    for code in codes:
        with _KEY_LOCKS_GUARD:
            lock = _KEY_LOCKS.setdefault((kind, code), threading.RLock())
        lock.acquire()
        held.append(lock)


@contextmanager
def held_until_the_end() -> Iterator[None]:
    """Around a DuckDB transaction (BEGIN to COMMIT or ROLLBACK): the key locks it takes are let go
    when it has ended, so the next writer reads what it committed."""
    outer = getattr(_HELD, "locks", None)
    _HELD.locks = []
    try:
        yield
    finally:
        for lock in reversed(_HELD.locks):
            lock.release()
        _HELD.locks = outer
