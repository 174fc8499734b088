"""What both parts of the update page (pages/update.py) share: the project in view, the outcome of
the last save, soft checks, errors and the drafts kept for a reload (ui/drafts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from kpi.errors import ValidationError
from kpi.formatting.numbers import plain
from kpi.progress.soft_checks import SoftCheck, change_text
from kpi.storage import Database
from ui.drafts import discard_draft, draft_saved_at, load_draft, save_draft
from ui.session import tr


@dataclass(frozen=True)
class UpdateView:
    """The update page's context: the database, the reader's language, the project and its part."""

    db: Database
    lang: str
    project: str
    section: str
    partners: pd.DataFrame
    kpis: pd.DataFrame


def say_saved(view: UpdateView, text: str) -> None:
    """The outcome of a save, shown until the next action (pages/update.py shows it)."""
    st.session_state["update_flash"] = {"text": text, "where": [view.project, view.section]}


def show_flash(view: UpdateView) -> None:
    """The last save's outcome; another project or section forgets it."""
    flash = st.session_state.get("update_flash")
    if flash is not None and flash["where"] != [view.project, view.section]:
        st.session_state.pop("update_flash", None)
    elif flash is not None:
        st.success(plain(flash["text"]))


def show_checks(checks: list[SoftCheck], lang: str) -> None:
    """Soft checks (kpi/progress/soft_checks.py): what looks wrong and what saving would do to the status."""
    with st.container(border=True):
        st.warning(tr("softcheck.heading"))
        for item in checks:
            st.markdown(f"- {plain(item.message)}  \n  **{plain(change_text(item, lang))}**")


def show_errors(errors: list[ValidationError]) -> None:
    for problem in errors:
        st.error(plain(problem.message))


def restored(form: str) -> dict[str, Any] | None:
    """A kept draft of `form` (ui/drafts.py) to fill the form with, noted for the caption."""
    draft, at = load_draft(form), draft_saved_at(form)
    if draft is not None and at is not None:
        st.session_state[f"restored::{form}"] = f"{at.astimezone():%H:%M}"  # the server's clock
    return draft


def keep_draft(form: str, values: dict[str, Any] | None) -> None:
    """What is typed and not saved, kept for a reload; None = nothing differs from what is stored."""
    if values is None:
        discard_draft(form)
        st.session_state.pop(f"restored::{form}", None)
    elif load_draft(form) != values:  # unchanged: keep the time it was typed
        save_draft(form, values)
    if (at := st.session_state.get(f"restored::{form}")) is not None:
        st.caption(tr("update.draft_restored", time=at))


def drop_draft(form: str) -> None:
    discard_draft(form)
    st.session_state.pop(f"restored::{form}", None)
