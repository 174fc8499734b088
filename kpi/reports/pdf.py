"""The executive one-pager as PDF: kpi.report's HTML and print CSS, laid out by WeasyPrint (pango
shapes the Japanese with Noto Sans CJK JP). The page, the CLI and the tests call this one function."""

from __future__ import annotations

import logging
from datetime import date

from kpi.access import Actor
from kpi.portfolio.filters import Filters
from kpi.reports.executive import report_html
from kpi.storage import Database


def html_to_pdf(page: str) -> tuple[bytes, int]:
    """(PDF bytes, number of pages) of an HTML document that needs nothing from the network."""
    from weasyprint import HTML  # imported on use: it loads pango, a second or so

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # unsupported CSS is not news to a user
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = HTML(string=page).render()
    return document.write_pdf() or b"", len(document.pages)


def report_pdf(
    db: Database, as_of: date, lang: str, filters: Filters | None = None, *, actor: Actor
) -> bytes:
    """The same report as report_html, as an A4 PDF."""
    return html_to_pdf(report_html(db, as_of, lang, filters, actor=actor))[0]
