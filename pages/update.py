"""Progress updates for project leads: one period's values in a grid, and target plans with revisions.

Thin: the parts are ui/sections/update_progress.py and ui/sections/update_targets.py, what they do
with what is typed kpi/progress/."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from kpi.formatting.names import display_names
from kpi.i18n import t
from kpi.progress.forms import project_setup
from ui.database import database
from ui.sections.update_progress import progress_section
from ui.sections.update_shared import UpdateView, show_flash
from ui.sections.update_targets import targets_section
from ui.session import actor, language, tr
from ui.widgets import project_widget

lang = language()
db = database()
st.title(tr("update.heading"))
project = project_widget(to_change=True)
if project is None:
    st.info(tr("update.no_projects"))
    st.stop()

partners, kpis = project_setup(db, project, actor=actor())
# A remembered choice rather than st.tabs: tabs fall back to the first one when the page above changes.
section = st.segmented_control(
    tr("update.section"),
    ["progress", "targets"],
    format_func=lambda s: t(f"update.tab_{s}", lang),
    default="progress",
    required=True,  # clicking the chosen section again keeps it
    key="update_section",
    label_visibility="collapsed",
)
view = UpdateView(db, lang, project, section, partners, kpis)
# The outcome of the last save stays until the next action: another save, or another project or section.
show_flash(view)

if section != "targets":
    progress_section(view)
else:
    labels = dict(zip(kpis["kpi_code"], display_names(kpis, lang), strict=True))
    chosen = st.selectbox(tr("update.kpi"), list(labels), format_func=lambda c: labels[c], key="target_kpi")
    if chosen is not None:
        targets_section(view, chosen)
