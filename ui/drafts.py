"""Drafts: what someone typed into a form, kept on the server so a reload or a new tab gets it back.

Use from a page (never from kpi/, which has no notion of a browser session)::

    from ui.drafts import discard_draft, draft_saved_at, load_draft, save_draft

    draft = load_draft("update")             # None when nothing is kept for this person and form
    value = st.number_input(..., value=(draft or {}).get("value", 0.0))
    ...
    save_draft("update", {"project": "P03", "value": 12.5, "when": day.isoformat()})  # on each change
    ...
    if saved:                                 # the form went through: nothing left to restore
        discard_draft("update")

Rules a caller can rely on:

- A draft is keyed by the signed-in account (``st.session_state["user"]``) and the form name (any short
  string unique to one form, e.g. "update" or "update:P03" for one per project). Another account never
  sees it; nobody signed in: `load_draft` returns None and `save_draft` does nothing.
- Values must be JSON-able (str, int, float, bool, None, lists and dicts of these); convert dates with
  ``.isoformat()`` and Decimals with ``str()``. Anything else raises TypeError at `save_draft`, so a
  mistake shows in the first test, not after a reload. `load_draft` returns a fresh copy each time.
- `save_draft` replaces the whole draft of that form (merge yourself if you need to).
- A draft lives in this server process (a reload or a new tab reaches the same server) for as long as a
  sign-in does (kpi.sessions.SESSION_HOURS), and goes at sign-out (`discard_all`, called by
  ui/auth.end_session) or when the server restarts. It is a convenience, never the record: a
  restarted server simply shows an empty form.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import streamlit as st

from kpi.accounts.sessions import SESSION_HOURS

_USER_KEY = "user"  # = ui.auth.USER_KEY (not imported: auth imports this module)

# (account, form) -> (saved at, JSON text). Module level, so every browser session of this process
# shares it; the lock because Streamlit runs each session's script in its own thread.
_STORE: dict[tuple[str, str], tuple[datetime, str]] = {}
_LOCK = threading.Lock()


def _account() -> str | None:
    user = st.session_state.get(_USER_KEY)
    return str(user) if user else None


def _fresh(saved_at: datetime, now: datetime) -> bool:
    return now - saved_at < timedelta(hours=SESSION_HOURS)


def load_draft(form: str) -> dict[str, Any] | None:
    """The signed-in account's draft of `form`, or None (none kept, older than a sign-in, nobody in)."""
    account = _account()
    if account is None:
        return None
    with _LOCK:
        kept = _STORE.get((account, form))
        if kept is None:
            return None
        if not _fresh(kept[0], datetime.now(UTC)):
            del _STORE[(account, form)]
            return None
    values: dict[str, Any] = json.loads(kept[1])
    return values


def save_draft(form: str, values: dict[str, Any]) -> None:
    """Keep `values` as the draft of `form` for the signed-in account (replacing any earlier one)."""
    account = _account()
    try:
        text = json.dumps(values, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"draft {form!r}: values must be JSON-able ({error})") from error
    if account is None:
        return
    with _LOCK:
        _STORE[(account, form)] = (datetime.now(UTC), text)


def discard_draft(form: str) -> None:
    """Forget the signed-in account's draft of `form` (after it was saved, or on "discard")."""
    account = _account()
    if account is None:
        return
    with _LOCK:
        _STORE.pop((account, form), None)


def draft_saved_at(form: str) -> datetime | None:
    """When the draft of `form` was last saved (UTC, aware), to say "draft from 10:42"; None if none."""
    account = _account()
    if account is None:
        return None
    with _LOCK:
        kept = _STORE.get((account, form))
    if kept is None or not _fresh(kept[0], datetime.now(UTC)):
        return None
    return kept[0]


def discard_all(account: str) -> None:
    """Forget every draft of `account`: at sign-out, deactivation or the end of a sign-in."""
    with _LOCK:
        for key in [key for key in _STORE if key[0] == account]:
            del _STORE[key]


def discard_everything() -> None:
    """Forget every draft of every account (what a restarted server knows)."""
    with _LOCK:
        _STORE.clear()
