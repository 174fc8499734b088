"""Overview for executives: headline numbers, the projects × KPIs status matrix, breakdowns."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from kpi.access import Actor, scope_key
from kpi.charts import status_bar_chart, status_frame_styles
from kpi.filters import Filters
from kpi.i18n import t
from kpi.overview import PAGE_SIZE, SORTS, Overview, build_overview, portfolio_snapshot, share
from kpi.project_view import fmt, pct
from views.common import (
    actor,
    as_of_widget,
    cached_version,
    database,
    enter_page,
    filters_widget,
    keep,
    language,
    show_date,
    sticky,
    sync_url,
    tr,
)


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def _snapshot(path: str, version: tuple[Any, ...], as_of: date) -> pd.DataFrame:
    """The portfolio's status at as_of: paging, sorting and filters reuse it (keyed by data version)."""
    return portfolio_snapshot(database(), as_of)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _overview(
    path: str,
    version: tuple[Any, ...],
    as_of: date,
    lang: str,
    filters: Filters,
    sort: str,
    page: int,
    scope: tuple[str, str],
    _actor: Actor,
) -> Overview:
    """Cached per `scope` (kpi.access.scope_key): users who may read the same projects share it."""
    status = _snapshot(path, version, as_of)
    return build_overview(database(), as_of, lang, filters, sort=sort, page=page, status=status, actor=_actor)


enter_page("overview")
lang = language()
as_of = as_of_widget()
filters = filters_widget()
st.title(tr("overview.heading"))
st.caption(tr("overview.as_of_caption", date=show_date(as_of)))

linked_sort, linked_page = st.query_params.get("sort"), st.query_params.get("page") or "1"
sticky("ov_sort", linked_sort if linked_sort in SORTS else "worst")
sticky("ov_page", int(linked_page) if linked_page.isdigit() else 1)
view = _overview(
    database().path,
    cached_version(),
    as_of,
    lang,
    filters,
    st.session_state["ov_sort"],
    int(st.session_state["ov_page"]),
    scope_key(actor()),
    actor(),
)

if view.project_count == 0:
    st.info(tr("overview.empty") if filters.is_empty() else tr("overview.nothing_matches"))
    sync_url()
    st.stop()

# -- headline numbers ----------------------------------------------------------------------
st.caption(tr("overview.by_worst_help"))
counts = st.columns([1.6] + [1] * len(view.status_counts))
counts[0].metric(tr("overview.projects"), f"{view.project_count:,}", border=True)
for column, (status, count) in zip(counts[1:], view.status_counts.items(), strict=True):
    column.metric(tr(f"status.{status}"), f"{count:,}", border=True)
h = view.headline
totals = st.columns(5)
totals[0].metric(
    tr("overview.kpis_achieved"),
    pct(share(h["kpis_achieved"], h["kpis_with_target"])),
    tr("overview.n_of_total", n=f"{h['kpis_achieved']:,}", total=f"{h['kpis_with_target']:,}"),
    delta_color="off",
    delta_arrow="off",
)
totals[1].metric(
    tr("overview.projects_with_achieved"),
    pct(share(h["projects_with_achieved"], h["projects"])),
    tr("overview.n_of_total", n=f"{h['projects_with_achieved']:,}", total=f"{h['projects']:,}"),
    delta_color="off",
    delta_arrow="off",
)
for column, code in zip(totals[2:4], ("joint_studies", "local_jobs"), strict=True):
    column.metric(
        tr(f"overview.total_{code}"),
        fmt(h[code], 0),
        tr(
            "overview.of_target",
            target=fmt(h[f"{code}_target"], 0),
            share=pct(share(h[code], h[f"{code}_target"])),
        ),
        delta_color="off",
        delta_arrow="off",
        help=tr("overview.totals_help"),
    )
totals[4].metric(
    tr("overview.median_tti"),
    tr("overview.months", n=fmt(h["tti_median"], 1)),
    tr("overview.median_target", n=fmt(h["tti_target_median"], 1)),
    delta_color="off",
    delta_arrow="off",
    help=tr("overview.tti_help"),
)

