"""kpi.incidents: failures told apart, logged under an id, said plainly; and the pages that use it."""

from __future__ import annotations

import errno
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from kpi import incidents
from kpi.i18n import LANGUAGES, t
from kpi.storage import DatabaseBusy, DatabaseMissing, WriteConflict
from tests.test_pages import open_app

ROOT = Path(__file__).parent.parent
ID = re.compile(r"\b([0-9a-f]{8})\b")


def raised(error: BaseException) -> BaseException:
    """The error with a traceback, as report_incident meets it."""
    try:
        raise error
    except BaseException as caught:
        return caught


def real_disk_full() -> OSError:
    """The kernel's own ENOSPC: /dev/full refuses every write."""
    try:
        with open("/dev/full", "wb") as full:
            full.write(b"x")
    except OSError as error:
        return error
    raise AssertionError("/dev/full accepted a write")


def real_damaged(tmp_path: Path) -> duckdb.Error:
    path = tmp_path / "noise.duckdb"
    path.write_bytes(os.urandom(20_000))
    try:
        duckdb.connect(str(path))
    except duckdb.Error as error:
        return error
    raise AssertionError("DuckDB opened random bytes")


def test_classify_tells_apart_what_a_person_can_act_on(tmp_path: Path) -> None:
    assert incidents.classify(real_disk_full()) == incidents.DISK_FULL
    commit = (
        'TransactionContext Error: Failed to commit: Could not write file "k.wal": No space left on device'
    )
    assert incidents.classify(duckdb.TransactionException(commit)) == incidents.DISK_FULL  # DuckDB at COMMIT
    assert incidents.classify(duckdb.IOException("IO Error: No space left on device")) == incidents.DISK_FULL
    assert incidents.classify(real_damaged(tmp_path)) == incidents.DAMAGED
    assert incidents.classify(duckdb.SerializationException("Serialization Error: bad")) == incidents.DAMAGED
    assert incidents.classify(DatabaseBusy("k.duckdb", 10.0)) == incidents.BUSY
    assert incidents.classify(WriteConflict("k.duckdb", 8, 0.4)) == incidents.BUSY
    assert incidents.classify(DatabaseMissing("k.duckdb")) == incidents.MISSING
    assert incidents.classify(OSError(errno.EACCES, "Permission denied")) == incidents.INTERNAL
    assert incidents.classify(duckdb.BinderException("Binder Error: no column")) == incidents.INTERNAL
    assert incidents.classify(KeyError("x")) == incidents.INTERNAL


def test_classify_follows_explicit_causes_only() -> None:
    try:
        try:
            raise real_disk_full()
        except OSError as full:
            raise RuntimeError("writing the batch failed") from full
    except RuntimeError as wrapped:
        assert incidents.classify(wrapped) == incidents.DISK_FULL
    try:
        try:
            raise DatabaseBusy("k.duckdb", 1.0)
        except DatabaseBusy:
            no_entries: dict[str, str] = {}
            no_entries["a bug while saying so"]
    except KeyError as bug:  # met while handling a busy database: still a bug, not "busy"
        assert incidents.classify(bug) == incidents.INTERNAL


def test_an_incident_is_logged_with_its_traceback_under_a_short_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = incidents.log_to(str(tmp_path / "kpi.duckdb"), console_traceback=False)
    assert log == tmp_path / "kpi.duckdb.log"
    error = raised(ValueError("forced"))
    first = incidents.report_incident(error, where="python -m kpi status")
    second = incidents.report_incident(error, where="python -m kpi status")
    assert re.fullmatch(r"[0-9a-f]{8}", first) and first != second
    text = log.read_text(encoding="utf-8")
    entry = text[text.index(f"incident {first} in python -m kpi status: ValueError: forced") :]
    assert "Traceback (most recent call last)" in entry and "test_incidents.py" in entry
    assert capsys.readouterr().err == ""  # the command line's stderr is the user's: nothing there


def test_a_server_also_logs_the_traceback_to_its_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incidents.log_to(str(tmp_path / "kpi.duckdb"), console_traceback=True)
    incident = incidents.report_incident(raised(ValueError("forced")), where="page overview")
    err = capsys.readouterr().err
    assert f"incident {incident} in page overview" in err and "Traceback" in err


