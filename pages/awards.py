"""Awards and their budgets: leads keep their projects' awards, amendments and budget lines; administrators all."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from ui.session import tr

st.title(tr("awards_page.heading"))
