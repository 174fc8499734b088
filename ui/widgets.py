"""The widgets pages share: the as-of date, the portfolio filters and the project picker, whose
state is kept across pages and written to the URL (sync_url), so a link opens the same view."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from kpi.fiscal import fiscal_year_label
from kpi.i18n import t
from kpi.portfolio.filters import PHASES, SECTORS, Filters, date_from_link, from_query, to_query
from ui.database import filter_choices, names, project_choices_for
from ui.session import actor, language, today, tr, wareki


def _url_list(key: str) -> list[str]:
    return list(st.query_params.get_all(key))


def enter_page(name: str) -> None:
    """Call first on every page: widgets of the same key on another page start from their default,
    so shared widgets are restored from their shadow copies whenever the page changes."""
    st.session_state["_page_changed"] = st.session_state.get("_last_page") != name
    st.session_state["_last_page"] = name


def sticky(key: str, default: Any) -> None:
    """A widget key that survives pages: restored from its shadow copy (else `default`, e.g. from the
    URL) on entering a page; left alone while the user works on the same page."""
    if key not in st.session_state or st.session_state.get("_page_changed", True):
        st.session_state[key] = st.session_state.get(f"_keep_{key}", default)


def keep(*keys: str) -> None:
    for key in keys:
        st.session_state[f"_keep_{key}"] = st.session_state[key]


def as_of_widget() -> date:
    """The as-of date, in the sidebar; from ?as_of= on first visit, else today."""
    sticky("as_of", date_from_link(st.query_params.get("as_of"), today()))
    st.sidebar.date_input(tr("overview.as_of"), key="as_of", format="YYYY-MM-DD")
    keep("as_of")
    return st.session_state["as_of"]


def filters_widget() -> Filters:
    """Fiscal year, field, prefecture, sector and phase, in the sidebar; from the URL on first visit."""
    lang = language()  # format_func must not read the session when called later
    options = filter_choices(actor())
    linked = from_query({k: _url_list(k) for k in ("fy", "field", "pref", "sector", "phase")})
    years = options["years"]
    sticky("f_fy", linked.fiscal_year if linked.fiscal_year in years else 0)
    sticky("f_fields", [v for v in linked.fields if v in options["fields"]])
    sticky("f_prefectures", [v for v in linked.prefectures if v in options["prefectures"]])
    sticky("f_sectors", list(linked.sectors))
    sticky("f_phases", list(linked.phases))
    era, named = wareki(), names()
    with st.sidebar:
        st.subheader(tr("filters.heading"))
        st.selectbox(
            tr("filters.fiscal_year"),
            [0, *years],
            key="f_fy",
            format_func=lambda y: t("filters.all_years", lang) if not y else fiscal_year_label(y, lang, era),
            placeholder=tr("streamlit.choose"),
        )
        st.multiselect(
            tr("filters.field"),
            options["fields"],
            key="f_fields",
            placeholder=tr("filters.all"),
            format_func=lambda f: named.field(f, lang),
        )
        st.multiselect(
            tr("filters.prefecture"),
            options["prefectures"],
            key="f_prefectures",
            placeholder=tr("filters.all"),
            format_func=lambda p: named.prefecture(p, lang),
        )
        st.multiselect(
            tr("filters.sector"),
            list(SECTORS),
            key="f_sectors",
            placeholder=tr("filters.all"),
            format_func=lambda s: t(f"sector.{s}", lang),
        )
        st.multiselect(
            tr("filters.phase"),
            list(PHASES),
            key="f_phases",
            placeholder=tr("filters.all"),
            format_func=lambda p: t(f"phase.{p}", lang),
        )
    keep("f_fy", "f_fields", "f_prefectures", "f_sectors", "f_phases")
    return current_filters()


def current_filters() -> Filters:
    state = st.session_state
    return Filters(
        fiscal_year=state.get("f_fy", state.get("_keep_f_fy")) or None,
        fields=tuple(state.get("f_fields", state.get("_keep_f_fields")) or ()),
        prefectures=tuple(state.get("f_prefectures", state.get("_keep_f_prefectures")) or ()),
        sectors=tuple(state.get("f_sectors", state.get("_keep_f_sectors")) or ()),
        phases=tuple(state.get("f_phases", state.get("_keep_f_phases")) or ()),
    )


def sync_url(**page_params: str | None) -> None:
    """Write the view into the URL (language, as-of, filters, and the page's own keys)."""
    wanted: dict[str, list[str]] = {"lang": [language()]}
    as_of = st.session_state.get("as_of")
    if isinstance(as_of, date) and as_of != today():
        wanted["as_of"] = [as_of.isoformat()]
    wanted |= to_query(current_filters())
    wanted |= {k: [v] for k, v in page_params.items() if v}
    current = {k: _url_list(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def project_widget(*, to_change: bool = False) -> str | None:
    """The project picker: from ?project= on first visit; the projects the user may read (or, with
    `to_change`, change) by code and name."""
    choices = project_choices_for(actor(), language(), to_change=to_change)
    linked = st.query_params.get("project")
    if "project" not in st.session_state or st.session_state.get("_page_changed", True):
        # entering the page: a link wins over the last choice
        remembered = st.session_state.get("_keep_project")
        st.session_state["project"] = linked if linked in choices else remembered
    if st.session_state["project"] not in choices:
        st.session_state["project"] = next(iter(choices), None)
    st.selectbox(
        tr("project.picker"),
        list(choices),
        key="project",
        format_func=lambda c: f"{c}  {choices[c]}",
        placeholder=tr("streamlit.choose"),
    )
    keep("project")
    return st.session_state["project"]
