"""Streamlit pages: read widgets, call kpi, render. No SQL, no arithmetic."""
