"""Who is signed in: a local account (user name and password) or an OpenID Connect identity.

Not a page: dashboard.py asks `signed_in()` on every run, so a deactivated account or a changed
role takes effect at once. Passwords are checked in kpi/accounts/sign_in.py, never here.

A local sign-in survives a reload and a new tab through a cookie (kpi/accounts/sessions.py makes and checks
its value): Streamlit reads the browser's cookies when a session connects (st.context.cookies), so a
new session resumes from it; the cookie is written and deleted in the browser by a tiny script
(streamlit-js-eval), since Streamlit itself cannot set one. OpenID Connect keeps its own cookie.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st
from streamlit_js_eval import streamlit_js_eval

from kpi.access import Actor
from kpi.accounts import sessions
from kpi.accounts.sign_in import actor_for_identity, signed_in_actor
from kpi.storage import Database
from ui.drafts import discard_all

USER_KEY = "user"  # the session's account name, set only by a successful sign-in
TOKEN_KEY = "_session_token"  # the cookie value of this session's sign-in: checked on every run
_COOKIE_JOB = "_cookie_job"  # a cookie write the browser has not confirmed yet: [action, token]
_TRIED_KEY = "_cookie_tried"  # a cookie value already refused in this browser session: not tried again


def oidc_providers() -> list[str | None]:
    """Providers configured in .streamlit/secrets.toml ([auth], or [auth.NAME] sections); None is
    the unnamed one. Empty when there are no secrets: local accounts only."""
    try:
        if not st.secrets.load_if_toml_exists() or "auth" not in st.secrets:
            return []
        section: Any = st.secrets["auth"]
    except Exception:  # an unreadable secrets file is the same as none: local accounts still work
        return []
    named = [name for name, value in section.items() if hasattr(value, "keys") and "client_id" in value]
    return ([None] if "client_id" in section else []) + named


def _oidc_email() -> str | None:
    if not oidc_providers() or not st.user.get("is_logged_in"):
        return None
    email = st.user.get("email")
    return str(email) if email else None


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(sessions.COOKIE_NAME)
    except Exception:  # no browser connection (a bare script run): no cookie
        return None
    return str(value) if value else None


def signed_in(db: Database) -> Actor | None:
    """The session's Actor, loaded afresh from the database; None when nobody is signed in."""
    username = st.session_state.get(USER_KEY)
    if username:
        token = st.session_state.get(TOKEN_KEY)
        actor = signed_in_actor(db, str(username))
        # Deactivated or removed since, or its sign-in ended elsewhere (another tab signed out, an
        # administrator reset the password): the session ends. The cookie is left: it may be newer.
        if actor is None or (token and sessions.resume(db, str(token)) != actor.username):
            end_session(db, delete_cookie=False)
            return None
        return actor
    token = _cookie()
    if token and token != st.session_state.get(_TRIED_KEY):
        name = sessions.resume(db, token)
        actor = signed_in_actor(db, name) if name else None
        if actor is not None:
            st.session_state[USER_KEY] = actor.username
            st.session_state[TOKEN_KEY] = token
            return actor
        st.session_state[_TRIED_KEY] = token  # tampered, expired or revoked: the sign-in form, once
    email = _oidc_email()
    if email:
        actor = actor_for_identity(db, email)
        if actor is not None:
            st.session_state[USER_KEY] = actor.username
            st.session_state["_oidc"] = True
        return actor
    return None


def unmatched_identity() -> str | None:
    """An OpenID Connect e-mail that signed in but has no account here (to say so, not a traceback)."""
    return _oidc_email() if not st.session_state.get(USER_KEY) else None


def begin_session(db: Database, username: str) -> None:
    """After a successful local sign-in: a server-side session, and its cookie once the page shows."""
    token = sessions.start(db, username)  # None on a full disk: signed in for this tab only
    st.session_state[USER_KEY] = username
    if token:
        st.session_state[TOKEN_KEY] = token
        st.session_state[_COOKIE_JOB] = ["set", token]


def end_session(db: Database | None = None, *, delete_cookie: bool = True) -> None:
    """Forget everything of this session but its language; OpenID Connect's cookie goes too. With
    `db`, the sign-in's server session is revoked (sign-out), so no copy of its cookie signs in again;
    the account's drafts go."""
    was_oidc = bool(st.session_state.get("_oidc")) or bool(unmatched_identity())
    token, username = st.session_state.get(TOKEN_KEY), st.session_state.get(USER_KEY)
    if db is not None and token and delete_cookie:
        sessions.revoke(db, str(token), reason="sign_out")
    if username:
        discard_all(str(username))
    for key in list(st.session_state):
        if key != "lang":
            del st.session_state[key]
    st.session_state[_TRIED_KEY] = _cookie()  # the cookie this session connected with is not tried again
    if token and delete_cookie:
        st.session_state[_COOKIE_JOB] = ["delete", str(token)]
    if was_oidc:
        st.logout()


def sync_cookie() -> None:
    """Write or delete the sign-in cookie in the browser, if a sign-in or sign-out asked for it; call
    on every run (dashboard.py does) until the browser confirms. SameSite=Strict, path /, Secure on
    https, and the server session's lifetime. A delete only removes the cookie it was asked to (a newer
    sign-in in another tab keeps its own)."""
    job = st.session_state.get(_COOKIE_JOB)
    if not job:
        return
    action, token = str(job[0]), str(job[1])
    secure = ' + (location.protocol === "https:" ? "; Secure" : "")'
    if action == "set":
        age = int(sessions.SESSION_LIFETIME.total_seconds())
        cookie = f"{sessions.COOKIE_NAME}={token}; Path=/; Max-Age={age}; SameSite=Strict"
        script = f'document.cookie = {json.dumps(cookie)}{secure}; "done"'
    else:
        gone = f"{sessions.COOKIE_NAME}=; Path=/; Max-Age=0; SameSite=Strict"
        mine = json.dumps(f"{sessions.COOKIE_NAME}={token}")
        script = f'if (document.cookie.split("; ").includes({mine}))'
        script += f' document.cookie = {json.dumps(gone)}{secure}; "done"'
    with st.sidebar, st.container(key="cookie_writer"):
        # The component's frame takes no room: it only runs the script (and stays until the next run).
        st.html(
            "<style>.st-key-cookie_writer {position: absolute; width: 0; height: 0; overflow: hidden}</style>"
        )
        done = streamlit_js_eval(js_expressions=script, key=f"cookie_{action}_{token[-16:]}")
    if done == "done":
        del st.session_state[_COOKIE_JOB]
