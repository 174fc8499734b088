"""Every run goes through dashboard.py. While a server has not yet run st.navigation, Streamlit routes
by the pages/ folder itself: on a cold server's first visit, /upload runs pages/upload.py directly
(skipping the sign-in gate) and / runs dashboard.py as a pages/-folder page, whose widgets then change
their ids on the next run (a first click would be lost). Both such runs are sent again, through
dashboard.py: each page's first statement is `through_dashboard()`, and dashboard.py's first step is
`leave_folder_routing()`. The address is untouched, so a deep link still opens its page after sign-in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# Each session's script runs on its own thread, and a page runs inside dashboard.py's run on that thread.
_runs = threading.local()


@contextmanager
def routed() -> Iterator[None]:
    """dashboard.py runs the chosen page inside this block."""
    _runs.routed = True
    try:
        yield
    finally:
        _runs.routed = False


def leave_folder_routing() -> None:
    """Stop Streamlit's pages/-folder routing for good (st.navigation would, a step too late for this
    run) and run again: the next run is dashboard.py's own, with the same address."""
    PagesManager.uses_pages_directory = False
    st.rerun()


def through_dashboard() -> None:
    """A page's first statement: return at once inside dashboard.py's run; a direct run starts over
    through dashboard.py."""
    if not getattr(_runs, "routed", False):
        leave_folder_routing()
