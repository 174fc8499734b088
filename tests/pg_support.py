"""The private PostgreSQL server of a test run, and fresh databases on it.

`scripts/test` starts the server (scripts/_postgres.sh: a Unix socket only, fsync off) and names it
in `KPI_TEST_PG`, a URL without a database (postgresql://postgres@/?host=/tmp/…). Each test of the
storage, status, intake, access and page modules that carry `pytestmark = both_engines` runs once on
DuckDB and once on a fresh PostgreSQL database copied from a migrated template (CREATE DATABASE …
TEMPLATE costs a tenth of running the migrations). Under CI=true a missing server fails; elsewhere
those tests are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

ENGINES = ("duckdb", "postgresql")
both_engines = pytest.mark.both_engines


def server_url() -> str:
    """The test server's URL, or a failure (CI) or skip (elsewhere) that says how to get one."""
    url = os.environ.get("KPI_TEST_PG", "")
    if url:
        return url
    reason = "no PostgreSQL test server: run ./scripts/test, which starts one (KPI_TEST_PG)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def database_url(name: str) -> str:
    """`name` on the test server."""
    parts = urlsplit(server_url())
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin() -> psycopg.Connection:
    return psycopg.connect(database_url("postgres"), autocommit=True)


def new_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def copy_database(template: str, name: str) -> str:
    """A new database `name` copied from `template` (which no connection may hold); its URL."""
    with _admin() as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
    return database_url(name)


def drop_database(name: str) -> None:
    with _admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
