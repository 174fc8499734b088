"""Entry point: page config, shared sidebar, navigation. Pages live in views/."""

from __future__ import annotations

import streamlit as st

from kpi.i18n import LANGUAGES, t
from kpi.storage import DatabaseBusy, DatabaseMissing
from views.common import database, language

if "lang" not in st.session_state:
    st.session_state["lang"] = language()
st.set_page_config(page_title=t("app.short_title", language()), page_icon="📊", layout="wide")

with st.sidebar:
    # The widget's key is the language itself, so every page reads the choice on this same run.
    st.selectbox(
        t("app.language", language()),
        LANGUAGES,
        format_func=lambda code: {"ja": "日本語", "en": "English"}[code],
        key="lang",
    )
    if language() == "ja":
        st.checkbox(t("app.wareki", "ja"), key="wareki", help=t("app.wareki_help", "ja"))
if st.query_params.get("lang") != language():
    st.query_params["lang"] = language()  # a shared link opens in the same language

lang = language()
db = database()
try:
    db.ensure_ready()
except DatabaseMissing:
    st.error(t("app.no_database", lang, path=db.path))
    st.stop()
except DatabaseBusy as busy:
    st.warning(t("app.database_busy", lang, seconds=f"{busy.waited:.0f}"))
    st.stop()

pages = [
    st.Page("views/overview.py", title=t("nav.overview", lang), icon=":material/dashboard:", default=True),
    st.Page("views/project.py", title=t("nav.project", lang), icon=":material/insights:", url_path="project"),
    st.Page("views/update.py", title=t("nav.update", lang), icon=":material/edit_note:", url_path="update"),
    st.Page("views/upload.py", title=t("nav.upload", lang), icon=":material/upload_file:", url_path="upload"),
    st.Page("views/admin.py", title=t("nav.admin", lang), icon=":material/settings:", url_path="admin"),
    st.Page("views/audit.py", title=t("nav.audit", lang), icon=":material/history:", url_path="audit"),
    st.Page(
        "views/reminders.py", title=t("reminders.nav", lang), icon=":material/mail:", url_path="reminders"
    ),
]
try:
    st.navigation(pages).run()
except DatabaseBusy as busy:  # the command line is writing: say so instead of a traceback
    st.warning(t("app.database_busy", lang, seconds=f"{busy.waited:.0f}"))
