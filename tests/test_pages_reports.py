"""The reporting-freshness page through AppTest, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import signed_in

ROOT = Path(__file__).parent.parent


def open_page(monkeypatch: pytest.MonkeyPatch, db: Path, lang: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    app.query_params["lang"] = lang
    app.switch_page("pages/reminders.py").run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("lang, heading", [("ja", "報告状況"), ("en", "Reporting freshness")])
def test_reminders_page_lists_the_overdue_partners(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, lang: str, heading: str
) -> None:
    app = open_page(monkeypatch, demo_db_path, lang)
    assert app.title[0].value == heading
    owed = app.dataframe[0].value
    assert list(owed["organization_code"]) == ["CO-AKANE", "GOV-SHIZUOKA", "UNI-SETOUCHI"]
    assert "P22" in app.code[0].value


def test_reminder_message_follows_the_chosen_partner_and_language(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path
) -> None:
    app = open_page(monkeypatch, demo_db_path, "en")
    app.selectbox(key="reminder_partner").select("GOV-SHIZUOKA").run()
    assert "P03" in app.code[0].value and "Dear" in app.code[0].value
    app.selectbox(key="reminder_lang").select("ja").run()
    assert "静岡県 ご担当者様" in app.code[0].value


LABELS = [("ja", "経営層向けレポート（PDF）"), ("en", "Executive report (PDF)")]


@pytest.mark.parametrize("lang, label", LABELS)
def test_overview_offers_the_report_and_exports(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, lang: str, label: str
) -> None:
    monkeypatch.setenv("KPI_DB", str(demo_db_path))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    app.query_params["lang"] = lang
    app.run()
    assert not app.exception
    buttons = app.get("download_button")
    assert len(buttons) == 4
    assert label in [b.proto.label for b in buttons]
