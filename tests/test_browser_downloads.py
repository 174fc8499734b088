"""Browser journey: every role downloads the overview's four take-away files (report HTML and PDF,
効果検証 .xlsx and .csv) and each file holds what that role may read, in the page's language."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from kpi.access import Actor, Role
from kpi.demo_load import DEMO_ACCOUNTS
from kpi.evaluation import evaluation_table
from kpi.overview import build_overview
from kpi.report_pdf import html_to_pdf
from kpi.storage import Database
from tests.browser_support import SHOTS, TAKE_SCREENSHOTS, settled, sign_in
from tests.conftest import DEMO_ADMIN, DEMO_EXECUTIVE, DEMO_LEAD, DEMO_PARTNER, DEMO_TODAY

pytestmark = pytest.mark.browser
ACTORS = {name: Actor(name, Role(role), org) for name, _password, role, org, _display in DEMO_ACCOUNTS}
LABELS = {
    "ja": (
        "経営層向けレポート（HTML）",
        "経営層向けレポート（PDF）",
        "効果検証表（Excel）",
        "効果検証表（CSV）",
    ),
    "en": (
        "Executive report (HTML)",
        "Executive report (PDF)",
        "Evaluation table (Excel)",
        "Evaluation table (CSV)",
    ),
}


def _download(page: Page, label: str, folder: Path) -> bytes:
    settled(page)  # the file is built on the click, by the server, outside any rerun
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes()


def test_every_role_takes_the_four_files_away(
    server: str, page: Page, demo_db_path: Path, tmp_path: Path
) -> None:
    db = Database(demo_db_path)
    counts = {}
    for username, lang in (
        (DEMO_ADMIN, "ja"),
        (DEMO_EXECUTIVE, "ja"),
        (DEMO_LEAD, "ja"),
        (DEMO_PARTNER, "en"),
    ):
        who = ACTORS[username]
        view = build_overview(db, DEMO_TODAY, lang, actor=who)
        rows = len(evaluation_table(db, DEMO_TODAY, lang, actor=who))
        counts[username] = rows
        page.context.clear_cookies()
        sign_in(page, f"{server}/?lang={lang}", username)
        html_label, pdf_label, xlsx_label, csv_label = LABELS[lang]
        expect(page.get_by_role("button", name=csv_label)).to_be_visible()
        settled(page)
        if TAKE_SCREENSHOTS:
            SHOTS.mkdir(exist_ok=True)
            page.get_by_role("button", name=csv_label).scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"downloads-{username}-{lang}.png"))
        folder = tmp_path / username
        folder.mkdir()
        report = _download(page, html_label, folder).decode("utf-8")
        as_of = "2026年11月26日" if lang == "ja" else "26 Nov 2026"
        assert as_of in report and f"<b>{view.project_count:,}</b>" in report, username
        pdf = _download(page, pdf_label, folder)
        assert pdf.startswith(b"%PDF-") and html_to_pdf(report)[1] == 1
        book = openpyxl.load_workbook(io.BytesIO(_download(page, xlsx_label, folder)))
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        assert header[0] == ("プロジェクトコード" if lang == "ja" else "Project"), header
        assert sheet.max_row - 1 == rows, username
        csv = _download(page, csv_label, folder).decode("utf-8-sig")
        assert len([line for line in csv.split("\r\n")[1:] if line]) == rows
        assert csv.split(",", 1)[0] == header[0]
    db.close()
    assert 0 < counts[DEMO_PARTNER] < counts[DEMO_ADMIN]
    assert counts[DEMO_EXECUTIVE] == counts[DEMO_ADMIN]
    # The language switch: the same role in English gets English files.
    page.context.clear_cookies()
    sign_in(page, f"{server}/?lang=en", DEMO_EXECUTIVE)
    label = LABELS["en"][2]
    expect(page.get_by_role("button", name=label)).to_be_visible()
    book = openpyxl.load_workbook(io.BytesIO(_download(page, label, tmp_path)))
    assert [c.value for c in book.worksheets[1][1]][:2] == ["Project", "Project name"]
    assert re.search("Status", str([c.value for c in book.worksheets[1][1]]))
