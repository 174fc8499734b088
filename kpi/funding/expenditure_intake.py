"""Importing a partner's expenditure file end to end, as KPI files are imported (SPEC sections 4, 7).

The same stages as kpi/intake/service.py, with their own pieces where the file differs: decode and
table (read_upload: BOM → UTF-8 → CP932, .xlsx, the size and row limits), layout (find_header: the
header among the first 10 rows, title, 単位 and 合計 rows read past and listed), cell lengths, the
rows (kpi/funding/expenditure_files.py), then the checks here against the registry: the award (known,
of a project the uploading organization takes part in, neither rejected nor withdrawn), the date
(not after today) and the same payment twice. All or nothing; the same bytes again are a
`duplicate`; changed amounts are new versions; a batch is rolled back by kpi.intake.service's
rollback_import, which hands an expenditure batch to kpi/storage/expenditures.py.

Not checked here (the funding checks flag them with the rows behind them): a 費目 the programme
does not allow, spending before the decision or outside the award period.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import duckdb
import pandas as pd

from kpi.access import Actor, require_organization
from kpi.funding.expenditure_files import (
    CANONICAL,
    COLUMNS,
    FORMAT,
    JAPANESE,
    MESSAGES,
    NOTES,
    ExpenditureRows,
    read_expenditures,
)
from kpi.i18n import t
from kpi.intake.cell_limits import check_cell_lengths
from kpi.intake.cells import code
from kpi.intake.columns import Parsed
from kpi.intake.layout import find_header
from kpi.intake.rows import ErrorSink
from kpi.intake.service import (
    ImportResult,
    ImportUsageError,
    file_size,
    read_upload,
    sorted_errors,
    write_lock,
)
from kpi.intake.validate import name_headers
from kpi.storage import Database
from kpi.storage.actuals import WriteCounts
from kpi.storage.batches import imported_batch_with_hash, next_batch_id
from kpi.storage.expenditures import (
    CLOSED_STAGES,
    INCOMING_COLUMNS,
    KIND,
    ExpenditureFacts,
    expenditure_facts,
    preview_expenditures,
    write_expenditure_batch,
)
from kpi.storage.registry import read_settings


def _parsed(read: ExpenditureRows) -> Parsed:
    """The file's facts in the shape ImportResult takes them (the JSON of `import`)."""
    return Parsed(
        FORMAT, read.rows, read.data_rows, read.header_row, read.skipped, read.ignored, read.not_reported
    )


def check_expenditures(
    rows: pd.DataFrame, facts: ExpenditureFacts, *, uploader: str, sink: ErrorSink
) -> pd.DataFrame:
    """Rows read from a file × the registry: every problem to `sink` (the award of every row that
    names one; the same payment twice among the rows read whole); the rows to write
    (INCOMING_COLUMNS, award numbers as registered) when there is none."""
    stored = {code(number): number for number in facts["awards"]}
    out: list[dict[str, object]] = []
    first: dict[tuple[object, ...], tuple[int, int]] = {}  # key → (row, amount) where it came first
    for record in rows.to_dict("records"):
        row, written = int(record["row"]), record["award_written"]
        number = None if written is None else stored.get(code(str(written)))
        if written is not None and number is None:
            sink.add("unknown_award", row, "award_number", value=written)
        if number is not None:
            project, stage = facts["awards"][number]
            if stage in CLOSED_STAGES:
                sink.add("closed_award", row, "award_number", variant=stage, award=number)
            elif (project, uploader) not in facts["partners"]:
                sink.add(
                    "not_a_partner", row, "award_number", award=number, project=project, organization=uploader
                )
        if number is None or not record["complete"]:
            continue
        key = (number, record["category_code"], record["paid_on"], record["evidence"])
        amount = int(record["amount"])
        if key in first:  # the same payment twice in one file: which row is meant is a guess
            earlier, earlier_amount = first[key]
            variant = "same" if amount == earlier_amount else None
            sink.add(
                "duplicate_row",
                row,
                "evidence",
                variant=variant,
                first=earlier,
                amount=f"{amount:,}",
                first_amount=f"{earlier_amount:,}",
            )
            continue
        first[key] = (row, amount)
        out.append(
            {
                "award_number": number,
                "category_code": record["category_code"],
                "organization_code": uploader,
                "paid_on": record["paid_on"],
                "evidence": record["evidence"],
                "amount": amount,
                "description": record["description"],
            }
        )
    name_headers(sink)
    return pd.DataFrame(out, columns=INCOMING_COLUMNS)


