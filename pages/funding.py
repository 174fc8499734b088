"""The funding overview (SPEC section 7): awards by programme and stage, budget against spend, shares, calls, duties, flags."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from ui.session import tr

st.title(tr("funding_page.heading"))
