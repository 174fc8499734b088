"""My account: who I am here, what my role lets me do, and my password."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import streamlit as st

from kpi.access import Role
from kpi.accounts.manage import MIN_PASSWORD_LENGTH, set_password
from kpi.accounts.sign_in import SignInRefused
from kpi.errors import Rejected
from kpi.formatting.numbers import plain
from ui.database import database
from ui.sections.contact_form import contact_form
from ui.session import actor, language, tr

lang = language()
me = actor()
st.title(tr("account.heading"))
if flash := st.session_state.pop("account_flash", None):
    st.success(plain(flash))
st.markdown(f"**{tr('accounts.username')}**: `{me.username}`")  # names are checked: [a-z0-9._@-]
st.text(tr("signin.signed_in_as", name=me.display_name, role=tr(f"role.{me.role}")))
if me.organization_code:
    st.text(tr("signin.organization", organization=me.organization_code))
st.caption(tr(f"account.can_{me.role}"))

st.subheader(tr("account.password_heading"))
with st.form(key="own_password", clear_on_submit=True):
    current = st.text_input(tr("account.current_password"), type="password", autocomplete="current-password")
    new = st.text_input(
        tr("accounts.new_password"),
        type="password",
        autocomplete="new-password",
        help=tr("accounts.password_help", length=MIN_PASSWORD_LENGTH),
    )
    again = st.text_input(tr("account.repeat_password"), type="password", autocomplete="new-password")
    if st.form_submit_button(tr("account.change_password"), type="primary"):
        if new != again:
            st.error(tr("account.mismatch"))
        else:
            try:
                set_password(database(), me.username, new, actor=me, lang=lang, current_password=current)
            except SignInRefused:
                st.error(tr("account.wrong_current"))
            except Rejected as error:
                for problem in error.errors:
                    st.error(plain(problem.message))
            else:
                st.session_state["account_flash"] = tr("account.password_changed")
                st.rerun()

if me.organization_code and me.role in (Role.LEAD, Role.PARTNER):  # its own organization's contact
    contact_form(database(), me.organization_code, me.organization_code, lang, key="account")
