"""The funding part of the report, the workbook and the reminders page (SPEC section 7): the demo's
awards in 千円, the flags and the late report, scoped like the rest of the report."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Role
from kpi.funding.duties import duty_reminder, owed_reports
from kpi.reports.evaluation import export_bytes
from kpi.reports.executive import report_html
from kpi.storage import Database
from tests.conftest import DEMO_ADMIN, DEMO_TODAY, OPERATOR, signed_in

ROOT = Path(__file__).parent.parent

PARTNER = Actor("demo-partner", Role.PARTNER, "UNI-SETOUCHI")


def test_the_report_has_a_funding_page(demo_db: Database) -> None:
    page = report_html(demo_db, DEMO_TODAY, "ja", actor=OPERATOR)
    funding = page[page.index("class='funding-page'") :]
    assert "資金（補助金・助成金・委託）" in funding
    assert "METI-2025-001" in funding and "PREF-2025-004" in funding
    assert "METI-2027-005" not in funding  # an application spends nothing yet
    assert "交付決定前の支出" in funding and "480" in funding  # the 480,000-yen pre-award purchase in 千円
    assert "期限超過" in funding  # P16's late annual report
    assert "この交付決定で求められる KPI" in funding
    english = report_html(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    assert "Funding: subsidies, grants and commissions" in english and "spent before the decision" in english


def test_a_partner_report_shows_only_its_awards(demo_db: Database) -> None:
    page = report_html(demo_db, DEMO_TODAY, "en", actor=PARTNER)
    funding = page[page.index("class='funding-page'") :]
    assert "PREF-2026-009" in funding and "METI-2025-011" in funding  # P18 and P20
    assert "METI-2025-001" not in funding and "JST-2025-008" not in funding


def test_the_workbook_groups_required_kpis_under_their_award(demo_db: Database) -> None:
    data, _ = export_bytes(demo_db, DEMO_TODAY, "ja", "xlsx", actor=OPERATOR)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert {"資金（年度別）", "交付決定別KPI"} <= set(book.sheetnames)
    years = list(book["資金（年度別）"].values)
    header = years[0]
    first = dict(zip(header, years[1], strict=True))
    assert first["交付決定番号"] == "JST-2025-003" and isinstance(first["対象経費（円）"], int)
    kpis = list(book["交付決定別KPI"].values)
    assert kpis[0][:2] == ("交付決定番号", "プロジェクトコード")
    assert {row[0] for row in kpis[1:]} >= {"METI-2025-001", "METI-2025-002"}


def test_reports_owed_to_funders(demo_db: Database) -> None:
    owed = owed_reports(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    late = owed[owed["days_late"] > 0]
    assert list(late["award_number"]) == ["JST-2025-008"] and list(late["owner"]) == ["CO-TAKUMI"]
    message = duty_reminder(demo_db, DEMO_TODAY, "CO-TAKUMI", "ja", actor=OPERATOR)
    assert "JST-2025-008" in message and "年度報告" in message and "期限超過" in message
    assert "匠精密工業株式会社" in message  # the owner's name in the message's language, not the page's


def test_the_reminders_page_lists_them(
    demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "reminders.duckdb"  # signing in writes the audit log
    shutil.copy(demo_db_path, copy)
    monkeypatch.setenv("KPI_DB", str(copy))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), DEMO_ADMIN)
    app.query_params["lang"] = "ja"
    app.switch_page("pages/reminders.py")
    app.run()
    assert not app.exception
    assert "資金提供元への報告" in [h.value for h in app.subheader]
    table = next(d.value for d in app.dataframe if "award_number" in d.value.columns)
    assert list(table.loc[table["days_late"] > 0, "award_number"]) == ["JST-2025-008"]
