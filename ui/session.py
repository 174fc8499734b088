"""The session: who is signed in, the language, dates as the user reads them, and relabelling
widgets when the language changes."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from kpi import clock
from kpi.access import Actor, Forbidden
from kpi.accounts.manage import set_language
from kpi.formatting.numbers import format_date
from kpi.i18n import LANGUAGES, t
from ui.database import database


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
