"""Administration: accounts and roles, the KPI catalog, settings, English names of registry terms,
purges and backups (administrators only)."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from kpi.errors import Rejected
from kpi.formatting.numbers import plain
from kpi.i18n import t
from kpi.registry.edits import percent, ratio, registry_for_editing, save_settings
from ui.database import database
from ui.sections.accounts import accounts_section
from ui.sections.backups import backups_section
from ui.sections.catalog import grade_section, kpi_section
from ui.sections.partnership_settings import partnership_settings_section
from ui.sections.programmes import programmes_section
from ui.sections.purge import render_purge_section
from ui.sections.terms import terms_section
from ui.session import actor, language, tr

lang = language()
db = database()
st.title(tr("admin.heading"))
if flash := st.session_state.pop("admin_flash", None):
    st.success(plain(flash))

registry = registry_for_editing(db, actor=actor())
kpis, settings = registry["kpi_definitions"], registry["settings"]


def _done(message: str) -> None:
    st.session_state["admin_flash"] = message
    st.rerun()


def _refused(error: Rejected) -> None:
    for problem in error.errors:
        st.error(plain(problem.message))


section = st.segmented_control(
    tr("admin.section"),
    ["accounts", "kpis", "programmes", "settings", "purge", "terms", "backups"],
    format_func=lambda s: t(f"admin.tab_{s}", lang),
    default="accounts",
    key="admin_section",
    label_visibility="collapsed",
)

if section == "accounts":
    accounts_section(db, lang, organizations=registry["organizations"])

if section == "kpis":
    kpi_section(db, kpis, lang, on_saved=_done, on_refused=_refused)

if section == "programmes":
    programmes_section(db, lang, on_saved=_done, on_refused=_refused)

if section == "settings":
    with st.form(key="settings_form"):
        # Plan progress as people write it, in percent; stored as a ratio (90 % → 0.9).
        on_track = st.number_input(
            tr("admin.on_track_percent"), value=percent(settings.on_track_threshold), step=5.0, format="%g"
        )
        at_risk = st.number_input(
            tr("admin.at_risk_percent"), value=percent(settings.at_risk_threshold), step=5.0, format="%g"
        )
        start_month = st.number_input(
            tr("admin.fy_start"), min_value=1, max_value=12, value=settings.fiscal_year_start_month
        )
        grace = st.number_input(
            tr("admin.grace_days"), min_value=0, max_value=365, value=registry["reminder_grace_days"]
        )
        if st.form_submit_button(tr("admin.save"), type="primary"):
            try:
                save_settings(
                    db,
                    on_track=ratio(on_track),
                    at_risk=ratio(at_risk),
                    fiscal_year_start_month=int(start_month),
                    reminder_grace_days=int(grace),
                    actor=actor(),
                    lang=lang,
                )
            except Rejected as error:
                _refused(error)
            else:
                _done(tr("admin.saved_settings"))
    grade_section(db, settings, lang, on_saved=_done, on_refused=_refused)
    partnership_settings_section(db, lang, on_saved=_done, on_refused=_refused)

if section == "purge":
    render_purge_section(db, actor(), lang)

if section == "terms":
    terms_section(db, lang, on_saved=_done, on_refused=_refused)

if section == "backups":
    backups_section(db, lang, on_saved=_done, on_refused=_refused)