def test_an_unwritable_log_puts_the_incident_on_stderr_as_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing_folder = tmp_path / "gone" / "kpi.duckdb"  # the log file cannot even be created
    incidents.log_to(str(missing_folder), console_traceback=False)
    incident = incidents.report_incident(raised(ValueError("forced")), where="python -m kpi import")
    err = capsys.readouterr().err
    assert f"incident {incident} in python -m kpi import: ValueError: forced" in err
    assert "Traceback" not in err and "Logging error" not in err and len(err.strip().splitlines()) == 1
    incidents.describe(real_disk_full(), "en", where="python -m kpi import")  # a warning: not echoed
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_messages_say_what_happened_without_internals(tmp_path: Path, lang: str) -> None:
    incidents.log_to(str(tmp_path / "kpi.duckdb"), console_traceback=False)
    cases: dict[str, BaseException] = {
        incidents.DISK_FULL: real_disk_full(),
        incidents.DAMAGED: real_damaged(tmp_path),
        incidents.BUSY: DatabaseBusy("k.duckdb", 10.0),
        incidents.MISSING: DatabaseMissing("data/kpi.duckdb"),
        incidents.INTERNAL: raised(ZeroDivisionError("division by zero")),
    }
    for kind, error in cases.items():
        failure = incidents.describe(error, lang, where="test")
        assert failure.kind == kind
        assert "Traceback" not in failure.message and ".py" not in failure.message
        assert "ZeroDivisionError" not in failure.message and "noise.duckdb" not in failure.message
        assert (failure.incident is not None) == (kind == incidents.INTERNAL)
    internal = incidents.describe(cases[incidents.INTERNAL], lang, where="test")
    assert internal.message == t("app.internal_error", lang, incident=internal.incident)
    assert incidents.describe(cases[incidents.BUSY], lang, where="t").message == t(
        "app.database_busy", lang, seconds="10"
    )


# -- the pages -------------------------------------------------------------------------------------


def test_the_browser_is_never_sent_error_details() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def _page_raising(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path, error: BaseException
) -> tuple[AppTest, Path]:
    """The overview page with its core call failing; on a copy, so the log lands beside it."""
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, copy)

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr("kpi.portfolio.overview.build_overview", failing)
    return open_app(monkeypatch, copy, "en"), copy


def _all_text(app: Any) -> str:
    elements = [*app.error, *app.warning, *app.markdown, *app.exception, *app.caption, *app.info]
    return "\n".join(str(getattr(e, "value", "")) for e in elements)


def test_an_internal_error_on_a_page_shows_the_incident_id_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path
) -> None:
    app, copy = _page_raising(monkeypatch, demo_db_path, tmp_path, ZeroDivisionError("forced"))
    assert not app.exception
    assert len(app.error) == 1
    found = ID.search(app.error[0].value)
    assert found and app.error[0].value == t("app.internal_error", "en", incident=found.group(1))
    shown = _all_text(app)
    assert "Traceback" not in shown and 'File "' not in shown and "ZeroDivisionError" not in shown
    log = Path(f"{copy}.log").read_text(encoding="utf-8")
    entry = log[log.index(f"incident {found.group(1)} in page overview: ZeroDivisionError: forced") :]
    assert "Traceback (most recent call last)" in entry


def test_a_full_disk_on_a_page_says_so(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path
) -> None:
    full = duckdb.IOException('IO Error: Could not write file "demo.duckdb.wal": No space left on device')
    app, _ = _page_raising(monkeypatch, demo_db_path, tmp_path, full)
    assert not app.exception
    assert [e.value for e in app.error] == [t("app.disk_full", "en")]


def test_busy_and_missing_databases_keep_their_messages_inside_a_page(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path
) -> None:
    app, _ = _page_raising(monkeypatch, demo_db_path, tmp_path, DatabaseBusy("demo.duckdb", 10.0))
    assert not app.exception and not app.error
    assert [w.value for w in app.warning] == [t("app.database_busy", "en", seconds="10")]
    (tmp_path / "x").mkdir()
    app, _ = _page_raising(monkeypatch, demo_db_path, tmp_path / "x", DatabaseMissing(str(tmp_path)))
    assert not app.exception
    assert [e.value for e in app.error] == [t("app.no_database", "en", path=str(tmp_path))]


def test_a_failure_while_signing_in_shows_the_incident_id(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path
) -> None:
    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("forced")

    monkeypatch.setattr("ui.auth.signed_in", failing)
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, copy)
    app = open_app(monkeypatch, copy, "en")
    assert not app.exception
    found = ID.search(app.error[0].value)
    assert found and f"incident {found.group(1)} in sign-in" in Path(f"{copy}.log").read_text(
        encoding="utf-8"
    )
