"""The reminders page's meeting action items (kpi/partnerships/reminders.py): who owes which items,
late or due soon, each item, and a reminder to copy for one owner in the message's language."""

from __future__ import annotations

import streamlit as st

from kpi.i18n import LANGUAGES, t
from kpi.partnerships.reminders import DUE_SOON_DAYS, action_reminder, by_owner, open_action_items
from kpi.storage import Database
from ui.session import actor, language, today, tr


def meeting_actions(db: Database) -> None:
    lang = language()
    st.subheader(tr("reminder_actions.heading"))
    items = open_action_items(db, today(), lang, actor=actor())
    if items.empty:
        st.info(tr("reminder_actions.none", days=DUE_SOON_DAYS))
        return
    st.caption(tr("reminder_actions.caption", days=DUE_SOON_DAYS))
    st.dataframe(
        by_owner(items, lang),
        placeholder="—",
        hide_index=True,
        width="stretch",
        column_config={
            "owner": None,
            "owner_name": tr("reminder_actions.col_owner"),
            "items": tr("reminder_actions.col_items"),
            "late": tr("reminder_actions.col_late"),
            "projects": tr("reminder_actions.col_projects"),
            "next_due": st.column_config.DateColumn(tr("reminder_actions.col_next_due")),
            "days_late": tr("reminder_actions.col_days_late"),
        },
    )
    st.dataframe(
        items,
        placeholder="—",
        hide_index=True,
        width="stretch",
        column_order=["owner_name", "description", "project_code", "project_name", "kind", "due_on", "state"],
        column_config={
            "owner_name": tr("reminder_actions.col_owner"),
            "description": st.column_config.TextColumn(tr("reminder_actions.col_description"), width="large"),
            "project_code": tr("reminder_actions.col_project"),
            "project_name": st.column_config.TextColumn(" ", width="medium"),
            "kind": tr("reminder_actions.col_meeting"),
            "due_on": st.column_config.DateColumn(tr("reminder_actions.col_due")),
            "state": tr("reminder_actions.col_state"),
        },
    )
    names = dict(zip(items["owner"], items["owner_name"], strict=False))
    columns = st.columns(2)
    owner = columns[0].selectbox(
        tr("reminder_actions.owner"),
        list(names),
        format_func=lambda code: f"{names[code]} ({code})",
        key="reminder_actions_owner",
        placeholder=tr("streamlit.choose"),
    )
    # The KPI reminder's language choice, when the page shows one, is this one's first choice.
    first = st.session_state.get("reminder_lang", lang)
    message_lang = columns[1].selectbox(
        tr("reminder_actions.message_language"),
        LANGUAGES,
        index=LANGUAGES.index(first if first in LANGUAGES else lang),
        format_func=lambda code: t(f"accounts.lang_{code}", lang),
        key="reminder_actions_lang",
        placeholder=tr("streamlit.choose"),
    )
    if owner is not None:
        st.code(
            action_reminder(db, today(), owner, message_lang, actor=actor()), language=None, wrap_lines=True
        )
