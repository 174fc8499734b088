"""Copying a whole database into another (`python -m kpi migrate-to`): DuckDB → PostgreSQL and back.

The source is read in one snapshot (a DuckDB transaction; REPEATABLE READ on PostgreSQL), table by
table in chunks of rows as DataFrames; each chunk goes into the target set-based, as a registered frame
and one `INSERT … SELECT`, all in ONE transaction of the target: a failure leaves it as it was.

Tables, columns and their types come from a reference schema: the shipped migrations applied to an
in-memory DuckDB. Both databases must be at its version, so its names are both's (and the whitelist
of the identifiers in the SQL built here), and its DuckDB types are the casts that the PostgreSQL
translation (kpi/storage/pg_dialect.py) turns into the target's (structs into composite types).
The rows the migrations themselves insert (settings defaults, built-in KPIs, term names, funding
categories) are "seeds": a target holding only those is empty, and they are replaced by the source's.

Sequences: PostgreSQL's are set with setval(); DuckDB has no setval, so its sequences are drawn
forward with one `SELECT max(nextval(…)) FROM range(n)` until the next value is max(id) + 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from kpi.storage.connection import Database, DatabaseBusy, DatabaseMissing, SchemaTooNew, cursor_engine
from kpi.storage.integrity import base_tables, quoted, row_count

# Every CREATE SEQUENCE of kpi/migrations/*.sql and the column it feeds (tests/test_migrate_to.py
# checks this against the migrations and the columns' defaults).
SEQUENCES: dict[str, tuple[str, str]] = {
    "target_version_id": ("target_versions", "id"),
    "import_batch_id": ("import_batches", "batch_id"),
    "actual_version_id": ("actual_versions", "id"),
    "audit_id": ("audit_log", "id"),
    "actual_note_revision_id": ("actual_note_revisions", "id"),
    "award_version_id": ("award_versions", "id"),
    "budget_version_id": ("budget_versions", "id"),
    "expenditure_version_id": ("expenditure_versions", "id"),
    "payment_version_id": ("payment_versions", "id"),
    "agreement_version_id": ("agreement_versions", "id"),
    "meeting_version_id": ("meeting_versions", "id"),
    "review_cadence_id": ("review_cadence_versions", "id"),
    "phase_exception_id": ("phase_exceptions", "id"),
    "reminder_send_id": ("reminder_sends", "id"),
}
MIGRATIONS_TABLE = "schema_migrations"  # each database keeps its own: not copied
CHUNK_VECTORS = 25  # DuckDB reads in vectors of 2,048 rows: about 50,000 rows per chunk
CHUNK_ROWS = 50_000  # PostgreSQL: rows per page of the source
FRAME = "_kpi_transfer_chunk"


class TransferRefused(Exception):
    """The copy was not made (nothing written to the target). `code` names why, `details` the facts:
    source_older/source_newer {found, needed}, target_newer {found, needed}, not_empty {tables},
    same_database {}, tables_differ {tables}."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


