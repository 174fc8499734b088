"""Reporting freshness: who has reported the period due, who is overdue, reminders to copy."""

from __future__ import annotations

import streamlit as st

from kpi.freshness import freshness_frame, owed_by_partner, reminder_message
from kpi.i18n import LANGUAGES
from views.common import actor, database, language, show_date, today, tr

lang = language()
db = database()
st.title(tr("reminders.heading"))
frame = freshness_frame(db, today(), lang, actor=actor())
if frame.empty:
    st.info(tr("reminders.all_reported"))
    st.stop()
first = frame.iloc[0]
grace = (first["deadline"] - first["period_due"]).days
st.caption(
    tr(
        "reminders.caption",
        period=show_date(first["period_due"]),
        deadline=show_date(first["deadline"]),
        grace=grace,
        today=show_date(today()),
    )
)

st.subheader(tr("reminders.owed_heading"))
owed = owed_by_partner(frame)
if owed.empty:
    st.info(tr("reminders.all_reported"))
else:
    st.dataframe(
        owed,
        hide_index=True,
        width="stretch",
        column_config={
            "organization_code": None,
            "organization_name": tr("reminders.col_organization"),
            "projects": tr("reminders.col_projects"),
            "count": None,
            "period_due": st.column_config.DateColumn(tr("reminders.col_period_due")),
            "deadline": st.column_config.DateColumn(tr("reminders.col_deadline")),
            "days_overdue": tr("reminders.col_days_overdue"),
        },
    )
    st.subheader(tr("reminders.message_heading"))
    names = dict(zip(owed["organization_code"], owed["organization_name"], strict=True))
    columns = st.columns(2)
    partner = columns[0].selectbox(
        tr("reminders.partner"),
        list(names),
        format_func=lambda code: f"{names[code]} ({code})",
        key="reminder_partner",
    )
    message_lang = columns[1].selectbox(
        tr("reminders.message_language"),
        LANGUAGES,
        index=LANGUAGES.index(lang),
        format_func=lambda code: {"ja": "日本語", "en": "English"}[code],
        key="reminder_lang",
    )
    if partner is not None:
        in_language = (
            frame if message_lang == lang else freshness_frame(db, today(), message_lang, actor=actor())
        )
        st.code(reminder_message(in_language, partner, message_lang), language=None, wrap_lines=True)

st.subheader(tr("reminders.detail_heading"))
states = {
    True: tr("reminders.state_overdue"),
    False: tr("reminders.state_pending"),
}
detail = frame.assign(
    state=[
        tr("reminders.state_reported") if reported else states[bool(overdue)]
        for reported, overdue in zip(frame["reported"], frame["overdue"], strict=True)
    ],
    last=[show_date(d) if d is not None else tr("reminders.never") for d in frame["last_period_end"]],
)
st.dataframe(
    detail[["project_code", "project_name", "organization_name", "last", "state"]],
    hide_index=True,
    width="stretch",
    column_config={
        "project_code": tr("reminders.col_project"),
        "project_name": " ",
        "organization_name": tr("reminders.col_organization"),
        "last": tr("reminders.col_last_period"),
        "state": tr("reminders.col_status"),
    },
)
