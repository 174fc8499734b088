"""The overview's four take-away files for every role, built by the page itself (AppTest): the
report (HTML and PDF) and the 効果検証 exports (.xlsx and .csv) hold what the signed-in role may
read, in the page's language.

The page hands Streamlit a callable per button (a deferred download, run when the button is
clicked, outside the script run). These tests record the callables the page passes to
download_button and call them as Streamlit's server would, so what is checked is what each role's
click would get. One real click per file, through Chromium, is tests/test_browser_downloads.py.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Role
from kpi.demo.load import DEMO_ACCOUNTS
from kpi.portfolio.overview import build_overview
from kpi.reports.evaluation import evaluation_table
from kpi.storage import Database
from tests.conftest import DEMO_ADMIN, DEMO_EXECUTIVE, DEMO_LEAD, DEMO_PARTNER, DEMO_TODAY, signed_in

ROOT = Path(__file__).parent.parent
ACTORS = {name: Actor(name, Role(role), org) for name, _password, role, org, _display in DEMO_ACCOUNTS}
LABELS = {  # the four buttons, in the order of their keys
    "ja": ("経営層向けレポート（HTML）", "経営層向けレポート（PDF）", "効果検証表（Excel）",
           "効果検証表（CSV）"),
    "en": ("Executive report (HTML)", "Executive report (PDF)", "Evaluation table (Excel)",
           "Evaluation table (CSV)"),
}  # fmt: skip
KEYS = ("download_html", "download_pdf", "download_xlsx", "download_csv")
# Three roles in Japanese here; the partner (in English) clicks the same four buttons in Chromium
# (tests/test_browser_downloads.py), with the same checks on the files.
CASES = [(DEMO_ADMIN, "ja"), (DEMO_EXECUTIVE, "ja"), (DEMO_LEAD, "ja")]


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF as WeasyPrint writes it: page objects, in the file or in its compressed
    object streams."""
    page = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
    count = len(page.findall(pdf))
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            count += len(page.findall(zlib.decompress(stream.group(1))))
        except zlib.error:
            continue  # not a deflated stream (an image, a font): no page objects in it
    return count


def page_downloads(
    monkeypatch: pytest.MonkeyPatch, db_path: Path, username: str, lang: str
) -> dict[str, tuple[str, Callable[[], Any], str]]:
    """Run the overview as `username` in `lang`; the download buttons it draws, by key:
    (label, the callable a click runs, file name)."""
    buttons: dict[str, tuple[str, Callable[[], Any], str]] = {}
    draw = DeltaGenerator.download_button

    def recording(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        if callable(data):
            buttons[str(kwargs.get("key"))] = (label, data, str(kwargs.get("file_name")))
        return draw(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    monkeypatch.setenv("KPI_DB", str(db_path))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), username)
    app.query_params["lang"] = lang
    app.run()
    assert not app.exception, app.exception
    assert sorted(buttons) == sorted(KEYS), buttons
    return buttons


def content(data: Any) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


@pytest.mark.parametrize("username, lang", CASES)
def test_each_role_takes_the_four_files_away(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, username: str, lang: str
) -> None:
    buttons = page_downloads(monkeypatch, demo_db_path, username, lang)
    assert [buttons[key][0] for key in KEYS] == list(LABELS[lang])
    stem = DEMO_TODAY.isoformat()
    assert [buttons[key][2] for key in KEYS] == [
        f"kpi_report_{stem}_{lang}.html", f"kpi_report_{stem}_{lang}.pdf",
        f"kpi_evaluation_{stem}_{lang}.xlsx", f"kpi_evaluation_{stem}_{lang}.csv",
    ]  # fmt: skip
    files = {key: content(buttons[key][1]()) for key in KEYS}  # what a click on each button gets

    who = ACTORS[username]
    db = Database(demo_db_path)
    try:
        view = build_overview(db, DEMO_TODAY, lang, actor=who)
        rows = len(evaluation_table(db, DEMO_TODAY, lang, actor=who))
    finally:
        db.close()
    report = files["download_html"].decode("utf-8")
    as_of = "2026年11月26日" if lang == "ja" else "26 Nov 2026"
    assert as_of in report and f"<b>{view.project_count:,}</b>" in report
    # the KPI one-pager, then the funding page (every demo role reads at least one funded project)
    assert files["download_pdf"].startswith(b"%PDF-") and pdf_pages(files["download_pdf"]) == 2
    book = openpyxl.load_workbook(io.BytesIO(files["download_xlsx"]))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[0] == ("プロジェクトコード" if lang == "ja" else "Project"), header
    assert sheet.max_row - 1 == rows
    csv = files["download_csv"].decode("utf-8-sig")
    assert len([line for line in csv.split("\r\n")[1:] if line]) == rows
    assert csv.split(",", 1)[0] == header[0]


def test_the_same_role_in_english_gets_english_files(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path
) -> None:
    buttons = page_downloads(monkeypatch, demo_db_path, DEMO_EXECUTIVE, "en")
    label, data, _name = buttons["download_xlsx"]
    assert label == LABELS["en"][2]
    book = openpyxl.load_workbook(io.BytesIO(content(data())))
    assert book.worksheets[0]["A1"].value == "Project"
    status_header = [c.value for c in book.worksheets[1][1]]
    assert status_header[:2] == ["Project", "Project name"] and "Status" in status_header


def test_the_files_hold_what_each_role_may_read(demo_db: Database) -> None:
    """The rows the files above hold (each equals the role's table there): the partner reads part
    of the portfolio, the executive all of it, as the administrator does."""
    languages = {**dict(CASES), DEMO_PARTNER: "en"}  # each role in the language its files are checked in
    rows = {
        name: len(evaluation_table(demo_db, DEMO_TODAY, lang, actor=ACTORS[name]))
        for name, lang in languages.items()
    }
    assert 0 < rows[DEMO_PARTNER] < rows[DEMO_ADMIN]
    assert rows[DEMO_EXECUTIVE] == rows[DEMO_ADMIN]


def test_pdf_pages_counts_what_weasyprint_laid_out() -> None:
    """The page count above is read off the downloaded bytes; it agrees with WeasyPrint's own."""
    from kpi.reports.pdf import html_to_pdf

    pdf, pages = html_to_pdf("<html><body>" + "<p>line</p>" * 120 + "</body></html>")
    assert pages > 1 and pdf_pages(pdf) == pages
