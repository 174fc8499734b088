"""The meetings page's top (pages/meetings.py): reviews past due and the reader's own open action
items, each with a "done" button where the reader may mark it (kpi/partnerships/meetings.py checks).

The outcome of a save is kept as the awards page keeps it (say/show_flash) until the next action,
and shown where the action was: at the top, or above the project's parts (the forms are there)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import streamlit as st

from kpi.access import Forbidden
from kpi.errors import Rejected, StaleWrite
from kpi.formatting.numbers import plain
from kpi.partnerships.meeting_views import my_open_items, overdue_reviews
from kpi.partnerships.meetings import mark_item_done
from kpi.storage import Database
from ui.sections.update_shared import show_errors
from ui.session import actor, language, show_date, today, tr

FLASH = "meetings_flash"


def say(text: str, place: str = "project") -> None:
    st.session_state[FLASH] = (place, text)


def show_flash(place: str) -> None:
    """The outcome said for this place ("top" or "project"), once."""
    flash = st.session_state.get(FLASH)
    if isinstance(flash, tuple) and flash[0] == place:
        st.session_state.pop(FLASH)
        st.success(plain(flash[1]))


def reviews_part(db: Database) -> None:
    st.subheader(tr("meetings_page.overdue_heading"))
    late = overdue_reviews(db, today(), language(), actor=actor())
    if late.empty:
        st.info(tr("meetings_page.overdue_none"))
        return
    st.dataframe(
        late,
        placeholder="—",
        hide_index=True,
        width="stretch",
        column_config={
            "project_code": tr("meetings_page.col_project"),
            "project_name": st.column_config.TextColumn(" ", width="medium"),
            "cadence_months": tr("meetings_page.col_cadence"),
            "last_review": st.column_config.DateColumn(tr("meetings_page.col_last_review")),
            "due_on": st.column_config.DateColumn(tr("meetings_page.col_review_due")),
            "days_overdue": tr("meetings_page.col_days_overdue"),
        },
    )


def mark(
    db: Database, code: str, item_no: int, version: int, done_on: date | None, place: str = "project"
) -> None:
    """Mark an item done (or not done): the message of the outcome, then a new run."""
    lang = language()
    try:
        mark_item_done(db, code, item_no, done_on, actor=actor(), lang=lang, expected_version=version)
    except StaleWrite:
        st.error(tr("meetings_page.stale_item"))
    except Forbidden as refused:
        st.error(refused.message(lang))
    except Rejected as error:
        show_errors(error.errors)
    else:
        for base in [k for k in st.session_state if str(k).startswith("meetings_base::")]:
            del st.session_state[base]  # a change form opens on the version just written
        key = "meetings_page.marked_done" if done_on else "meetings_page.marked_open"
        say(tr(key, item=item_no, code=code), place)
        st.rerun()


def _item_line(item: Mapping[Any, Any]) -> str:
    return tr(
        "meetings_page.my_item",
        description=plain(item["description"]),
        project=item["project_code"],
        name=plain(item["project_name"]),
        due=show_date(item["due_on"]),
        state=item["state"],
    )


def open_items_part(db: Database) -> None:
    """The open action items of the reader's organization, each with its "done" button; for a
    reader without one (an administrator, an executive), every open item in a table."""
    mine = bool(actor().organization_code)
    st.subheader(tr("meetings_page.mine_heading" if mine else "meetings_page.open_heading"))
    items = my_open_items(db, today(), language(), actor=actor())
    if items.empty:
        st.info(tr("meetings_page.mine_none" if mine else "meetings_page.open_none"))
    elif mine:
        for item in items.to_dict("records"):
            with st.container(border=True):
                text, button = st.columns([5, 1], vertical_alignment="center")
                text.markdown(_item_line(item))
                key = f"mine_done::{item['meeting_code']}::{item['item_no']}"
                if item["can_mark"] and button.button(tr("meetings_page.done"), key=key):
                    mark(db, item["meeting_code"], int(item["item_no"]), int(item["version"]), today(), "top")
    else:
        st.dataframe(
            items,
            placeholder="—",
            hide_index=True,
            width="stretch",
            column_order=["owner_name", "description", "project_code", "project_name", "due_on", "state"],
            column_config={
                "owner_name": tr("meetings_page.col_owner"),
                "description": tr("meetings_page.col_description"),
                "project_code": tr("meetings_page.col_project"),
                "project_name": st.column_config.TextColumn(" ", width="medium"),
                "due_on": st.column_config.DateColumn(tr("meetings_page.col_due")),
                "state": tr("meetings_page.col_state"),
            },
        )
