"""Importing an agreements or a meetings file (SPEC sections 4 and 8), all or nothing.

The file is read as partner files are (kpi/intake: the size and row limits of the settings, BOM →
UTF-8 → CP932, .xlsx, the header among the first 10 rows), its rows by kpi/partnerships/files.py,
every record checked by kpi/partnerships/checks.py with its row. A file with any error writes
nothing and lists every error. Then, in one transaction: the actor's right to every record's
project (Forbidden: nothing written), each record against its current version — unchanged is
left alone, changed is the next version (its reason the file's, or "imported from FILE"), new is
version 1 — and one append_versions call for the whole file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from kpi.access import Actor, Role, require_role, require_writer
from kpi.errors import ValidationError
from kpi.i18n import t
from kpi.intake.columns import SkippedRow, names
from kpi.intake.decode import DecodeError, decode_upload
from kpi.intake.layout import Layout, find_header
from kpi.intake.rows import Column, ErrorSink, refuse_reading
from kpi.intake.service import file_size, sorted_errors, write_lock
from kpi.intake.table import TooManyRows, read_source
from kpi.partnerships import files
from kpi.partnerships.agreements import records
from kpi.partnerships.checks import (
    MAX_TEXT,
    MESSAGES,
    References,
    check_action_item,
    check_agreement,
    check_meeting,
)
from kpi.partnerships.codes import meeting_code
from kpi.partnerships.files import AGREEMENT_COLUMNS, JAPANESE, MEETING_COLUMNS, MeetingRows
from kpi.partnerships.scope import references, require_agreement_writer, require_meeting_adder
from kpi.storage import Database
from kpi.storage import partnerships as store
from kpi.storage.registry import read_settings

Record = dict[str, Any]
FILE_MESSAGES = "partnerships_import.error"  # this file's wordings; the rules keep MESSAGES'
# An action item's problem named by the file's column it is in (checks.py says "action_items").
ITEM_COLUMNS = {"item_description": "action", "item_due": "action_due", "item_due_before": "action_due",
                "item_done_before": "action_done"}  # fmt: skip
NOT_COMPARED = ("reason", "withdrawn")


@dataclass
class PartnershipImport:
    """What an import did: `status` "imported", "valid" (a dry run) or "rejected"; `rows` the file's
    data rows, `records` its agreements or meetings, and how many of those were new, revised or
    unchanged."""

    status: str
    rows: int = 0
    records: int = 0
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    header_row: int | None = None
    skipped_rows: list[SkippedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[ValidationError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status, "rows": self.rows, "records": self.records, "created": self.created,
            "revised": self.revised, "unchanged": self.unchanged, "header_row": self.header_row,
            "skipped_rows": [s.as_dict() for s in self.skipped_rows], "ignored_columns": self.ignored_columns,
            "errors": [e.as_dict() for e in self.errors],
        }  # fmt: skip


@dataclass
class _Sinks:
    """Two wordings onto one list of errors: the file's (cells, layout) and the rules'."""

    file: ErrorSink
    rules: ErrorSink

    @classmethod
    def new(cls, lang: str, columns: tuple[Column, ...]) -> _Sinks:
        labels = {c.name: JAPANESE[c.name] if lang == "ja" else c.name for c in columns}
        errors: list[ValidationError] = []
        return cls(
            ErrorSink(lang, errors=errors, column_labels=labels, messages=FILE_MESSAGES),
            ErrorSink(lang, errors=errors, column_labels=labels, messages=MESSAGES),
        )


def _bytes(source: bytes | str | Path) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def _layout(
    db: Database, data: bytes, sinks: _Sinks, columns: tuple[Column, ...], kind: str
) -> Layout | None:
    """The decode, table and layout stages within the settings' limits; None when refused."""
    sink = sinks.file
    with db.cursor() as cursor:
        settings = read_settings(cursor)
    if len(data) > settings.import_max_bytes:
        sink.add("too_large", actual=file_size(len(data)), limit=file_size(settings.import_max_bytes))
        return None
    try:  # minutes and IP terms are long: an .xlsx cell may hold MAX_TEXT characters
        table = read_source(decode_upload(data, settings.import_max_rows, MAX_TEXT), settings.import_max_rows)
    except (DecodeError, TooManyRows) as error:
        refuse_reading(sink, error)
        return None
    if not table.rows:
        sink.add("empty_file")
        return None
    expected = t(f"partnerships_import.expected_{kind}", sink.lang)
    japanese = {c.name: JAPANESE[c.name] for c in columns}
    layout = find_header(table, columns, sink, format=kind, expected=expected, japanese=japanese)
    if layout is not None and not files.check_lengths(layout.table, columns, sink):
        return None
    return layout


