"""An organization's reminder contact (kpi/operations/contacts.py) as a small form: the registry
page's organizations (administrators) and the account page (a lead or partner, its own)."""

from __future__ import annotations

import streamlit as st

from kpi.errors import Rejected
from kpi.formatting.numbers import plain
from kpi.i18n import LANGUAGES, t
from kpi.operations.contacts import organization_contact, save_organization_contact
from kpi.operations.sending import reminder_repeat_days
from kpi.storage import Database
from ui.session import actor

FLASH = "contact_flash"


def contact_form(
    db: Database, organization_code: str, organization_name: str, lang: str, *, key: str
) -> None:
    st.subheader(t("contacts.heading", lang))
    if flash := st.session_state.pop(f"{FLASH}::{key}", None):
        st.success(plain(flash))
    email, contact_lang = organization_contact(db, organization_code, actor=actor())
    st.caption(
        plain(t("contacts.caption", lang, organization=organization_name, days=reminder_repeat_days(db)))
    )
    with st.form(key=f"contact_form::{key}::{organization_code}::{email}::{contact_lang}"):
        left, right = st.columns(2)
        typed = left.text_input(
            t("contacts.email", lang), value=email, key=f"contact_email::{key}::{organization_code}"
        )
        chosen = right.selectbox(
            t("contacts.language", lang),
            LANGUAGES,
            index=LANGUAGES.index(contact_lang if contact_lang in LANGUAGES else "ja"),
            format_func=lambda code: t(f"accounts.lang_{code}", lang),
            key=f"contact_language::{key}::{organization_code}",
        )
        if st.form_submit_button(t("contacts.save", lang)):
            try:
                stored, _ = save_organization_contact(
                    db, organization_code, typed, chosen or "ja", actor=actor(), lang=lang
                )
            except Rejected as error:
                for problem in error.errors:
                    st.error(plain(problem.message))
            else:
                done = "contacts.saved" if stored else "contacts.cleared"
                st.session_state[f"{FLASH}::{key}"] = t(done, lang, code=organization_code)
                st.rerun()
