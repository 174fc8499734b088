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


def actor() -> str:
    """Who the audit log names for writes from the dashboard (accounts come with sign-in)."""
    return str(st.session_state.get("user") or "dashboard")
