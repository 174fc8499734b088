"""Every page of every role, rendered by AppTest on the demo in PostgreSQL, in both languages.

The page scripts are the DuckDB ones: only KPI_DB changes. A page that raises, or that shows other
headline figures than the DuckDB demo's, fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Role
from kpi.portfolio.overview import build_overview
from kpi.storage import Database
from tests.conftest import (
    DEMO_ADMIN,
    DEMO_EXECUTIVE,
    DEMO_LEAD,
    DEMO_PARTNER,
    DEMO_TODAY,
    OPERATOR,
    signed_in,
)
from ui.navigation import PAGES

ROOT = Path(__file__).parent.parent
USERS = {
    Role.ADMINISTRATOR: DEMO_ADMIN,
    Role.EXECUTIVE: DEMO_EXECUTIVE,
    Role.LEAD: DEMO_LEAD,
    Role.PARTNER: DEMO_PARTNER,
}
CASES = [(role, name) for role, names in PAGES.items() if role in USERS for name in names]


def open_page(monkeypatch: pytest.MonkeyPatch, url: str, user: str, name: str, lang: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", url)
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120), user)
    app.query_params["lang"] = lang
    if name == "project":
        app.query_params["project"] = "P03"
    app.switch_page(f"pages/{name}.py")
    return app.run()


@pytest.mark.parametrize(("role", "name"), CASES, ids=[f"{r.value}-{n}" for r, n in CASES])
def test_every_page_renders_on_postgresql(
    monkeypatch: pytest.MonkeyPatch, pg_demo_url: str, demo_db_path: Path, role: Role, name: str
) -> None:
    """No exception, and the same messages (flags, warnings) and headline figures as on DuckDB."""
    lang = "ja" if len(name) % 2 else "en"  # each page in one language here; both in the overview test
    app = open_page(monkeypatch, pg_demo_url, USERS[role], name, lang)
    assert not app.exception, [e.value for e in app.exception]
    duck = open_page(monkeypatch, str(demo_db_path), USERS[role], name, lang)
    for kind in ("error", "warning", "metric", "title", "header", "subheader"):
        assert [e.value for e in getattr(app, kind)] == [e.value for e in getattr(duck, kind)], kind


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_overview_on_postgresql_shows_the_duckdb_demo_figures(
    monkeypatch: pytest.MonkeyPatch, pg_demo_url: str, demo_db_path: Path, lang: str
) -> None:
    app = open_page(monkeypatch, pg_demo_url, DEMO_ADMIN, "overview", lang)
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    expected = build_overview(Database(demo_db_path), DEMO_TODAY, lang, actor=OPERATOR)
    projects = "プロジェクト数" if lang == "ja" else "Projects"
    on_track = "順調" if lang == "ja" else "On track"
    assert metrics[projects] == f"{expected.project_count:,}"
    assert metrics[on_track] == f"{expected.status_counts['on_track']:,}"
    assert len(app.dataframe[0].value) == len(expected.table)
