"""The administration page's accounts section: who may sign in, with which role and organization."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from kpi.access import ROLES, Forbidden
from kpi.accounts.manage import (
    MIN_PASSWORD_LENGTH,
    account_table,
    change_account,
    create_account,
    set_password,
)
from kpi.errors import Rejected
from kpi.formatting.numbers import plain
from kpi.i18n import LANGUAGES, t
from kpi.registry.edits import organization_names
from kpi.storage import Database
from ui.session import actor, language, tr


def _outcome(run: Any, success: str) -> None:
    """Run a change; its refusal is shown in the user's language, its success after a refresh."""
    try:
        run()
    except Rejected as error:
        for problem in error.errors:
            st.error(plain(problem.message))
    except Forbidden as refused:
        st.error(plain(refused.message(language())))
    else:
        st.session_state["admin_flash"] = success
        st.rerun()


def accounts_section(db: Database, lang: str, *, organizations: pd.DataFrame) -> None:
    accounts = account_table(db, actor=actor())
    names = organization_names(organizations, lang)
    org_choices: list[str | None] = [None, *names]

    def org_label(code: str | None) -> str:
        return t("accounts.no_organization", lang) if code is None else f"{names[code]} ({code})"

    st.dataframe(
        accounts.assign(
            role=accounts["role"].map(lambda r: t(f"role.{r}", lang)),
            # a gap in a pandas text column is NaN, which is truthy: only a real code names a language
            language=accounts["language"].map(
                lambda c: t(f"accounts.lang_{c}", lang) if isinstance(c, str) and c else ""
            ),
        ).fillna({"organization_code": "", "email": "", "language": ""}),  # blanks, not "None"
        placeholder="—",  # a missing value reads as a dash, never "None"
        hide_index=True,
        width="stretch",
        column_config={
            "username": tr("accounts.username"),
            "display_name": tr("accounts.display_name"),
            "role": tr("accounts.role"),
            "organization_code": tr("accounts.organization"),
            "email": tr("accounts.email"),
            "language": tr("accounts.language"),
            "active": st.column_config.CheckboxColumn(tr("accounts.active")),
            "password_set": st.column_config.CheckboxColumn(tr("accounts.password_set")),
            "last_sign_in_at": st.column_config.DatetimeColumn(
                tr("accounts.last_sign_in"), format="YYYY-MM-DD HH:mm"
            ),
        },
    )
    st.caption(tr("accounts.roles_help"))

    st.subheader(tr("accounts.add_heading"))
    with st.form(key="account_add", clear_on_submit=False):
        left, right = st.columns(2)
        record = {
            "username": left.text_input(tr("accounts.username"), key="acc_new_username"),
            "display_name": right.text_input(tr("accounts.display_name"), key="acc_new_display"),
            # No default role: the administrator chooses one (an administrator by mistake is the
            # costliest slip); saving without one is refused below.
            "role": left.selectbox(
                tr("accounts.role"),
                ROLES,
                index=None,
                format_func=lambda r: t(f"role.{r}", lang),
                key="acc_new_role",
                placeholder=tr("accounts.choose_role"),
            ),
            "organization_code": right.selectbox(
                tr("accounts.organization"),
                org_choices,
                format_func=org_label,
                key="acc_new_org",
                placeholder=tr("streamlit.choose"),
            ),
            "email": left.text_input(tr("accounts.email"), help=tr("accounts.email_help")),
            "language": right.selectbox(
                tr("accounts.language"),
                [None, *LANGUAGES],
                format_func=lambda c: t(f"accounts.lang_{c or 'default'}", lang),
                placeholder=tr("streamlit.choose"),
            ),
        }
        password = left.text_input(
            tr("accounts.password"),
            type="password",
            key="acc_new_password",
            help=tr("accounts.password_help", length=MIN_PASSWORD_LENGTH),
        )
        if st.form_submit_button(tr("accounts.add"), type="primary"):
            if record["role"] is None:
                st.error(tr("accounts.role_needed"))
                return
            _outcome(
                lambda: create_account(db, record, password=password or None, actor=actor(), lang=lang),
                tr("accounts.added", username=str(record["username"] or "").strip().lower()),
            )

    if accounts.empty:
        return
    st.subheader(tr("accounts.change_heading"))
    chosen = st.selectbox(
        tr("accounts.username"),
        list(accounts["username"]),
        key="acc_chosen",
        placeholder=tr("streamlit.choose"),
    )
    current = accounts.set_index("username").loc[chosen].to_dict()
    with st.form(key=f"account_change::{chosen}"):
        left, right = st.columns(2)
        changes = {
            "display_name": left.text_input(tr("accounts.display_name"), value=current["display_name"]),
            "role": right.selectbox(
                tr("accounts.role"),
                ROLES,
                index=ROLES.index(current["role"]),
                format_func=lambda r: t(f"role.{r}", lang),
                placeholder=tr("accounts.choose_role"),
            ),
            "organization_code": left.selectbox(
                tr("accounts.organization"),
                org_choices,
                index=org_choices.index(current["organization_code"])
                if current["organization_code"] in org_choices
                else 0,
                format_func=org_label,
                placeholder=tr("streamlit.choose"),
            ),
            "email": (right.text_input(tr("accounts.email"), value=current["email"] or "").strip() or None),
            "active": left.checkbox(tr("accounts.active"), value=bool(current["active"])),
        }
        if st.form_submit_button(tr("accounts.save")):
            _outcome(
                lambda: change_account(db, chosen, changes, actor=actor(), lang=lang),
                tr("accounts.saved", username=chosen),
            )
    with st.form(key=f"account_password::{chosen}", clear_on_submit=True):
        new_password = st.text_input(tr("accounts.new_password"), type="password")
        if st.form_submit_button(tr("accounts.reset_password")):
            _outcome(
                lambda: set_password(db, chosen, new_password, actor=actor(), lang=lang),
                tr("accounts.password_reset", username=chosen),
            )
