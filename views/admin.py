"""Administration: accounts and roles, the KPI catalog, and settings (administrators only)."""

from __future__ import annotations

import streamlit as st

from kpi.formatting import plain
from kpi.i18n import t
from kpi.leads import Rejected
from kpi.model import Accumulation, Combine, Direction
from kpi.registry_edits import registry_for_editing, save_kpi, save_settings
from views.accounts_section import accounts_section
from views.common import actor, database, language, tr

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
    ["accounts", "kpis", "settings"],
    format_func=lambda s: t(f"admin.tab_{s}", lang),
    default="accounts",
    key="admin_section",
    label_visibility="collapsed",
)

if section == "accounts":
    accounts_section(db, lang, organizations=registry["organizations"])

if section == "kpis":
    st.dataframe(kpis, hide_index=True, width="stretch")
    with st.form(key="kpi_form"):
        left, right = st.columns(2)
        record = {
            "kpi_code": left.text_input(tr("admin.kpi_code")),
            "name_ja": right.text_input(tr("admin.name_ja")),
            "name_en": left.text_input(tr("admin.name_en")),
            "unit_ja": right.text_input(tr("admin.unit_ja")),
            "unit_en": left.text_input(tr("admin.unit_en")),
            "direction": right.selectbox(
                tr("admin.direction"),
                [d.value for d in Direction],
                format_func=lambda d: t(f"admin.direction_{d}", lang),
            ),
            "accumulation": left.selectbox(
                tr("admin.accumulation"),
                [a.value for a in Accumulation],
                format_func=lambda a: t(f"admin.accumulation_{a}", lang),
            ),
            "combine": right.selectbox(
                tr("admin.combine"),
                [c.value for c in Combine],
                format_func=lambda c: t(f"admin.combine_{c}", lang),
            ),
            "allow_negative": left.checkbox(tr("admin.allow_negative")),
        }
        if st.form_submit_button(tr("admin.save_kpi"), type="primary"):
            try:
                save_kpi(db, record, actor=actor(), lang=lang)
            except Rejected as error:
                _refused(error)
            else:
                _done(tr("admin.saved_kpi", code=record["kpi_code"]))

if section == "settings":
    with st.form(key="settings_form"):
        on_track = st.number_input(tr("admin.on_track"), value=settings.on_track_threshold, step=0.05)
        at_risk = st.number_input(tr("admin.at_risk"), value=settings.at_risk_threshold, step=0.05)
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
                    on_track=on_track,
                    at_risk=at_risk,
                    fiscal_year_start_month=int(start_month),
                    reminder_grace_days=int(grace),
                    actor=actor(),
                    lang=lang,
                )
            except Rejected as error:
                _refused(error)
            else:
                _done(tr("admin.saved_settings"))
