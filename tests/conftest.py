"""Shared fixtures: a fresh migrated database per test, and one demo database per session."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from kpi.access import Actor
from kpi.storage import Database
from tests import hypothesis_profiles, pg_support  # noqa: F401  (hypothesis_profiles registers the dev profile; HYPOTHESIS_PROFILE=dev)
from tests.browser_support import browser, page, server, writable_server

__all__ = ["browser", "page", "server", "writable_server"]  # browser journeys: one set per worker

DEMO_TODAY = date(2026, 11, 26)
OPERATOR = Actor.operator("tester")  # the command line's administrator, for tests of what is not access
# The demo accounts (kpi/demo/load.py): one per role.
DEMO_ADMIN, DEMO_EXECUTIVE, DEMO_LEAD, DEMO_PARTNER = (
    "demo-admin",
    "demo-executive",
    "demo-lead",
    "demo-partner",
)


def signed_in(app: AppTest, username: str = DEMO_ADMIN) -> AppTest:
    """An AppTest session as the sign-in form leaves it (the form itself is tested in test_access_pages)."""
    app.session_state["user"] = username
    return app


@pytest.fixture(autouse=True)
def _pinned_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never depend on the machine's date, locale or user."""
    monkeypatch.setenv("KPI_TODAY", DEMO_TODAY.isoformat())
    monkeypatch.setenv("KPI_LANG", "en")
    monkeypatch.setenv("KPI_USER", "tester")
    monkeypatch.delenv("KPI_DB", raising=False)


class _WarmPagesManager(PagesManager):
    """AppTest resets Streamlit's server-wide "route by the pages/ folder" flag before every run, so
    each AppTest run would be a cold server's first run. A real server routes by the folder only until
    the first st.navigation call: this keeps AppTest runs as warm as a real server's. Tests of the
    cold start itself (tests/test_routing.py) put the original back."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def _warm_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_test, "PagesManager", _WarmPagesManager)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kpi.duckdb"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules marked both_engines run every test that uses a database on DuckDB and on PostgreSQL."""
    if "engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_engines"):
        metafunc.parametrize("engine", pg_support.ENGINES, indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "duckdb")


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database to copy, one per worker (dropped at the end)."""
    name = pg_support.new_name("kpi_template")
    db = Database(pg_support.database_url(name))
    db.migrate()
    db.close()
    yield name
    pg_support.drop_database(name)


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database with every migration applied, made once per worker: copying a file costs a
    tenth of running the migrations, and most tests start from one."""
    path = tmp_path_factory.mktemp("template") / "migrated.duckdb"
    db = Database(path)
    db.migrate()
    db.close()
    return path


@pytest.fixture
def fresh_db(
    db_path: Path, _migrated_template: Path, engine: str, request: pytest.FixtureRequest
) -> Iterator[Database]:
    if engine == "postgresql":
        template = request.getfixturevalue("_pg_template")
        name = pg_support.new_name("kpi_test")
        db = Database(pg_support.copy_database(template, name))
        db.migrate()
        yield db
        db.close()
        pg_support.drop_database(name)
        return
    shutil.copyfile(_migrated_template, db_path)
    db = Database(db_path)
    db.migrate()  # nothing left to apply; marks the handle ready
    yield db
    db.close()


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo database built once per session; tests must not write to it (a test that does
    changes what later tests on the same worker see), and the session fails if one did."""
    from kpi.demo.load import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    db = Database(path)
    db.migrate()
    load_demo(db, DEMO_TODAY, actor=Actor.operator("demo"))
    db.close()
    built = hashlib.sha256(path.read_bytes()).hexdigest()
    yield path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == built, "a test wrote to the shared demo database"


@pytest.fixture(scope="session")
def pg_demo_url() -> Iterator[str]:
    """The demo on the PostgreSQL test server, built once per worker; tests must not write to it."""
    from kpi.demo.load import load_demo

    name = pg_support.new_name("kpi_demo")
    url = pg_support.database_url(name)
    db = Database(url)
    db.migrate()
    load_demo(db, DEMO_TODAY, actor=Actor.operator("demo"))
    db.close()
    yield url
    pg_support.drop_database(name)


@pytest.fixture
def demo_db(demo_db_path: Path, engine: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    """The shared demo, read only: on DuckDB, or (engine postgresql) on PostgreSQL."""
    db = Database(request.getfixturevalue("pg_demo_url") if engine == "postgresql" else demo_db_path)
    yield db
    db.close()


def table_counts(db: Database) -> dict[str, int]:
    """Row counts of every table, to prove that a rejected write changed nothing."""
    tables = [
        "organizations",
        "projects",
        "partners",
        "kpi_definitions",
        "target_versions",
        "actual_versions",
        "actual_current",
        "audit_log",
        "import_batches",
        "settings",
        "programmes",
        "programme_categories",
        "funding_calls",
        "award_versions",
        "budget_versions",
        "payment_versions",
        "expenditure_versions",
        "award_kpis",
        "obligation_submissions",
        *PARTNERSHIP_TABLES,
    ]
    with db.cursor() as cursor:
        return {t: cursor.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _no_drafts_from_other_tests() -> None:
    """Drafts live in the server process (ui/drafts.py): each test starts as a fresh server would."""
    from ui import drafts

    drafts.discard_everything()


FUNDING_TABLES = (
    "programmes", "programme_categories", "funding_calls", "award_versions", "budget_versions",
    "payment_versions", "expenditure_versions", "award_kpis", "obligation_submissions",
)  # fmt: skip


def without_demo_funding(db: Database) -> Database:
    """The demo's registry and KPIs without its funding (kpi/demo/funding.py), for hand-worked cases."""
    with db.transaction() as cursor:
        for table in FUNDING_TABLES:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute("DELETE FROM import_batches WHERE kind = 'expenditures'")
    return db


# Partnerships (migration 0014, kpi/demo/partnerships.py): the demo fills them.
PARTNERSHIP_TABLES = ("agreement_versions", "meeting_versions", "review_cadence_versions", "phase_exceptions")


def without_demo_partnerships(db: Database) -> Database:
    """The demo without its agreements, meetings, cadences and phase reasons, for hand-worked cases."""
    with db.transaction() as cursor:
        for table in PARTNERSHIP_TABLES:
            cursor.execute(f"DELETE FROM {table}")
    return db
