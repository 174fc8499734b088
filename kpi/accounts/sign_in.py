"""Sign-in: argon2id password hashes (argon2-cffi), local sign-in with a lock after repeated failures,
and OpenID Connect identities mapped to accounts by e-mail. What administrators change about accounts
is kpi/accounts/manage.py.

Sign-ins are audited, and so are failed ones and locks (never the password). A sign-in loads the
account afresh, so a role change or a deactivation takes effect on the user's next page. The lock
holds under parallel attempts (each takes its place in the count before its password is verified)
and on a full disk (what cannot be written is counted in the process).
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kpi.access import Actor, Role
from kpi.storage import Database, WriteConflict
from kpi.storage import accounts as store
from kpi.storage.connection import is_disk_full

# Named as before the move to this module: log filters (and tests) select the sign-in warnings by it.
LOGGER = logging.getLogger("kpi.accounts")
MAX_FAILURES = 5  # failed sign-ins for one name within the window lock it ...
LOCK_WINDOW = timedelta(minutes=15)  # ... until the oldest of them is this old
UNDECIDED_GRACE = timedelta(minutes=1)  # an attempt not decided by then (its process died) counts as failed
CROWDED_WAIT_SECONDS = 10.0  # how long an attempt waits while the undecided ones holding every place stay so
SIGN_IN_RESOLUTION = timedelta(minutes=1)  # last_sign_in_at is shown to the minute
KEEP_ATTEMPTS = timedelta(days=1)  # attempts older than this are pruned
NAME_LIMIT = 64  # the longest name an account can have (accounts.USERNAME): attempts counted under this many
ANONYMOUS = "anonymous"  # the audit log's actor for a sign-in nobody has passed

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
DUMMY_HASH = _hasher.hash("no such account")


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


def password_verifies(stored_hash: str, password: str) -> bool:
    """Whether `password` matches `stored_hash` (False for a hash that is not one)."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalize_username(name: str) -> str:
    return name.strip().lower()


def actor_from(record: dict[str, Any]) -> Actor:
    return Actor(
        username=record["username"],
        role=Role(record["role"]),
        organization_code=record.get("organization_code"),
        display_name=record.get("display_name") or record["username"],
    )


def authenticate(
    db: Database, username: str, password: str, *, now: datetime | None = None, source: str | None = None
) -> Actor:
    """The account's Actor if name and password match an active account; else SignInRefused.

    After MAX_FAILURES failures for a name within LOCK_WINDOW the name is locked (even the right
    password is refused) until the oldest of those failures leaves the window. An attempt takes its
    place in the name's count before its password is verified, in the transaction that counts, so
    attempts sent at once cannot all pass a count none of them has raised yet. `source` (the
    client's address, when the page knows it) goes into the audit log with the attempt.
    """
    now = now or datetime.now()
    name = normalize_username(username)
    place = _take_place(db, name[:NAME_LIMIT], now, source)
    try:
        with db.cursor() as cursor:
            record = store.account_by_username(cursor, name)
        stored = record.get("password_hash") if record and record["active"] else None
        # a dummy when the name is unknown: a wrong name costs as long as a wrong password
        matched = password_verifies(stored or DUMMY_HASH, password) and stored is not None
    except BaseException:
        place.give_back()  # nothing was verified: the place is not a failure
        raise
    if not matched or record is None or stored is None:
        place.failed()
        raise SignInRefused("credentials")
    place.succeeded(name, stored, hash_password(password) if _hasher.check_needs_rehash(stored) else None)
    return actor_from(record)


@dataclass(frozen=True)
class _Count:
    """A name's attempts within the window: the failed ones (oldest first) and those undecided."""

    failed: list[datetime]
    pending: int

    def __add__(self, other: _Count) -> _Count:
        return _Count(sorted([*self.failed, *other.failed]), self.pending + other.pending)

    @property
    def full(self) -> bool:
        """No place left until an undecided attempt is decided: each may yet be a failure."""
        return len(self.failed) + self.pending >= MAX_FAILURES

    def locked_for(self, now: datetime) -> timedelta | None:
        return self.failed[-MAX_FAILURES] + LOCK_WINDOW - now if len(self.failed) >= MAX_FAILURES else None


@dataclass(eq=False)
class _Mark:
    """An attempt counted in this process only: the disk refused its row."""

    started_at: datetime
    failed: bool = False


# Attempts this process could not write (a full disk), per database file and name. A failure that
# cannot be recorded must still count, or a full disk would switch the lock off; lost on a restart
# (which no attempt can cause), and each leaves with the window.
_unrecorded: dict[tuple[str, str], list[_Mark]] = {}
_unrecorded_lock = threading.Lock()