def _result(status: str, layout: Layout | None, errors: list[ValidationError]) -> PartnershipImport:
    result = PartnershipImport(status, errors=sorted_errors(errors))
    if layout is None:
        return result
    table = layout.table
    known = names(*(AGREEMENT_COLUMNS if layout.format == "agreements" else MEETING_COLUMNS))
    ignored = [label for h, label in zip(table.header, table.labels, strict=True) if h and h not in known]
    return replace(result, rows=len(table.rows), header_row=table.header_row, skipped_rows=layout.skipped,
                   ignored_columns=ignored)  # fmt: skip


def _rule_errors(sinks: _Sinks, check: Callable[[ErrorSink], None]) -> None:
    """The rules' errors, less those about a cell whose reading already failed (a date that could
    not be read is not also "required")."""
    read = {(e.row, e.column) for e in sinks.file.errors}
    rules = ErrorSink(sinks.rules.lang, column_labels=sinks.rules.column_labels, messages=MESSAGES)
    check(rules)
    sinks.rules.errors.extend(e for e in rules.errors if (e.row, e.column) not in read)


def _plain(value: Any) -> Any:
    """A value as compared: dates as dates, lists and structs as tuples, blanks as None."""
    if hasattr(value, "tolist") and not isinstance(value, pd.Timestamp):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value) or None
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    if isinstance(value, datetime):
        return value.date()
    if value is None or value is pd.NaT or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _unchanged(record: Record, before: Record, columns: tuple[str, ...]) -> bool:
    return all(_plain(record.get(c)) == _plain(before.get(c)) for c in columns if c not in NOT_COMPARED)


@dataclass
class _Plan:
    rows: list[Record] = field(default_factory=list)
    created: int = 0
    revised: int = 0
    unchanged: int = 0


def _revision(plan: _Plan, record: Record, lang: str, file_name: str) -> None:
    if not record["reason"]:
        record["reason"] = t("partnerships_import.default_reason", lang, file=file_name)
    plan.rows.append(record)
    plan.revised += 1


def _run(
    db: Database,
    decide: Callable[[duckdb.DuckDBPyConnection], _Plan],
    table: str,
    actor: Actor,
    dry_run: bool,
    now: datetime | None,
) -> _Plan:
    if dry_run:  # the same decisions and access checks, nothing written
        with db.cursor() as cursor:
            return decide(cursor)

    def work(cursor: duckdb.DuckDBPyConnection) -> _Plan:
        plan = decide(cursor)
        store.append_versions(cursor, table, plan.rows, actor=actor.username, now=now or datetime.now())
        return plan

    with write_lock(db):  # one import at a time per database file, as KPI files
        return db.write(work)


def _finish(plan: _Plan, layout: Layout, count: int, dry_run: bool) -> PartnershipImport:
    result = _result("valid" if dry_run else "imported", layout, [])
    return replace(
        result, records=count, created=plan.created, revised=plan.revised, unchanged=plan.unchanged
    )


