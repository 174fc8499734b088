"""Overview for executives: headline numbers, the projects × KPIs status matrix, breakdowns."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import html
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from kpi.access import Actor, scope_key
from kpi.charts import overview_css, status_bar_chart, status_frame_styles
from kpi.i18n import t
from kpi.portfolio.filters import Filters
from kpi.portfolio.overview import PAGE_SIZE, SORTS, Overview, build_overview, portfolio_snapshot, share
from kpi.project.view import fmt, pct
from ui.database import cached_version, database
from ui.sections.overview_downloads import download_row
from ui.session import actor, language, show_date, tr
from ui.widgets import as_of_widget, enter_page, filters_widget, keep, sticky, sync_url


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


def _chart(where: Any, frame: pd.DataFrame, title: str, key_labels: dict[str, str], lang: str) -> None:
    """A status bar chart with its title above it in the page's text: it wraps on a phone, where a
    plotly title would be cut."""
    where.html(f'<div class="ov-chart-title">{html.escape(title)}</div>')
    where.plotly_chart(
        status_bar_chart(frame, lang, title="", key_labels=key_labels), config={"displayModeBar": False}
    )


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

# -- headline numbers: one row of status chips, then the totals, both wrapping on a phone ------
st.html(f"<style>{overview_css()}</style>")
st.caption(tr("overview.by_worst_help"))
with st.container(horizontal=True, gap="small", key="ov_chips"):
    with st.container(width="content", key="ov_chip_total"):
        st.metric(tr("overview.projects"), f"{view.project_count:,}", border=True, width="content")
    for status, count in view.status_counts.items():
        with st.container(width="content", key=f"ov_chip_{status}"):
            st.metric(tr(f"status.{status}"), f"{count:,}", border=True, width="content")
h = view.headline


def _share_metric(label: str, part: int, whole: int) -> None:
    """A share as a percentage, with "n of total" beneath it."""
    st.metric(
        tr(label),
        pct(share(part, whole)),
        tr("overview.n_of_total", n=f"{part:,}", total=f"{whole:,}"),
        delta_color="off",
        delta_arrow="off",
        width="content",
    )


with st.container(horizontal=True, gap="small", key="ov_totals"):
    _share_metric("overview.kpis_achieved", h["kpis_achieved"], h["kpis_with_target"])
    _share_metric("overview.projects_with_achieved", h["projects_with_achieved"], h["projects"])
    for code in ("joint_studies", "local_jobs"):
        st.metric(
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
            width="content",
        )
    # Against the plan at the as-of date: a final target of 0 months years ahead is no yardstick now.
    st.metric(
        tr("overview.median_tti"),
        tr("overview.months", n=fmt(h["tti_median"], 1)),
        tr("overview.median_plan", n=fmt(h["tti_plan_median"], 1)),
        delta_color="off",
        delta_arrow="off",
        help=tr("overview.tti_help", target=fmt(h["tti_target_median"], 1)),
        width="content",
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
    height=38 + 35 * len(shown) + 14,  # room for the sideways scroll bar under the last row
    key=f"matrix_{view.page}",
    on_select="rerun",
    selection_mode="single-row",
    # the link next to the name: with many KPIs the last columns scroll sideways, never the link
    column_order=["project_code", "project_name", "link", *status_columns],
    column_config={
        "project_code": st.column_config.TextColumn(tr("column.project_code"), pinned=True),
        # Wide enough for most names; not pinned, or a phone would show nothing beside them.
        "project_name": st.column_config.TextColumn(tr("column.project_name"), width=260),
        "overall": tr("overview.overall"),
        "link": st.column_config.LinkColumn(tr("overview.link"), display_text=tr("overview.open"), width=70),
    },
)
if len(view.kpi_columns) > 5:  # more KPI columns than a laptop's width shows
    st.caption(tr("overview.scroll_hint", n=len(view.kpi_columns)))
keep("ov_sort", "ov_page")
st.caption(tr("overview.select_hint"))
rows = event.selection.rows if event is not None else []
if rows:
    code = str(view.table.iloc[rows[0]]["project_code"])
    st.switch_page("pages/project.py", query_params={"project": code, "lang": lang})

# -- the whole filtered portfolio, aggregated ----------------------------------------------
_chart(st, view.kpi_counts, tr("overview.by_kpi"), {}, lang)
st.subheader(tr("overview.breakdowns"))
for pair in (("field", "prefecture"), ("sector", "phase")):
    for column, dimension in zip(st.columns(2), pair, strict=True):
        _chart(column, view.breakdowns[dimension], tr(f"overview.by_{dimension}"), view.key_labels, lang)
st.caption(tr("overview.breakdown_help"))
sync_url(
    sort=None if st.session_state["ov_sort"] == "worst" else st.session_state["ov_sort"],
    page=None if view.page == 1 else str(view.page),
)

# -- executive report and exports for these filters and this as-of date ----------------------
download_row(as_of, lang, filters)
