"""Sign-in sessions (kpi/accounts/sessions.py): the cookie's token signs in until it expires or is revoked."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Role
from kpi.accounts import sessions
from kpi.accounts.manage import change_account, create_account, set_password
from kpi.storage import Database, migration_files
from tests.conftest import OPERATOR

T0 = datetime(2026, 11, 26, 8, 30)
NAME = "sato"


@pytest.fixture
def db(fresh_db: Database) -> Database:
    record = {"username": NAME, "display_name": "佐藤", "role": "executive"}
    create_account(fresh_db, record, password="a long password", actor=OPERATOR, lang="en")
    return fresh_db


def rows(db: Database) -> list[tuple[object, ...]]:
    with db.cursor() as cursor:
        return cursor.execute(
            "SELECT username, created_at, expires_at, last_seen_at, revoked_at, revoked_reason"
            " FROM sign_in_sessions ORDER BY created_at"
        ).fetchall()


def revocations(db: Database) -> list[tuple[str, str, dict[str, object]]]:
    with db.cursor() as cursor:
        found = cursor.execute(
            "SELECT actor, entity_key, after FROM audit_log WHERE action = 'sessions_revoked' ORDER BY id"
        ).fetchall()
    return [(actor, key, json.loads(after)) for actor, key, after in found]


def test_a_token_signs_in_for_a_working_day_and_no_longer(db: Database) -> None:
    token = sessions.start(db, NAME, now=T0)
    assert token is not None and NAME not in token
    assert sessions.resume(db, token, now=T0 + timedelta(hours=11, minutes=59)) == NAME
    assert sessions.resume(db, token, now=T0 + timedelta(hours=12)) is None  # expired on the server
    # The server keeps a hash of the id, never the cookie's value, and when it was last seen.
    with db.cursor() as cursor:
        (stored,) = cursor.execute("SELECT id_hash FROM sign_in_sessions").fetchone()  # type: ignore[misc]
    assert len(stored) == 64 and stored not in token
    assert rows(db) == [
        (NAME, T0, T0 + timedelta(hours=12), T0 + timedelta(hours=11, minutes=59), None, None)
    ]


def test_the_signature_s_own_stamp_expires_too(db: Database) -> None:
    token = sessions.start(db, NAME, now=T0)
    assert token is not None
    with db.transaction() as cursor:  # even were the server's row extended, the stamp holds the line
        cursor.execute("UPDATE sign_in_sessions SET expires_at = expires_at + INTERVAL 1 DAY")
    assert sessions.resume(db, token, now=T0 + timedelta(hours=12, seconds=1)) is None


def test_tampered_unknown_and_foreign_tokens_refuse(db: Database, tmp_path: Path) -> None:
    token = sessions.start(db, NAME, now=T0)
    assert token is not None
    body, stamp, signature = token.split(".")
    changed = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    for bad in (f"{body}.{stamp}.{changed}", f"{body}x.{stamp}.{signature}", "", "junk", "a.b.c", "x" * 5000):
        assert sessions.resume(db, bad, now=T0) is None, bad
    # Another database (its own secret) does not take this one's token, even for the same name.
    other = Database(tmp_path / "other.duckdb", create=True)
    other.migrate()
    create_account(other, {"username": NAME, "display_name": "x", "role": "executive"},
                   password="a long password", actor=OPERATOR, lang="en")  # fmt: skip
    assert sessions.resume(other, token, now=T0) is None
    other.close()
    # A well-signed id the server never issued (deleted row) refuses as well.
    with db.transaction() as cursor:
        cursor.execute("DELETE FROM sign_in_sessions")
    assert sessions.resume(db, token, now=T0) is None


def test_sign_out_revokes_one_session_and_audits_it(db: Database) -> None:
    first, second = sessions.start(db, NAME, now=T0), sessions.start(db, NAME, now=T0)
    assert first and second
    assert sessions.revoke(db, first, now=T0 + timedelta(hours=1)) is True
    assert sessions.revoke(db, first, now=T0 + timedelta(hours=1)) is False  # once only
    assert sessions.resume(db, first, now=T0 + timedelta(hours=1)) is None
    assert sessions.resume(db, second, now=T0 + timedelta(hours=1)) == NAME
    assert revocations(db) == [(NAME, NAME, {"reason": "sign_out", "sessions": 1})]
    assert sessions.live_sessions(db, NAME, now=T0 + timedelta(hours=1)) == 1


def test_revoke_all_ends_every_session_of_one_account_only(db: Database) -> None:
    create_account(db, {"username": "kato", "display_name": "加藤", "role": "executive"},
                   password="a long password", actor=OPERATOR, lang="en")  # fmt: skip
    mine = [sessions.start(db, NAME, now=T0) for _ in range(3)]
    theirs = sessions.start(db, "kato", now=T0)
    assert sessions.revoke_all(db, NAME, reason="everywhere", actor=NAME, now=T0) == 3
    assert [sessions.resume(db, str(t), now=T0) for t in mine] == [None, None, None]
    assert sessions.resume(db, str(theirs), now=T0) == "kato"
    assert revocations(db) == [(NAME, NAME, {"reason": "everywhere", "sessions": 3})]
    with pytest.raises(ValueError):
        sessions.revoke_all(db, NAME, reason="whim", actor=NAME)


def test_deactivation_and_an_administrators_reset_revoke_the_accounts_sessions(db: Database) -> None:
    admin = OPERATOR
    token = sessions.start(db, NAME)
    assert token and sessions.resume(db, token) == NAME
    change_account(db, NAME, {"active": False}, actor=admin, lang="en")
    assert sessions.resume(db, token) is None
    change_account(db, NAME, {"active": True}, actor=admin, lang="en")
    assert sessions.resume(db, token) is None  # re-enabled: the old session stays ended
    assert [r[-1] for r in rows(db)] == ["deactivated"]

    token = sessions.start(db, NAME)
    assert token
    set_password(db, NAME, "an even longer password", actor=admin, lang="en")
    assert sessions.resume(db, token) is None
    assert [(a, r["reason"]) for a, _, r in revocations(db)] == [(admin.username, "deactivated"),
                                                              (admin.username, "password")]  # fmt: skip
    # A user changing their own password keeps the session they are using.
    token = sessions.start(db, NAME)
    assert token
    me = Actor(username=NAME, role=Role("executive"), organization_code=None, display_name="x")
    set_password(
        db, NAME, "my very own password", actor=me, lang="en", current_password="an even longer password"
    )
    assert sessions.resume(db, token) == NAME


def test_a_deactivated_account_refuses_even_without_revocation(db: Database) -> None:
    token = sessions.start(db, NAME, now=T0)
    assert token
    with db.transaction() as cursor:  # deactivated behind the function's back (an old script)
        cursor.execute("UPDATE accounts SET active = false WHERE username = ?", [NAME])
    assert sessions.resume(db, token, now=T0) is None


def test_last_seen_is_written_at_most_every_few_minutes(db: Database) -> None:
    token = sessions.start(db, NAME, now=T0)
    assert token
    sessions.resume(db, token, now=T0 + timedelta(minutes=4))
    assert rows(db)[0][3] == T0
    sessions.resume(db, token, now=T0 + timedelta(minutes=5))
    assert rows(db)[0][3] == T0 + timedelta(minutes=5)


def test_ended_sessions_are_forgotten_after_a_month(db: Database) -> None:
    old = sessions.start(db, NAME, now=T0)
    assert old and sessions.revoke(db, old, now=T0)
    sessions.start(db, NAME, now=T0 + timedelta(days=29))
    assert len(rows(db)) == 2
    sessions.start(db, NAME, now=T0 + timedelta(days=31))
    assert [r[1] for r in rows(db)] == [T0 + timedelta(days=29), T0 + timedelta(days=31)]


def test_the_migration_applies_to_an_existing_database(tmp_path: Path) -> None:
    """A database at version 9 (before sessions) takes 0010 and signs in; the fresh ones above did too."""
    db = Database(tmp_path / "v9.duckdb", create=True)
    with db.transaction() as cursor:
        cursor.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMP NOT NULL)"
        )
        for version, name, sql in migration_files():
            if version < 10:
                cursor.execute(sql)
                cursor.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, T0])
    create_account(db, {"username": NAME, "display_name": "佐藤", "role": "executive"},
                   password="a long password", actor=OPERATOR, lang="en")  # fmt: skip
    assert db.migrate()[0] == "0010_sign_in_sessions.sql"  # and any later ones
    assert db.schema_version() >= 10
    token = sessions.start(db, NAME)
    assert token and sessions.resume(db, token) == NAME
    db.close()


DRAFT_SCRIPT = """
import streamlit as st
from ui.drafts import discard_all, discard_draft, draft_saved_at, load_draft, save_draft

