"""Backups' SQL (SPEC section 9): a consistent copy of the open database into a new file, the facts a
manifest records (migrations, rows per table), a backup file read whole, and the live file held still
while a restore swaps it. The files, names, manifests and checks are in kpi/operations/ (backup_files.py,
backups.py, restore.py).

The copy is DuckDB's `COPY FROM DATABASE` inside one transaction of the caller's cursor: MVCC gives it
a snapshot, so readers in other sessions keep reading and writers in other threads are not blocked;
tables, sequences and views are copied, and the rows counted in the same transaction are the copy's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass

import duckdb

from kpi.storage.connection import Database
from kpi.storage.integrity import base_tables, check_tables, quoted, row_count


@dataclass(frozen=True)
class Snapshot:
    """What a copy holds (read in the copy's own transaction), or a backup file read whole."""

    migrations: list[tuple[int, str]]
    row_counts: dict[str, int]

    @property
    def schema_version(self) -> int:
        return max((version for version, _ in self.migrations), default=0)


def _literal(text: str) -> str:
    """A path as an SQL string literal (single quotes doubled): ATTACH takes no bound parameter."""
    return "'" + text.replace("'", "''") + "'"


def table_row_counts(cursor: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of every base table of the current database's main schema, by table name."""
    return {table: row_count(cursor, table) for table in base_tables(cursor)}


def migrations(cursor: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    """(version, name) of every migration the database records, in order; none without the table."""
    present = cursor.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        " AND table_schema = 'main' AND table_catalog = current_database()"
    ).fetchone()
    if not present or not present[0]:
        return []
    rows = cursor.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    return [(int(version), str(name)) for version, name in rows]


def copy_database(cursor: duckdb.DuckDBPyConnection, target_path: str) -> Snapshot:
    """Copy the cursor's database into a new file at `target_path`, in one transaction with the
    migrations and row counts it returns. Nothing is left attached, whatever happens."""
    # Identifiers: an alias of our own making and the catalog's name for this database, quoted; the path
    # as a literal (ATTACH and COPY take no bound parameters).
    alias = f"kpi_backup_{uuid.uuid4().hex[:12]}"  # two copies at once in one process do not collide
    row = cursor.execute("SELECT current_database()").fetchone()
    assert row is not None
    source = quoted(str(row[0]))
    cursor.execute("BEGIN TRANSACTION")
    attached = False
    try:
        cursor.execute(f"ATTACH {_literal(target_path)} AS {alias}")
        attached = True
        cursor.execute(f"COPY FROM DATABASE {source} TO {alias}")
        snapshot = Snapshot(migrations(cursor), table_row_counts(cursor))
        cursor.execute("COMMIT")
    except BaseException:
        cursor.execute("ROLLBACK")
        if attached:
            _detach(cursor, alias)
        raise
    _detach(cursor, alias)
    return snapshot


def _detach(cursor: duckdb.DuckDBPyConnection, alias: str) -> None:
    cursor.execute(f"DETACH DATABASE IF EXISTS {alias}")


def read_backup_file(path: str) -> Snapshot:
    """Open a backup read-only and read every row of every table (DuckDB's block checksums see every
    block). DuckDB's own error when the file is not a database, is damaged or cut short."""
    connection = duckdb.connect(path, read_only=True)
    try:
        cursor = connection.cursor()
        recorded = migrations(cursor)
        rows = check_tables(cursor).rows if recorded else table_row_counts(cursor)
        return Snapshot(recorded, rows)
    finally:
        connection.close()


@contextmanager
def held_still(db: Database) -> Iterator[bool]:
    """Hold the live file (DuckDB's lock, so no other process opens it) with its write-ahead log
    checkpointed into it, while a restore moves it aside. Yields False when the file is missing or
    cannot be opened (damaged): then there is nothing to hold. A busy file raises DatabaseBusy."""
    with ExitStack() as stack:
        cursor = None
        if db.exists():
            try:
                cursor = stack.enter_context(db.cursor())
            except duckdb.Error:  # not a lock (that is DatabaseBusy): a file DuckDB cannot open
                cursor = None
        if cursor is not None:
            # A damaged file may refuse: it is moved aside as it is, with its log.
            with suppress(duckdb.Error):
                cursor.execute("CHECKPOINT")
        yield cursor is not None
