"""The partner history page (pages/partners.py, SPEC section 8) on the demo: an executive opens an
organization's history across projects and sees who is going quiet; a partner sees only its own.

In the demo (kpi/demo/partnerships.py) CO-KIRAMEKI's only project, P15, closed on 30 September 2024;
its last contact was P15's 新テーマ検討会 on 28 January 2025, so on 26 November 2026 it has been quiet
21 months. demo-partner is UNI-SETOUCHI.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Role
from kpi.partnerships.timeline import organization_timeline
from kpi.storage import Database
from tests.conftest import DEMO_ADMIN, DEMO_EXECUTIVE, DEMO_PARTNER, DEMO_TODAY, signed_in

ROOT = Path(__file__).parent.parent


def open_page(
    monkeypatch: pytest.MonkeyPatch, db: Path, lang: str, user: str, org: str | None = None
) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), user)
    app.query_params["lang"] = lang
    if org:
        app.query_params["org"] = org
    app.switch_page("pages/partners.py").run()
    assert not app.exception, app.exception
    return app


def table(app: AppTest, column: str) -> list[Any]:
    for frame in app.dataframe:
        if column in frame.value.columns:
            return list(frame.value[column])
    raise AssertionError(f"no table with {column}")


def test_an_executive_opens_an_organizations_history_across_projects(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path
) -> None:
    app = open_page(monkeypatch, demo_db_path, "ja", DEMO_EXECUTIVE, org="CO-KIRAMEKI")
    assert app.selectbox(key="partner_org").value == "CO-KIRAMEKI"
    assert app.title[0].value == "機関の歩み"
    timeline = organization_timeline(
        Database(demo_db_path), "CO-KIRAMEKI", DEMO_TODAY, "ja", actor=Actor("x", Role.EXECUTIVE)
    )
    assert {m.label: m.value for m in app.metric}["プロジェクト"] == str(len(timeline.projects))
    assert table(app, "project_code") == ["P15"]
    days = table(app, "day")
    assert days == sorted(days, reverse=True)  # newest first
    assert days[0] == date(2025, 1, 28) and "新テーマ検討会" in table(app, "kind")
    quiet = dict(zip(table(app, "organization_code"), table(app, "months_quiet"), strict=True))
    assert quiet == {"CO-KIRAMEKI": 21}
    assert len(app.get("plotly_chart")) == 1  # who it works with most


def test_a_partner_reads_its_own_history_only(monkeypatch: pytest.MonkeyPatch, demo_db_path: Path) -> None:
    app = open_page(monkeypatch, demo_db_path, "en", DEMO_PARTNER, org="CO-KIRAMEKI")
    assert app.selectbox(key="partner_org").options == ["Setouchi Marine University (UNI-SETOUCHI)"]
    assert [s.value for s in app.subheader] == [
        "Projects and their KPI status",
        "Organizations it works with most",
        "Timeline (newest first)",
    ]  # no portfolio-wide "going quiet" list
    assert sorted(table(app, "project_code")) == ["P10", "P18", "P20"]


def test_an_administrator_changes_the_partnership_settings_on_the_page(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path
) -> None:
    from kpi.partnerships.settings import PartnershipSettings, partnership_settings

    copy = tmp_path / "settings.duckdb"
    shutil.copy(demo_db_path, copy)
    monkeypatch.setenv("KPI_DB", str(copy))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), DEMO_ADMIN)
    app.query_params["lang"] = "en"
    app.switch_page("pages/admin.py").run()
    app.session_state["admin_section"] = "settings"
    app.run()
    quiet = next(n for n in app.number_input if n.label == "Months before a partner counts as going quiet")
    assert quiet.value == 12
    quiet.set_value(24)
    next(b for b in app.button if b.key and "partnership_settings_form" in str(b.key)).click().run()
    assert not app.exception, app.exception
    assert partnership_settings(Database(copy)) == PartnershipSettings(90, 3, 24)
    said = [str(s.value).replace("\\", "") for s in app.success]  # Markdown-escaped
    assert "Partnership settings saved." in said
