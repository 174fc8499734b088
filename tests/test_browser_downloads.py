"""Browser journey: the partner, in English, clicks the overview's four take-away buttons (report
HTML and PDF, 効果検証 .xlsx and .csv) and each file arrives holding what the partner may read.

This is the path users click: Chromium, Streamlit's deferred download (the file is built on the
click, outside the script run) and the file saved. What every other role's four files hold, in
Japanese and in English, is checked on the page's own download callables in
tests/test_overview_downloads.py (AppTest), with the same checks as here.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from kpi.access import Actor, Role
from kpi.demo.load import DEMO_ACCOUNTS
from kpi.portfolio.overview import build_overview
from kpi.reports.evaluation import evaluation_table
from kpi.storage import Database
from tests.browser_support import SHOTS, TAKE_SCREENSHOTS, open_signed_in, settled
from tests.conftest import DEMO_PARTNER, DEMO_TODAY
from tests.test_overview_downloads import LABELS, pdf_pages

pytestmark = pytest.mark.browser
ACTORS = {name: Actor(name, Role(role), org) for name, _password, role, org, _display in DEMO_ACCOUNTS}


def _download(page: Page, label: str, folder: Path) -> tuple[str, bytes]:
    """(suggested file name, content) of the file a click on the button saves."""
    settled(page)  # the file is built on the click, by the server, outside any rerun
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return info.value.suggested_filename, path.read_bytes()


def test_the_partner_takes_the_four_files_away(
    server: str, page: Page, demo_db_path: Path, tmp_path: Path
) -> None:
    username, lang = DEMO_PARTNER, "en"
    who = ACTORS[username]
    db = Database(demo_db_path)
    try:
        view = build_overview(db, DEMO_TODAY, lang, actor=who)
        rows = len(evaluation_table(db, DEMO_TODAY, lang, actor=who))
    finally:
        db.close()
    open_signed_in(page, server, f"/?lang={lang}", username)
    html_label, pdf_label, xlsx_label, csv_label = LABELS[lang]
    expect(page.get_by_role("button", name=csv_label)).to_be_visible()
    settled(page)
    if TAKE_SCREENSHOTS:
        SHOTS.mkdir(exist_ok=True)
        page.get_by_role("button", name=csv_label).scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"downloads-{username}-{lang}.png"))
    stem = DEMO_TODAY.isoformat()

    name, data = _download(page, html_label, tmp_path)
    report = data.decode("utf-8")
    assert name == f"kpi_report_{stem}_{lang}.html"
    assert "26 Nov 2026" in report and f"<b>{view.project_count:,}</b>" in report

    name, pdf = _download(page, pdf_label, tmp_path)
    assert name == f"kpi_report_{stem}_{lang}.pdf"
    assert pdf.startswith(b"%PDF-") and pdf_pages(pdf) == 2  # the KPI page, then its projects' funding

    name, data = _download(page, xlsx_label, tmp_path)
    assert name == f"kpi_evaluation_{stem}_{lang}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[0] == "Project", header
    assert sheet.max_row - 1 == rows  # the partner's rows only (fewer than an administrator's)
    status_header = [c.value for c in book.worksheets[1][1]]
    assert status_header[:2] == ["Project", "Project name"] and "Status" in status_header

    name, data = _download(page, csv_label, tmp_path)
    assert name == f"kpi_evaluation_{stem}_{lang}.csv"
    csv = data.decode("utf-8-sig")
    assert len([line for line in csv.split("\r\n")[1:] if line]) == rows
    assert csv.split(",", 1)[0] == header[0]
