"""Meetings and reviews (SPEC section 8): reviews past due and the reader's open action items, then
one project's review cadence, its meetings (minutes and decisions as typed), a form to record one
and, for its lead, to change or withdraw one. Executives read.

Thin: the parts are ui/sections/meetings_top.py, meetings_project.py and meetings_form.py, what
they read kpi/partnerships/meeting_views.py, what they save kpi/partnerships/meetings.py."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from kpi.access import Role
from kpi.i18n import t
from kpi.partnerships.meeting_views import meetings_setup
from ui.database import database, project_choices_for
from ui.sections.meetings_form import meeting_form
from ui.sections.meetings_project import cadence_part, choose_meeting, details_part, meetings_list
from ui.sections.meetings_top import open_items_part, reviews_part, show_flash
from ui.session import actor, language, today, tr
from ui.widgets import enter_page, project_widget, sync_url

lang = language()
db = database()
enter_page("meetings")
st.title(tr("meetings_page.heading"))
st.caption(tr(f"meetings_page.caption_{actor().role.value}"))
show_flash("top")
reviews_part(db)
open_items_part(db)

st.header(tr("meetings_page.project_heading"))
if "_keep_project" not in st.session_state and (own := project_choices_for(actor(), lang, to_change=True)):
    st.session_state["_keep_project"] = next(iter(own))  # a lead first sees a project it leads
project = project_widget()
if project is None:
    st.info(tr("meetings_page.no_projects"))
    st.stop()
setup = meetings_setup(db, project, today(), lang, actor=actor())
sync_url(project=project)
cadence_part(db, setup)
meetings_list(setup)
show_flash("project")

parts = (
    ["details"]
    + (["new"] if setup.can_add else [])
    + (["change"] if setup.can_manage and setup.meetings else [])
)
# A remembered choice rather than st.tabs: tabs fall back to the first one when the page above changes.
if (following := st.session_state.pop("meetings_part_next", None)) is not None:
    st.session_state["meetings_part"] = following  # after a save: the meeting saved, in its details
if st.session_state.get("meetings_part") not in parts:
    st.session_state["meetings_part"] = "details"
part: str | None = "details"
if len(parts) > 1:
    part = st.segmented_control(
        tr("meetings_page.part"),
        parts,
        format_func=lambda p: t(f"meetings_page.part_{p}", lang),
        required=True,
        key="meetings_part",
        label_visibility="collapsed",
    )
if part == "new":
    meeting_form(db, setup, None)
    st.stop()
meeting = choose_meeting(setup)
if meeting is None:
    if not setup.can_add and actor().role != Role.EXECUTIVE:
        st.caption(tr("meetings_page.cannot_add"))
elif part == "change":
    meeting_form(db, setup, meeting)
else:
    details_part(db, setup, meeting)