st.session_state["user"] = st.session_state.get("who")
step = st.session_state.get("step")
if step == "save":
    save_draft("update", {"value": 12.5, "note": "途中", "when": "2026-11-26"})
    try:
        save_draft("update", {"when": __import__("datetime").date(2026, 11, 26)})
    except TypeError:
        st.session_state["refused"] = True
elif step == "sign_out":
    discard_all("sato")
elif step == "discard":
    discard_draft("update")
st.session_state["draft"] = load_draft("update")
st.session_state["saved_at"] = draft_saved_at("update")
"""


def test_a_draft_is_kept_per_account_across_sessions_until_discarded() -> None:
    def run(who: str | None, step: str | None = None) -> AppTest:
        app = AppTest.from_string(DRAFT_SCRIPT)  # a new session each time, as a reload or a new tab
        app.session_state["who"], app.session_state["step"] = who, step
        return app.run()

    saved = run("sato", "save")
    assert saved.session_state["refused"] is True  # a date is not JSON-able: said at once
    assert saved.session_state["draft"] == {"value": 12.5, "note": "途中", "when": "2026-11-26"}
    assert isinstance(saved.session_state["saved_at"], datetime)
    assert run("sato").session_state["draft"] == {"value": 12.5, "note": "途中", "when": "2026-11-26"}
    assert run("kato").session_state["draft"] is None  # another account never sees it
    assert run(None).session_state["draft"] is None
    assert run("sato", "discard").session_state["draft"] is None
    run("sato", "save")
    assert run("sato", "sign_out").session_state["draft"] is None
