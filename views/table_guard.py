"""Turn off the "Download as CSV" button of Streamlit's own table toolbar.

st.dataframe and st.data_editor offer a download that writes partner notes and names raw, so a
note such as =HYPERLINK(...) becomes a formula in whoever opens the file (issue 15). Streamlit 1.67
has no parameter to remove it (streamlit issue #8402), so a style rule hides it; files people may
take away come from our own buttons, written by kpi.exports. The selectors are what the frontend
bundle renders (static/js/Toolbar.*.js: every toolbar button is a div[data-testid=
"stElementToolbarButton"] around a button whose aria-label is the label, or "label: context");
tests/test_formula_injection.py checks that the bundle still renders them.
"""

from __future__ import annotations

import streamlit as st

TOOLBAR = '[data-testid="stElementToolbar"]'
BUTTON = '[data-testid="stElementToolbarButton"]'
DOWNLOAD_LABEL = "Download as CSV"
# The button's wrapper goes (no empty slot in the toolbar); the button itself too, for a browser
# without :has(). Search, fullscreen and column visibility stay.
CSS = (
    f'{TOOLBAR} {BUTTON}:has(button[aria-label^="{DOWNLOAD_LABEL}"]),'
    f'{TOOLBAR} button[aria-label^="{DOWNLOAD_LABEL}"]{{display:none !important}}'
)


def hide_table_downloads() -> None:
    """Once per run, before any table: a style-only st.html goes to the event container, so it
    shows nothing and adds no gap, and applies to every table of the page."""
    st.html(f"<style>{CSS}</style>")
