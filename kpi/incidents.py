"""Failures that are not the user's input: told apart, said plainly, and logged with an id.

`classify()` separates what a person can act on (the database is busy or missing, its disk is
full, its file is damaged) from internal errors. An internal error is reported with
`report_incident()`: the full traceback goes to the log under a short id, and the user sees only a
plain message quoting that id, never a traceback or a source path.

Where the log goes (`log_to()`): a file next to the database, `<database>.log` (data/kpi.duckdb.log),
so the administrator finds an incident by its id wherever the process ran; and for the dashboard
also the server's stderr. The command line writes the traceback only to the file: its stderr is
what the user reads. When the file cannot be written (a full disk, a read-only folder) an incident
goes to stderr as one line without the traceback, so its id is never lost and no traceback shows.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from kpi.i18n import t
from kpi.storage import DatabaseBusy, DatabaseMissing, DatabaseUnreachable, SchemaTooNew
from kpi.storage.connection import is_disk_full

LOGGER = logging.getLogger("kpi")
BUSY, MISSING, DISK_FULL, DAMAGED, INTERNAL = "busy", "missing", "disk_full", "damaged", "internal"
NEWER = "newer_schema"  # made by a newer version of the product
# What DuckDB says about a file it cannot trust: not a database at all, or blocks that fail their checksum.
_DAMAGED_TEXTS = (
    "not a valid duckdb database file",
    "corrupt database file",
    "checksum",
    "could not read enough bytes",  # a truncated file
)
_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_lock = threading.Lock()
_handlers: list[logging.Handler] = []
_target: tuple[Path | None, bool] | None = None


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what it was raised from (`raise ... from`): only explicit causes, so a bug met
    while handling a busy database is not mistaken for the busy database."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__


def classify(error: BaseException) -> str:
    """BUSY, MISSING, NEWER, DISK_FULL, DAMAGED (someone can act on these) or INTERNAL."""
    for cause in _causes(error):
        if isinstance(cause, DatabaseBusy):  # WriteConflict included: another session kept writing
            return BUSY
        if isinstance(cause, DatabaseMissing):
            return MISSING
        if isinstance(cause, SchemaTooNew):
            return NEWER
        if is_disk_full(cause):  # OSError ENOSPC/EDQUOT, or DuckDB's IOException / COMMIT saying so
            return DISK_FULL
        if isinstance(cause, duckdb.Error):
            text = str(cause).lower()
            if isinstance(cause, duckdb.SerializationException) or any(p in text for p in _DAMAGED_TEXTS):
                return DAMAGED
    return INTERNAL


class _OneLine(logging.Formatter):
    """Time, level, logger and message: the traceback stays out (it is for the log file)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{self.formatTime(record)} {record.levelname} {record.name} {record.getMessage()}"


class _FileHandler(logging.FileHandler):
    """A log file that, when it cannot be written, puts an incident on stderr as one line instead of
    logging's own "--- Logging error ---" traceback (a warning about a full disk is left out: the
    user has just been told)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:  # FileHandler opens the file outside its own error handling: a read-only folder would raise
            super().emit(record)
        except Exception:
            self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.ERROR:
            return
        with contextlib.suppress(Exception):  # stderr gone as well: nothing left to tell
            sys.stderr.write(f"{_OneLine().format(record)} (log file {self.baseFilename} not written)\n")


class _Stderr(logging.StreamHandler):
    """Whatever sys.stderr is when a record comes (as logging's last resort does): a test or a
    server that swaps the stream still gets the record."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> Any:
        return sys.stderr


def log_file_for(database_path: str) -> Path | None:
    """`<database>.log`, beside the database file; None for an in-memory database or a PostgreSQL
    one (no file to sit beside: the server's stderr, which its service manager keeps)."""
    if database_path == ":memory:" or database_path.startswith(("postgresql://", "postgres://")):
        return None
    return Path(f"{database_path}.log")


def log_to(database_path: str, *, console_traceback: bool) -> Path | None:
    """Send the "kpi" logger to the file beside the database and, for a server, to stderr with the
    traceback. Idempotent per (file, console): pages call it on every run. Returns the file."""
    global _target
    path = log_file_for(database_path)
    with _lock:
        if _target == (path, console_traceback):
            return path
        for handler in _handlers:
            LOGGER.removeHandler(handler)
            with contextlib.suppress(OSError):  # closing flushes: a full disk may refuse it
                handler.close()
        _handlers.clear()
        if path is not None:
            to_file = _FileHandler(path, encoding="utf-8", delay=True)  # opened at the first record
            to_file.setFormatter(logging.Formatter(_FORMAT))
            _handlers.append(to_file)
        if console_traceback or path is None:
            to_stderr = _Stderr()
            to_stderr.setFormatter(logging.Formatter(_FORMAT) if console_traceback else _OneLine())
            _handlers.append(to_stderr)
        for handler in _handlers:
            LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False  # these handlers are the destination; no second copy via the root
        _target = (path, console_traceback)
    return path


def report_incident(error: BaseException, *, where: str) -> str:
    """Log the error with its full traceback under a new short id, and return the id."""
    incident = secrets.token_hex(4)
    LOGGER.error(
        "incident %s in %s: %s: %s",
        incident,
        where,
        type(error).__name__,
        error,
        exc_info=(type(error), error, error.__traceback__),
    )
    return incident


@dataclass(frozen=True)
class Failure:
    """What to tell the user: the kind (see classify), the message in their language, and the
    incident id when the error was internal."""

    kind: str
    message: str
    incident: str | None = None


def describe(error: BaseException, lang: str, *, where: str) -> Failure:
    """The plain message for any failure; an internal one is reported first (report_incident)."""
    kind = classify(error)
    cause = next((c for c in _causes(error) if isinstance(c, DatabaseBusy | DatabaseMissing)), None)
    if isinstance(cause, DatabaseBusy):
        return Failure(kind, busy_message(cause, lang))
    if isinstance(cause, DatabaseMissing):
        return Failure(kind, t("app.no_database", lang, path=cause.args[0] if cause.args else ""))
    newer = next((c for c in _causes(error) if isinstance(c, SchemaTooNew)), None)
    if newer is not None:
        return Failure(kind, schema_too_new_message(newer, lang))
    if kind in (DISK_FULL, DAMAGED):
        # Someone can act on it: no incident, but the log still says when and where it happened.
        LOGGER.warning("%s in %s: %s", kind, where, str(error).splitlines()[0] if str(error) else kind)
        return Failure(kind, t(f"app.{kind}", lang))
    incident = report_incident(error, where=where)
    return Failure(kind, t("app.internal_error", lang, incident=incident), incident)


def busy_message(error: DatabaseBusy, lang: str) -> str:
    """A busy DuckDB file, or a PostgreSQL server that did not answer (with what it said)."""
    if isinstance(error, DatabaseUnreachable):
        return t("app.database_unreachable", lang, path=error.path, reason=error.reason)
    return t("app.database_busy", lang, seconds=f"{error.waited:.0f}")


def schema_too_new_message(error: SchemaTooNew, lang: str) -> str:
    """Which schema the file has, which this version reads, and the two ways on."""
    return t("app.newer_schema", lang, found=error.found, supported=error.supported)
