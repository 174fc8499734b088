"""Streamlit pages: read widgets, call kpi, render. No SQL, no arithmetic.

Not named pages/: Streamlit would also route that folder by itself, so a first visit to a deep
link (/upload) would run the page without dashboard.py's frame.
"""
