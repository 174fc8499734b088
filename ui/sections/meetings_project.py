"""The meetings page's project parts (pages/meetings.py): its review cadence (the lead may change
it, with a reason), the list of its meetings, and one meeting's details — minutes and decisions as
typed (st.text: never Markdown or HTML), action items with their "done" buttons, versions."""

from __future__ import annotations

from typing import Any

import streamlit as st

from kpi.access import Forbidden
from kpi.errors import Rejected
from kpi.formatting.names import join_names
from kpi.formatting.numbers import plain
from kpi.partnerships.meeting_views import (
    MeetingsSetup,
    can_mark,
    history_entries,
    item_table,
    kind_name,
    meetings_table,
)
from kpi.partnerships.meetings import meeting_history, set_review_cadence
from kpi.storage import Database
from ui.sections.meetings_top import mark, say
from ui.sections.update_shared import show_errors
from ui.session import actor, show_date, today, tr

PICK = "meetings_pick"


def cadence_part(db: Database, setup: MeetingsSetup) -> None:
    st.subheader(tr("meetings_page.cadence_heading"))
    review = setup.review
    if review is None:
        st.info(tr("meetings_page.not_running"))
        return
    last = show_date(review.last_review) if review.last_review else tr("meetings_page.no_review_yet")
    line = tr(
        "meetings_page.cadence_line", months=review.cadence_months, last=last, due=show_date(review.due_on)
    )
    if review.overdue:
        st.warning(line + " " + tr("meetings_page.review_overdue", days=review.days_overdue))
    else:
        st.markdown(line)
    if not setup.can_manage:
        return
    with st.expander(tr("meetings_page.cadence_change")):
        prefix = f"cadence::{setup.project_code}"
        months = st.number_input(
            tr("meetings_page.cadence_months"),
            min_value=1,
            max_value=24,
            value=review.cadence_months,
            step=1,
            key=f"{prefix}::months",
        )
        reason = st.text_input(tr("meetings_page.reason"), max_chars=500, key=f"{prefix}::reason")
        if st.button(tr("meetings_page.cadence_save"), key=f"{prefix}::apply"):
            if not reason.strip():
                st.error(tr("meetings_page.reason_needed"))
                return
            try:
                set_review_cadence(
                    db, setup.project_code, int(months), reason, actor=actor(), lang=setup.lang
                )
            except Forbidden as refused:
                st.error(refused.message(setup.lang))
            except Rejected as error:
                show_errors(error.errors)
            else:
                say(tr("meetings_page.cadence_saved", project=setup.project_code, months=int(months)))
                st.rerun()


def meetings_list(setup: MeetingsSetup) -> None:
    st.subheader(tr("meetings_page.list_heading"))
    table = meetings_table(setup)
    if table.empty:
        st.info(tr("meetings_page.no_meetings"))
        return
    st.dataframe(
        table,
        placeholder="—",
        hide_index=True,
        width="stretch",
        column_config={
            "meeting_code": None,
            "held_on": st.column_config.DateColumn(tr("meetings_page.col_held_on")),
            "kind": tr("meetings_page.col_kind"),
            "title": st.column_config.TextColumn(tr("meetings_page.col_title"), width="medium"),
            "organizations": tr("meetings_page.col_organizations"),
            "kpis": tr("meetings_page.col_kpis"),
            "decisions": st.column_config.TextColumn(tr("meetings_page.col_decisions"), width="medium"),
            "items": tr("meetings_page.col_items"),
        },
    )


def choose_meeting(setup: MeetingsSetup) -> dict[str, Any] | None:
    """The meeting to read or change (the newest at first; a meeting just saved on the next run)."""
    if not setup.meetings:
        return None
    key = f"meeting_choice::{setup.project_code}"
    by_code = {m["meeting_code"]: m for m in setup.meetings}
    if (picked := st.session_state.pop(PICK, None)) in by_code:
        st.session_state[key] = picked
    if st.session_state.get(key) not in by_code:
        st.session_state[key] = setup.meetings[0]["meeting_code"]
    labels = {c: _label(m, setup.lang) for c, m in by_code.items()}  # format_func runs outside the page too
    chosen = st.selectbox(tr("meetings_page.choose"), list(by_code), key=key, format_func=labels.__getitem__)
    return by_code[chosen]


