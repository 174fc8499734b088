"""What every page shares: the database handle, the language, and the message function."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import streamlit as st

from kpi import clock
from kpi.cli import database_path
from kpi.i18n import LANGUAGES, t
from kpi.storage import Database


@st.cache_resource
def database() -> Database:
    """One Database per process; it hands each unit of work its own cursor."""
    return Database(database_path(os.environ.get("KPI_DB")))


def language() -> str:
    """The user's language: the URL (?lang=en) wins, then the session, then Japanese."""
    wanted = st.query_params.get("lang") or st.session_state.get("lang") or "ja"
    return wanted if wanted in LANGUAGES else "ja"


def tr(key: str, **values: Any) -> str:
    return t(key, language(), **values)


def today() -> date:
    return clock.today()
