"""Partner history (SPEC section 8): an organization's projects with their KPI status, agreements,
meetings and awards in date order, the organizations it works with most, and partners going quiet."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from kpi.access import Role
from kpi.partnerships.timeline import organization_choices, organization_timeline
from ui.database import database
from ui.sections import partner_history as part
from ui.session import actor, language, show_date, tr
from ui.widgets import as_of_widget, enter_page, sync_url

enter_page("partners")
lang, user, db = language(), actor(), database()
as_of = as_of_widget()
st.title(tr("partners_page.heading"))
st.caption(tr("partners_page.caption", date=show_date(as_of)))
choices = organization_choices(db, lang, actor=user)
if not choices:
    st.info(tr("partners_page.no_organizations"))
    st.stop()
linked = st.query_params.get("org")
if linked in choices and "partner_org" not in st.session_state:
    st.session_state["partner_org"] = linked
org = st.selectbox(
    tr("partners_page.organization"),
    list(choices),
    key="partner_org",
    format_func=lambda code: f"{choices[code]} ({code})",
    placeholder=tr("streamlit.choose"),
)
if org is not None:
    timeline = organization_timeline(db, org, as_of, lang, actor=user)
    part.identity_line(timeline, lang)
    part.figures_section(timeline, as_of)
    part.projects_section(timeline)
    part.collaborators_section(timeline, lang)
    part.timeline_section(timeline, lang)
if user.role != Role.PARTNER:
    part.quiet_section(db, as_of, lang)
sync_url(org=org)
