"""The executive report as PDF (WeasyPrint): the KPI one-pager on one A4 page for the demo portfolio
and the funding part on a second, Japanese set in Noto Sans CJK JP, the same as-of date and filters
as the HTML."""

from __future__ import annotations

import re
import zlib
from datetime import date
from pathlib import Path

import pytest

from kpi.portfolio.filters import Filters
from kpi.reports.executive import report_html
from kpi.reports.pdf import html_to_pdf, report_pdf
from kpi.storage import Database
from tests.conftest import OPERATOR

AS_OF = date(2026, 11, 30)
A4_POINTS = (595, 842)  # 210 x 297 mm


def _objects(pdf: bytes) -> bytes:
    """The PDF's text with its compressed (object) streams opened."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


def _page_count(pdf: bytes) -> int:
    """/Type /Page objects (not /Pages), read from the file's own structure."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", _objects(pdf)))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_demo_fits_one_a4_page(demo_db_path: Path, lang: str) -> None:
    db = Database(demo_db_path)
    try:
        page = report_html(db, AS_OF, lang, actor=OPERATOR, funding=False)
        whole = report_html(db, AS_OF, lang, actor=OPERATOR)
    finally:
        db.close()
    pdf, pages = html_to_pdf(page)
    assert pdf.startswith(b"%PDF-") and pages == 1 and _page_count(pdf) == 1
    assert html_to_pdf(whole)[1] == 2  # the funding part starts a page of its own, and fits it
    objects = _objects(pdf)
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", objects)
    assert box is not None and tuple(round(float(v)) for v in box.groups()) == A4_POINTS
    fonts = set(re.findall(rb"/BaseFont\s*/([\w+-]+)", objects))
    assert fonts and all(b"Noto-Sans-CJK-JP" in f for f in fonts), fonts  # embedded, no fallback


def test_report_pdf_follows_the_filters(demo_db: Database) -> None:
    """A narrower portfolio is still one page, and one more for its funding (P01's and P13's awards);
    the function the page and the CLI call."""
    pdf = report_pdf(demo_db, AS_OF, "en", Filters(prefectures=("北海道",)), actor=OPERATOR)
    assert pdf.startswith(b"%PDF-") and _page_count(pdf) == 2
