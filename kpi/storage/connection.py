"""Connections, units of work, transactions and migrations.

DuckDB lets one process at a time open a database file for writing, and a connection is not
thread-safe. So: one `Database` object per file and process, which opens the file only while at
least one unit of work is running (short-lived, so the dashboard and the command line can take
turns) and gives each unit of work its own `cursor()`. When another process holds the file,
opening waits with back-off and then raises `DatabaseBusy`, a clear message rather than a
traceback.

A process that waits for the file says so in `<file>.waiting` (its pid, touched while it waits).
Other processes then start no new unit of work until it has got in: without this, a dashboard
whose sessions overlap never lets go of the file, and a nightly import waits in vain. Units of
work already running finish; the file is let go when the last one does.

Only `migrate()` (what `python -m kpi init` runs) or a `Database(path, create=True)` makes a new
file: every other open of a missing file raises `DatabaseMissing`, so a running app whose file was
deleted or moved says so instead of starting an empty database in its place.
"""

from __future__ import annotations

import errno
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TypeVar

import duckdb

from kpi import secrets
from kpi.storage.locks import held_until_the_end

DEFAULT_WAIT_SECONDS = 10.0
HOLD_BACK_SECONDS = 3.0  # the longest a new unit of work makes way for a waiting writer
FRESH_MARK_SECONDS = 2.0  # a waiting mark not touched for this long was left by a process that died
DEFAULT_DB = "data/kpi.duckdb"
WRITE_ATTEMPTS = 8  # a unit of work that meets another session's write is run again this often
T = TypeVar("T")


class DatabaseBusy(RuntimeError):
    """Another process holds the database file for longer than we are willing to wait."""

    def __init__(self, path: str, waited: float) -> None:
        super().__init__(f"database {path} is in use by another process (waited {waited:.0f} s)")
        self.path = path
        self.waited = waited


class DatabaseUnreachable(DatabaseBusy):
    """The database server (PostgreSQL) did not answer: down, or a wrong host, port or password."""

    def __init__(self, path: str, waited: float, reason: str) -> None:
        super().__init__(path, waited)
        self.args = (f"database server for {path} did not answer: {reason}",)
        self.reason = reason


class WriteConflict(DatabaseBusy):
    """Another session of this process kept changing the same rows while we retried."""

    def __init__(self, path: str, attempts: int, waited: float) -> None:
        super().__init__(path, waited)
        self.attempts = attempts


class DatabaseMissing(FileNotFoundError):
    """The database file does not exist and the caller did not ask to create it."""

    def __init__(self, path: str) -> None:
        super().__init__(path)  # args[0] is the path: the messages quote it
        self.path = path


class SchemaTooNew(RuntimeError):
    """The file was made or migrated by a newer version of the product: this one would misread it, so
    it is neither migrated backwards nor read at all."""

    def __init__(self, path: str, found: int, supported: int) -> None:
        super().__init__(f"database {path} has schema {found}; this version reads up to {supported}")
        self.path = path
        self.found = found
        self.supported = supported


def _is_lock_error(error: duckdb.Error) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def is_write_conflict(error: BaseException) -> bool:
    """DuckDB's optimistic concurrency: two transactions changed the same row ("Conflict on update!",
    "Conflict on tuple deletion!"); the later one is aborted and may simply run again."""
    return isinstance(error, duckdb.TransactionException) and "conflict" in str(error).lower()


# What DuckDB says when the file's disk refuses a write (an IOException, or a TransactionException
# at COMMIT when the write-ahead log cannot grow).
_DISK_FULL_TEXTS = ("no space left on device", "disk quota exceeded")


