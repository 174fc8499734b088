"""Local accounts: what administrators change (and each user, for themselves): accounts, roles,
passwords, the preferred language. Every change is audited (never the hash). Password hashes and
signing in (the lock, OpenID Connect identities) are kpi/accounts/sign_in.py.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from kpi.access import NEEDS_ORGANIZATION, ROLES, Actor, Forbidden, require_role
from kpi.accounts.sign_in import (
    DUMMY_HASH,
    SignInRefused,
    hash_password,
    normalize_username,
    password_verifies,
)
from kpi.errors import Rejected
from kpi.i18n import LANGUAGES
from kpi.intake.rows import ErrorSink
from kpi.storage import Database
from kpi.storage import accounts as store
from kpi.storage import sessions as session_store

MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")  # at most sign_in.NAME_LIMIT characters


# -- what administrators (and each user, for themselves) change -----------------------------------
def _check(record: dict[str, Any], password: str | None, *, lang: str, creating: bool, db: Database) -> None:
    sink = ErrorSink(lang)
    if creating and not USERNAME.match(record.get("username") or ""):
        sink.add("account_username", None, "username", value=record.get("username") or "")
    if not (record.get("display_name") or "").strip():
        sink.add("account_display_name", None, "display_name")
    if record.get("role") not in ROLES:
        sink.add("account_role", None, "role", value=record.get("role") or "", allowed=", ".join(ROLES))
    org = record.get("organization_code")
    with db.cursor() as cursor:
        if record.get("role") in NEEDS_ORGANIZATION and not org:
            sink.add("account_organization", None, "organization_code", role=record.get("role"))
        elif org and not store.organization_exists(cursor, org):
            sink.add("unknown_organization", None, "organization_code", code=org)
        email = record.get("email")
        other = store.account_by_email(cursor, email) if email else None
        if other is not None and other["username"] != record.get("username"):
            sink.add("account_email_taken", None, "email", value=email)
        if creating and store.account_by_username(cursor, record.get("username") or "") is not None:
            sink.add("account_exists", None, "username", value=record.get("username"))
    if record.get("language") not in (None, *LANGUAGES):
        sink.add("account_language", None, "language", value=record.get("language"))
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        sink.add("account_password", None, "password", length=MIN_PASSWORD_LENGTH)
    if sink.errors:
        raise Rejected(sink.errors)


def create_account(
    db: Database,
    record: dict[str, Any],
    *,
    password: str | None,
    actor: Actor,
    lang: str,
    now: datetime | None = None,
) -> None:
    """A new account. `password` None: signs in through OpenID Connect only (an e-mail is needed)."""
    require_role(actor)
    row = {**record, "username": normalize_username(record.get("username") or ""),
           "email": (record.get("email") or "").strip() or None}  # fmt: skip
    if row.get("role") not in NEEDS_ORGANIZATION:
        row["organization_code"] = row.get("organization_code") or None
    _check(row, password, lang=lang, creating=True, db=db)
    if password is None and not row["email"]:
        sink = ErrorSink(lang)
        sink.add("account_no_way_in", None, "password")
        raise Rejected(sink.errors)
    row["password_hash"] = hash_password(password) if password is not None else None
    with db.transaction() as cursor:
        store.insert_account(cursor, row, actor=actor.username, now=now or datetime.now())


def change_account(
    db: Database,
    username: str,
    changes: dict[str, Any],
    *,
    actor: Actor,
    lang: str,
    now: datetime | None = None,
) -> None:
    """Role, organization, name, e-mail, language or active, by an administrator."""
    require_role(actor)
    with db.cursor() as cursor:
        before = store.account_by_username(cursor, username)
    if before is None:
        raise Forbidden("no_account", username=username)
    if username == actor.username and (changes.get("active") is False or changes.get("role", "administrator")
                                       != "administrator"):  # fmt: skip
        raise Forbidden("own_admin")  # an administrator cannot lock themselves out
    if "role" in changes and changes["role"] not in NEEDS_ORGANIZATION:
        changes = {"organization_code": None, **changes}  # a new executive or administrator leaves it
    _check(before | changes, None, lang=lang, creating=False, db=db)
    at = now or datetime.now()
    with db.transaction() as cursor:
        store.update_account(cursor, before, changes, actor=actor.username, now=at)
        if changes.get("active") is False:  # signed in elsewhere: out at the next page or reload
            session_store.revoke(
                cursor, reason="deactivated", actor=actor.username, now=at, username=username
            )


def set_password(
    db: Database,
    username: str,
    new_password: str,
    *,
    actor: Actor,
    lang: str,
    current_password: str | None = None,
    now: datetime | None = None,
) -> None:
    """An administrator resets anyone's password; a user changes their own with the current one."""
    with db.cursor() as cursor:
        before = store.account_by_username(cursor, username)
    if before is None:
        raise Forbidden("no_account", username=username)
    if actor.username == username and (not actor.is_admin or current_password is not None):
        stored = before.get("password_hash")
        # No password yet (OpenID Connect only): nothing to match, so the dummy hash's own text never passes.
        if not password_verifies(stored or DUMMY_HASH, current_password or "") or stored is None:
            raise SignInRefused("credentials")
    else:
        require_role(actor)
    _check(before, new_password, lang=lang, creating=False, db=db)
    at = now or datetime.now()
    with db.transaction() as cursor:
        store.update_account(cursor, before, {"password_hash": hash_password(new_password)},
                             actor=actor.username, now=at, action="password")  # fmt: skip
        if actor.username != username:  # a reset: whoever had the old password is signed out everywhere
            session_store.revoke(cursor, reason="password", actor=actor.username, now=at, username=username)


def set_language(db: Database, actor: Actor, language: str) -> None:
    """The user's own preferred language, used at their next sign-in."""
    if language not in LANGUAGES:
        return
    with db.cursor() as cursor:
        before = store.account_by_username(cursor, actor.username)
    if before is None or before.get("language") == language:
        return
    with db.transaction() as cursor:
        store.update_account(cursor, before, {"language": language}, actor=actor.username, now=datetime.now())


def preferred_language(db: Database, username: str) -> str | None:
    with db.cursor() as cursor:
        record = store.account_by_username(cursor, username)
    return record.get("language") if record else None


def has_accounts(db: Database) -> bool:
    """False on a new database: the first administrator comes from `python -m kpi user add`."""
    with db.cursor() as cursor:
        return store.account_count(cursor) > 0


def demo_database(db: Database) -> bool:
    with db.cursor() as cursor:
        return store.is_demo(cursor)


def account_table(db: Database, *, actor: Actor) -> Any:
    """Every account (no hashes), for administrators."""
    require_role(actor)
    with db.cursor() as cursor:
        return store.list_accounts(cursor)
