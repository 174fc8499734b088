"""Importing a partner file end to end: limits, decoding, parsing, validation, commit, rollback.

import_file runs the stages of kpi.intake.PIPELINE one after the other, each once: decode (bytes
→ text or a workbook's rows), table (→ RawTable), layout (→ the located header, title, 単位 and
合計 rows read past), cell_limits (cells' lengths checked), records (→ Parsed: typed cells as
candidate rows), validate (× the registry → the rows to write); then it writes them here.

All or nothing: a file with any error writes nothing and returns every error found. The same
bytes from the same organization are a `duplicate` (nothing changes); changed values become new
versions; a batch can be rolled back, which supersedes its values with the ones before it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from kpi.access import Actor, require_organization
from kpi.errors import ValidationError
from kpi.i18n import t
from kpi.intake.cell_limits import check_cell_lengths
from kpi.intake.cells import code
from kpi.intake.columns import KpiHeader, Parsed, SkippedRow
from kpi.intake.decode import DecodeError, decode_upload
from kpi.intake.known import intake_registry
from kpi.intake.layout import find_layout
from kpi.intake.limits import NOTE_CHARS
from kpi.intake.parse import read_records, unread
from kpi.intake.raw import RawTable
from kpi.intake.rows import ErrorSink, refuse_reading
from kpi.intake.table import TooManyRows, read_source
from kpi.intake.validate import validate_rows
from kpi.storage import Database
from kpi.storage.actuals import WriteCounts, preview_actuals, record_actuals
from kpi.storage.audit import write_audit
from kpi.storage.batches import (
    RollbackCounts,
    get_batch,
    imported_batch_with_hash,
    insert_batch,
    next_batch_id,
    rollback_batch,
)
from kpi.storage.expenditures import rollback_expenditure_batch
from kpi.storage.registry import read_settings
from kpi.storage.registry import read_table as read_registry_table


class ImportUsageError(ValueError):
    """The request itself is wrong (unknown uploading organization or project, unknown batch)."""

    def __init__(self, subject: str, project_code: str | None = None) -> None:
        super().__init__(subject if project_code is None else f"{subject}: project {project_code}")
        self.project_code = project_code  # set when the project named by the upload is unknown


@dataclass
class ImportResult:
    status: str  # "imported" | "duplicate" | "valid" | "rejected"
    batch_id: int | None = None
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ValidationError] = field(default_factory=list)
    changes: pd.DataFrame | None = None  # for previews: the values that would change
    format: str | None = None  # "long" | "wide" | "year_table", once a header was found
    header_row: int | None = None
    skipped_rows: list[SkippedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    not_reported: int = 0
    noted: int = 0  # of the unchanged values, those whose changed note was kept as a note revision
    checked: pd.DataFrame | None = None  # dry runs: the validated rows, for kpi.soft_checks.check_values

    def as_dict(self) -> dict[str, Any]:
        """SPEC section 5's JSON object."""
        return {
            "status": self.status, "batch_id": self.batch_id, "rows": self.rows,
            "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
            "not_reported": self.not_reported, "skipped_rows": [s.as_dict() for s in self.skipped_rows],
            "ignored_columns": self.ignored_columns, "header_row": self.header_row,
            "errors": [e.as_dict() for e in self.errors],
        }  # fmt: skip

    def with_layout(self, parsed: Parsed) -> ImportResult:
        """The facts of the file's layout, for every outcome after parsing."""
        self.format, self.header_row = parsed.format, parsed.header_row
        self.skipped_rows, self.ignored_columns = parsed.skipped, parsed.ignored
        self.not_reported, self.rows = parsed.not_reported, parsed.data_rows
        return self


def file_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


# One import writes at a time per database file in this process: DuckDB's snapshots would let two
# imports of the same new keys both insert them (two current values for one key) and both miss
# the other's batch in the duplicate check. Other processes wait for the file itself.
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(db: Database) -> threading.Lock:
    key = db.path if db.path == ":memory:" else os.path.abspath(db.path)
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.Lock())


