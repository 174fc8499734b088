"""The overview's take-away files: the executive report (HTML and PDF) and the 効果検証 exports
(.xlsx and .csv) for the page's filters and as-of date.

Each file is built only when its button is clicked (a deferred download): Streamlit then runs the
callable outside the user's script run, where st.session_state is not there, so everything it
needs (database, signed-in actor, language, filters, as-of) is read here, on the run, and the
callable only calls kpi."""

from __future__ import annotations

from datetime import date

import streamlit as st

from kpi.portfolio.filters import Filters
from kpi.reports.evaluation import export_bytes
from kpi.reports.executive import report_html
from kpi.reports.pdf import html_to_pdf
from ui.database import database
from ui.session import actor, tr

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_row(as_of: date, lang: str, filters: Filters) -> None:
    db, who = database(), actor()  # read on the run: the callables below run without the session
    report, export = f"kpi_report_{as_of.isoformat()}_{lang}", f"kpi_evaluation_{as_of.isoformat()}_{lang}"
    # Two columns of two: four side by side cut the labels at 1400 px; a phone stacks them anyway.
    html_column, xlsx_column = st.columns(2)
    pdf_column, csv_column = html_column, xlsx_column
    html_column.download_button(
        tr("report.download"),
        data=lambda: report_html(db, as_of, lang, filters, actor=who),
        file_name=f"{report}.html",
        mime="text/html",
        icon=":material/summarize:",
        on_click="ignore",  # a download needs no rerun of the page
        key="download_html",
    )
    pdf_column.download_button(
        tr("report.download_pdf"),
        data=lambda: html_to_pdf(report_html(db, as_of, lang, filters, actor=who))[0],
        file_name=f"{report}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        key="download_pdf",
    )
    xlsx_column.download_button(
        tr("export.download_xlsx"),
        data=lambda: export_bytes(db, as_of, lang, "xlsx", filters, actor=who)[0],
        file_name=f"{export}.xlsx",
        mime=XLSX,
        icon=":material/table_view:",
        on_click="ignore",
        key="download_xlsx",
    )
    csv_column.download_button(
        tr("export.download_csv"),
        data=lambda: export_bytes(db, as_of, lang, "csv", filters, actor=who)[0],
        file_name=f"{export}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="download_csv",
    )
