"""The funding page's parts (and the pieces the project page's funding part shares): the money-unit
choice, the programme and stage filters, headline figures, the four charts, the tables, the flags
with the rows behind them. Everything read is kpi.funding's; this only lays it out."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kpi.charts import overview_css
from kpi.formatting.yen import DEFAULT_SCALE, SCALES, Scale, format_yen, scale_label
from kpi.funding.charts import Measure, budget_spent_chart, burn_chart, programme_stage_chart, sector_chart
from kpi.funding.detail import (
    BURN_CHART_AWARDS,
    STAGES,
    FundingDetail,
    burn_outliers,
    burn_points,
    duties_in_view,
    headline,
    lines_to_date,
    own_share_sums,
)
from kpi.funding.obligations import Obligation
from kpi.funding.status import Flag, FundingStatus
from kpi.funding.tables import (
    MONEY,
    awards_table,
    calls_table,
    duties_table,
    flag_explanation,
    flag_rows,
    flag_title,
    headers,
    names_of,
)
from kpi.i18n import t
from ui.session import language
from ui.widgets import keep, sticky

_RIGHT = MONEY | {"burn", "time_elapsed", "burn_vs_time"}
_CHART_CONFIG = {"displayModeBar": False}
# Six figures a row on a wide screen, two or three on a phone: smaller than Streamlit's metric size,
# as the overview's totals (kpi.charts.overview_css).
_METRIC_CSS = (
    "<style>[class*='st-key-fund_totals'] [data-testid='stMetricValue'],"
    " [class*='st-key-pf_totals_'] [data-testid='stMetricValue']"
    " {font-size: 1.35rem; line-height: 1.25}"
    " @media (max-width: 640px) {"
    "[class*='st-key-fund_totals'] [data-testid='stMetricValue'] {font-size: 1.1rem}"
    # inside an award's card there is less room: two a row still
    " [class*='st-key-pf_totals_'] [data-testid='stMetricValue'] {font-size: 0.95rem}"
    " [class*='st-key-pf_totals_'] [data-testid='stMetric'] > div {padding: 0.3rem 0.6rem 0.2rem}}</style>"
)


def scale_widget() -> Scale:
    """円 / 千円 / 百万円, in the sidebar; remembered for the session (and on the project page)."""
    sticky("funding_scale", DEFAULT_SCALE)
    lang = language()  # format_func must not read the session when called later
    st.sidebar.segmented_control(
        t("funding_page.scale", lang),
        list(SCALES),
        key="funding_scale",
        format_func=lambda s: scale_label(lang, s),
        selection_mode="single",
    )
    if st.session_state.get("funding_scale") not in SCALES:  # a second click unselects: keep a unit
        st.session_state["funding_scale"] = DEFAULT_SCALE
    keep("funding_scale")
    return current_scale()


def current_scale() -> Scale:
    chosen = st.session_state.get("funding_scale", st.session_state.get("_keep_funding_scale"))
    return next((s for s in SCALES if s == chosen), DEFAULT_SCALE)


def filters_widget(status: FundingStatus, lang: str) -> tuple[list[str], list[str]]:
    """The programme and stage filters (empty: all), in the sidebar."""
    programmes = status.awards.drop_duplicates("programme_code").sort_values("programme_code")
    names = names_of(
        programmes.rename(columns={"programme_name_ja": "name_ja", "programme_name_en": "name_en"}),
        "programme_code",
        lang,
    )
    sticky("funding_programmes", [])
    sticky("funding_stages", [])
    st.session_state["funding_programmes"] = [p for p in st.session_state["funding_programmes"] if p in names]
    with st.sidebar:
        st.multiselect(
            t("funding_page.programme_filter", lang),
            list(names),
            key="funding_programmes",
            format_func=lambda c: names.get(c, c),
            placeholder=t("filters.all", lang),
        )
        st.multiselect(
            t("funding_page.stage_filter", lang),
            list(STAGES),
            key="funding_stages",
            format_func=lambda s: t(f"funding.stage.{s}", lang),
            placeholder=t("filters.all", lang),
        )
    keep("funding_programmes", "funding_stages")
    return list(st.session_state["funding_programmes"]), list(st.session_state["funding_stages"])


def metrics(figures: Mapping[str, int], lang: str, scale: Scale, *, key: str) -> None:
    """Decided, budget, eligible spend, subsidy, own share and cash gap, one wrapping row."""
    st.html(_METRIC_CSS)
    with st.container(horizontal=True, gap="small", key=key):
        for name in ("decided", "budget", "eligible", "subsidy", "own_share", "cash_gap"):
            st.metric(
                t(f"funding_page.m_{name}", lang),
                format_yen(figures[name], lang, scale),
                help=t(f"funding_page.help_{name}", lang),
                border=True,
                width="content",
            )


def headline_section(status: FundingStatus, lang: str, scale: Scale, *, partner: bool) -> None:
    metrics(headline(status), lang, scale, key="fund_totals")
    if partner:
        own = own_share_sums(status)
        st.caption(
            t(
                "funding_page.own_line",
                lang,
                eligible=format_yen(own["eligible"], lang, scale),
                subsidy=format_yen(own["subsidy"], lang, scale),
                own_share=format_yen(own["own_share"], lang, scale),
            )
        )


def chart(where: Any, title: str, figure: go.Figure | None, empty: str, key: str) -> None:
    """A chart with its title above it in the page's text (it wraps on a phone); a sentence instead
    of an empty plot."""
    where.html(f'<div class="ov-chart-title">{html.escape(title)}</div>')
    if figure is None:
        where.caption(empty)
    else:
        where.plotly_chart(figure, config=_CHART_CONFIG, key=key)


def award_labels(status: FundingStatus) -> dict[str, str]:
    """Award number → how a chart row names it: the number alone (short enough for a phone; the
    project is in the awards table)."""
    return {str(a): str(a) for a in status.awards["award_number"]}


def charts_section(
    status: FundingStatus,
    detail: FundingDetail,
    project_names: Mapping[str, str],
    lang: str,
    scale: Scale,
    *,
    wareki: bool,
    partner: bool,
) -> None:
    st.html(f"<style>{overview_css()}</style>")
    spent = lines_to_date(detail, status.as_of)
    has_lines = bool(len(spent)) and bool((spent[["budget", "spent"]] != 0).any().any())
    points = burn_points(status)
    has_spend = bool((status.sectors[["subsidy", "own_share"]] != 0).any().any())
    left, right = st.columns(2)
    title = t("funding_page.chart_budget_own" if partner else "funding_page.chart_budget", lang)
    chart(
        left,
        title,
        budget_spent_chart(spent, lang, scale, wareki=wareki) if has_lines else None,
        t("funding_page.no_lines", lang),
        "fund_chart_budget",
    )
    chart(
        right,
        t("funding_page.chart_burn", lang),
        burn_chart(burn_outliers(points), award_labels(status), lang, wareki=wareki) if len(points) else None,
        t("funding_page.no_burn", lang),
        "fund_chart_burn",
    )
    if len(points) > BURN_CHART_AWARDS:
        right.caption(t("funding_page.burn_outliers", lang, shown=BURN_CHART_AWARDS, total=len(points)))
    left, right = st.columns(2)
    title = t("funding_page.chart_sectors_own" if partner else "funding_page.chart_sectors", lang)
    chart(
        left,
        title,
        sector_chart(status.sectors, lang, scale) if has_spend else None,
        t("funding_page.no_spend", lang),
        "fund_chart_sectors",
    )
    with right:
        measures = {
            "count": t("funding_page.measure_count", lang),
            "decided": t("funding_page.measure_decided", lang),
        }
        sticky("funding_measure", "count")
        measure: Measure = "decided" if st.session_state.get("funding_measure") == "decided" else "count"
        chart(
            st,
            t("funding_page.chart_programmes", lang),
            programme_stage_chart(status.awards, lang, scale, measure=measure),
            "",
            "fund_chart_programmes",
        )
        st.segmented_control(
            t("funding_page.measure", lang),
            list(measures),
            key="funding_measure",
            format_func=lambda m: measures[m],
            label_visibility="collapsed",
        )
        keep("funding_measure")


def table(frame: pd.DataFrame, lang: str, scale: Scale, *, key: str, pinned: str | None = None) -> None:
    """A display table: headers from the catalog (money with its unit), figures right-aligned."""
    labels = headers(frame.columns, lang, scale)
    config: dict[str, Any] = {}
    for column in frame.columns:
        if column == "url":
            config[column] = st.column_config.LinkColumn(
                labels[column], display_text=t("funding_page.open_url", lang)
            )
        else:
            config[column] = st.column_config.TextColumn(
                labels[column],
                alignment="right" if column in _RIGHT else None,
                pinned=column == pinned or None,
            )
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config, placeholder="—", key=key)


def awards_section(
    status: FundingStatus, project_names: Mapping[str, str], lang: str, scale: Scale, *, wareki: bool
) -> None:
    st.subheader(t("funding_page.awards", lang))
    frame = awards_table(status.awards, burn_points(status), project_names, lang, scale, wareki=wareki)
    table(frame, lang, scale, key="fund_awards", pinned="award_number")
    st.caption(t("funding_page.awards_caption", lang))


FLAG_EXPANDERS = 20


def flags_section(
    flags: Iterable[Flag], detail: FundingDetail, lang: str, scale: Scale, *, wareki: bool, key: str
) -> None:
    """Each flag as an expander: what it is about, in words and numbers, and the rows behind it."""
    flags = list(flags)
    if not flags:
        st.caption(t("funding_page.no_flags", lang))
        return
    categories = names_of(detail.category_names, "category_code", lang)
    organizations = names_of(detail.organizations, "organization_code", lang)
    if len(flags) > FLAG_EXPANDERS:  # hundreds of expanders cost seconds a run: the largest, then a table
        st.caption(t("funding_page.flags_more", lang, shown=FLAG_EXPANDERS, total=len(flags)))
        rest = sorted(flags, key=lambda f: -abs(f.amount))
        flags, others = rest[:FLAG_EXPANDERS], rest[FLAG_EXPANDERS:]
        st.dataframe(
            pd.DataFrame(
                {
                    t("funding_table.col_award_number", lang): [f.award_number for f in others],
                    t("funding_page.flag_kind", lang): [t(f"funding.flag.{f.code}", lang) for f in others],
                    t("funding_page.flag_amount", lang): [format_yen(f.amount, lang, scale) for f in others],
                }
            ),
            hide_index=True,
            width="stretch",
            key=f"{key}_others",
        )
    for n, flag in enumerate(flags):
        with st.expander(f":material/flag: {flag_title(flag, lang, scale, wareki=wareki)}"):
            st.markdown(flag_explanation(flag, categories, lang, scale))
            if flag.rows:
                rows = flag_rows(flag, categories, organizations, lang, scale, wareki=wareki)
                table(rows, lang, scale, key=f"{key}_{n}")


def duties_section(
    duties: list[Obligation],
    detail: FundingDetail,
    project_names: Mapping[str, str],
    lang: str,
    *,
    wareki: bool,
    key: str,
    one_award: bool = False,
) -> None:
    """Duties as a table; `one_award`: inside an award's card, without its number and project."""
    organizations = names_of(detail.organizations, "organization_code", lang)
    frame = duties_table(duties, project_names, organizations, lang, wareki=wareki)
    if one_award:
        frame = frame.drop(columns=["award_number", "project"])
    table(frame, lang, DEFAULT_SCALE, key=key)


def overview_duties(
    status: FundingStatus, detail: FundingDetail, project_names: Mapping[str, str], lang: str, *, wareki: bool
) -> None:
    st.subheader(t("funding_page.duties", lang))
    soon, later = duties_in_view(status)
    if soon:
        duties_section(soon, detail, project_names, lang, wareki=wareki, key="fund_duties")
    else:
        st.caption(t("funding_page.no_duties", lang))
    if later:
        st.caption(t("funding_page.duties_later", lang, n=later))


def calls_section(status: FundingStatus, lang: str, *, wareki: bool) -> None:
    st.subheader(t("funding_page.calls", lang))
    if not len(status.calls):
        st.caption(t("funding_page.no_calls", lang))
        return
    table(calls_table(status.calls, lang, wareki=wareki), lang, DEFAULT_SCALE, key="fund_calls")
