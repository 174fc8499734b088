"""The meetings page's form (pages/meetings.py): a new meeting (the project's lead, an administrator
or a partner of the project), or the next version of one with a reason, or its withdrawal (the lead
or an administrator). kpi/partnerships/meetings.py checks who may and what is recorded.

Action items are rows of plain widgets — description, owner, due and done dates — so a browser,
a phone and a test drive them alike: five blank rows for a new meeting, the meeting's items and two
more for a change; a row left blank is ignored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from kpi.access import Forbidden
from kpi.errors import Rejected, StaleWrite
from kpi.partnerships.meeting_views import MeetingsSetup, kind_name
from kpi.partnerships.meetings import save_meeting
from kpi.partnerships.terms import MEETING_KINDS
from kpi.storage import Database
from ui.sections.meetings_project import PICK
from ui.sections.meetings_top import say
from ui.sections.update_shared import show_errors
from ui.session import actor, today, tr

NEW_ROWS, MORE_ROWS = 5, 2
MAX_TEXT = 20_000  # as kpi/partnerships/checks.py allows
NEXT_PART = "meetings_part_next"  # the page's part on the next run (pages/meetings.py)
ROUND = "meetings_form_round"  # bumped after a new meeting is saved: the form starts empty


def _day(column: Any, label: str, value: date | None, key: str) -> date | None:
    chosen = column.date_input(
        label,
        value=value,
        min_value=date(1990, 1, 1),
        max_value=date(2100, 12, 31),
        format="YYYY-MM-DD",
        key=key,
    )
    return chosen if isinstance(chosen, date) else None


def _item_rows(setup: MeetingsSetup, items: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """The action item rows, filled from `items`; the rows somebody filled in, in order."""
    owners = list(setup.organizations)
    rows = len(items) + MORE_ROWS if items else NEW_ROWS
    typed = []
    for number in range(1, rows + 1):
        item = items[number - 1] if number <= len(items) else {}
        key = f"{prefix}::item{number}"
        st.caption(tr("meetings_page.item_heading", item=number))
        top = st.columns([3, 2])
        description = top[0].text_input(
            tr("meetings_page.item_description"),
            value=item.get("description", ""),
            max_chars=500,
            key=f"{key}::description",
        )
        owner = top[1].selectbox(
            tr("meetings_page.item_owner"),
            owners,
            index=owners.index(item["owner"]) if item.get("owner") in owners else None,
            format_func=lambda code: setup.organizations[code],
            placeholder=tr("streamlit.choose"),
            key=f"{key}::owner",
        )
        bottom = st.columns(2)
        due = _day(bottom[0], tr("meetings_page.item_due"), item.get("due_on"), f"{key}::due")
        done = _day(bottom[1], tr("meetings_page.item_done_on"), item.get("done_on"), f"{key}::done")
        if description.strip() or owner or due:  # a blank row is no item
            typed.append({"description": description, "owner": owner, "due_on": due, "done_on": done})
    return typed


def meeting_form(db: Database, setup: MeetingsSetup, meeting: dict[str, Any] | None) -> None:
    """A new meeting (`meeting` None) or a change of `meeting`; saved on the form's button."""
    lang, project = setup.lang, setup.project_code
    code = meeting["meeting_code"] if meeting else ""
    base_key = f"meetings_base::{project}::{code}"
    st.session_state.setdefault(base_key, int(meeting["version"]) if meeting else None)
    base = st.session_state[base_key]
    prefix = f"mtg::{project}::{code}::{base}::{st.session_state.get(ROUND, 0)}::{lang}"
    current = meeting or {}
    if meeting is None:
        st.subheader(tr("meetings_page.form_new"))
    else:
        st.subheader(tr("meetings_page.form_change", version=base))
        st.caption(tr("meetings_page.form_change_help"))
    with st.form(f"{prefix}::form", enter_to_submit=False):
        left, right = st.columns(2)
        held_on = _day(
            left, tr("partnerships.field.held_on"), current.get("held_on", today()), f"{prefix}::held_on"
        )
        kinds = list(MEETING_KINDS)
        kind = right.selectbox(
            tr("partnerships.field.kind"),
            kinds,
            index=kinds.index(current.get("kind", "regular")),
            format_func=lambda k: kind_name(k, lang),
            key=f"{prefix}::kind",
        )
        title = st.text_input(
            tr("partnerships.field.title"),
            value=current.get("title", ""),
            max_chars=200,
            key=f"{prefix}::title",
        )
        present = st.multiselect(
            tr("partnerships.field.organizations"),
            list(setup.organizations),
            default=[o for o in current.get("organizations", setup.partners) if o in setup.organizations],
            format_func=lambda o: setup.organizations[o],
            placeholder=tr("streamlit.choose"),
            key=f"{prefix}::organizations",
        )
        kpis = st.multiselect(
            tr("partnerships.field.kpi_codes"),
            list(setup.kpis),
            default=[k for k in current.get("kpi_codes", []) if k in setup.kpis],
            format_func=lambda k: f"{k} {setup.kpis[k]}",
            placeholder=tr("streamlit.choose"),
            key=f"{prefix}::kpis",
        )
        minutes = st.text_area(
            tr("partnerships.field.minutes"),
            value=current.get("minutes", ""),
            max_chars=MAX_TEXT,
            height=200,
            help=tr("meetings_page.as_typed_help"),
            key=f"{prefix}::minutes",
        )
        decisions = st.text_area(
            tr("partnerships.field.decisions"),
            value=current.get("decisions", ""),
            max_chars=MAX_TEXT,
            key=f"{prefix}::decisions",
        )
        st.markdown(f"**{tr('partnerships.field.action_items')}**", help=tr("meetings_page.items_help"))
        items = _item_rows(setup, list(current.get("action_items") or []), prefix)
        reason, withdraw = "", False
        if meeting is not None:
            reason = st.text_area(tr("meetings_page.reason"), max_chars=500, key=f"{prefix}::reason")
            withdraw = st.checkbox(tr("meetings_page.withdraw"), key=f"{prefix}::withdraw")
        submitted = st.form_submit_button(
            tr("meetings_page.save_change" if meeting else "meetings_page.save_new"),
            type="primary",
            key=f"{prefix}::save",
        )
    if submitted:
        record = {
            "meeting_code": code or None,
            "project_code": project,
            "held_on": held_on,
            "kind": kind,
            "title": title,
            "organizations": present,
            "kpi_codes": kpis,
            "minutes": minutes,
            "decisions": decisions,
            "action_items": items,
            "reason": reason,
            "withdrawn": withdraw,
        }
        _save(db, setup, record, base_key)


def _save(db: Database, setup: MeetingsSetup, record: dict[str, Any], base_key: str) -> None:
    base = st.session_state[base_key]
    try:
        code, version = save_meeting(db, record, actor=actor(), lang=setup.lang, expected_version=base)
    except StaleWrite as stale:
        st.session_state[base_key] = stale.current  # the form reopens on the stored version
        st.error(tr("meetings_page.stale", version=stale.current))
    except Forbidden as refused:
        st.error(refused.message(setup.lang))
    except Rejected as error:
        show_errors(error.errors)
    else:
        if base is None:
            st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
            st.session_state[PICK] = code
            st.session_state[NEXT_PART] = "details"
            say(tr("meetings_page.saved_new", code=code))
        elif record["withdrawn"]:
            st.session_state.pop(base_key, None)
            st.session_state[NEXT_PART] = "details"
            say(tr("meetings_page.withdrawn", code=code))
        elif version == base:
            say(tr("meetings_page.unchanged", code=code, version=version))
        else:
            st.session_state[base_key] = version
            say(tr("meetings_page.saved", code=code, version=version))
        st.rerun()
