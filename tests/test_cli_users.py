"""python -m kpi user: the first administrator, accounts from scripts, and clear refusals."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kpi.accounts.sign_in import SignInRefused, authenticate
from kpi.commands.main import main
from kpi.storage import Database
from tests.conftest import table_counts


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str,
        stdin: str = "") -> tuple[int, str, str]:  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db_file(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["init", "--db", str(db_path)]) == 0
    capsys.readouterr()
    return db_path


def test_the_first_administrator_then_a_partner(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_file: Path
) -> None:
    db = str(db_file)
    code, out, _ = run(capsys, monkeypatch, "user", "add", "Chief", "--role", "administrator", "--db", db,
                       "--password-stdin", stdin="first admin password\n")  # fmt: skip
    assert (code, out.strip()) == (0, "Account chief added.")
    assert authenticate(Database(db_file), "chief", "first admin password").role == "administrator"
    # A partner needs an organization that exists: refused, nothing written.
    before = table_counts(Database(db_file))
    code, _, err = run(capsys, monkeypatch, "user", "add", "p1", "--role", "partner", "--db", db,
                       "--password-stdin", stdin="partner password 1\n")  # fmt: skip
    assert code == 1 and "This role belongs to an organization" in err
    code, _, err = run(capsys, monkeypatch, "user", "add", "p1", "--role", "partner", "--org", "NOPE",
                       "--db", db, "--password-stdin", stdin="partner password 1\n")  # fmt: skip
    assert code == 1 and "Organization “NOPE” is not registered." in err
    code, _, err = run(capsys, monkeypatch, "user", "add", "p2", "--role", "executive", "--db", db,
                       "--password-stdin", stdin="short\n")  # fmt: skip
    assert code == 1 and "at least 10 characters" in err
    assert table_counts(Database(db_file)) == before


def test_list_disable_and_new_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_file: Path
) -> None:
    db = str(db_file)
    run(capsys, monkeypatch, "user", "add", "exec", "--role", "executive", "--name", "経営 太郎", "--db", db,
        "--password-stdin", stdin="executive password\n")  # fmt: skip
    code, out, _ = run(capsys, monkeypatch, "user", "list", "--json", "--db", db)
    listed = json.loads(out)
    assert code == 0 and [(a["username"], a["role"], a["display_name"]) for a in listed] == [
        ("exec", "executive", "経営 太郎")
    ]
    assert "password_hash" not in listed[0] and "argon2" not in out
    assert run(capsys, monkeypatch, "user", "set", "exec", "--disable", "--db", db)[0] == 0
    with pytest.raises(SignInRefused):
        authenticate(Database(db_file), "exec", "executive password")
    assert run(capsys, monkeypatch, "user", "set", "exec", "--enable", "--db", db)[0] == 0
    code, _, _ = run(capsys, monkeypatch, "user", "password", "exec", "--password-stdin", "--db", db,
                     stdin="a brand new password\n")  # fmt: skip
    assert code == 0
    assert authenticate(Database(db_file), "exec", "a brand new password").username == "exec"
    with pytest.raises(SignInRefused):
        authenticate(Database(db_file), "exec", "executive password")


def test_hashes_are_salted_and_never_audited(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_file: Path
) -> None:
    db = str(db_file)
    for name in ("a1", "a2"):
        run(capsys, monkeypatch, "user", "add", name, "--role", "executive", "--db", db, "--password-stdin",
            stdin="the same password\n")  # fmt: skip
    with Database(db_file).cursor() as cursor:
        hashes = [r[0] for r in cursor.execute("SELECT password_hash FROM accounts ORDER BY 1").fetchall()]
        audit = " ".join(str(r) for r in cursor.execute("SELECT before, after FROM audit_log").fetchall())
    assert len(set(hashes)) == 2 and all(h.startswith("$argon2id$") for h in hashes)
    assert "argon2" not in audit and "the same password" not in audit


def test_unknown_account_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db_file: Path
) -> None:
    code, _, err = run(capsys, monkeypatch, "user", "set", "ghost", "--disable", "--db", str(db_file))
    assert code == 2 and "There is no account “ghost”." in err