def _marks(db: Database, name: str, now: datetime) -> list[_Mark]:
    """The name's marks within the window (the caller holds _unrecorded_lock)."""
    kept = [m for m in _unrecorded.pop((db.path, name), []) if m.started_at >= now - LOCK_WINDOW]
    return _unrecorded.setdefault((db.path, name), kept) if kept else kept


def _in_database(cursor: Any, name: str, now: datetime) -> _Count:
    failed, pending = store.counted_attempts(cursor, name, since=now - LOCK_WINDOW,
                                             stale_before=now - UNDECIDED_GRACE)  # fmt: skip
    return _Count(failed, pending)


def _counted(cursor: Any, db: Database, name: str, now: datetime, marks: list[_Mark] | None = None) -> _Count:
    if marks is None:
        with _unrecorded_lock:
            marks = _marks(db, name, now)
    marked = _Count(sorted(m.started_at for m in marks if m.failed), sum(not m.failed for m in marks))
    return _in_database(cursor, name, now) + marked


# In this process, one sign-in transaction at a time per name. The name's row in sign_in_names makes
# concurrent ones conflict anyway (and that stays the guarantee), but twenty sessions retrying against
# each other could use up Database.write's attempts; taking turns here first, they never meet.
_TURNS = [threading.Lock() for _ in range(64)]


def _turn(db: Database, name: str) -> threading.Lock:
    return _TURNS[hash((db.path, name)) % len(_TURNS)]


class _Retry(Exception):
    """Raised inside a transaction to roll it back: look at the count again."""


def _take_place(db: Database, name: str, now: datetime, source: str | None) -> _Place:
    """A place in the name's count, or SignInRefused("locked"). While every place is held by attempts
    still being verified, wait for them rather than refuse (they may all be right) as long as they
    keep being decided: twenty sessions signing in to one account at once all get in."""
    give_up, seen = time.monotonic() + CROWDED_WAIT_SECONDS, None
    while True:
        with db.cursor() as cursor:
            count = _counted(cursor, db, name, now)
            progress = (store.attempts_taken(cursor, name), len(count.failed), count.pending)
        if progress != seen:  # places taken or given up since the last look: keep waiting
            give_up, seen = time.monotonic() + CROWDED_WAIT_SECONDS, progress
        locked = count.locked_for(now)
        if locked is None and count.full and time.monotonic() > give_up:
            locked = UNDECIDED_GRACE  # undecided for this long: treated as the failures they may be
        if locked is not None:
            _record(db, name, partial(_audit_failure, name=name, now=now, reason="locked",
                                      failures=len(count.failed), source=source))  # fmt: skip
            raise SignInRefused("locked", locked)
        if not count.full:
            try:
                with _turn(db, name):
                    return _Place(db, name, now, source, attempt=_recorded_place(db, name, now))
            except _Retry:
                pass
            except duckdb.Error as error:
                if not is_disk_full(error):
                    raise
                LOGGER.warning("sign-in attempt for %r counted in this process only: %s", name, error)
                with _turn(db, name), db.cursor() as cursor, _unrecorded_lock:  # counted and marked at once
                    marks = _marks(db, name, now)
                    if not _counted(cursor, db, name, now, marks).full:
                        _unrecorded[(db.path, name)] = [*marks, mark := _Mark(now)]
                        return _Place(db, name, now, source, mark=mark)
        time.sleep(random.uniform(0.01, 0.05))


def _recorded_place(db: Database, name: str, now: datetime) -> int:
    """The attempt's number, its row written in the transaction that counted the name's attempts."""

    def take(cursor: Any) -> int:
        attempt = store.next_attempt(cursor, name, now=now)  # concurrent attempts on a name conflict here
        if attempt is None:
            raise _NoName
        if _counted(cursor, db, name, now).full:
            raise _Retry
        store.insert_attempt(cursor, name, attempt, now=now, keep_since=now - KEEP_ATTEMPTS)
        return attempt

    try:
        return db.write(take)
    except _NoName:
        try:
            with db.transaction() as cursor:
                store.add_sign_in_name(cursor, name, now=now)
        except (duckdb.ConstraintException, duckdb.TransactionException) as error:
            if is_disk_full(error) or "constraint" not in str(error).lower():
                raise  # else another session added the name's row at the same moment: as wanted
        return db.write(take)


class _NoName(Exception):
    """The name's first attempt: its row in sign_in_names is added first."""


def _audit_failure(
    cursor: Any, *, name: str, now: datetime, reason: str, failures: int, source: str | None
) -> None:
    store.audit_sign_in(cursor, name, "sign_in_failed", actor=ANONYMOUS, now=now, reason=reason,
                        failures=failures, source=source)  # fmt: skip