def import_expenditures(
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
) -> ImportResult:
    """Check a partner's expenditure file and, unless `dry_run`, write it as one batch (all rows or
    none). The user uploads for their own organization (administrators for any, executives never):
    checked before the file is read. ImportUsageError for an organization that is not registered."""
    require_organization(actor, organization_code)
    sink = ErrorSink(lang, messages=MESSAGES)
    digest = hashlib.sha256(data).hexdigest()
    with db.cursor() as cursor:
        settings = read_settings(cursor)
        facts = expenditure_facts(cursor)
        if organization_code not in facts["organizations"]:
            raise ImportUsageError(organization_code)
        previous = imported_batch_with_hash(cursor, digest, organization_code, kind=KIND)
    if previous is not None:
        return ImportResult("duplicate", batch_id=previous)
    if len(data) > settings.import_max_bytes:
        sink.add("too_large", actual=file_size(len(data)), limit=file_size(settings.import_max_bytes))
        return ImportResult("rejected", errors=sink.errors)
    source = read_upload(data, settings.import_max_rows, sink)
    if source is None:
        return ImportResult("rejected", errors=sink.errors)
    if not source.rows:
        sink.add("empty_file")
        return ImportResult("rejected", errors=sink.errors)
    layout = find_header(
        source, COLUMNS, sink, format=FORMAT, expected=t("funding_intake.expected", lang), japanese=JAPANESE
    )
    if layout is None:
        return ImportResult("rejected", rows=len(source.rows), errors=sorted_errors(sink.errors))
    if not check_cell_lengths(layout.table, sink, notes=NOTES, canonical=CANONICAL):
        unread = ExpenditureRows(
            pd.DataFrame(), len(layout.table.rows), layout.table.header_row, layout.skipped
        )
        return ImportResult("rejected", errors=sorted_errors(sink.errors)).with_layout(_parsed(unread))
    read = read_expenditures(
        source,
        layout,
        sink,
        categories=facts["categories"],
        fy_start=settings.fiscal_year_start_month,
        today=today,
    )
    parsed = _parsed(read)
    if read.data_rows == read.not_reported and not sink.errors:  # no payment: only a header, or 「－」 rows
        sink.add("empty_file")
    rows = check_expenditures(read.rows, facts, uploader=organization_code, sink=sink)
    if sink.errors:
        return ImportResult("rejected", errors=sorted_errors(sink.errors)).with_layout(parsed)
    if dry_run:
        with db.cursor() as cursor:
            counts, changes = preview_expenditures(cursor, rows)
        return ImportResult(
            "valid", None, read.data_rows, counts.inserted, counts.updated, counts.unchanged, changes=changes
        ).with_layout(parsed)
    now = now or datetime.now()

    def work(cursor: duckdb.DuckDBPyConnection) -> tuple[int, WriteCounts | None]:
        # Decided inside the write: the same file sent twice at once is one batch and one duplicate.
        previous = imported_batch_with_hash(cursor, digest, organization_code, kind=KIND)
        if previous is not None:
            return previous, None
        batch_id = next_batch_id(cursor)
        batch = {
            "batch_id": batch_id,
            "file_name": file_name,
            "sha256": digest,
            "organization_code": organization_code,
            "rows": read.data_rows,
        }
        return batch_id, write_expenditure_batch(cursor, rows, batch, actor=actor.username, now=now)

    with write_lock(db):  # one import at a time per database file, KPI files and expenditures alike
        batch_id, written = db.write(work)
    if written is None:
        return ImportResult("duplicate", batch_id=batch_id)
    return ImportResult(
        "imported", batch_id, read.data_rows, written.inserted, written.updated, written.unchanged
    ).with_layout(parsed)