class TargetUnreachable(Exception):
    """The target cannot be opened: a server that does not answer, a file that cannot be made or is
    held by another process."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"{target}: {reason}")
        self.target = target
        self.reason = reason


@dataclass(frozen=True)
class Reference:
    """The schema the shipped migrations make: tables → [(column, DuckDB type)], and the seed rows."""

    version: int
    columns: dict[str, list[tuple[str, str]]]
    seeds: dict[str, frozenset[tuple[Any, ...]]]

    @property
    def tables(self) -> list[str]:
        return [name for name in self.columns if name != MIGRATIONS_TABLE]


@cache
def reference() -> Reference:
    db = Database(":memory:")
    try:
        db.migrate()
        with db.cursor() as cursor:
            version = _version(cursor)
            columns: dict[str, list[tuple[str, str]]] = {}
            for table in base_tables(cursor):
                found = cursor.execute(
                    "SELECT column_name, data_type FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                columns[str(table)] = [(str(name), str(kind)) for name, kind in found]
            seeds = {}
            for table in columns:
                if table != MIGRATIONS_TABLE:
                    rows = frozenset(cursor.execute(f"SELECT * FROM {quoted(table)}").fetchall())
                    if rows:
                        seeds[table] = rows
    finally:
        db.close()
    return Reference(version, columns, seeds)


def _version(cursor: Any) -> int:
    row = cursor.execute(f"SELECT coalesce(max(version), 0) FROM {MIGRATIONS_TABLE}").fetchone()
    return int(row[0]) if row else 0


def _is_duckdb(cursor: Any) -> bool:
    return cursor_engine(cursor) == "duckdb"


def row_counts(cursor: Any, tables: list[str] | None = None) -> dict[str, int]:
    """Rows of each table (by default every table of the reference schema, schema_migrations included)."""
    names = list(reference().columns) if tables is None else tables
    return {table: row_count(cursor, table) for table in names}


def data_tables(cursor: Any) -> dict[str, int]:
    """The tables of the cursor's database that hold rows beyond the migrations' seeds, with how many
    such rows: an empty result is an empty database (one `python -m kpi init` made and nobody used)."""
    ref = reference()
    found = {}
    for table in base_tables(cursor):
        if table == MIGRATIONS_TABLE:
            continue
        extra = row_count(cursor, table)  # (a table of the catalog itself: unknown ones count)
        if extra and table in ref.seeds:
            extra = _beyond_seeds(cursor, table, extra)
        if extra:
            found[table] = extra
    return found


def _beyond_seeds(cursor: Any, table: str, count: int) -> int:
    """Rows of a seed table that are not the migrations' own (a changed seed is data too)."""
    ref = reference()
    names = [name for name, _ in ref.columns[table]]
    found = cursor.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    if [str(name) for (name,) in found] != names:  # an older schema (before migrating): by count
        return max(count - len(ref.seeds[table]), 0)
    rows = cursor.execute(f"SELECT {', '.join(map(quoted, names))} FROM {quoted(table)}").fetchall()
    return sum(1 for row in rows if tuple(row) not in ref.seeds[table])


def check_source(source: Database) -> int:
    """The source's schema version, when it is the shipped one; else TransferRefused (source_older,
    source_newer). A short unit of work: the source file is let go at once."""
    needed = reference().version
    with source.cursor() as cursor:
        tables = set(base_tables(cursor))
        found = _version(cursor) if MIGRATIONS_TABLE in tables else 0
    if found < needed:
        raise TransferRefused("source_older", found=found, needed=needed)
    if found > needed:
        raise TransferRefused("source_newer", found=found, needed=needed)
    return found


def same_database(source: Database, target: Database) -> bool:
    if _url(source) is not None or _url(target) is not None:
        return _url(source) == _url(target)
    with suppress(OSError):
        return Path(source.path).resolve() == Path(target.path).resolve()
    return source.path == target.path


def _url(db: Database) -> str | None:
    return getattr(db, "url", None)  # PostgresDatabase's (with its password; compared, never shown)


def prepare_target(target: Database) -> list[str]:
    """Refuse a target that holds data (before migrating it, which would change it), then migrate it
    (creating a missing file or PostgreSQL database). The migrations applied; TargetUnreachable when it
    cannot be opened, TransferRefused (not_empty, target_newer) when it must not be written."""
    try:
        if target.exists():
            with target.cursor() as cursor:
                found = data_tables(cursor)
            if found:
                raise TransferRefused("not_empty", tables=found)
        return target.migrate()
    except SchemaTooNew as newer:
        raise TransferRefused("target_newer", found=newer.found, needed=newer.supported) from newer
    except (DatabaseBusy, DatabaseMissing, OSError, duckdb.IOException) as error:
        raise TargetUnreachable(target.path, _reason(error)) from error
    except Exception as error:  # psycopg's OperationalError (psycopg is loaded only for PostgreSQL)
        if type(error).__name__ == "OperationalError":
            raise TargetUnreachable(target.path, _reason(error)) from error
        raise


def _reason(error: BaseException) -> str:
    """The server's or the system's own words: a PostgreSQL server that does not answer is raised as
    DatabaseBusy ("in use by another process"), which is not what happened to a target."""
    cause = error.__cause__ if isinstance(error, DatabaseBusy) and error.__cause__ else error
    return " ".join(str(cause).split())


