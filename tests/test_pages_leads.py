"""The leads' and administrators' pages render real data in both languages (AppTest)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor
from kpi.intake.service import import_file
from kpi.storage import Database
from tests.conftest import DEMO_TODAY, signed_in

ROOT = Path(__file__).parent.parent


@pytest.fixture
def db_copy(demo_db_path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    return copy


def open_page(monkeypatch: pytest.MonkeyPatch, db: Path, page: str, lang: str, **params: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    app.query_params["lang"] = lang
    for key, value in params.items():
        app.query_params[key] = value
    return app.switch_page(page).run()


@pytest.mark.parametrize("lang, title", [("ja", "進捗の更新"), ("en", "Progress updates")])
def test_update_page_shows_the_grid_of_a_project(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str, title: str
) -> None:
    app = open_page(monkeypatch, db_copy, "views/update.py", lang, project="P03")
    assert not app.exception
    assert app.title[0].value == title
    grid = app.dataframe[0].value  # the editable grid of this period's values
    assert set(grid["kpi_code"]) >= {"joint_studies", "local_jobs"}
    assert "P03" in str(app.selectbox(key="project").value)


@pytest.mark.parametrize("lang, title", [("ja", "プロジェクト登録"), ("en", "Projects and partners")])
def test_projects_page(monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str, title: str) -> None:
    app = open_page(monkeypatch, db_copy, "views/projects.py", lang)
    assert not app.exception
    assert app.title[0].value == title
    app.selectbox(key="admin_project").select("P03").run()
    assert not app.exception
    assert any(t.value == "P03" for t in app.text_input)


@pytest.mark.parametrize("lang, title", [("ja", "監査ログ"), ("en", "Audit log")])
def test_audit_page_lists_and_filters(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str, title: str
) -> None:
    data = b"project_code,kpi_code,period_end,value\nP01,joint_studies,2026-09-30,7\n"
    result = import_file(
        Database(db_copy),
        data,
        file_name="p01-audit.csv",
        organization_code="UNI-HOKUTO",
        actor=Actor.operator("t"),
        lang="en",
        today=DEMO_TODAY,
    )
    assert result.status == "imported"
    app = open_page(monkeypatch, db_copy, "views/audit.py", lang)
    assert not app.exception
    assert app.title[0].value == title
    everything = len(app.dataframe[0].value)
    assert everything > 0
    app.text_input[0].input("p01-audit.csv").run()
    found = app.dataframe[0].value
    assert 0 < len(found) < everything
    assert set(found["action"]) == {"import"}
