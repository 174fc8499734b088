"""The audit log: every write with who, when, what, and what changed; filtered."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from kpi.admin.audit_log import AuditFilter, audit_entries, audit_options, audit_table, named
from kpi.i18n import t
from ui.database import database
from ui.session import actor, language, tr

db = database()
lang = language()
st.title(tr("audit.heading"))
choices = audit_options(db, actor=actor())
columns = st.columns(3)
who = columns[0].selectbox(
    tr("audit.actor"),
    [None, *choices["actor"]],
    format_func=lambda v: v or t("audit.all", lang),
    placeholder=tr("streamlit.choose"),
)
entity = columns[1].selectbox(
    tr("audit.entity"),
    [None, *choices["entity"]],
    format_func=lambda v: named("entity", v, lang) if v else t("audit.all", lang),
    placeholder=tr("streamlit.choose"),
)
action = columns[2].selectbox(
    tr("audit.action"),
    [None, *choices["action"]],
    format_func=lambda v: named("action", v, lang) if v else t("audit.all", lang),
    placeholder=tr("streamlit.choose"),
)
columns = st.columns(3)
since = columns[0].date_input(tr("audit.since"), value=None)
until = columns[1].date_input(tr("audit.until"), value=None)
text = columns[2].text_input(tr("audit.text"))
entries = audit_entries(
    db, AuditFilter(who, entity, action, since, until, text.strip() or None), actor=actor()
)
st.caption(tr("audit.count", count=len(entries)))
st.dataframe(
    audit_table(entries, lang),
    placeholder="—",  # a missing value reads as a dash, never "None"
    hide_index=True,
    width="stretch",
    column_config={
        "recorded_at": st.column_config.DatetimeColumn(tr("audit.when"), format="YYYY-MM-DD HH:mm:ss"),
        "actor": tr("audit.actor"),
        "action": tr("audit.action"),
        "entity": tr("audit.entity"),
        "entity_key": tr("audit.key"),
        "changes": st.column_config.TextColumn(tr("audit.changes"), width="large"),
    },
)
