"""Page-wide style rules: Streamlit's own toolbar download goes, and Streamlit's own English words are
written over in the page's language.

1. The "Download as CSV" button of st.dataframe / st.data_editor writes partner notes and names raw,
   so a note such as =HYPERLINK(...) becomes a formula in whoever opens the file (issue 15).
   Streamlit 1.67 has no parameter to remove it (streamlit issue #8402), so a style rule hides it;
   files people may take away come from our own buttons, written by kpi.exports.
2. Streamlit 1.67 prints some words of its own in English whatever the page's language ("Upload",
   "50MB per file", "Select all", "No results", "Press Enter to submit form", the toolbar's
   tooltips, the empty date's "yyyy/mm/dd" …) and has no setting for them (streamlit issue #6136).
   Each is kept in the page but shrunk to nothing (so it is neither seen nor laid out), and the
   catalog's words are shown in its place by a ::after rule. Placeholders of selectboxes and
   multiselects are set by the pages themselves (`placeholder=`); the rules below only blank
   Streamlit's default ones, should a page forget.

The selectors are what the frontend bundle renders (data-testid attributes, react-aria roles and
data-* attributes, the toolbar buttons' aria-labels); tests/test_formula_injection.py checks the
toolbar's, tests/test_browser_languages.py the words a page shows in each language.
"""

from __future__ import annotations

import json
import os

import streamlit as st

from kpi.formatting.numbers import format_bytes
from kpi.i18n import t
from kpi.model import Settings
from kpi.portfolio.status import read_db_settings

TOOLBAR = '[data-testid="stElementToolbar"]'
BUTTON = '[data-testid="stElementToolbarButton"]'
DOWNLOAD_LABEL = "Download as CSV"
# The button's wrapper goes (no empty slot in the toolbar); the button itself too, for a browser
# without :has(). Search, fullscreen and column visibility stay.
CSS = (
    f'{TOOLBAR} {BUTTON}:has(button[aria-label^="{DOWNLOAD_LABEL}"]),'
    f'{TOOLBAR} button[aria-label^="{DOWNLOAD_LABEL}"]{{display:none !important}}'
)

# Streamlit's text → the catalog key that replaces it: the element holding the text, by selector.
_UPLOADER = '[data-testid="stFileUploaderDropzone"]'
_INSTRUCTION = '[data-testid="InputInstructions"] > :first-child'  # the second is the "3/500" count
REPLACED = {
    f"{_UPLOADER} [data-testid='stBaseButton-secondary'] [data-testid='stMarkdownContainer'] p": (
        "streamlit.upload"
    ),
    '[data-testid="stFileUploaderDropzoneInstructions"] span': "streamlit.upload_limit",
    '[role="option"][data-key="__select_all__"] > div': "streamlit.select_all",
    '[role="listbox"][data-empty="true"] [role="option"] span': "streamlit.no_results",
    # Input instructions, from the least to the most specific: a later rule wins.
    f"{_INSTRUCTION}": "streamlit.press_enter_apply",
    f'[data-testid="stTextArea"] {_INSTRUCTION}': "streamlit.press_keys_apply",
    f'[data-testid="stForm"] {_INSTRUCTION}': "streamlit.press_enter_form",
    f'[data-testid="stForm"] [data-testid="stTextArea"] {_INSTRUCTION}': "streamlit.press_keys_form",
    '[role="spinbutton"][data-placeholder="true"][data-type="year"]': "streamlit.date_year",
    '[role="spinbutton"][data-placeholder="true"][data-type="month"]': "streamlit.date_month",
    '[role="spinbutton"][data-placeholder="true"][data-type="day"]': "streamlit.date_day",
}
# The toolbar's tooltips open in a portal away from their button: the tooltip shown while a button
# of that label is hovered is the one rewritten.
TOOLTIPS = {
    "Search": "streamlit.search",
    "Fullscreen": "streamlit.fullscreen",
    "Close fullscreen": "streamlit.close_fullscreen",
    "Show/hide columns": "streamlit.columns",
    "Add row": "streamlit.add_row",
    "Delete row(s)": "streamlit.delete_rows",
}
# Placeholders Streamlit writes when a page gives none, and the table search's: blanked.
PLACEHOLDERS = ("Choose an option", "Choose options", "Type to search", "Search")


def _css_text(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a double-quoted CSS string


def _replace(selector: str, text: str) -> str:
    # font-size 0 keeps the original in the page (Streamlit re-renders it) but shows and lays out
    # nothing; the ::after brings the size back for the catalog's words.
    return (
        f"{selector}{{font-size:0 !important;line-height:0 !important;letter-spacing:0 !important}}"
        f"{selector}::after{{content:{_css_text(text)};font-size:var(--h5-size,0.875rem);"
        "line-height:1.6;letter-spacing:normal}"
    )


def upload_limit_bytes(settings: Settings, server_mb: int) -> int:
    """What a file may weigh: the smaller of the browser's cap (server.maxUploadSize, MB) and the
    import limit the server checks (the import_max_bytes setting)."""
    return min(server_mb * 1024 * 1024, settings.import_max_bytes)


@st.cache_data(ttl=60, show_spinner=False)
def _settings(path: str) -> Settings:
    from ui.database import database  # ui.database imports nothing from here

    if not os.path.exists(path):  # never create a database here: dashboard.py says it is missing
        return Settings()
    try:
        return read_db_settings(database())
    except Exception:  # a database not yet migrated or busy: the default limit meanwhile
        return Settings()


def language_css(lang: str, limit_bytes: int) -> str:
    """The style rules that write Streamlit's own words in `lang`."""
    rules = [
        _replace(selector, t(key, lang, limit=format_bytes(limit_bytes, lang)))
        for selector, key in REPLACED.items()
    ]
    for label, key in TOOLTIPS.items():
        hovered = f'body:has({TOOLBAR} button[aria-label="{label}"]:hover)'
        rules.append(_replace(f'{hovered} [data-testid="stTooltipContent"] p', t(key, lang)))
    blanked = ",".join(f'input[placeholder="{p}"]::placeholder' for p in PLACEHOLDERS)
    rules.append(f"{blanked}{{color:transparent !important}}")
    return "".join(rules)


def hide_table_downloads() -> None:
    """Once per run, before any table: a style-only st.html goes to the event container, so it
    shows nothing and adds no gap, and applies to every table of the page. Also relabels the
    widgets of a page entered in a language it was not yet shown in (ui/session.py)."""
    from ui.database import database  # they import nothing from here
    from ui.session import language, relabel_each_page_once

    relabel_each_page_once()  # dashboard.py calls this on every run, before any page

    server_mb = int(st.get_option("server.maxUploadSize"))
    limit = upload_limit_bytes(_settings(str(database().path)), server_mb)
    st.html(f"<style>{CSS}{language_css(language(), limit)}</style>")
