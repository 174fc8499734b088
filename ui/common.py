"""What every page shares: the database handle, the language, and the message function."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import streamlit as st

from kpi import clock
from kpi.access import Actor, Forbidden, scope_key
from kpi.accounts.manage import demo_database, set_language
from kpi.commands.main import database_path
from kpi.fiscal import fiscal_year_label
from kpi.formatting.names import Names, names_for
from kpi.formatting.numbers import format_date
from kpi.i18n import LANGUAGES, t
from kpi.portfolio.filters import PHASES, SECTORS, Filters, from_query, parse_date, to_query
from kpi.portfolio.overview import data_version, filter_options, project_choices
from kpi.storage import Database


@st.cache_resource
def _database(path: str) -> Database:
    return Database(path)


def database() -> Database:
    """One Database per file and process; it hands each unit of work its own cursor."""
    return _database(database_path(os.environ.get("KPI_DB")))


def language() -> str:
    """The user's language: the session's choice, else the URL (?lang=en), else Japanese."""
    wanted = st.session_state.get("lang") or st.query_params.get("lang") or "ja"
    return wanted if wanted in LANGUAGES else "ja"


def tr(key: str, **values: Any) -> str:
    return t(key, language(), **values)


def today() -> date:
    return clock.today()


def wareki() -> bool:
    """Whether the user asked for Japanese era years (令和8年度); only offered in Japanese."""
    return language() == "ja" and bool(st.session_state.get("wareki"))


def show_date(day: date) -> str:
    """A date as the user reads it: 2026年3月31日 (or 令和8年3月31日), 31 Mar 2026."""
    return format_date(day, language(), wareki=wareki())


def actor() -> Actor:
    """The signed-in user, as dashboard.py loaded them from the database on this run. Every kpi
    function that reads restricted data or writes is handed this and checks it."""
    current = st.session_state.get("_actor")
    if not isinstance(current, Actor):  # only dashboard.py runs pages, and only after sign-in
        raise Forbidden("signed_out")
    return current


@st.cache_data(ttl=60, show_spinner=False)
def _is_demo(path: str) -> bool:
    return demo_database(_database(path))


def is_demo() -> bool:
    """A database made by `init --demo`: the sign-in page points to the README's demo accounts."""
    return _is_demo(database().path)


def remember_language() -> None:
    """The language picked while signed in becomes the account's, for its next sign-in; every
    widget is told to show its choice in the new language (relabel_widgets)."""
    relabel_widgets()
    current = st.session_state.get("_actor")
    if isinstance(current, Actor):
        set_language(database(), current, str(st.session_state.get("lang")))


# Values a widget of ours holds whose label the language changes; anything else (a button's
# trigger, a data editor's edits, an uploaded file) may not be set through the session state.
_RELABELLED = (str, int, float, date, list, tuple)


def relabel_each_page_once() -> None:
    """On every run, before the page: the first run of each page in a language relabels the
    widgets (relabel_widgets). Streamlit 1.67 keeps a keyed widget's value across pages, so a widget
    last shown in the other language comes back with that language's label unless told again."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    seen = st.session_state.setdefault("_labelled_pages", set())
    visit = (ctx.page_script_hash if ctx else "", language())
    if visit not in seen:
        seen.add(visit)
        relabel_widgets()


def relabel_widgets() -> None:
    """Call when the language changes (the language selectbox's on_change).

    A widget with a key keeps its identity whatever its labels (Streamlit 1.67 keys a keyed widget
    by the key alone), and its frontend keeps showing the label it was given when the choice was
    made: the backend sends the choice again only when the value changes. Setting each key to its own
    value marks it changed for this run, so the choice is sent again, labelled by this run's
    format_func, in the new language."""
    state = st.session_state
    for key in list(state.keys()):
        if not isinstance(key, str) or key.startswith("_") or key == "lang":
            continue
        value = state[key]
        if isinstance(value, bool) or not isinstance(value, _RELABELLED):
            continue
        if isinstance(value, list | tuple) and not (  # an empty list shows no label (and may be files)
            value and all(isinstance(v, str | int | float | date) for v in value)
        ):
            continue
        state[key] = value


# -- shared widgets: one place, state kept across pages and in the URL ------------------------
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
    sticky("as_of", parse_date(st.query_params.get("as_of"), today()))
    st.sidebar.date_input(tr("overview.as_of"), key="as_of", format="YYYY-MM-DD")
    keep("as_of")
    return st.session_state["as_of"]


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def _filter_options(
    path: str, version: tuple[Any, ...], scope: tuple[str, str], _actor: Actor
) -> dict[str, Any]:
    return filter_options(_database(path), actor=_actor)  # `scope` keys the cache: same projects, same answer


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def _names(path: str, version: tuple[Any, ...]) -> Names:
    return names_for(_database(path))


def names() -> Names:
    """English names of fields, prefectures and partner roles (kpi/formatting/names.py), once per data
    version."""
    return _names(database().path, cached_version())


def filters_widget() -> Filters:
    """Fiscal year, field, prefecture, sector and phase, in the sidebar; from the URL on first visit."""
    db, lang = database(), language()  # format_func must not read the session when called later
    options = _filter_options(db.path, cached_version(), scope_key(actor()), actor())
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


def cached_version() -> tuple[Any, ...]:
    """The data's version, asked once per run: cache keys include it, so caches never go stale."""
    return data_version(database())


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _project_choices(
    path: str, version: tuple[Any, ...], lang: str, user: Actor, to_change: bool
) -> dict[str, str]:
    return project_choices(_database(path), lang, actor=user, to_change=to_change)


def project_widget(*, to_change: bool = False) -> str | None:
    """The project picker: from ?project= on first visit; the projects the user may read (or, with
    `to_change`, change) by code and name."""
    choices = _project_choices(database().path, cached_version(), language(), actor(), to_change)
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