def import_agreements(
    db: Database,
    source: bytes | str | Path,
    file_name: str,
    *,
    actor: Actor,
    lang: str,
    today: date,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PartnershipImport:
    """An agreements file: one agreement per row, by its 契約番号. Leads (for their projects, or
    agreements their organization is a party to) and administrators; Forbidden for anyone else
    and for a row the actor may not change, with nothing written."""
    require_role(actor, Role.LEAD)
    sinks = _Sinks.new(lang, AGREEMENT_COLUMNS)
    layout = _layout(db, _bytes(source), sinks, AGREEMENT_COLUMNS, "agreements")
    if layout is None:
        return _result("rejected", layout, sinks.file.errors)
    with db.cursor() as cursor:
        fy_start, refs = read_settings(cursor).fiscal_year_start_month, references(cursor)
    rows = files.parse_agreements(layout, sinks.file, fy_start)

    def check(sink: ErrorSink) -> None:
        for number, record in rows:
            check_agreement(record, refs, sink, today=today, row=number)

    _rule_errors(sinks, check)
    first: dict[str, int] = {}
    for number, record in rows:
        code = record["agreement_code"]
        if code and code in first:
            what = t("partnerships_import.what_agreement", lang, code=code)
            sinks.rules.add("duplicate", number, "agreement_code", what=what, other=first[code])
        first.setdefault(code or "", number)
    if not rows and not sinks.file.errors:
        sinks.file.add("empty_file")
    if sinks.file.errors:
        return _result("rejected", layout, sinks.file.errors)

    def decide(cursor: duckdb.DuckDBPyConnection) -> _Plan:
        plan = _Plan()
        current = {r["agreement_code"]: r for r in records(store.current_agreements(cursor))}
        latest = store.latest_versions(cursor, "agreement_versions", first)
        for _number, record in rows:
            code = record["agreement_code"]
            require_agreement_writer(cursor, actor, record["project_code"], record["parties"])
            before = current.get(code)
            if before is None and code in latest:  # withdrawn: recorded again as its next version
                before = records(store.versions_of(cursor, "agreement_versions", code))[-1]
            if before is None:
                plan.rows.append(record)
                plan.created += 1
                continue
            require_agreement_writer(cursor, actor, before["project_code"], before["parties"] or [])
            if code in current and _unchanged(record, before, store.AGREEMENT_COLUMNS):
                plan.unchanged += 1
            else:
                _revision(plan, record, lang, file_name)
        return plan

    plan = _run(db, decide, "agreement_versions", actor, dry_run, now)
    return _finish(plan, layout, len(rows), dry_run)


def _check_meetings(meetings: list[MeetingRows], refs: References, sink: ErrorSink) -> None:
    """Each meeting on its first row; each action item on its own row, named by its column."""
    for meeting in meetings:
        check_meeting({**meeting.record, "action_items": []}, refs, sink, row=meeting.row)
        held_on = meeting.record["held_on"]
        items = zip(meeting.record["action_items"], meeting.item_rows, strict=True)
        for number, (item, row) in enumerate(items, 1):
            found = ErrorSink(sink.lang, column_labels=sink.column_labels, messages=MESSAGES)
            check_action_item(item, number, refs, found, row, held_on)
            sink.errors += [replace(e, column=ITEM_COLUMNS.get(e.code, "action_owner")) for e in found.errors]


def import_meetings(
    db: Database,
    source: bytes | str | Path,
    file_name: str,
    *,
    actor: Actor,
    lang: str,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PartnershipImport:
    """A meetings file: a meeting per project, day and type, an action item per row. A project's
    lead or partner adds meetings, only its lead (or an administrator) changes recorded ones."""
    require_role(actor, Role.LEAD, Role.PARTNER)
    sinks = _Sinks.new(lang, MEETING_COLUMNS)
    layout = _layout(db, _bytes(source), sinks, MEETING_COLUMNS, "meetings")
    if layout is None:
        return _result("rejected", layout, sinks.file.errors)
    with db.cursor() as cursor:
        fy_start, refs = read_settings(cursor).fiscal_year_start_month, references(cursor)
    meetings = files.parse_meetings(layout, sinks.file, fy_start)
    _rule_errors(sinks, lambda sink: _check_meetings(meetings, refs, sink))
    if not meetings and not sinks.file.errors:
        sinks.file.add("empty_file")
    if sinks.file.errors:
        return _result("rejected", layout, sinks.file.errors)
    found = [
        {"meeting_code": meeting_code(r["project_code"], r["held_on"], r["kind"]), **r}
        for r in (m.record for m in meetings)
    ]

    def decide(cursor: duckdb.DuckDBPyConnection) -> _Plan:
        plan = _Plan()
        current = {r["meeting_code"]: r for r in records(store.current_meetings(cursor))}
        latest = store.latest_versions(cursor, "meeting_versions", [r["meeting_code"] for r in found])
        for record in found:
            require_meeting_adder(cursor, actor, record["project_code"])
            before = current.get(record["meeting_code"])
            if before is not None and _unchanged(record, before, store.MEETING_COLUMNS):
                plan.unchanged += 1
            elif before is not None:
                require_writer(cursor, actor, [before["project_code"]])
                _revision(plan, record, lang, file_name)
            elif record["meeting_code"] in latest:  # withdrawn: recorded again, as the page allows
                _revision(plan, record, lang, file_name)
            else:
                plan.rows.append(record)
                plan.created += 1
        return plan

    plan = _run(db, decide, "meeting_versions", actor, dry_run, now)
    return _finish(plan, layout, len(found), dry_run)
