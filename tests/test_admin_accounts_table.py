"""The administration page's account list when some accounts chose a language and others did not.

pandas gives a text column with gaps NaN for the gaps, and NaN is truthy: the page asked the catalog
for "accounts.lang_nan" and showed an incident instead of the list, as soon as one person had saved
a language (the demo's accounts start with none, so the demo never showed it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Role
from kpi.accounts.manage import set_language
from kpi.storage import Database
from tests.conftest import DEMO_ADMIN, signed_in

ROOT = Path(__file__).parent.parent


def test_the_account_list_reads_with_some_languages_unset(
    demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "languages.duckdb"
    shutil.copy(demo_db_path, copy)
    db = Database(copy)
    set_language(db, Actor(DEMO_ADMIN, Role.ADMINISTRATOR), "en")
    db.close()
    monkeypatch.setenv("KPI_DB", str(copy))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), DEMO_ADMIN)
    app.query_params["lang"] = "en"
    app.switch_page("pages/admin.py")
    app.run()
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    table = app.dataframe[0].value
    languages = dict(zip(table["username"], table["language"], strict=True))
    assert languages[DEMO_ADMIN] == "English"
    assert languages["demo-lead"] == ""  # not chosen: blank, never "nan"
