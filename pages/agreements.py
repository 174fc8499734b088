"""Agreements (SPEC section 8): the dates coming up and the projects flagged, then one project's
agreements (or those between organizations) with their detail and versions; the project's lead and
administrators add, change and withdraw them. Partners and executives read.

Thin: the parts are ui/sections/agreements_alerts.py, agreements_list.py and agreements_form.py, what
they read kpi/partnerships/agreement_view.py, what they save kpi/partnerships/agreements.py."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from kpi.partnerships.agreement_view import agreements_view
from ui.database import database, project_choices_for
from ui.sections.agreements_alerts import alerts_part
from ui.sections.agreements_form import agreement_form, forget_bases, withdraw_part
from ui.sections.agreements_list import (
    agreement_detail,
    agreements_table,
    choose_agreement,
    choose_project,
    show_flash,
)
from ui.session import actor, language, today, tr
from ui.widgets import enter_page, sync_url

lang, db, user = language(), database(), actor()
enter_page("agreements")
if st.session_state.get("_page_changed", True):
    forget_bases()
st.title(tr("agreements_page.heading"))
st.caption(tr(f"agreements_page.caption_{user.role.value}"))
projects = project_choices_for(user, lang)
alerts_part(db, projects)

st.divider()
project = choose_project(projects, project_choices_for(user, lang, to_change=True))
sync_url(project=project)
view = agreements_view(db, project, today(), actor=user, lang=lang)
heading = (
    tr("agreements_page.list_project", project=f"{project} {projects[project]}")
    if project
    else tr("agreements_page.list_between")
)
agreements_table(view, heading)
show_flash()
code = choose_agreement(view)
agreement = view.agreement(code)
if agreement is not None:
    agreement_detail(db, view, agreement)
if not view.may_change:
    if view.agreements:
        st.caption(tr("agreements_page.read_only"))
    st.stop()
agreement_form(db, view, agreement)
if agreement is not None:
    withdraw_part(db, view, agreement)