def read_upload(data: bytes, max_rows: int, sink: ErrorSink) -> RawTable | None:
    """The decode and table stages; None with the error that refuses the file."""
    try:
        source = decode_upload(data, max_rows, NOTE_CHARS)
        return read_source(source, max_rows)
    except (DecodeError, TooManyRows) as error:  # FileRefused is a DecodeError
        refuse_reading(sink, error)
    return None


def parse_table(
    table: RawTable, *, uploader: str, kpis: list[KpiHeader], sink: ErrorSink, fy_start: int = 4,
    project_code: str | None = None,
) -> Parsed | None:  # fmt: skip
    """The layout, cell-limit and records stages, one after the other: rows of a file; None when no
    header is found, no rows when the header lacks a column or a cell is too long (errors in sink
    either way). `project_code` is the project the file is for when it has no project column."""
    layout = find_layout(table, kpis, sink, fy_start=fy_start, has_project=project_code is not None)
    if layout is None:
        return None
    if not check_cell_lengths(layout.table, sink):  # before any cell is read: a long one costs seconds
        return unread(layout)
    return read_records(layout, uploader=uploader, kpis=kpis, sink=sink, fy_start=fy_start,
                        project_code=project_code)  # fmt: skip


def import_file(
    db: Database,
    data: bytes,
    *,
    file_name: str,
    organization_code: str,
    actor: Actor,
    lang: str,
    today: date,
    dry_run: bool = False,
    now: datetime | None = None,
    project_code: str | None = None,
) -> ImportResult:
    """Check a partner's file and, unless `dry_run`, write it as one batch (all rows or none).

    `project_code` is the project a file without a project column is for (a year table kept for
    one project). The user uploads for their own organization (administrators for any): checked
    before the file is even read, so nothing of another organization's data is compared or shown."""
    require_organization(actor, organization_code)
    project_code = code(project_code) if project_code else None
    sink = ErrorSink(lang)
    # The same year table for another project is another upload: the choice is part of its identity.
    named = b"" if project_code is None else b"\0project=" + project_code.encode()
    digest = hashlib.sha256(data + named).hexdigest()
    with db.cursor() as cursor:
        settings = read_settings(cursor)
        registry = intake_registry(cursor)
        if organization_code not in registry.organizations:
            raise ImportUsageError(organization_code)
        if project_code is not None and project_code not in registry.projects:
            raise ImportUsageError(organization_code, project_code)
        previous = imported_batch_with_hash(cursor, digest, organization_code)
        kpis = read_registry_table(cursor, "kpi_definitions")
    if previous is not None:
        return ImportResult("duplicate", batch_id=previous)
    if len(data) > settings.import_max_bytes:
        sink.add("too_large", actual=file_size(len(data)), limit=file_size(settings.import_max_bytes))
        return ImportResult("rejected", errors=sink.errors)
    table = read_upload(data, settings.import_max_rows, sink)
    if table is None:
        return ImportResult("rejected", errors=sink.errors)
    if not table.rows:
        sink.add("empty_file")
        return ImportResult("rejected", errors=sink.errors)

    headers = [KpiHeader(r["kpi_code"], r["name_ja"]) for r in kpis.to_dict("records")]
    parsed = parse_table(table, uploader=organization_code, kpis=headers, sink=sink,
                    fy_start=settings.fiscal_year_start_month, project_code=project_code)  # fmt: skip
    if parsed is None:
        return ImportResult("rejected", rows=len(table.rows), errors=sorted_errors(sink.errors))
    if not parsed.data_rows and not sink.errors:  # a title and a header, nothing under them
        sink.add("empty_file")
    rows = validate_rows(parsed.rows, registry, uploader=organization_code, today=today, sink=sink)
    if sink.errors:
        return ImportResult("rejected", errors=sorted_errors(sink.errors)).with_layout(parsed)

    if dry_run:
        with db.cursor() as cursor:
            counts, changes = preview_actuals(cursor, rows)
        return ImportResult("valid", None, parsed.data_rows, counts.inserted, counts.updated,
                            counts.unchanged, changes=changes, noted=counts.noted,
                            checked=rows).with_layout(parsed)  # fmt: skip
    now = now or datetime.now()

    def work(cursor: duckdb.DuckDBPyConnection) -> tuple[int, WriteCounts | None]:
        # Decided inside the write: the same file sent twice at once is one batch and one duplicate.
        previous = imported_batch_with_hash(cursor, digest, organization_code)
        if previous is not None:
            return previous, None
        batch_id = next_batch_id(cursor)
        counts = record_actuals(
            cursor, rows, actor=actor.username, source="import", batch_id=batch_id, now=now
        )
        batch = {
            "batch_id": batch_id, "file_name": file_name, "sha256": digest,
            "organization_code": organization_code, "uploaded_by": actor.username, "uploaded_at": now,
            "rows": parsed.data_rows, "inserted": counts.inserted, "updated": counts.updated,
            "unchanged": counts.unchanged, "outcome": "imported",
        }  # fmt: skip
        insert_batch(cursor, batch)
        write_audit(cursor, actor=actor.username, action="import", entity="import_batches",
                    entity_key=str(batch_id), after=batch, at=now)  # fmt: skip
        return batch_id, counts

    with write_lock(db):
        batch_id, written = db.write(work)  # run again if a form saves the same values meanwhile
    if written is None:
        return ImportResult("duplicate", batch_id=batch_id)
    return ImportResult("imported", batch_id, parsed.data_rows, written.inserted, written.updated,
                        written.unchanged, noted=written.noted).with_layout(parsed)  # fmt: skip


