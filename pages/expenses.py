"""Partners' expenditures: the template, the upload (checked, previewed, all or nothing) and the history."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from ui.session import tr

st.title(tr("expenses_page.heading"))