def is_disk_full(error: BaseException) -> bool:
    """The database's disk is full (or over quota): reads still work, writes cannot."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(error, duckdb.Error) and any(text in str(error).lower() for text in _DISK_FULL_TEXTS)


def cursor_engine(cursor: object) -> str:
    """The engine a cursor belongs to: "duckdb", unless it says otherwise (PgCursor: "postgresql")."""
    return str(getattr(cursor, "engine", "duckdb"))


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped in kpi/migrations, in order."""
    folder = resources.files("kpi") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            found.append((int(entry.name[:4]), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def database_path(explicit: str | None = None) -> str:
    """--db, else $KPI_DB, else the secrets file's [database] url (a postgresql:// URL keeps its
    password out of the environment), else data/kpi.duckdb."""
    return explicit or os.environ.get("KPI_DB") or secrets.database_url() or DEFAULT_DB


class _WaitingMark:
    """`<file>.waiting`: which process (if any) is waiting for the file. Best effort: a folder
    that cannot be written only loses the courtesy, never the database."""

    def __init__(self, path: str) -> None:
        self.path = path + ".waiting"
        self.pid = str(os.getpid())

    def announce(self) -> None:
        try:
            with open(self.path, "w", encoding="ascii") as mark:
                mark.write(self.pid)
        except OSError:
            pass

    def withdraw(self) -> None:
        try:
            with open(self.path, encoding="ascii") as mark:
                if mark.read() == self.pid:
                    os.remove(self.path)
        except OSError:
            pass

    def other_waiting(self) -> bool:
        """Another live process waits (a stat when nobody does: cheap enough for every unit)."""
        try:
            if time.time() - os.stat(self.path).st_mtime > FRESH_MARK_SECONDS:
                return False
            with open(self.path, encoding="ascii") as mark:
                return mark.read() not in ("", self.pid)
        except OSError:
            return False


class Database:
    """One DuckDB database file (or an in-memory database when path is ':memory:')."""

    configured_path = staticmethod(database_path)  # where the command line and the dashboard open
    engine = "duckdb"  # PostgresDatabase: "postgresql"

    def __new__(cls, path: str | Path, **_: object) -> Database:
        """A `postgresql://` URL opens the PostgreSQL engine (kpi/storage/pg_engine.py) instead."""
        if cls is Database and str(path).startswith(("postgresql://", "postgres://")):
            from kpi.storage.pg_engine import PostgresDatabase  # psycopg loads only for PostgreSQL

            return super().__new__(PostgresDatabase)
        return super().__new__(cls)

    def __init__(self, path: str | Path, *, wait_seconds: float | None = None, create: bool = False) -> None:
        """`create`: this object may make the file when it is missing (else only migrate() may)."""
        self.path = str(path)
        self.create = create
        if wait_seconds is None:
            wait_seconds = float(os.environ.get("KPI_DB_WAIT", DEFAULT_WAIT_SECONDS))
        self.wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        # An in-memory database lives only as long as its connection: keep it open.
        self._keep_open = self.path == ":memory:"
        self._migrated = False
        self._mark = None if self.path == ":memory:" else _WaitingMark(self.path)
        self._depth = threading.local()  # units of work this thread has open (nested ones too)

    # -- opening and closing ------------------------------------------------------------
    def exists(self) -> bool:
        return self.path == ":memory:" or Path(self.path).exists()

    def _open(self, create: bool) -> duckdb.DuckDBPyConnection:
        if self.path != ":memory:":
            # duckdb.connect makes whatever file it is given: only a caller that may create gets one.
            # (A file removed between this check and the connect is the one window left open.)
            if not (create or self.create) and not Path(self.path).exists():
                raise DatabaseMissing(self.path)
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        delay = 0.02
        announced = False
        try:
            while True:
                try:
                    return duckdb.connect(self.path)
                except duckdb.Error as error:
                    waited = time.monotonic() - started
                    if not _is_lock_error(error):
                        raise
                    if waited >= self.wait_seconds:
                        raise DatabaseBusy(self.path, waited) from None
                    if self._mark is not None:
                        self._mark.announce()  # (again: another waiter may have taken the mark over)
                        announced = True
                    # Short polls: the holder lets go as soon as its running units end.
                    time.sleep(min(delay, max(self.wait_seconds - waited, 0.01)))
                    delay = min(delay * 1.5, 0.2)
        finally:
            if announced and self._mark is not None:
                self._mark.withdraw()

    def _make_way(self) -> None:
        """Start no new unit of work while another process waits for the file (bounded: a unit
        that never ends here must not stop this process for good)."""
        depth: int = getattr(self._depth, "n", 0)
        if self._mark is None or depth:
            return  # nested in a unit of work of this thread: holding back would wait for itself
        deadline = time.monotonic() + HOLD_BACK_SECONDS
        while self._mark.other_waiting() and time.monotonic() < deadline:
            time.sleep(0.01)

    def _acquire(self, create: bool = False) -> duckdb.DuckDBPyConnection:
        self._make_way()
        with self._lock:
            if self._connection is None:
                self._connection = self._open(create)
            self._users += 1
            self._depth.n = getattr(self._depth, "n", 0) + 1
            return self._connection

    def _release(self) -> None:
        with self._lock:
            self._depth.n = getattr(self._depth, "n", 1) - 1
            self._users -= 1
            if self._users == 0 and not self._keep_open and self._connection is not None:
                self._connection.close()
                self._connection = None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            self._users = 0

    # -- units of work ------------------------------------------------------------------
    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one unit of work that only reads (or writes one statement)."""
        with self._cursor(create=False) as cursor:
            yield cursor

    @contextmanager
    def _cursor(self, *, create: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        connection = self._acquire(create)
        try:
            cursor = connection.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
        finally:
            self._release()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN ... COMMIT; any exception rolls everything back."""
        with held_until_the_end(), self.cursor() as cursor:
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def write(self, work: Callable[[duckdb.DuckDBPyConnection], T], *, attempts: int = WRITE_ATTEMPTS) -> T:
        """Run `work(cursor)` in a transaction; when it meets a concurrent write to the same rows, roll
        back and run it again (bounded, with jittered back-off), so two sessions saving at once both
        succeed instead of one seeing a traceback. `work` must read what it decides on inside the
        transaction, since it may run more than once. Raises WriteConflict after `attempts`."""
        started = time.monotonic()
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction() as cursor:
                    return work(cursor)
            except duckdb.Error as error:
                if not is_write_conflict(error):
                    raise
                if attempt == attempts:
                    raise WriteConflict(self.path, attempts, time.monotonic() - started) from error
                time.sleep(random.uniform(0, 0.02 * 2**attempt))  # jitter: the sessions drift apart
        raise AssertionError("unreachable")

    # -- schema -------------------------------------------------------------------------
    def schema_version(self) -> int:
        with self.cursor() as cursor:
            exists = cursor.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                ["schema_migrations"],
            ).fetchone()
            if not exists or exists[0] == 0:
                return 0
            row = cursor.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
            return int(row[0]) if row else 0

    def migrate(self) -> list[str]:
        """Create the database if it is missing (`python -m kpi init`), then apply every migration
        not yet recorded, each in its own transaction. Returns the names applied."""
        return self._migrate(create=True)

    def _migrate(self, *, create: bool) -> list[str]:
        applied: list[str] = []
        with self._cursor(create=create) as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
            done = {row[0] for row in cursor.execute("SELECT version FROM schema_migrations").fetchall()}
        shipped = migration_files()
        newest = shipped[-1][0] if shipped else 0
        if done and max(done) > newest:
            raise SchemaTooNew(self.path, max(done), newest)
        for version, name, sql in shipped:
            if version in done:
                continue
            with self.transaction() as cursor:
                cursor.execute(sql)
                cursor.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, datetime.now()]
                )
            applied.append(name)
        self._migrated = True
        return applied

    def ensure_ready(self, *, create: bool = False) -> None:
        """Migrate once per process; refuse to invent a database unless asked to create one (also
        after migrating: a running app is told when its file has gone)."""
        if not (create or self.create) and not self.exists():
            raise DatabaseMissing(self.path)
        if not self._migrated:
            self._migrate(create=create or self.create)