def _record(db: Database, name: str, work: Callable[[Any], object]) -> bool:
    """Write what a sign-in leaves behind. When the disk is full, or other sessions keep writing the
    same rows, log it instead: the decision stands, only its record is lost. False then."""
    try:
        with _turn(db, name):
            db.write(work)
        return True
    except (duckdb.Error, WriteConflict) as error:
        if not (isinstance(error, WriteConflict) or is_disk_full(error)):
            raise
        LOGGER.warning("sign-in record for %r not written: %s", name, str(error).splitlines()[0])
        return False


@dataclass
class _Place:
    """An attempt's place in its name's count while its password is verified: its row in
    sign_in_attempts (`attempt`) or, when the disk refused that row, a mark in this process."""

    db: Database
    name: str
    now: datetime
    source: str | None
    attempt: int | None = None
    mark: _Mark | None = None

    def _forget_mark(self) -> None:
        with _unrecorded_lock:
            marks = _unrecorded.get((self.db.path, self.name), [])
            if self.mark in marks:
                marks.remove(self.mark)

    def give_back(self) -> None:
        self._forget_mark()
        if self.attempt is not None:
            attempt = self.attempt
            with contextlib.suppress(Exception):  # best effort: left undecided, it counts as failed later
                _record(self.db, self.name, lambda cursor: store.drop_attempt(cursor, self.name, attempt))

    def failed(self) -> None:
        """Record the failure, audit it and the lock it completes. If that cannot be written, a row
        stays undecided (its place is kept; failed after UNDECIDED_GRACE) and a mark counts as failed."""
        if self.mark is not None:
            self.mark.failed = True

        def work(cursor: Any) -> None:
            store.touch_sign_in_name(cursor, self.name, now=self.now)  # decided in turn with the others
            if self.attempt is not None:
                store.mark_attempt_failed(cursor, self.name, self.attempt)
            count = _counted(cursor, self.db, self.name, self.now)
            _audit_failure(cursor, name=self.name, now=self.now, reason="credentials",
                           failures=len(count.failed), source=self.source)  # fmt: skip
            until = count.locked_for(self.now)
            if until is not None and len(count.failed) == MAX_FAILURES:  # this failure completed the lock
                store.audit_sign_in(cursor, self.name, "sign_in_locked", actor=ANONYMOUS, now=self.now,
                                    failures=MAX_FAILURES, until=self.now + until,
                                    source=self.source)  # fmt: skip

        _record(self.db, self.name, work)

    def succeeded(self, username: str, verified_hash: str, new_hash: str | None) -> None:
        self._forget_mark()

        def work(cursor: Any) -> None:
            cleared = store.clear_attempts(cursor, self.name, self.attempt) if self.attempt is not None else 0
            # last_sign_in_at is shown to the minute: a sign-in within a minute of the last one changes
            # nothing anyone reads, and skipping it keeps simultaneous sign-ins to one account from all
            # updating its row (those updates conflict with each other).
            store.note_sign_in(cursor, username, now=self.now, unless_since=self.now - SIGN_IN_RESOLUTION)
            current = store.account_by_username(cursor, username)
            if new_hash and current and current.get("password_hash") == verified_hash:  # once per new hash
                store.update_account(cursor, current, {"password_hash": new_hash}, actor=username,
                                     now=self.now, action="rehash")  # fmt: skip
            store.audit_sign_in(cursor, username, "sign_in", actor=username, now=self.now,
                                cleared_failures=cleared, source=self.source)  # fmt: skip

        _record(self.db, self.name, work)


def signed_in_actor(db: Database, username: str) -> Actor | None:
    """The Actor of a session's user as the database has it now; None if gone or deactivated."""
    with db.cursor() as cursor:
        record = store.account_by_username(cursor, username)
    return actor_from(record) if record and record["active"] else None


def actor_for_identity(db: Database, email: str, *, now: datetime | None = None) -> Actor | None:
    """The account an OpenID Connect identity (its e-mail) maps to; None if there is none. Signs in
    on a full disk too (the record of it is then logged, not written)."""
    with db.cursor() as cursor:
        record = store.account_by_email(cursor, email.strip()) if email.strip() else None
    if record is None or not record["active"]:
        return None
    at, username = now or datetime.now(), record["username"]

    def work(cursor: Any) -> None:
        store.note_sign_in(cursor, username, now=at, unless_since=at - SIGN_IN_RESOLUTION)
        store.audit_sign_in(cursor, username, "sign_in", actor=username, now=at, via="openid_connect")

    _record(db, username, work)
    return actor_from(record)
