"""The sign-in lock under parallel attempts (issue 15, items 2 and 5): real threads against one
Database, and real processes taking turns on one file.

The accounts of the threads' tests are hashed with argon2id at small parameters (a real
PasswordHasher, counted) so twenty attempts take seconds on a shared machine; the lock's arithmetic
does not depend on them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher

from kpi.accounts import sign_in as accounts  # the module whose _hasher the fixture replaces
from kpi.accounts.manage import create_account
from kpi.accounts.sign_in import MAX_FAILURES, SignInRefused, authenticate
from kpi.storage import Database
from tests.conftest import OPERATOR

NAME, RIGHT, WRONG = "chief", "the right password", "a wrong guess"


class CountingHasher(PasswordHasher):
    """argon2id at test parameters, counting the passwords it was asked to verify; `hold` keeps a
    verification of the given password waiting until released (to order attempts without timing)."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8192, parallelism=1)
        self.verified: Counter[str] = Counter()
        self._count = threading.Lock()
        self.hold: str | None = None
        self.entered = threading.Event()
        self.release = threading.Event()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self._count:
            self.verified[str(password)] += 1
        if password == self.hold:
            self.entered.set()
            assert self.release.wait(60), "the held verification was never released"
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", counting)
    return counting


@pytest.fixture
def account(fresh_db: Database, hasher: CountingHasher) -> Iterator[Database]:
    record = {"username": NAME, "display_name": "Chief", "role": "executive"}
    create_account(fresh_db, record, password=RIGHT, actor=OPERATOR, lang="en")
    hasher.verified.clear()
    yield fresh_db


