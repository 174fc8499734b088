"""Sign-in: OpenID Connect buttons when configured, and the local account form.

A function, not a page script: until someone signs in, dashboard.py serves it at every page's
address, so a shared link (/project?project=P03) opens that page once the user has signed in."""

from __future__ import annotations

import streamlit as st

from kpi.accounts.manage import has_accounts, preferred_language
from kpi.accounts.sign_in import SignInRefused, authenticate
from kpi.formatting.numbers import plain
from kpi.i18n import t
from ui.auth import begin_session, end_session, oidc_providers, unmatched_identity
from ui.database import database, is_demo
from ui.session import language, tr


def sign_in_page() -> None:
    lang = language()
    db = database()
    st.title(tr("signin.heading"))
    st.caption(tr("signin.intro"))

    if not has_accounts(db):
        st.info(tr("signin.no_accounts"))
        return

    stranger = unmatched_identity()
    if stranger:  # signed in at the identity provider, but nobody here has that address
        st.warning(tr("signin.no_account", email=plain(stranger)))
        if st.button(tr("signin.sign_out"), key="oidc_sign_out"):
            end_session()
        return

    for provider in oidc_providers():
        label = provider or t("signin.oidc_default", lang)
        if st.button(tr("signin.oidc", provider=label), key=f"oidc::{provider}", icon=":material/key:"):
            if provider:
                st.login(provider)
            else:
                st.login()

    with st.form(key="sign_in", clear_on_submit=False):
        username = st.text_input(tr("signin.username"), key="signin_username", autocomplete="username")
        password = st.text_input(
            tr("signin.password"), type="password", key="signin_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button(tr("signin.submit"), type="primary")
    if submitted:
        try:
            # The client's address goes into the audit log with a failed attempt: "who tried". Spoofable
            # behind some proxies, so it is recorded, never trusted for the lock (that counts the name).
            actor = authenticate(db, username, password, source=st.context.ip_address)
        except SignInRefused as refused:
            st.error(tr(refused.message_key(), minutes=refused.minutes))
        else:
            st.session_state.clear()  # nothing of the anonymous session carries into the signed-in one
            begin_session(db, actor.username)  # and a cookie, so a reload or a new tab stays signed in
            wanted = preferred_language(db, actor.username)
            st.session_state["_account_lang"] = wanted or lang
            st.rerun()

    if is_demo():
        st.info(tr("signin.demo"))
