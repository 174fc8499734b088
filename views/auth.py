"""Who is signed in: a local account (user name and password) or an OpenID Connect identity.

Not a page: dashboard.py asks `signed_in()` on every run, so a deactivated account or a changed
role takes effect at once. Passwords are checked in kpi/sign_in.py, never here.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from kpi.access import Actor
from kpi.sign_in import actor_for_identity, signed_in_actor
from kpi.storage import Database

USER_KEY = "user"  # the session's account name, set only by a successful sign-in


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


def signed_in(db: Database) -> Actor | None:
    """The session's Actor, loaded afresh from the database; None when nobody is signed in."""
    username = st.session_state.get(USER_KEY)
    if username:
        actor = signed_in_actor(db, str(username))
        if actor is None:  # deactivated or removed since: the session ends
            end_session()
        return actor
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


def end_session() -> None:
    """Forget everything of this session but its language; OpenID Connect's cookie goes too."""
    was_oidc = bool(st.session_state.get("_oidc")) or bool(unmatched_identity())
    for key in list(st.session_state):
        if key != "lang":
            del st.session_state[key]
    if was_oidc:
        st.logout()
