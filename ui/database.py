"""The database handle, and the cached reads every page shares.

Caches with one key rule: a cached read is keyed by the database file, the data's version
(cached_version(): any write changes it, so a cache never serves stale data) and whatever else
changes the answer (the reader's scope, the language). `from kpi.storage import Database` is the
one thing ui/ takes from storage: the handle, made here once per file and process and handed to
the kpi functions; every read goes through them.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import streamlit as st

from kpi.access import Actor, scope_key
from kpi.accounts.manage import demo_database
from kpi.admin.file_check import check_file
from kpi.formatting.names import Names, names_for
from kpi.funding.detail import FundingDetail, funding_detail
from kpi.funding.status import FundingStatus, funding_status
from kpi.operations.sending import ReminderRun, run_reminders
from kpi.portfolio.overview import data_version, filter_options, project_choices
from kpi.storage import Database


@st.cache_resource
def _database(path: str) -> Database:
    return Database(path)


def database() -> Database:
    """One Database per file and process; it hands each unit of work its own cursor."""
    return _database(Database.configured_path())


@st.cache_resource(show_spinner=False)
def _file_checked(path: str, inode: int) -> int:
    return check_file(_database(path)).total_rows  # raises on damage: not cached, checked again next run


def check_file_once() -> None:
    """Read the whole file once per process (and again when another file is put in its place, as a
    restore does): a damaged database is told on the first page, not halfway through an import."""
    db = database()
    if db.path != ":memory:" and db.engine == "duckdb":  # PostgreSQL checks its own pages
        _file_checked(db.path, os.stat(db.path).st_ino)


def cached_version() -> tuple[Any, ...]:
    """The data's version, asked once per run: cache keys include it, so caches never go stale."""
    return data_version(database())


@st.cache_data(ttl=60, show_spinner=False)
def _is_demo(path: str) -> bool:
    return demo_database(_database(path))


def is_demo() -> bool:
    """A database made by `init --demo`: the sign-in page points to the README's demo accounts."""
    return _is_demo(database().path)


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def _names(path: str, version: tuple[Any, ...]) -> Names:
    return names_for(_database(path))


def names() -> Names:
    """English names of fields, prefectures and partner roles (kpi/formatting/names.py), once per data
    version."""
    return _names(database().path, cached_version())


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def _filter_options(
    path: str, version: tuple[Any, ...], scope: tuple[str, str], _actor: Actor
) -> dict[str, Any]:
    return filter_options(_database(path), actor=_actor)  # `scope` keys the cache: same projects, same answer


def filter_choices(user: Actor) -> dict[str, Any]:
    """The years, fields and prefectures the filters offer this user, once per data version and scope."""
    return _filter_options(database().path, cached_version(), scope_key(user), user)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _project_choices(
    path: str, version: tuple[Any, ...], lang: str, user: Actor, to_change: bool
) -> dict[str, str]:
    return project_choices(_database(path), lang, actor=user, to_change=to_change)


def project_choices_for(user: Actor, lang: str, *, to_change: bool = False) -> dict[str, str]:
    """Code → name of the projects the user may read (or, with `to_change`, change)."""
    return _project_choices(database().path, cached_version(), lang, user, to_change)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _funding(
    path: str, version: tuple[Any, ...], as_of: date, scope: tuple[str, str], _actor: Actor
) -> tuple[FundingStatus, FundingDetail]:
    db = _database(path)  # `scope` keys the cache: a partner's status is its organization's
    return funding_status(db, as_of, _actor), funding_detail(db, as_of, _actor)


def funding_status_cached(user: Actor, as_of: date) -> tuple[FundingStatus, FundingDetail]:
    """The funding status on `as_of` as the user may read it, with its 費目 lines and names
    (kpi/funding/status.py, kpi/funding/detail.py), once per data version and scope."""
    return _funding(database().path, cached_version(), as_of, scope_key(user), user)


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def _reminder_preview(
    path: str, version: tuple[Any, ...], as_of: date, lang: str, scope: tuple[str, str], _actor: Actor
) -> ReminderRun:
    return run_reminders(_database(path), as_of, actor=_actor, send=False, lang=lang)


def reminder_preview(user: Actor, as_of: date, lang: str) -> ReminderRun:
    """What "send now" would send on `as_of` (kpi/operations/sending.py, administrators), once per
    data version: every send is audited, so a send changes the version and the preview with it."""
    return _reminder_preview(database().path, cached_version(), as_of, lang, scope_key(user), user)
