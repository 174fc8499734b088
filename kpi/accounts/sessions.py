"""Sign-in sessions: what lets a local sign-in survive a reload and a new tab for a working day.

start(account) makes a random session id, keeps its SHA-256 in sign_in_sessions (migration 0010) and
returns the cookie's value: that id, signed and time-stamped with itsdangerous under the database's
secret. resume(token) gives the account back while the signature holds, the session is neither
expired nor revoked and the account is active; anything else (tampered, expired, unknown, revoked,
deactivated) is None, and the page shows the sign-in form. Sign-out revokes one session; a
deactivation, an administrator's password reset or "sign out everywhere" revoke all of an account's.

No Streamlit here: ui/auth.py reads the cookie (st.context.cookies) and writes it (a component).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from datetime import datetime, timedelta
from typing import Any

import duckdb
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from kpi.storage import Database, WriteConflict
from kpi.storage import sessions as store
from kpi.storage.connection import is_disk_full

LOGGER = logging.getLogger("kpi.sessions")
SESSION_HOURS = 12  # one working day: a sign-in (its cookie, its drafts) lasts this long, never extended
SESSION_LIFETIME = timedelta(hours=SESSION_HOURS)
LAST_SEEN_RESOLUTION = timedelta(minutes=5)  # last_seen_at is written at most this often per session
FORGET_AFTER = timedelta(days=30)  # ended sessions are kept this long (who was signed in when), then deleted
COOKIE_NAME = "kpi_session"
_SALT = "kpi.sign-in-session"  # another use of the same secret can never produce a valid session token

_secrets: dict[str, str] = {}  # database path -> its secret, read once per process
_secrets_lock = threading.Lock()


class _ClockSigner(TimestampSigner):
    """itsdangerous' signer with the time taken from `now` (tests set the clock; the app passes none)."""

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(self._now.timestamp()) if self._now is not None else super().get_timestamp()


def _secret(db: Database, now: datetime, *, create: bool = True) -> str | None:
    key = db.path if db.path != ":memory:" else f":memory:{id(db)}"  # each in-memory database its own
    with _secrets_lock:
        known = _secrets.get(key)
    if known is not None:
        return known

    def make(cursor: Any) -> str:
        store.add_secret(cursor, secrets.token_urlsafe(48), now=now)  # kept only if there is none yet
        value = store.secret(cursor)
        assert value is not None
        return value

    with db.cursor() as cursor:
        value = store.secret(cursor)
    if value is None and not create:  # no secret yet: no token can be valid, and checking writes nothing
        return None
    if value is None:
        value = db.write(make)
    with _secrets_lock:
        _secrets[key] = value
    return value


def _serializer(secret: str, now: datetime | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT, signer=_ClockSigner, signer_kwargs={"now": now})


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _session_id(db: Database, token: str, now: datetime | None) -> str | None:
    """The random id inside a well-signed token younger than a session; None for anything else."""
    if not token or len(token) > 512:
        return None
    secret = _secret(db, now or datetime.now(), create=False)
    if secret is None:
        return None
    try:
        value = _serializer(secret, now).loads(token, max_age=int(SESSION_LIFETIME.total_seconds()))
    except BadData:  # a changed signature, an expired stamp, a token from another database
        return None
    return value if isinstance(value, str) else None


def start(db: Database, username: str, *, now: datetime | None = None) -> str | None:
    """A new session for `username` (already authenticated); returns the cookie's value. None when
    the database cannot take it (a full disk, a burst of writes): the sign-in then holds for this
    tab only, as before sessions were kept."""
    at = now or datetime.now()
    session_id = secrets.token_urlsafe(32)
    try:
        secret = _secret(db, at)
        assert secret is not None  # made if there was none
        serializer = _serializer(secret, at)
        db.write(
            lambda cursor: store.insert_session(
                cursor, _hash(session_id), username, now=at, expires=at + SESSION_LIFETIME,
                forget_before=at - FORGET_AFTER,
            )
        )  # fmt: skip
    except (duckdb.Error, WriteConflict) as error:
        if not (isinstance(error, WriteConflict) or is_disk_full(error)):
            raise
        LOGGER.warning("sign-in session for %r not kept: %s", username, str(error).splitlines()[0])
        return None
    return str(serializer.dumps(session_id))


def _live(
    db: Database, token: str, at: datetime, now: datetime | None
) -> tuple[str, tuple[str, datetime] | None] | None:
    """(the hash of a well-signed token's session id, its live session or None); None for a bad token."""
    session_id = _session_id(db, token, now)
    if session_id is None:
        return None
    id_hash = _hash(session_id)
    with db.cursor() as cursor:
        return id_hash, store.live_session(cursor, id_hash, now=at)


def resume(db: Database, token: str, *, now: datetime | None = None) -> str | None:
    """The account a cookie's token signs in, or None (bad signature, expired, revoked, unknown,
    account deactivated). Notes when the session was last seen, at most every LAST_SEEN_RESOLUTION."""
    at = now or datetime.now()
    found = _live(db, token, at, now)
    if found is None or found[1] is None:
        return None
    id_hash, (username, last_seen) = found[0], found[1]
    if at - last_seen >= LAST_SEEN_RESOLUTION:
        try:
            db.write(lambda cursor: store.touch(cursor, id_hash, now=at))
        except WriteConflict:  # another tab noted it at the same moment: as good
            LOGGER.info("last_seen_at of a session of %r not written (concurrent write)", username)
    return username


def revoke(db: Database, token: str, *, reason: str = "sign_out", now: datetime | None = None) -> bool:
    """End the session of `token` (sign-out). False when it was not a live session."""
    at = now or datetime.now()
    found = _live(db, token, at, now)
    if found is None:
        return False
    id_hash, live = found
    actor = live[0] if live else "anonymous"
    return db.write(lambda c: store.revoke(c, reason=reason, actor=actor, now=at, id_hash=id_hash)) > 0


def revoke_all(db: Database, username: str, *, reason: str, actor: str, now: datetime | None = None) -> int:
    """End every live session of `username`; returns how many. Inside another transaction (a
    deactivation), call kpi.storage.sessions.revoke with that transaction's cursor instead."""
    at = now or datetime.now()
    return db.write(lambda c: store.revoke(c, reason=reason, actor=actor, now=at, username=username))


def live_sessions(db: Database, username: str, *, now: datetime | None = None) -> int:
    """How many sessions of `username` are live (for "signed in on N devices")."""
    with db.cursor() as cursor:
        return store.live_count(cursor, username, now=now or datetime.now())