def sorted_errors(errors: list[ValidationError]) -> list[ValidationError]:
    """File-level errors first, then by spreadsheet row and column, as a person reads the file.

    Identical errors are listed once: in wide format a row-level problem (unknown project, future
    period, not a partner) is found once per reported KPI cell of the row.
    """
    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=lambda e: (e.row is not None, e.row or 0, e.column or ""))


def rollback_import(
    db: Database,
    batch_id: int,
    *,
    actor: Actor,
    organization_code: str | None = None,
    now: datetime | None = None,
) -> RollbackCounts:
    """Undo a batch (only its own organization's when organization_code is given), of KPI values or
    of expenditures (its kind). The user must be allowed to upload for the batch's organization."""
    with db.transaction() as cursor:
        batch = get_batch(cursor, batch_id)
        if batch is None or (
            organization_code is not None and batch["organization_code"] != organization_code
        ):
            raise ImportUsageError(f"batch {batch_id}")
        require_organization(actor, str(batch["organization_code"]))
        if batch["rolled_back_at"] is not None:
            return RollbackCounts(restored=0, skipped=0)
        undo = rollback_expenditure_batch if batch.get("kind") == "expenditures" else rollback_batch
        return undo(cursor, batch_id, actor=actor.username, now=now or datetime.now())


def layout_lines(result: ImportResult, lang: str) -> list[str]:
    """What was read past to find the data, in the user's language: header row, skipped rows,
    ignored columns, cells not reported. Empty when the file was read as written."""
    lines: list[str] = []
    if result.header_row is not None and result.header_row != 1:
        lines.append(t("intake.header_found", lang, row=result.header_row))
    separator = t("intake.list_separator", lang)
    if result.skipped_rows:
        items = [t("intake.skipped_item", lang, rows=rows, reason=t(f"intake.skipped_reason.{reason}", lang))
                 for rows, reason in _row_ranges(result.skipped_rows)]  # fmt: skip
        lines.append(t("intake.skipped", lang, rows=separator.join(items)))
    if result.ignored_columns:
        lines.append(t("intake.ignored_columns", lang, columns=separator.join(result.ignored_columns)))
    if result.not_reported:
        lines.append(t("intake.not_reported", lang, count=f"{result.not_reported:,}"))
    if result.noted:
        lines.append(t("intake.notes_revised", lang, count=f"{result.noted:,}"))
    return lines


def _row_ranges(skipped: list[SkippedRow]) -> list[tuple[str, str]]:
    """Consecutive rows skipped for one reason as one range: ("1–2", "above_header")."""
    ranges: list[tuple[int, int, str]] = []
    for item in skipped:
        if ranges and ranges[-1][2] == item.reason and ranges[-1][1] == item.row - 1:
            ranges[-1] = (ranges[-1][0], item.row, item.reason)
        else:
            ranges.append((item.row, item.row, item.reason))
    return [(f"{a}" if a == b else f"{a}–{b}", reason) for a, b, reason in ranges]
