"""Administration: projects and their partners, the KPI catalog, and settings."""

from __future__ import annotations

from typing import Any

import streamlit as st

from kpi.i18n import t
from kpi.leads import Rejected, StaleWrite
from kpi.model import Accumulation, Combine, Direction, Phase
from kpi.registry_edits import save_kpi, save_project, save_settings
from kpi.storage.edits import project_row
from kpi.storage.registry import read_settings, read_table
from views.common import actor, database, language, tr

lang = language()
db = database()
st.title(tr("admin.heading"))
if flash := st.session_state.pop("admin_flash", None):
    st.success(flash)

with db.cursor() as cursor:
    projects = read_table(cursor, "projects")
    organizations = read_table(cursor, "organizations")
    partners = read_table(cursor, "partners")
    kpis = read_table(cursor, "kpi_definitions")
    settings = read_settings(cursor)
org_names = dict(
    zip(
        organizations["organization_code"],
        organizations["name_ja" if lang == "ja" else "name_en"].fillna(organizations["name_ja"]),
        strict=True,
    )
)


def _done(message: str) -> None:
    st.session_state["admin_flash"] = message
    st.rerun()


def _refused(error: Rejected) -> None:
    for problem in error.errors:
        st.error(problem.message)


section = st.segmented_control(
    tr("admin.section"),
    ["projects", "kpis", "settings"],
    format_func=lambda s: t(f"admin.tab_{s}", lang),
    default="projects",
    key="admin_section",
    label_visibility="collapsed",
)

if section == "projects":
    codes = [None, *projects["project_code"]]
    chosen = st.selectbox(
        tr("admin.project"),
        codes,
        key="admin_project",
        format_func=lambda c: t("admin.new_project", lang) if c is None else c,
    )
    with db.cursor() as cursor:
        base = project_row(cursor, chosen) if chosen else None
    current: dict[str, Any] = base or {}
    with st.form(key=f"project_form::{chosen}"):
        left, right = st.columns(2)
        record = {
            "project_code": left.text_input(
                tr("admin.project_code"), value=current.get("project_code", ""), disabled=chosen is not None
            ),
            "name_ja": right.text_input(tr("admin.name_ja"), value=current.get("name_ja", "")),
            "name_en": left.text_input(tr("admin.name_en"), value=current.get("name_en") or ""),
            "field": right.text_input(tr("admin.field"), value=current.get("field", "")),
            "prefecture": left.text_input(tr("admin.prefecture"), value=current.get("prefecture", "")),
            "phase": right.selectbox(
                tr("admin.phase"),
                [p.value for p in Phase],
                index=[p.value for p in Phase].index(current.get("phase", "agreement")),
                format_func=lambda p: t(f"phase.{p}", lang),
            ),
            "start_date": left.date_input(tr("admin.start_date"), value=current.get("start_date")),
            "end_date": right.date_input(tr("admin.end_date"), value=current.get("end_date")),
            "lead_organization_code": left.selectbox(
                tr("admin.lead"),
                list(org_names),
                format_func=lambda c: f"{org_names[c]} ({c})",
                index=list(org_names).index(current["lead_organization_code"]) if base else 0,
            ),
        }
        members = partners[partners["project_code"] == chosen]
        chosen_partners = st.multiselect(
            tr("admin.partners"),
            list(org_names),
            default=list(members["organization_code"]),
            format_func=lambda c: f"{org_names[c]} ({c})",
        )
        if st.form_submit_button(tr("admin.save"), type="primary"):
            roles = dict(zip(members["organization_code"], members["role"], strict=True))
            chosen_list = [{"organization_code": c, "role": roles.get(c, "")} for c in chosen_partners]
            record["name_en"] = record["name_en"] or None
            try:
                save_project(db, record, chosen_list, base=base, actor=actor(), lang=lang)
            except StaleWrite:
                st.error(tr("admin.stale"))
            except Rejected as error:
                _refused(error)
            else:
                _done(tr("admin.saved_project", code=record["project_code"]))

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
        if st.form_submit_button(tr("admin.save"), type="primary"):
            try:
                save_settings(
                    db,
                    on_track=on_track,
                    at_risk=at_risk,
                    fiscal_year_start_month=int(start_month),
                    actor=actor(),
                    lang=lang,
                )
            except Rejected as error:
                _refused(error)
            else:
                _done(tr("admin.saved_settings"))
