"""Entry point: page config, shared sidebar, sign-in, and the navigation each role sees. Pages live in
pages/; each one's first statement sends a run that did not start here back through this script."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import RerunException, StopException

from kpi import incidents
from kpi.access import Forbidden
from kpi.formatting.numbers import plain
from kpi.i18n import LANGUAGES, t
from ui.auth import end_session, signed_in, sync_cookie
from ui.database import check_file_once, database
from ui.navigation import ALL_PAGES, PAGES
from ui.routing import leave_folder_routing, routed
from ui.session import language, remember_language
from ui.sign_in import sign_in_page
from ui.table_guard import hide_table_downloads

if PagesManager.uses_pages_directory:  # a cold server's first run, routed by the pages/ folder
    leave_folder_routing()  # (a page load: no click of this run is lost by running again)
if "lang" not in st.session_state:
    st.session_state["lang"] = language()
if "_account_lang" in st.session_state:  # set at sign-in: the account's own language
    st.session_state["lang"] = st.session_state.pop("_account_lang")
st.set_page_config(page_title=t("app.short_title", language()), page_icon="📊", layout="wide")
hide_table_downloads()  # Streamlit's own table CSV is not neutralised: our downloads are

with st.sidebar:
    # The widget's key is the language itself, so every page reads the choice on this same run.
    st.selectbox(
        t("app.language", language()),
        LANGUAGES,
        format_func=lambda code: {"ja": "日本語", "en": "English"}[code],
        key="lang",
        on_change=remember_language,
    )
    if language() == "ja":
        st.checkbox(t("app.wareki", "ja"), key="wareki", help=t("app.wareki_help", "ja"))
if st.query_params.get("lang") != language():
    st.query_params["lang"] = language()  # a shared link opens in the same language

lang = language()
db = database()
incidents.log_to(db.path, console_traceback=True)  # the server's stderr and <database>.log


def show_failure(error: Exception, where: str) -> None:
    """Busy and missing databases, a full disk, a damaged file: what happened and what to do. Anything
    else: a plain message with the incident id; the traceback goes to the log, never to the browser
    (client.showErrorDetails = "none" covers what would still escape)."""
    failure = incidents.describe(error, lang, where=where)
    if failure.kind == incidents.BUSY:
        st.warning(failure.message)
    else:
        st.error(failure.message)


try:
    db.ensure_ready()
    check_file_once()  # a damaged file is told here, on the first page, with the way to restore it
    actor = signed_in(db)
except (RerunException, StopException):
    raise  # Streamlit's own control flow (st.rerun, st.stop, st.switch_page): not a failure
except Exception as error:
    show_failure(error, "sign-in")
    st.stop()
sync_cookie()  # a sign-in's cookie to write, or a sign-out's to delete, in the browser

if actor is None:  # nothing but the sign-in form until someone signs in, at every page's address
    gate = [
        st.Page(sign_in_page, title=t("signin.heading", lang), url_path=name, default=name == "overview")
        for name in ALL_PAGES
    ]
    try:
        st.navigation(gate, position="hidden").run()
    except (RerunException, StopException):
        raise
    except Exception as error:
        show_failure(error, "sign-in page")
    st.stop()

st.session_state["_actor"] = actor
with st.sidebar:
    st.caption(
        t("signin.signed_in_as", lang, name=plain(actor.display_name), role=t(f"role.{actor.role}", lang))
    )
    if st.button(t("signin.sign_out", lang), key="sign_out", icon=":material/logout:"):
        end_session(db)  # revokes the sign-in on the server: its cookie signs nobody in again
        st.rerun()
pages = [
    st.Page(
        f"pages/{name}.py",
        title=t(ALL_PAGES[name][0], lang),
        icon=ALL_PAGES[name][1],
        url_path=None if name == "overview" else name,
        default=name == "overview",
    )
    for name in PAGES[actor.role]
]
page = st.navigation(pages, expanded=True)  # every page listed: no "View more" in English on a Japanese page
try:
    with routed():  # the page's first statement, through_dashboard(), lets this run through
        page.run()
except (RerunException, StopException):
    raise
except Forbidden as refused:  # a page asked for more than the role allows: said, never shown
    st.error(plain(refused.message(lang)))
except Exception as error:  # the command line is writing, the disk is full, or a bug: never a traceback
    show_failure(error, f"page {page.url_path or 'overview'}")
