"""The reminders page's reports owed to funders (kpi/funding/duties.py): a table and a reminder."""

from __future__ import annotations

import streamlit as st

from kpi.funding.duties import DUE_SOON_DAYS, duty_reminder, owed_reports
from kpi.storage import Database
from ui.session import actor, language, today, tr


def funding_duties(db: Database) -> None:
    lang = language()
    st.subheader(tr("reminders.duties_heading"))
    owed = owed_reports(db, today(), lang, actor=actor())
    if owed.empty:
        st.info(tr("reminders.duties_none", days=DUE_SOON_DAYS))
        return
    st.dataframe(
        owed,
        placeholder="—",
        hide_index=True,
        width="stretch",
        column_config={
            "owner": None,
            "owner_name": tr("reminders.duty_owner"),
            "award_number": tr("reminders.col_award"),
            "project_code": tr("reminders.col_project"),
            "project_name": st.column_config.TextColumn(" ", width="medium"),
            "kind": tr("reminders.col_report"),
            "due_on": st.column_config.DateColumn(tr("reminders.col_due")),
            "state": tr("reminders.col_status"),
            "days_late": tr("reminders.col_days_late"),
        },
    )
    names = dict(zip(owed["owner"], owed["owner_name"], strict=False))
    owner = st.selectbox(
        tr("reminders.duty_owner"),
        list(names),
        format_func=lambda code: f"{names[code]} ({code})",
        key="duty_owner",
        placeholder=tr("streamlit.choose"),
    )
    message_lang = st.session_state.get("reminder_lang", lang)  # the KPI reminder's language choice
    if owner is not None:
        st.code(
            duty_reminder(db, today(), owner, message_lang, actor=actor()), language=None, wrap_lines=True
        )
