"""Local accounts: argon2id password hashes (argon2-cffi), sign-in with a lock after repeated failures,
and what administrators change. OpenID Connect identities map to accounts by e-mail.

Every change is audited (never the hash). A sign-in loads the account afresh, so a role change or a
deactivation takes effect on the user's next page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kpi.access import NEEDS_ORGANIZATION, ROLES, Actor, Forbidden, Role, require_role
from kpi.i18n import LANGUAGES
from kpi.intake.rows import ErrorSink
from kpi.leads import Rejected
from kpi.storage import Database
from kpi.storage import accounts as store

MAX_FAILURES = 5  # failed sign-ins for one name within the window lock it ...
LOCK_WINDOW = timedelta(minutes=15)  # ... until the oldest of them is this old
MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no such account")


@dataclass
class SignInRefused(Exception):
    """Wrong name or password (one message for both), or locked after too many failures."""

    reason: str  # "credentials" | "locked"
    retry_after: timedelta | None = None

    def message_key(self) -> str:
        return f"signin.{self.reason}"

    @property
    def minutes(self) -> int:
        return max(1, -(-int(self.retry_after.total_seconds()) // 60)) if self.retry_after else 0


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalize_username(name: str) -> str:
    return name.strip().lower()


def actor_from(record: dict[str, Any]) -> Actor:
    return Actor(
        username=record["username"],
        role=Role(record["role"]),
        organization_code=record.get("organization_code"),
        display_name=record.get("display_name") or record["username"],
    )


def authenticate(db: Database, username: str, password: str, *, now: datetime | None = None) -> Actor:
    """The account's Actor if name and password match an active account; else SignInRefused.

    After MAX_FAILURES failures for a name within LOCK_WINDOW the name is locked (even the right
    password is refused) until the oldest of those failures leaves the window.
    """
    now = now or datetime.now()
    name = normalize_username(username)
    with db.cursor() as cursor:
        failures = store.recent_failures(cursor, name, now - LOCK_WINDOW)
        record = store.account_by_username(cursor, name)
    if len(failures) >= MAX_FAILURES:
        raise SignInRefused("locked", failures[-MAX_FAILURES] + LOCK_WINDOW - now)
    stored = record.get("password_hash") if record and record["active"] else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
        matched = stored is not None
    except (VerificationError, InvalidHashError):
        matched = False
    if not matched or record is None:
        with db.transaction() as cursor:
            store.record_failure(cursor, name, now=now, keep_since=now - timedelta(days=1))
        raise SignInRefused("credentials")
    with db.transaction() as cursor:
        if _hasher.check_needs_rehash(stored or ""):  # parameters raised since: store a stronger hash
            store.update_account(cursor, record, {"password_hash": hash_password(password)},
                                 actor=name, now=now, action="rehash")  # fmt: skip
        store.record_sign_in(cursor, name, now=now)
    return actor_from(record)


def signed_in_actor(db: Database, username: str) -> Actor | None:
    """The Actor of a session's user as the database has it now; None if gone or deactivated."""
    with db.cursor() as cursor:
        record = store.account_by_username(cursor, username)
    return actor_from(record) if record and record["active"] else None


def actor_for_identity(db: Database, email: str, *, now: datetime | None = None) -> Actor | None:
    """The account an OpenID Connect identity (its e-mail) maps to; None if there is none."""
    with db.cursor() as cursor:
        record = store.account_by_email(cursor, email.strip()) if email.strip() else None
    if record is None or not record["active"]:
        return None
    with db.transaction() as cursor:
        store.record_sign_in(cursor, record["username"], now=now or datetime.now())
    return actor_from(record)


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
    with db.transaction() as cursor:
        store.update_account(cursor, before, changes, actor=actor.username, now=now or datetime.now())


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
        try:
            _hasher.verify(before.get("password_hash") or _DUMMY_HASH, current_password or "")
        except (VerificationError, InvalidHashError):
            raise SignInRefused("credentials") from None
    else:
        require_role(actor)
    _check(before, new_password, lang=lang, creating=False, db=db)
    with db.transaction() as cursor:
        store.update_account(cursor, before, {"password_hash": hash_password(new_password)},
                             actor=actor.username, now=now or datetime.now(), action="password")  # fmt: skip


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
