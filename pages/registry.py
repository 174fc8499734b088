"""Projects and their partners: administrators edit any, a lead registers and edits their own."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

from typing import Any

import streamlit as st

from kpi.errors import Rejected, StaleWrite
from kpi.formatting.numbers import plain
from kpi.i18n import t
from kpi.model import Phase
from kpi.registry.edits import organization_names, project_for_editing, registry_for_editing, save_project
from ui.database import database
from ui.sections.organizations import organizations_section
from ui.session import actor, language, tr

lang = language()
db = database()
st.title(tr("projects.heading"))
if flash := st.session_state.pop("projects_flash", None):
    st.success(plain(flash))

registry = registry_for_editing(db, actor=actor())
projects, organizations, partners = registry["projects"], registry["organizations"], registry["partners"]
org_names = organization_names(organizations, lang)
# A lead's projects stay led by their organization: the only lead offered is their own.
lead_choices = list(org_names) if actor().is_admin else [actor().organization_code]
st.caption(tr("projects.caption_admin" if actor().is_admin else "projects.caption_lead"))

codes = [None, *projects["project_code"]]  # a lead's: only the projects their organization leads
chosen = st.selectbox(
    tr("admin.project"),
    codes,
    key="admin_project",
    format_func=lambda c: t("admin.new_project", lang) if c is None else c,
    placeholder=tr("streamlit.choose"),
)
base = project_for_editing(db, chosen, actor=actor()) if chosen else None
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
            placeholder=tr("streamlit.choose"),
        ),
        "start_date": left.date_input(tr("admin.start_date"), value=current.get("start_date")),
        "end_date": right.date_input(tr("admin.end_date"), value=current.get("end_date")),
        "lead_organization_code": left.selectbox(
            tr("admin.lead"),
            lead_choices,
            format_func=lambda c: f"{org_names[c]} ({c})",
            index=lead_choices.index(current["lead_organization_code"]) if base else 0,
            placeholder=tr("streamlit.choose"),
        ),
    }
    members = partners[partners["project_code"] == chosen]
    chosen_partners = st.multiselect(
        tr("admin.partners"),
        list(org_names),
        default=list(members["organization_code"]),
        format_func=lambda c: f"{org_names[c]} ({c})",
        placeholder=tr("streamlit.choose"),
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
            for problem in error.errors:
                st.error(plain(problem.message))
        else:
            st.session_state["projects_flash"] = tr("admin.saved_project", code=record["project_code"])
            st.rerun()

if actor().is_admin:  # organizations are the administrators' (kpi/registry/organizations.py checks it too)
    organizations_section(db, lang, organizations)