def at_once(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Run every task in its own thread, all released together; each result or the exception raised."""
    start = threading.Barrier(len(tasks))
    results: list[Any] = [None] * len(tasks)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = tasks[i]()
        except BaseException as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def outcome(result: Any) -> str:
    if isinstance(result, SignInRefused):
        return result.reason
    if isinstance(result, BaseException):
        return f"{type(result).__name__}: {result}"
    return "signed_in"


def audit_rows(db: Database, action: str) -> list[dict[str, Any]]:
    with db.cursor() as cursor:
        rows = cursor.execute(
            "SELECT actor, entity_key, recorded_at, after FROM audit_log WHERE action = ? ORDER BY id",
            [action],
        ).fetchall()
    return [
        {"actor": a, "name": k, "at": at, "after": json.loads(after or "null")} for a, k, at, after in rows
    ]


def assert_locked(db: Database) -> None:
    with pytest.raises(SignInRefused) as refused:
        authenticate(db, NAME, RIGHT)
    assert refused.value.reason == "locked"


def test_nineteen_wrong_and_the_right_one_at_once_verify_no_more_than_the_lock_allows(
    account: Database, hasher: CountingHasher
) -> None:
    tasks: list[Callable[[], Any]] = [lambda: authenticate(account, NAME, WRONG) for _ in range(19)]
    tasks.insert(7, lambda: authenticate(account, NAME, RIGHT))
    results = at_once(tasks)
    outcomes = Counter(outcome(r) for r in results)
    assert set(outcomes) <= {"credentials", "locked", "signed_in"}, outcomes
    right = outcome(results[7])
    # A success clears the failures decided before it took its turn (fewer than MAX_FAILURES, or it
    # would have been locked) and never the ones after: so exactly MAX_FAILURES remain counted.
    success = (audit_rows(account, "sign_in")[0]["after"] or {}) if right == "signed_in" else {}
    cleared = success.get("cleared_failures", 0)
    assert right in ("signed_in", "locked")
    assert cleared < MAX_FAILURES
    assert outcomes["credentials"] == MAX_FAILURES + cleared
    assert hasher.verified[WRONG] == outcomes["credentials"]  # the locked ones were never verified
    assert_locked(account)


def test_twenty_right_sign_ins_at_once_all_succeed(account: Database) -> None:
    results = at_once([lambda: authenticate(account, NAME, RIGHT) for _ in range(20)])
    assert [outcome(r) for r in results] == ["signed_in"] * 20
    assert len(audit_rows(account, "sign_in")) == 20
    with account.cursor() as cursor:
        assert cursor.execute("SELECT last_sign_in_at IS NOT NULL FROM accounts").fetchone() == (True,)
        assert cursor.execute("SELECT count(*) FROM sign_in_attempts").fetchone() == (0,)


def test_a_success_does_not_erase_failures_recorded_after_it_started(
    account: Database, hasher: CountingHasher
) -> None:
    hasher.hold = RIGHT  # the right password is being verified while the wrong ones come in
    right = threading.Thread(target=lambda: authenticate(account, NAME, RIGHT))
    right.start()
    assert hasher.entered.wait(60)
    for _ in range(MAX_FAILURES - 1):  # the right one holds the fifth place until it is decided
        with pytest.raises(SignInRefused):
            authenticate(account, NAME, WRONG)
    hasher.release.set()
    right.join(60)
    hasher.hold = None
    with pytest.raises(SignInRefused) as fifth:
        authenticate(account, NAME, WRONG)
    assert fifth.value.reason == "credentials"
    assert_locked(account)  # the four failures after the success still count


def test_failed_sign_ins_and_locks_are_audited_without_the_password(account: Database) -> None:
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInRefused):
            authenticate(account, NAME, WRONG, source="203.0.113.7")
    assert_locked(account)
    with pytest.raises(SignInRefused):
        authenticate(account, "nobody-here", WRONG)
    failed = audit_rows(account, "sign_in_failed")
    assert [(row["name"], row["after"]["reason"]) for row in failed] == [
        *[(NAME, "credentials")] * MAX_FAILURES,
        (NAME, "locked"),
        ("nobody-here", "credentials"),
    ]
    assert [row["after"]["failures"] for row in failed[:MAX_FAILURES]] == list(range(1, MAX_FAILURES + 1))
    assert {row["after"].get("source") for row in failed[:MAX_FAILURES]} == {"203.0.113.7"}
    assert all(row["actor"] == "anonymous" and row["at"] is not None for row in failed)
    locks = audit_rows(account, "sign_in_locked")
    assert [row["name"] for row in locks] == [NAME]
    assert "until" in locks[0]["after"]
    with account.cursor() as cursor:
        text = cursor.execute("SELECT string_agg(coalesce(after, ''), ' ') FROM audit_log").fetchone()
    assert text is not None and WRONG not in text[0] and RIGHT not in text[0]


# -- processes: DuckDB lets one process at a time open the file, and Database opens it only for
# one unit of work, so processes take turns. What holds across them is the same transaction: a
# slot is counted and taken inside one unit of work, so no process can count between another's
# count and its increment. Each process here makes its attempts while the others make theirs, with
# argon2id at its real parameters: each verification is long enough for the others to come in.
_ATTEMPTS = """
import sys, time
from pathlib import Path
from kpi.accounts.sign_in import SignInRefused, authenticate
from kpi.storage import Database
path, go, name, password, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
while not go.exists():  # start together: every process is loaded and waiting
    time.sleep(0.01)
db = Database(path, wait_seconds=120)
for _ in range(count):
    try:
        authenticate(db, name, password)
        print("signed_in", flush=True)
    except SignInRefused as refused:
        print(refused.reason, flush=True)
db.close()
"""


def test_processes_taking_turns_on_one_file_are_held_to_the_same_lock(
    fresh_db: Database, db_path: Path, tmp_path: Path
) -> None:
    """Real processes (python -c, not multiprocessing: a pytest worker's __main__ is not a script)."""
    record = {"username": NAME, "display_name": "Chief", "role": "executive"}
    create_account(fresh_db, record, password=RIGHT, actor=OPERATOR, lang="en")
    fresh_db.close()
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _ATTEMPTS, str(db_path), str(go), NAME, WRONG, "4"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    go.touch()
    finished = [worker.communicate(timeout=300) for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * 4, [err for _, err in finished]
    outcomes = Counter(line for out, _ in finished for line in out.split())
    assert outcomes == {"credentials": MAX_FAILURES, "locked": 16 - MAX_FAILURES}
    assert_locked(fresh_db)


def test_an_account_without_a_password_cannot_set_one_by_guessing_the_dummy(fresh_db: Database) -> None:
    """An OpenID Connect-only account has no hash: its own 'current password' matches nothing, not even
    the text of the dummy hash that keeps unknown names as slow as known ones."""
    from kpi.access import Actor, Role
    from kpi.accounts.manage import set_password

    record = {"username": "oidc.user", "display_name": "OIDC", "role": "executive", "email": "o@example.jp"}
    create_account(fresh_db, record, password=None, actor=OPERATOR, lang="en")
    me = Actor(username="oidc.user", role=Role.EXECUTIVE, organization_code=None, display_name="OIDC")
    with pytest.raises(SignInRefused):
        set_password(fresh_db, "oidc.user", "a-new-password-1", actor=me, lang="en",
                     current_password="no such account")  # fmt: skip
    with fresh_db.cursor() as cursor:
        stored = cursor.execute("SELECT password_hash FROM accounts WHERE username = 'oidc.user'").fetchone()
    assert stored == (None,)
