"""Every run goes through dashboard.py (ui/routing.py). On a cold server Streamlit routes by the pages/
folder until dashboard.py has called st.navigation, so a first visit to /upload would run
pages/upload.py by itself, before the sign-in gate. Each page's first statement sends such a run back
through dashboard.py. AppTest, left as it is, starts every run as a cold server does (it resets Streamlit's
folder routing), so a page asked for before the first run is exactly a cold deep link; the real browser on
cold servers is tests/test_browser_routing.py."""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from kpi.access import Role
from tests.conftest import DEMO_ADMIN, signed_in
from ui.navigation import PAGES

ROOT = Path(__file__).parent.parent
PAGE_SCRIPTS = sorted((ROOT / "pages").glob("*.py"))
ROUTED = sorted({name for names in PAGES.values() for name in names})
TITLES = {  # each page's English title, as the page's first st.title writes it
    "overview": "Portfolio overview",
    "project": "P03  Solar sharing over tea fields",  # the project the address names
    "update": "Progress updates",
    "upload": "Upload partner data",
    "funding": "Funding",
    "awards": "Awards and budgets",
    "expenses": "Expenditures",
    "agreements": "Agreements",
    "meetings": "Meetings and reviews",
    "partners": "Partner history",
    "registry": "Projects and partners",
    "reminders": "Reporting freshness",
    "audit": "Audit log",
    "admin": "Administration",
    "account": "My account",
}


def script_of(name: str) -> str:
    """The file dashboard.py routes a page name (and address) to."""
    return f"pages/{name}.py"


@pytest.mark.parametrize("script", PAGE_SCRIPTS, ids=lambda path: path.name)
def test_each_page_script_first_goes_through_the_dashboard(script: Path) -> None:
    body = ast.parse(script.read_text(encoding="utf-8")).body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    first, second = ast.unparse(body[0]), ast.unparse(body[1])
    assert (first, second) == ("from ui.routing import through_dashboard", "through_dashboard()")


def test_every_page_script_is_routed_and_every_route_has_its_script() -> None:
    """A file in pages/ that no role routes would be reachable on a cold server only."""
    scripts = {path.relative_to(ROOT).as_posix() for path in PAGE_SCRIPTS}
    assert scripts == {script_of(name) for name in ROUTED}
    assert set(TITLES) == set(ROUTED)


@pytest.fixture
def db_path(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # Every AppTest run is a cold server's first run again (see tests/conftest.py's _warm_server).
    monkeypatch.setattr(app_test, "PagesManager", PagesManager)
    copy = tmp_path / "routing.duckdb"  # signing in writes the audit log
    shutil.copy(demo_db_path, copy)
    monkeypatch.setenv("KPI_DB", str(copy))
    yield copy


def cold_deep_link(name: str, user: str | None) -> AppTest:
    """A cold server's first run for the page's address."""
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if user:
        signed_in(app, user)
    app.query_params["lang"] = "en"
    if name == "project":
        app.query_params["project"] = "P03"
    app.switch_page(script_of(name))
    return app.run()


@pytest.mark.parametrize("name", ROUTED)
def test_a_cold_deep_link_shows_only_the_sign_in_form(db_path: Path, name: str) -> None:
    app = cold_deep_link(name, None)
    assert not app.exception
    assert [title.value for title in app.title] == ["Sign in"]
    assert not app.metric and not app.dataframe and not app.table


@pytest.mark.parametrize("name", ROUTED)
def test_a_cold_deep_link_opens_its_page_once_signed_in(db_path: Path, name: str) -> None:
    app = cold_deep_link(name, DEMO_ADMIN)
    assert not app.exception
    assert name in PAGES[Role.ADMINISTRATOR]
    assert app.title[0].value == TITLES[name]


def test_the_first_click_after_a_cold_start_counts(db_path: Path) -> None:
    """Streamlit's folder routing gives the first run's widgets other ids: a choice made on the page
    a cold server first drew would be lost if that run were not sent through dashboard.py."""
    app = cold_deep_link("overview", DEMO_ADMIN)
    app.selectbox(key="lang").select("ja").run()
    assert app.title[0].value == "ポートフォリオ概要"
