"""The database is there or it is said not to be (issue 15, item 7): only `init` makes a database
file, so a running app whose file was deleted says so instead of starting an empty one; and on a
full disk (a real, filled tmpfs) people still sign in and read."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.accounts.manage import create_account, has_accounts
from kpi.accounts.sign_in import MAX_FAILURES, SignInRefused, authenticate
from kpi.commands.main import main
from kpi.portfolio.status import portfolio_status
from kpi.registry.setup import setup_registry
from kpi.storage import Database, DatabaseMissing
from kpi.storage.actuals import record_actuals
from tests.conftest import CI, DEMO_TODAY, OPERATOR

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_REGISTRY = ROOT / "data" / "sample_registry"
NAME, RIGHT = "exec", "executive password"


def remove_database(path: Path) -> None:
    for file in (path, Path(f"{path}.wal")):
        file.unlink(missing_ok=True)


def test_a_running_app_whose_file_was_deleted_does_not_make_a_new_one(
    fresh_db: Database, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create_account(fresh_db, {"username": NAME, "display_name": "E", "role": "executive"}, password=RIGHT,
                   actor=OPERATOR, lang="en")  # fmt: skip
    assert has_accounts(fresh_db) and authenticate(fresh_db, NAME, RIGHT).username == NAME
    remove_database(db_path)  # the app's Database object lives on, as in a running dashboard
    with pytest.raises(DatabaseMissing):
        fresh_db.ensure_ready()
    with pytest.raises(DatabaseMissing):
        has_accounts(fresh_db)
    with pytest.raises(DatabaseMissing):
        authenticate(fresh_db, NAME, RIGHT)
    assert not db_path.exists()

    assert main(["status", "--db", str(db_path)]) == 2  # the command line does not make one either
    assert f"No database at {db_path}" in capsys.readouterr().err
    assert not db_path.exists()
    assert main(["init", "--db", str(db_path)]) == 0  # init does
    assert db_path.exists()
    assert main(["status", "--db", str(db_path)]) == 0


def test_only_a_database_told_it_may_create_makes_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "new" / "kpi.duckdb"
    with pytest.raises(DatabaseMissing) as refused, Database(missing).cursor():
        pass
    assert refused.value.path == str(missing) and not missing.parent.exists()
    with Database(missing, create=True).cursor() as cursor:
        assert cursor.execute("SELECT 42").fetchone() == (42,)
    assert missing.exists()


# -- a full disk ----------------------------------------------------------------------------------
@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(a copy of a small database on a filled tmpfs, the original it was copied from): the sample
    registry, one partner's first reports and an executive's account, built with kpi's functions."""
    built = tmp_path / "built.duckdb"
    db = Database(built)
    db.migrate()
    assert setup_registry(db, SAMPLE_REGISTRY, actor=OPERATOR, lang="en").status == "loaded"
    reported = [("joint_studies", 2.0), ("time_to_implementation", 55.0), ("local_jobs", 3.0)]
    rows = pd.DataFrame(
        [("PJ-SNOW", kpi, date(2025, 6, 30), "ORG-KITA-U", value, "") for kpi, value in reported],
        columns=["project_code", "kpi_code", "period_end", "organization_code", "value", "note"],
    )
    with db.transaction() as cursor:
        record_actuals(cursor, rows, actor="tester", source="form", now=datetime(2025, 7, 10))
    create_account(db, {"username": NAME, "display_name": "E", "role": "executive"}, password=RIGHT,
                   actor=OPERATOR, lang="en")  # fmt: skip
    db.close()
    disk = tmp_path / "disk"
    disk.mkdir()
    size_mb = built.stat().st_size // 2**20 + 3  # the database and a little room, then filled
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(disk)], capture_output=True
    ).returncode == 0  # fmt: skip
    if not mounted:
        message = "mounting a tmpfs needs root (a full disk cannot be made otherwise)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    try:
        shutil.copy(built, disk / "kpi.duckdb")
        with open(disk / "filler", "wb", buffering=0) as filler:
            for chunk in (2**16, 2**12, 1):  # until not one more byte fits
                try:
                    while True:
                        filler.write(b"\0" * chunk)
                except OSError:
                    pass
        assert shutil.disk_usage(disk).free == 0
        yield disk / "kpi.duckdb", built
    finally:
        # Room again first: a log file the dashboard opened there (kpi.incidents) can then be flushed
        # and closed by whichever test points the log elsewhere next.
        (disk / "filler").unlink(missing_ok=True)
        if subprocess.run(["umount", str(disk)]).returncode != 0:  # that log file still open: detach
            subprocess.run(["umount", "-l", str(disk)], check=True)


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_on_a_full_disk_people_sign_in_and_read_and_the_lock_still_holds(
    full_disk: tuple[Path, Path],
) -> None:
    path, original = full_disk
    expected = portfolio_status(Database(original), DEMO_TODAY)
    db = Database(path)
    kept = Kept()
    logging.getLogger("kpi.accounts").addHandler(kept)
    try:
        db.ensure_ready()  # what the dashboard does first on every run
        assert portfolio_status(db, DEMO_TODAY).equals(expected)
        assert authenticate(db, NAME, RIGHT).username == NAME  # its record could not be written
        assert any("not written" in message for message in kept.messages)
        for _ in range(MAX_FAILURES):  # failures the disk refuses are counted in the process instead
            with pytest.raises(SignInRefused) as refused:
                authenticate(db, NAME, "a wrong guess")
            assert refused.value.reason == "credentials"
        with pytest.raises(SignInRefused) as locked:
            authenticate(db, NAME, RIGHT)
        assert locked.value.reason == "locked"
        assert portfolio_status(db, DEMO_TODAY).equals(expected)
    finally:
        logging.getLogger("kpi.accounts").removeHandler(kept)
        db.close()


def test_on_a_full_disk_the_sign_in_form_opens_the_overview(
    full_disk: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = full_disk
    monkeypatch.setenv("KPI_DB", str(path))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.query_params["lang"] = "en"
    app.run()
    app.text_input(key="signin_username").input(NAME)
    app.text_input(key="signin_password").input(RIGHT)
    app.button[0].click().run()
    assert not app.exception and not app.error
    assert app.title[0].value == "Portfolio overview"
    app.switch_page("pages/overview.py").run()  # and again: reading needs no write
    assert not app.exception and not app.error and app.title[0].value == "Portfolio overview"
