"""Streamlit glue that is never routed: session and language (common.py), sign-in (auth.py, sign_in.py),
drafts, the page guard (routing.py)."""
