"""Reporting freshness: who has reported the period due (by each KPI's reporting frequency), who is
overdue, reminders to copy."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from kpi.i18n import LANGUAGES, t
from kpi.portfolio.freshness import freshness_frame, owed_by_partner, reminder_message, reporting_grace_days
from ui.database import database
from ui.sections.reminder_actions import meeting_actions
from ui.sections.reminder_duties import funding_duties
from ui.sections.reminder_mail import reminder_mail
from ui.session import actor, language, show_date, today, tr, wareki

lang = language()
db = database()
st.title(tr("reminders.heading"))
st.caption(tr("reminders.caption", grace=reporting_grace_days(db), today=show_date(today())))
frame = freshness_frame(db, today(), lang, actor=actor(), wareki=wareki())
if frame.empty:
    st.info(tr("reminders.all_reported"))
    funding_duties(db)
    meeting_actions(db)
    reminder_mail(db)
    st.stop()

st.subheader(tr("reminders.owed_heading"))
owed = owed_by_partner(frame)
if owed.empty:
    st.info(tr("reminders.all_reported"))
else:
    st.dataframe(
        owed,
        placeholder="—",  # a missing value reads as a dash, never "None"
        hide_index=True,
        width="stretch",
        column_config={
            "organization_code": None,
            "organization_name": tr("reminders.col_organization"),
            "projects": tr("reminders.col_projects"),
            "periods": tr("reminders.col_periods"),
            "count": None,
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
        placeholder=tr("streamlit.choose"),
    )
    message_lang = columns[1].selectbox(
        tr("reminders.message_language"),
        LANGUAGES,
        index=LANGUAGES.index(lang),
        format_func=lambda code: t(f"accounts.lang_{code}", lang),
        key="reminder_lang",
        placeholder=tr("streamlit.choose"),
    )
    if partner is not None:
        in_language = (
            frame if message_lang == lang else freshness_frame(db, today(), message_lang, actor=actor())
        )
        st.code(reminder_message(in_language, partner, message_lang), language=None, wrap_lines=True)

st.subheader(tr("reminders.detail_heading"))
detail = frame.assign(
    frequency=[tr(f"reminders.frequency_{f}") for f in frame["frequency"]],
    last=[label or tr("reminders.never") for label in frame["last_label"]],
    state=[
        tr("reminders.state_overdue_period", period=owed)
        if state == "overdue"
        else tr(f"reminders.state_{state}")
        for state, owed in zip(frame["state"], frame["owed_label"], strict=True)
    ],
)
st.dataframe(
    detail[
        [
            "project_code",
            "project_name",
            "organization_name",
            "frequency",
            "period_label",
            "last",
            "state",
            "kpis",
        ]
    ],
    placeholder="—",  # a missing value reads as a dash, never "None"
    hide_index=True,
    width="stretch",
    column_config={
        "project_code": tr("reminders.col_project"),
        "project_name": st.column_config.TextColumn(" ", width="medium"),
        "organization_name": tr("reminders.col_organization"),
        "frequency": tr("reminders.col_frequency"),
        "kpis": tr("reminders.col_kpis"),
        "period_label": tr("reminders.col_period_due"),
        "last": tr("reminders.col_last_period"),
        "state": tr("reminders.col_status"),
    },
)

funding_duties(db)
meeting_actions(db)
reminder_mail(db)
