"""Pages through Streamlit's AppTest: they render real data in both languages, with no exception."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor
from kpi.accounts.manage import create_account
from kpi.portfolio.overview import build_overview
from kpi.storage import Database
from tests.conftest import DEMO_TODAY, OPERATOR, signed_in

ROOT = Path(__file__).parent.parent


def open_app(monkeypatch: pytest.MonkeyPatch, db: Path, lang: str | None = None) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    if lang:
        app.query_params["lang"] = lang
    return app.run()


@pytest.mark.parametrize(
    "lang, heading, projects_label",
    [("ja", "ポートフォリオ概要", "プロジェクト数"), ("en", "Portfolio overview", "Projects")],
)
def test_overview_shows_the_demo_portfolio(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, lang: str, heading: str, projects_label: str
) -> None:
    app = open_app(monkeypatch, demo_db_path, lang)
    assert not app.exception
    assert app.title[0].value == heading
    metrics = {m.label: m.value for m in app.metric}
    expected = build_overview(Database(demo_db_path), DEMO_TODAY, lang, actor=OPERATOR)
    assert metrics[projects_label] == f"{expected.project_count:,}"
    on_track = "順調" if lang == "ja" else "On track"
    assert metrics[on_track] == f"{expected.status_counts['on_track']:,}"
    table = app.dataframe[0].value
    assert len(table) == len(expected.table)


def test_language_switch(monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "demo.duckdb"  # the choice is kept with the account: not in the shared demo
    shutil.copy(demo_db_path, copy)
    app = open_app(monkeypatch, copy)
    assert app.title[0].value == "ポートフォリオ概要"
    app.selectbox(key="lang").select("en").run()
    assert app.title[0].value == "Portfolio overview"
    assert "On track" in [m.label for m in app.metric]


def test_missing_database_says_how_to_create_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    app = open_app(monkeypatch, tmp_path / "none.duckdb", "en")
    assert not app.exception
    assert "python -m kpi init --demo" in app.error[0].value


def test_empty_database_asks_for_a_first_administrator_then_a_registry(
    monkeypatch: pytest.MonkeyPatch, fresh_db: Database
) -> None:
    app = open_app(monkeypatch, Path(fresh_db.path), "en")
    assert not app.exception
    assert "python -m kpi user add NAME --role administrator" in app.info[0].value
    create_account(fresh_db, {"username": "demo-admin", "display_name": "Admin", "role": "administrator"},
                   password="a long enough password", actor=OPERATOR, lang="en")  # fmt: skip
    fresh_db.close()
    app = open_app(monkeypatch, Path(fresh_db.path), "en")
    assert not app.exception
    assert "python -m kpi setup" in app.info[0].value


def test_upload_page_lists_history_and_rolls_back(monkeypatch: pytest.MonkeyPatch, demo_db_path: Path,
                                                  tmp_path: Path) -> None:  # fmt: skip
    import shutil

    from kpi.intake.service import import_file
    from kpi.storage.batches import list_batches

    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    db = Database(copy)
    data = b"project_code,kpi_code,period_end,value\nP01,joint_studies,2026-09-30,7\n"
    batch = import_file(db, data, file_name="p01.csv", organization_code="UNI-HOKUTO",
                        actor=Actor.operator("t"),
                        lang="en", today=DEMO_TODAY).batch_id  # fmt: skip
    monkeypatch.setenv("KPI_DB", str(copy))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    app.query_params["lang"] = "en"
    app.switch_page("pages/upload.py").run()
    app.selectbox(key="upload_org").select("UNI-HOKUTO").run()
    assert not app.exception
    assert app.title[0].value == "Upload partner data"
    assert "p01.csv" in app.dataframe[0].value.to_string()
    app.button(key="rollback_button").click().run()
    assert not app.success and f"batch {batch}" in app.warning[0].value.lower()  # asked first, naming it
    with db.cursor() as cursor:
        assert list_batches(cursor)["rolled_back_by"].isna().all()  # nothing rolled back yet
    app.button(key="rollback_yes").click().run()
    assert f"Batch {batch} rolled back" in app.success[0].value
    with db.cursor() as cursor:
        assert list_batches(cursor)["rolled_back_by"].tolist() == ["demo-admin"]  # the signed-in user


def test_busy_database_is_a_clear_warning(monkeypatch: pytest.MonkeyPatch, demo_db_path: Path,
                                          tmp_path: Path) -> None:  # fmt: skip
    """The command line holding the file: the page says so and waits for no one."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "busy.duckdb"
    shutil.copy(demo_db_path, copy)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, time; c = duckdb.connect({str(copy)!r}); print('locked', flush=True); "
         "time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("KPI_DB_WAIT", "0.5")
        app = open_app(monkeypatch, copy, "en")
        assert not app.exception
        assert "in use by another process" in app.warning[0].value
    finally:
        holder.kill()
        holder.wait()


def test_japanese_era_years_on_request(monkeypatch: pytest.MonkeyPatch, demo_db_path: Path) -> None:
    app = open_app(monkeypatch, demo_db_path, "ja")
    assert "2026年11月26日" in app.caption[0].value
    app.checkbox(key="wareki").check().run()
    assert not app.exception
    assert "令和8年11月26日" in app.caption[0].value
    assert "令和" in " ".join(app.selectbox(key="f_fy").options)
