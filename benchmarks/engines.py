"""The benchmark figures on PostgreSQL beside DuckDB's: a built DuckDB portfolio copied into a fresh
PostgreSQL database (`python -m kpi migrate-to`'s code, with its proof), then status, overview and
import measured the same way on either engine.

The server is a URL without a database (`--pg`, else $KPI_TEST_PG, e.g.
postgresql://postgres@/?host=/tmp/pg); every database made here is named kpi_bench_<uuid> and dropped
at the end. Each import run gets a fresh copy of the portfolio (CREATE DATABASE … TEMPLATE, as the
DuckDB import figure copies the file), so every run imports into the same state.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from benchmarks.figures import median_seconds
from benchmarks.portfolios import BENCH_ORG, IMPORT_ROWS, TODAY, Built
from kpi.access import Actor
from kpi.intake.service import import_file
from kpi.operations.transfer import migrate_to
from kpi.portfolio.overview import build_overview
from kpi.portfolio.status import portfolio_status
from kpi.storage import Database

ENGINES = ("duckdb", "postgresql")
ACTOR = Actor.operator("benchmark")  # an administrator: the whole portfolio, as an executive sees it


def server_url(explicit: str | None) -> str:
    url = explicit or os.environ.get("KPI_TEST_PG", "")
    if not url:
        raise SystemExit("PostgreSQL figures need a server: --pg URL or $KPI_TEST_PG (a URL, no database)")
    return url


def database_url(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def _admin(server: str) -> psycopg.Connection:
    return psycopg.connect(database_url(server, "postgres"), autocommit=True)


def drop_database(server: str, name: str) -> None:
    with _admin(server) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def clone_database(server: str, template: str, name: str) -> str:
    """`name` as a copy of `template` (which no connection may hold); its URL."""
    with _admin(server) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
    return database_url(server, name)


@contextmanager
def postgres_copy(built: Built, server: str) -> Iterator[tuple[str, str]]:
    """The built portfolio in a fresh PostgreSQL database: yields (name, url); dropped afterwards.
    The copy is proven as `kpi migrate-to` proves it (row counts, the status of every project × KPI);
    a failed proof is printed, not raised, so the figures still show what runs."""
    name = f"kpi_bench_{uuid.uuid4().hex[:12]}"
    url = database_url(server, name)
    try:
        source, target = Database(built.path), Database(url)
        started = time.perf_counter()
        migration = migrate_to(source, target, as_of=TODAY, actor=ACTOR)
        source.close()
        target.close()  # a template must have no connections
        check = migration.verification
        outcome = "verified" if check.ok else f"NOT verified: {check.as_dict()}"
        print(f"{built.size.name}: copied {migration.rows:,} rows into PostgreSQL {name} in "
              f"{time.perf_counter() - started:.1f} s, {outcome}", flush=True)  # fmt: skip
        yield name, url
    finally:
        drop_database(server, name)


def status_seconds(target: str, runs: int) -> float:
    """portfolio_status of the whole portfolio, warm (as figures.status_figures measures it)."""
    db = Database(target)
    try:
        with db.cursor():  # held: DuckDB keeps the file open, PostgreSQL a pooled connection
            portfolio_status(db, TODAY)
            return median_seconds(lambda: portfolio_status(db, TODAY), runs)
    finally:
        db.close()


def overview_seconds(target: str, runs: int) -> float:
    """build_overview with no snapshot given: the status query and every aggregate the page shows."""
    db = Database(target)

    def overview() -> object:
        return build_overview(db, TODAY, "ja", actor=ACTOR)

    try:
        with db.cursor():
            overview()
            return median_seconds(overview, runs)
    finally:
        db.close()


def import_rows(built: Built) -> int:
    """As many rows as the size has distinct project × KPI × period keys for, up to 100,000."""
    return min(IMPORT_ROWS, len(built.import_projects) * len(built.kpi_codes) * len(built.period_ends))


def import_label(rows: int) -> str:
    return f"import {rows:,} rows"


def _import(target: str, data: bytes) -> None:
    db = Database(target)
    try:
        result = import_file(db, data, file_name="bench.csv", organization_code=BENCH_ORG, actor=ACTOR,
                             lang="ja", today=TODAY)  # fmt: skip
    finally:
        db.close()
    if result.status != "imported":
        raise RuntimeError(f"import {result.status}: {[e.as_dict() for e in result.errors[:3]]}")


def postgres_import_seconds(server: str, template: str, data: bytes, runs: int) -> float:
    """import_file end to end, each run into a fresh copy of `template` (made untimed)."""
    name = f"{template}_import"
    url = database_url(server, name)

    def fresh_copy() -> None:
        drop_database(server, name)
        clone_database(server, template, name)

    try:
        return median_seconds(lambda: _import(url, data), runs, before=fresh_copy)
    finally:
        drop_database(server, name)


def duckdb_import_seconds(built: Built, data: bytes, folder: Path, runs: int) -> float:
    """The same import into fresh copies of the DuckDB file (figures.import_figures' way)."""
    copy = folder / f"{built.size.name}-engines-import.duckdb"

    def fresh_copy() -> None:
        shutil.copyfile(built.path, copy)

    try:
        return median_seconds(lambda: _import(str(copy), data), runs, before=fresh_copy)
    finally:
        copy.unlink(missing_ok=True)
