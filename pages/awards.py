"""Awards and their budgets: leads keep their projects' awards, amendments and budget lines;
administrators all.

Thin: the parts are ui/sections/award_form.py and award_budget.py, what they read and save
kpi/funding/award_forms.py and kpi/funding/editing.py."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from kpi.funding.award_forms import award_detail, awards_setup
from kpi.i18n import t
from ui.database import database
from ui.sections.award_budget import budget_part, duties_part, payments_part
from ui.sections.award_form import (
    award_form,
    awards_list,
    choose_award,
    history_part,
    show_flash,
)
from ui.session import actor, language, today, tr
from ui.widgets import enter_page, project_widget

lang = language()
db = database()
enter_page("awards")
st.title(tr("awards_page.heading"))
st.caption(tr("awards_page.caption_admin" if actor().is_admin else "awards_page.caption_lead"))
project = project_widget(to_change=True)  # a lead's own projects; an administrator's, all
if project is None:
    st.info(tr("awards_page.no_projects"))
    st.stop()

setup = awards_setup(db, project, actor=actor(), lang=lang)
show_flash(project)
st.subheader(tr("awards_page.awards"))
awards_list(setup)
number = choose_award(setup)
detail = award_detail(db, number, actor=actor(), today=today()) if number else None
if detail is None:
    award_form(db, setup, None)
    st.stop()

# A remembered choice rather than st.tabs: tabs fall back to the first one when the page above changes.
part = st.segmented_control(
    tr("awards_page.part"),
    ["award", "budget", "payments", "duties"],
    format_func=lambda p: t(f"awards_page.part_{p}", lang),
    default="award",
    required=True,
    key="awards_part",
    label_visibility="collapsed",
)
if part == "budget":
    budget_part(db, setup, detail)
elif part == "payments":
    payments_part(db, setup, detail)
elif part == "duties":
    duties_part(db, setup, detail)
else:
    award_form(db, setup, detail)
    history_part(setup, detail)