def _label(meeting: dict[str, Any], lang: str) -> str:
    title = f" · {meeting['title']}" if meeting["title"] else ""
    return f"{show_date(meeting['held_on'])} · {kind_name(meeting['kind'], lang)}{title}"


def details_part(db: Database, setup: MeetingsSetup, meeting: dict[str, Any]) -> None:
    """One meeting as recorded: who took part, the KPIs discussed, minutes and decisions as typed,
    its action items, and its versions."""
    names = setup.organizations
    present = [names.get(o, o) for o in meeting["organizations"] or []]
    kpis = [setup.kpis.get(k, k) for k in meeting["kpi_codes"] or []]
    st.markdown(f"**{tr('meetings_page.present')}** " + plain(join_names(present, setup.lang)))
    discussed = plain(join_names(kpis, setup.lang)) if kpis else tr("meetings_page.none")
    st.markdown(f"**{tr('meetings_page.discussed')}** " + discussed)
    for name in ("minutes", "decisions"):
        st.markdown(f"**{tr(f'partnerships.field.{name}')}**")
        if meeting[name].strip():
            with st.container(border=True):
                st.text(meeting[name], width="stretch")  # as typed: no Markdown, no HTML
        else:
            st.caption(tr("meetings_page.none"))
    _items_part(db, setup, meeting)
    _history_part(db, setup, meeting)


def _items_part(db: Database, setup: MeetingsSetup, meeting: dict[str, Any]) -> None:
    st.markdown(f"**{tr('partnerships.field.action_items')}**")
    items = item_table(setup, meeting, today())
    if items.empty:
        st.caption(tr("meetings_page.no_items"))
        return
    st.dataframe(
        items,
        placeholder="—",
        hide_index=True,
        width="stretch",
        column_config={
            "item_no": tr("meetings_page.col_item_no"),
            "description": st.column_config.TextColumn(tr("meetings_page.col_description"), width="large"),
            "owner_name": tr("meetings_page.col_owner"),
            "due_on": st.column_config.DateColumn(tr("meetings_page.col_due")),
            "done_on": st.column_config.DateColumn(tr("meetings_page.col_done_on")),
            "state": tr("meetings_page.col_state"),
        },
    )
    who = actor()
    markable = [
        (number, item)
        for number, item in enumerate(meeting["action_items"] or [], start=1)
        if can_mark(setup, who, item)
    ]
    if not markable:
        return
    code, version = meeting["meeting_code"], int(meeting["version"])
    columns = st.columns(min(len(markable), 3))
    for index, (number, item) in enumerate(markable):
        done = item.get("done_on") is not None
        label = tr("meetings_page.undo_item" if done else "meetings_page.done_item", item=number)
        if columns[index % len(columns)].button(label, key=f"item_done::{code}::{number}::{version}"):
            mark(db, code, number, version, None if done else today())


def _history_part(db: Database, setup: MeetingsSetup, meeting: dict[str, Any]) -> None:
    history = meeting_history(db, meeting["meeting_code"], actor=actor())
    with st.expander(tr("meetings_page.history", count=len(history))):
        for entry in history_entries(history, setup.lang):
            line = tr(
                "meetings_page.version_line",
                version=entry["version"],
                at=show_date(entry["recorded_at"]),
                by=plain(entry["recorded_by"]),
            )
            if entry["changed"]:
                line += " · " + tr("meetings_page.changed", fields=entry["changed"])
            st.markdown(line)
            if entry["reason"]:
                st.text(tr("meetings_page.reason_line", reason=entry["reason"]))
