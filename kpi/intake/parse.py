"""The records stage (SPEC section 4): a located layout → candidate report rows (Parsed), in
the long, wide or year-table format.

The layout (header row, rows skipped) comes from layout.py and the cells' lengths were checked by
cell_limits.py; cells are interpreted here (numbers, periods, codes, kpi/intake/cells.py) and
every cell error is collected with its spreadsheet row and canonical column. The long format of a
CSV is read column-wise (columnar.py), the year table by year_table.py: the stage's readers.
Checks against the registry are the next stage, validate.py.
"""

from __future__ import annotations

import pandas as pd

from kpi.intake.cells import CellCache, PeriodCell, code
from kpi.intake.columnar import parse_long_columns
from kpi.intake.columns import (
    LONG_COLUMNS,
    OFFICER_COLUMNS,
    WIDE_FIXED,
    KpiHeader,
    Parsed,
    SkippedRow,
    ignored_columns,
    names,
    rows_frame,
)
from kpi.intake.layout import Layout
from kpi.intake.raw import RawTable, normalize_header
from kpi.intake.rows import CellReader, ErrorSink, fixed_columns
from kpi.intake.year_table import parse_year_table

__all__ = ["KpiHeader", "Parsed", "SkippedRow", "fixed_columns", "read_records", "unread"]


def unread(layout: Layout) -> Parsed:
    """A layout whose cells are not read (a cell too long): how the file was read, no rows."""
    table = layout.table
    return Parsed(layout.format, rows_frame([]), len(table.rows), table.header_row, layout.skipped)


def read_records(
    layout: Layout,
    *,
    uploader: str,
    kpis: list[KpiHeader],
    sink: ErrorSink,
    fy_start: int = 4,
    project_code: str | None = None,
) -> Parsed:
    """The records stage: the rows of a located layout whose cells' lengths were checked; no rows
    when the header lacks a column (errors in sink)."""
    table = layout.table
    if layout.format == "year_table":
        parsed = parse_year_table(table, uploader, sink, fy_start, project_code)
    elif layout.format == "long":
        parsed = _parse_long(table, uploader, sink, fy_start, project_code)
    else:
        parsed = _parse_wide(table, uploader, kpis, sink, fy_start, project_code)
    if parsed is None:  # the header was found but lacks a column: say how the file was read
        return Parsed(layout.format, rows_frame([]), len(table.rows), table.header_row, layout.skipped)
    rows, not_reported, ignored = parsed
    return Parsed(layout.format, rows, len(table.rows), table.header_row, layout.skipped, ignored,
                  not_reported)  # fmt: skip


Rows = tuple[pd.DataFrame, int, list[str]]  # rows, not-reported count, ignored columns


def _parse_long(
    table: RawTable, uploader: str, sink: ErrorSink, fy_start: int, project_code: str | None
) -> Rows | None:
    cells = fixed_columns(table, LONG_COLUMNS, sink, project_code)
    if cells is None:
        return None
    ignored = ignored_columns(table, names(*LONG_COLUMNS))
    if table.frame is not None:
        rows, not_reported = parse_long_columns(table, cells, uploader, fy_start, project_code)
        return rows, not_reported, ignored
    cache = CellCache(fy_start)
    out: list[tuple[object, ...]] = []
    not_reported = 0
    for row, raw_cells in table.rows:
        raw_value = cells.raw(raw_cells, "value")
        reading = cache.value(raw_value) if raw_value is not None else None
        if reading is not None and reading.not_reported:
            not_reported += 1  # 「－」: the row says nothing, so nothing in it is checked
            continue
        project = _code(cells, row, raw_cells, "project_code", project_code)
        kpi = _code(cells, row, raw_cells, "kpi_code", None)
        period = _period(cells, cache, row, raw_cells, "period_end")
        if reading is None or (reading.value is None and reading.problem is None):
            sink.add("missing_value", row, "value")
        elif reading.problem is not None:
            error_code, context = reading.problem
            sink.add(error_code, row, "value", **context)
        organization = _code(cells, row, raw_cells, "organization_code", uploader)
        note = cells.text(row, raw_cells, "note", required=False) or ""
        if (
            reading is not None
            and reading.value is not None
            and period is not None
            and None not in (project, kpi)
        ):
            written = raw_value if reading.unit is not None else None
            out.append((row, project, kpi, period.day, organization, reading.value, note, "value",
                        "period_end", reading.unit, written, period.kind, period.written))  # fmt: skip
    return rows_frame(out), not_reported, ignored


def _code(cells: CellReader, row: int, raw_cells: list[object], name: str, default: str | None) -> str | None:
    if default is not None and not cells.has(name):
        return default
    text = cells.text(row, raw_cells, name, required=default is None)
    return code(text) if text else default


def _period(
    cells: CellReader, cache: CellCache, row: int, raw_cells: list[object], name: str
) -> PeriodCell | None:
    """The period cell of a row; None (and the error) when blank or unreadable."""
    raw = cells.raw(raw_cells, name)
    if raw is None:
        cells.sink.add("missing_value", row, name)
        return None
    period = cache.period(raw)
    if period.problem is not None:
        cells.sink.add(period.problem[0], row, name, **period.problem[1])
        return None
    return period


def _wide_kpi_columns(table: RawTable, kpis: list[KpiHeader], sink: ErrorSink) -> dict[int, str]:
    """Header position → KPI code, by code or Japanese name; unknown headers are unknown_kpi."""
    by_header = {normalize_header(k.kpi_code): k.kpi_code for k in kpis}
    by_header.update({normalize_header(k.name_ja): k.kpi_code for k in kpis})
    fixed = names(*WIDE_FIXED)
    columns: dict[int, str] = {}
    for position, (header, label) in enumerate(zip(table.header, table.labels, strict=True)):
        if header in fixed or header in OFFICER_COLUMNS or header == "":
            continue
        if header in by_header:
            columns[position] = by_header[header]
            if header != normalize_header(by_header[header]):  # a Japanese name: messages show it
                sink.column_labels[by_header[header]] = label
        else:
            sink.add("unknown_kpi", table.header_row, label, code=label)
    return columns


def _parse_wide(
    table: RawTable, uploader: str, kpis: list[KpiHeader], sink: ErrorSink, fy_start: int,
    project_code: str | None,
) -> Rows | None:  # fmt: skip
    kpi_columns = _wide_kpi_columns(table, kpis, sink)
    cells = fixed_columns(table, WIDE_FIXED, sink, project_code)
    if cells is None:
        return None
    ignored = ignored_columns(table, names(*WIDE_FIXED))
    cache = CellCache(fy_start)
    out: list[tuple[object, ...]] = []
    not_reported = 0
    for row, raw_cells in table.rows:
        project = _code(cells, row, raw_cells, "project_code", project_code)
        period = _period(cells, cache, row, raw_cells, "period_end")
        organization = _code(cells, row, raw_cells, "organization_code", uploader)
        note = cells.text(row, raw_cells, "note", required=False) or ""
        for position, kpi in kpi_columns.items():
            raw = raw_cells[position] if position < len(raw_cells) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                not_reported += 1  # an empty cell in wide format means "not reported"
                continue
            reading = cache.value(raw)
            if reading.not_reported:
                not_reported += 1
                continue
            if reading.problem is not None:
                sink.add(reading.problem[0], row, kpi, **reading.problem[1])
            elif project is not None and period is not None:
                written = raw if reading.unit is not None else None
                out.append((row, project, kpi, period.day, organization, reading.value, note, kpi,
                            "period_end", reading.unit, written, period.kind, period.written))  # fmt: skip
    return rows_frame(out), not_reported, ignored
