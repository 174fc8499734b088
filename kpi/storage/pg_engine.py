"""PostgreSQL as the shared store of several dashboard servers: the second engine behind `Database`.

`Database("postgresql://…")` (from `KPI_DB`, `--db` or the secrets' `[database] url`) is a
`PostgresDatabase`: the same units of work (`cursor()`, `transaction()`, `write()`) over a psycopg
connection pool, the same numbered migrations translated by kpi/storage/pg_dialect.py, after
kpi/migrations/postgresql/compat.sql. Many processes may write at once: a write that meets another
(a serialization failure or a deadlock) runs again like DuckDB's conflicts do, and `migrate()` holds
an advisory lock so that two servers starting together apply each migration once.

`migrate()` creates a missing database, with C collation and UTF-8, so that text sorts as in DuckDB.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import datetime
from importlib import resources
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.types.composite import CompositeInfo, register_composite
from psycopg.types.string import TextLoader
from psycopg_pool import ConnectionPool, PoolTimeout

from kpi.storage import connection
from kpi.storage.connection import Database, DatabaseBusy, DatabaseMissing, DatabaseUnreachable, SchemaTooNew
from kpi.storage.pg_cursor import NumericLoader, PgCursor
from kpi.storage.pg_dialect import STRUCTS

MIGRATION_LOCK = 7_150_001  # pg_advisory_xact_lock key: one migrator at a time
POOL_SIZE = 8


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def compat_sql() -> str:
    return (resources.files("kpi") / "migrations" / "postgresql" / "compat.sql").read_text(encoding="utf-8")


# compat.sql's digest is kept as the comment of its last function: a process whose compat.sql is the
# one applied leaves the functions alone (no DDL while other servers' sessions run queries).
_COMPAT_MARK = "kpi_div(double precision, double precision)"


def _apply_compat(raw: psycopg.Cursor[Any]) -> None:
    text = compat_sql()
    digest = hashlib.sha256(text.encode()).hexdigest()
    raw.execute(b"SELECT obj_description(to_regprocedure($1), 'pg_proc')", [_COMPAT_MARK])
    found = raw.fetchone()
    if found and found[0] == digest:
        return
    raw.execute(text.encode())
    raw.execute(f"COMMENT ON FUNCTION {_COMPAT_MARK} IS '{digest}'".encode())  # hex digits only


def _configure(connection: psycopg.Connection[Any]) -> None:
    """Each new pooled connection: structs as dicts, numeric as int or float."""
    # JIT compiles the status query's expressions for seconds (its cost estimate is high) to save
    # milliseconds: off for our short queries.
    connection.execute("SET jit = off")
    connection.adapters.register_loader("numeric", NumericLoader)
    for json_type in ("json", "jsonb"):  # JSON columns read as their text, as DuckDB gives them
        connection.adapters.register_loader(json_type, TextLoader)
    for name in STRUCTS.values():
        info = CompositeInfo.fetch(connection, name)
        if info is None:
            continue  # before the first migration
        register_composite(
            info,
            connection,
            factory=dict,
            make_object=lambda values, info: dict(zip(info.field_names, values, strict=True)),
            make_sequence=lambda value, info: [value.get(n) for n in info.field_names],  # type: ignore[attr-defined]
        )


class PostgresDatabase(Database):
    """One PostgreSQL database, shared by every process that names it."""

    engine = "postgresql"

    def __init__(self, path: str, *, wait_seconds: float | None = None, create: bool = False) -> None:
        super().__init__(":memory:", wait_seconds=wait_seconds, create=create)
        self.url = str(path)
        self.path = shown_url(self.url)
        self._pool: ConnectionPool | None = None
        self._pool_lock = threading.Lock()

    # -- connections --------------------------------------------------------------------
    def _get_pool(self) -> ConnectionPool:
        with self._pool_lock:
            if self._pool is None:
                pool = ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=POOL_SIZE,
                    kwargs={"autocommit": True, "cursor_factory": psycopg.RawCursor},
                    configure=_configure,
                    open=False,
                )
                try:
                    pool.open(wait=True, timeout=self.wait_seconds)
                except psycopg.OperationalError as error:
                    pool.close()
                    raise self._unreachable(error) from error
                except PoolTimeout as error:  # the server did not answer in time
                    pool.close()
                    raise self._unreachable(error) from error
                self._pool = pool
            return self._pool

    def _unreachable(self, error: Exception) -> Exception:
        if "does not exist" in str(error):
            return DatabaseMissing(self.path)
        reason = _first_line(self._last_connect_error() or str(error))
        return DatabaseUnreachable(self.path, self.wait_seconds, reason)

    def _last_connect_error(self) -> str:
        """The server's own words (the pool's timeout hides them): one direct attempt."""
        try:
            with psycopg.connect(self.url, connect_timeout=2):
                return ""
        except psycopg.Error as error:
            return str(error)

    def exists(self) -> bool:
        if self._pool is not None:
            return True  # connected: a dropped database breaks the pooled connections, said then
        try:
            with psycopg.connect(self.url, connect_timeout=int(self.wait_seconds) or 1):
                return True
        except psycopg.OperationalError as error:
            if "does not exist" in str(error):
                return False
            raise DatabaseUnreachable(self.path, self.wait_seconds, _first_line(str(error))) from error

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def _refresh_types(self) -> None:
        """After migrations made the composite types, new connections must register them."""
        self.close()

    # -- units of work ------------------------------------------------------------------
    @contextmanager
    def _cursor(self, *, create: bool) -> Iterator[PgCursor]:  # type: ignore[override]
        if create:
            self._create_database()
        with ExitStack() as stack:
            try:
                pooled = self._get_pool().connection(timeout=max(self.wait_seconds, 1.0))
                connection = stack.enter_context(pooled)
            except PoolTimeout as error:  # every pooled connection busy for wait_seconds: as a busy file
                raise DatabaseBusy(self.path, self.wait_seconds) from error
            cursor = PgCursor(connection)
            stack.callback(cursor.close)  # before the connection goes back to the pool
            yield cursor

    @contextmanager
    def transaction(self) -> Iterator[PgCursor]:  # type: ignore[override]
        with self._cursor(create=False) as cursor, cursor.connection.transaction():
            yield cursor

    # -- schema -------------------------------------------------------------------------
    def _create_database(self) -> None:
        """CREATE DATABASE with C collation when it is missing (init, or a test's fresh database)."""
        if self.exists():
            return
        parts = urlsplit(self.url)
        name = parts.path.lstrip("/")
        maintenance = urlunsplit(parts._replace(path="/postgres"))
        create = sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
        # (DuplicateDatabase: another process made it first)
        with (
            psycopg.connect(maintenance, autocommit=True) as connection,
            suppress(psycopg.errors.DuplicateDatabase),
        ):
            connection.execute(create.format(sql.Identifier(name)))

    def _migrate(self, *, create: bool) -> list[str]:
        applied: list[str] = []
        shipped = connection.migration_files()
        newest = shipped[-1][0] if shipped else 0
        with self._cursor(create=create) as cursor, cursor.connection.transaction():
            raw = cursor.connection.cursor()
            raw.execute(b"SELECT pg_advisory_xact_lock(%d)" % MIGRATION_LOCK)
            _apply_compat(raw)
            raw.execute(
                b"CREATE TABLE IF NOT EXISTS schema_migrations ("
                b" version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
            raw.execute(b"SELECT version FROM schema_migrations")
            done = {row[0] for row in raw.fetchall()}
            if done and max(done) > newest:
                raise SchemaTooNew(self.path, max(done), newest)
            for version, name, text in shipped:
                if version in done:
                    continue
                with cursor.connection.transaction():  # a savepoint: each migration whole or not at all
                    cursor.execute(text)
                    raw.execute(
                        b"INSERT INTO schema_migrations VALUES ($1, $2, $3)", [version, name, datetime.now()]
                    )
                applied.append(name)
        if applied:
            self._refresh_types()
        self._migrated = True
        return applied
