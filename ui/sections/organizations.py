"""The registry page's organizations (administrators): the list with each one's 法人番号 and e-Rad
研究機関コード, and one organization in a form (kpi/registry/organizations.py checks and saves it)."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st

from kpi.errors import Rejected, StaleWrite
from kpi.formatting.numbers import plain
from kpi.i18n import t
from kpi.model import Sector
from kpi.registry.edits import organization_names
from kpi.registry.organizations import organization_for_editing, save_organization
from kpi.storage import Database
from ui.sections.contact_form import contact_form
from ui.session import actor

FLASH = "organizations_flash"
SECTORS = [s.value for s in Sector]


def _shown(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def organizations_section(db: Database, lang: str, organizations: pd.DataFrame) -> None:
    st.header(t("registry_organizations.heading", lang))
    st.caption(t("registry_organizations.caption", lang))
    if flash := st.session_state.pop(FLASH, None):
        kind, text = flash
        (st.success if kind == "saved" else st.error)(plain(text))
    names = organization_names(organizations, lang)

    def label(name: str) -> str:
        return t(f"registry_organizations.{name}", lang)

    if not organizations.empty:
        none = t("registry_organizations.none", lang)
        st.dataframe(
            pd.DataFrame(
                {
                    label("organization_code"): organizations["organization_code"],
                    label("name_ja"): [names[c] for c in organizations["organization_code"]],
                    label("sector"): [t(f"sector.{s}", lang) for s in organizations["sector"]],
                    label("prefecture"): organizations["prefecture"],
                    label("corporate_number"): [_shown(n) or none for n in organizations["corporate_number"]],
                    label("erad_code"): [_shown(n) or none for n in organizations["erad_code"]],
                    t("contacts.column", lang): [
                        _shown(a) or t("contacts.none", lang) for a in organizations["contact_email"]
                    ],
                }
            ),
            hide_index=True,
        )
    chosen = st.selectbox(
        t("registry_organizations.organization", lang),
        [None, *organizations["organization_code"]],
        key="registry_organization",
        format_func=lambda c: t("registry_organizations.new", lang) if c is None else f"{names[c]} ({c})",
    )
    base = organization_for_editing(db, chosen, actor=actor()) if chosen else None
    current: dict[str, Any] = base or {}
    # The stored row is part of the form's key: after a refused stale save the form shows it afresh.
    digest = hashlib.sha256(repr(sorted(current.items())).encode()).hexdigest()[:12]
    with st.form(key=f"organization_form::{chosen}::{digest}"):
        left, right = st.columns(2)
        record = {
            "organization_code": left.text_input(
                label("organization_code"), value=_shown(current.get("organization_code")),
                disabled=chosen is not None,
            ),
            "name_ja": right.text_input(label("name_ja"), value=_shown(current.get("name_ja"))),
            "name_en": left.text_input(label("name_en"), value=_shown(current.get("name_en"))),
            "sector": right.selectbox(
                label("sector"), SECTORS, index=SECTORS.index(current.get("sector") or SECTORS[0]),
                format_func=lambda s: t(f"sector.{s}", lang),
            ),
            "prefecture": left.text_input(label("prefecture"), value=_shown(current.get("prefecture"))),
            "corporate_number": right.text_input(
                label("corporate_number"), value=_shown(current.get("corporate_number")),
                help=label("corporate_number_help"),
            ),
            "erad_code": left.text_input(
                label("erad_code"), value=_shown(current.get("erad_code")), help=label("erad_code_help")
            ),
        }  # fmt: skip
        if st.form_submit_button(label("save"), type="primary"):
            try:
                saved = save_organization(db, record, base=base, actor=actor(), lang=lang)
            except StaleWrite:
                st.session_state[FLASH] = ("stale", label("stale"))
                st.rerun()
            except Rejected as error:
                for problem in error.errors:
                    st.error(plain(problem.message))
            else:
                code = saved["organization_code"]
                st.session_state[FLASH] = ("saved", t("registry_organizations.saved", lang, code=code))
                st.rerun()
    if chosen is not None:  # where this organization's reminder e-mails go (kpi/operations/contacts.py)
        contact_form(db, chosen, names[chosen], lang, key="registry")