@contextmanager
def snapshot(db: Database) -> Iterator[Any]:
    """A cursor reading one consistent state of `db` for as long as the copy runs."""
    with db.transaction() as cursor:
        if not _is_duckdb(cursor):  # READ COMMITTED would let each table be read at another moment
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield cursor


def copy_database(source: Database, target: Database) -> dict[str, int]:
    """Copy every table of `source` into the empty, migrated `target` in one target transaction; the
    rows copied per table. TransferRefused (nothing written) when either is not as required."""
    ref = reference()
    with snapshot(source) as src, target.transaction() as dst:
        for side, cursor in (("source", src), ("target", dst)):
            found = _version(cursor)
            if found != ref.version:
                code = f"{side}_{'older' if found < ref.version else 'newer'}"
                raise TransferRefused(code, found=found, needed=ref.version)
            tables = set(base_tables(cursor))
            if tables != set(ref.columns):
                raise TransferRefused("tables_differ", tables=sorted(tables ^ set(ref.columns)))
        found_data = data_tables(dst)
        if found_data:
            raise TransferRefused("not_empty", tables=found_data)
        copied = {}
        for table in ref.tables:
            if table in ref.seeds:
                dst.execute(f"DELETE FROM {quoted(table)}")  # the seeds: replaced by the source's
            copied[table] = _copy_table(src, dst, table, ref.columns[table])
        continue_sequences(dst)
    return copied


def _copy_table(src: Any, dst: Any, table: str, columns: list[tuple[str, str]]) -> int:
    names = ", ".join(quoted(name) for name, _ in columns)
    casts = ", ".join(f"CAST({quoted(name)} AS {kind})" for name, kind in columns)
    insert = f"INSERT INTO {quoted(table)} ({names}) SELECT {casts} FROM {FRAME}"
    copied = 0
    try:
        for frame in _chunks(src, f"SELECT {names} FROM {quoted(table)}"):
            dst.register(FRAME, frame)
            dst.execute(insert)
            copied += len(frame)
    finally:
        with suppress(Exception):  # (an aborted PostgreSQL transaction drops it with the rollback)
            dst.unregister(FRAME)
    return copied


def _chunks(cursor: Any, select: str) -> Iterator[pd.DataFrame]:
    """The rows of `select`, a frame of at most about 50,000 at a time."""
    if _is_duckdb(cursor):
        cursor.execute(select)
        while len(frame := cursor.fetch_df_chunk(CHUNK_VECTORS)):
            yield frame
        return
    # PostgreSQL: pages in the order of the rows' places in the snapshot (ctid: unique, and fixed in
    # a REPEATABLE READ transaction), so no row is read twice or missed.
    offset = 0
    while True:
        frame = cursor.execute(f"{select} ORDER BY ctid LIMIT ? OFFSET ?", [CHUNK_ROWS, offset]).df()
        if len(frame):
            yield frame
        if len(frame) < CHUNK_ROWS:
            return
        offset += len(frame)


def continue_sequences(cursor: Any) -> None:
    """Make each sequence's next value the max(id) + 1 of the column it feeds (ids never go back)."""
    for sequence, (table, column) in SEQUENCES.items():
        row = cursor.execute(f"SELECT max({quoted(column)}) FROM {quoted(table)}").fetchone()
        highest = None if row is None or row[0] is None else int(row[0])
        if highest is None:
            continue
        if not _is_duckdb(cursor):
            cursor.execute(f"SELECT setval('{sequence}', ?)", [highest])
            continue
        found = cursor.execute(
            "SELECT coalesce(last_value, 0) FROM duckdb_sequences()"
            " WHERE sequence_name = ? AND database_name = current_database()",
            [sequence],
        ).fetchone()
        behind = highest - (int(found[0]) if found else 0)
        if behind > 0:  # DuckDB has no setval: draw the values the copied rows already use
            cursor.execute(f"SELECT max(nextval('{sequence}')) FROM range(?)", [behind]).fetchall()
