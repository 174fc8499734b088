"""Streamlit glue that is never routed: routing.py (each page goes through dashboard.py), navigation.py,
session.py (language, actor), database.py (the handle and cached reads), widgets.py, sign-in (auth.py,
sign_in.py), drafts.py, table_guard.py, and sections/ of pages."""
