"""Entry point: page config, shared sidebar, sign-in, and the navigation each role sees. Pages live in
views/."""

from __future__ import annotations

import streamlit as st

from kpi.access import PAGES, Forbidden
from kpi.formatting import plain
from kpi.i18n import LANGUAGES, t
from kpi.storage import DatabaseBusy, DatabaseMissing
from views.auth import end_session, signed_in
from views.common import database, language, remember_language
from views.sign_in import sign_in_page

if "lang" not in st.session_state:
    st.session_state["lang"] = language()
if "_account_lang" in st.session_state:  # set at sign-in: the account's own language
    st.session_state["lang"] = st.session_state.pop("_account_lang")
st.set_page_config(page_title=t("app.short_title", language()), page_icon="📊", layout="wide")

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
try:
    db.ensure_ready()
    actor = signed_in(db)
except DatabaseMissing:
    st.error(t("app.no_database", lang, path=db.path))
    st.stop()
except DatabaseBusy as busy:
    st.warning(t("app.database_busy", lang, seconds=f"{busy.waited:.0f}"))
    st.stop()

ALL_PAGES = {
    "overview": ("nav.overview", ":material/dashboard:"),
    "project": ("nav.project", ":material/insights:"),
    "update": ("nav.update", ":material/edit_note:"),
    "upload": ("nav.upload", ":material/upload_file:"),
    "projects": ("nav.projects", ":material/account_tree:"),
    "reminders": ("reminders.nav", ":material/mail:"),
    "audit": ("nav.audit", ":material/history:"),
    "admin": ("nav.admin", ":material/settings:"),
    "account": ("nav.account", ":material/person:"),
}

if actor is None:  # nothing but the sign-in form until someone signs in, at every page's address
    gate = [
        st.Page(sign_in_page, title=t("signin.heading", lang), url_path=name, default=name == "overview")
        for name in ALL_PAGES
    ]
    try:
        st.navigation(gate, position="hidden").run()
    except DatabaseBusy as busy:
        st.warning(t("app.database_busy", lang, seconds=f"{busy.waited:.0f}"))
    st.stop()

st.session_state["_actor"] = actor
with st.sidebar:
    st.caption(
        t("signin.signed_in_as", lang, name=plain(actor.display_name), role=t(f"role.{actor.role}", lang))
    )
    if st.button(t("signin.sign_out", lang), key="sign_out", icon=":material/logout:"):
        end_session()
        st.rerun()
pages = [
    st.Page(
        f"views/{name}.py",
        title=t(ALL_PAGES[name][0], lang),
        icon=ALL_PAGES[name][1],
        url_path=None if name == "overview" else name,
        default=name == "overview",
    )
    for name in PAGES[actor.role]
]
try:
    st.navigation(pages).run()
except DatabaseBusy as busy:  # the command line is writing: say so instead of a traceback
    st.warning(t("app.database_busy", lang, seconds=f"{busy.waited:.0f}"))
except Forbidden as refused:  # a page asked for more than the role allows: said, never shown
    st.error(plain(refused.message(lang)))