# -- the status matrix, one page at a time -------------------------------------------------
st.subheader(tr("overview.matrix"))
controls = st.columns([2, 1, 3])
st.session_state["ov_page"] = view.page  # a narrower filter may have fewer pages
controls[0].selectbox(
    tr("overview.sort"),
    SORTS,
    key="ov_sort",
    format_func=lambda s: t(f"overview.sort_{s}", lang),
    on_change=lambda: st.session_state.update(ov_page=1),
)
controls[1].number_input(
    tr("overview.page", pages=view.pages), min_value=1, max_value=view.pages, step=1, key="ov_page"
)
first = (view.page - 1) * PAGE_SIZE + 1
controls[2].caption(
    tr(
        "overview.page_range",
        first=f"{first:,}",
        last=f"{first + len(view.table) - 1:,}",
        total=f"{view.project_count:,}",
    )
)
status_columns = ["overall", *view.kpi_columns.values()]
shown = view.table.assign(link="project?project=" + view.table["project_code"] + f"&lang={lang}")
styles = status_frame_styles(view.statuses, status_columns).assign(link="")
event = st.dataframe(
    shown.style.apply(lambda _: styles, axis=None),
    placeholder="—",  # a missing value reads as a dash, never "None"
    hide_index=True,
    width="stretch",
    height=38 + 35 * len(shown),
    key=f"matrix_{view.page}",
    on_select="rerun",
    selection_mode="single-row",
    column_order=["project_code", "project_name", *status_columns, "link"],
    column_config={
        "project_code": st.column_config.TextColumn(tr("column.project_code"), pinned=True),
        "project_name": st.column_config.TextColumn(tr("column.project_name"), width="medium"),
        "overall": tr("overview.overall"),
        "link": st.column_config.LinkColumn(tr("overview.link"), display_text=tr("overview.open")),
    },
)
keep("ov_sort", "ov_page")
st.caption(tr("overview.select_hint"))
rows = event.selection.rows if event is not None else []
if rows:
    code = str(view.table.iloc[rows[0]]["project_code"])
    st.switch_page("views/project.py", query_params={"project": code, "lang": lang})

# -- the whole filtered portfolio, aggregated ----------------------------------------------
st.plotly_chart(
    status_bar_chart(view.kpi_counts, lang, title=tr("overview.by_kpi"), key_labels={}),
    config={"displayModeBar": False},
)
st.subheader(tr("overview.breakdowns"))
for pair in (("field", "prefecture"), ("sector", "phase")):
    for column, dimension in zip(st.columns(2), pair, strict=True):
        figure = status_bar_chart(
            view.breakdowns[dimension], lang, title=tr(f"overview.by_{dimension}"), key_labels=view.key_labels
        )
        column.plotly_chart(figure, config={"displayModeBar": False})
st.caption(tr("overview.breakdown_help"))
sync_url(
    sort=None if st.session_state["ov_sort"] == "worst" else st.session_state["ov_sort"],
    page=None if view.page == 1 else str(view.page),
)

# -- executive report and exports for these filters and this as-of date (built on click) -------
from kpi.evaluation import export_bytes  # noqa: E402
from kpi.report import report_html  # noqa: E402

stamp = as_of.isoformat()
downloads = st.columns(3)
downloads[0].download_button(
    tr("report.download"),
    data=lambda: report_html(database(), as_of, lang, filters, actor=actor()),
    file_name=f"kpi_report_{stamp}_{lang}.html",
    mime="text/html",
    icon=":material/summarize:",
)
downloads[1].download_button(
    tr("export.download_xlsx"),
    data=lambda: export_bytes(database(), as_of, lang, "xlsx", filters, actor=actor())[0],
    file_name=f"kpi_evaluation_{stamp}_{lang}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
downloads[2].download_button(
    tr("export.download_csv"),
    data=lambda: export_bytes(database(), as_of, lang, "csv", filters, actor=actor())[0],
    file_name=f"kpi_evaluation_{stamp}_{lang}.csv",
    mime="text/csv",
)
