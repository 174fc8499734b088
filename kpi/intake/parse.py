"""Partner files → candidate report rows (SPEC section 4), long or wide format.

Cells are interpreted here (numbers, dates, codes) and every cell error is collected with its
spreadsheet row and canonical column; checks against the registry live in validate.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from kpi.intake.rows import CellReader, Column, ErrorSink, FrameColumn
from kpi.intake.table import RawTable, normalize_header
from kpi.values import to_date, to_number

PROJECT = Column("project_code", ("プロジェクトコード",))
KPI = Column("kpi_code", ("KPIコード", "指標コード"))
PERIOD = Column("period_end", ("期末日", "対象期間末日"))
VALUE = Column("value", ("実績値", "値"))
ORGANIZATION = Column("organization_code", ("機関コード", "報告機関コード"), required=False)
NOTE = Column("note", ("備考",), required=False)
# Columns people add for themselves (our templates do) that carry no data.
IGNORED = {
    normalize_header(name) for name in ("project_name", "プロジェクト名", "organization_name", "機関名")
}

LONG_COLUMNS = (PROJECT, KPI, PERIOD, VALUE, ORGANIZATION, NOTE)
WIDE_FIXED = (PROJECT, PERIOD, ORGANIZATION, NOTE)

# Column contract of parsed rows: one per reported value.
ROW_COLUMNS = [
    "row",
    "project_code",
    "kpi_code",
    "period_end",
    "organization_code",
    "value",
    "note",
    "column",
]


@dataclass(frozen=True)
class KpiHeader:
    kpi_code: str
    name_ja: str


@dataclass
class Parsed:
    format: str  # "long" or "wide"
    rows: pd.DataFrame  # ROW_COLUMNS; rows with a cell error are left out
    data_rows: int  # the file's data rows (blank lines skipped)


def _is_long(table: RawTable) -> bool:
    header = set(table.header)
    names = {normalize_header(a) for a in (KPI.name, *KPI.aliases, VALUE.name, *VALUE.aliases)}
    return bool(header & names)


class _Reader:
    """Cached cell parsing: a file repeats the same dates and codes thousands of times."""

    def __init__(self, cells: CellReader, fy_start: int) -> None:
        self.cells = cells
        self.fy_start = fy_start
        self._dates: dict[object, date | ValueError | None] = {}

    def day(self, row: int, cells: list[object], name: str) -> date | None:
        raw = self.cells.raw(cells, name)
        if raw is None:
            self.cells.sink.add("missing_value", row, name)
            return None
        key = raw if isinstance(raw, str) else repr(raw)
        if key not in self._dates:
            try:
                self._dates[key] = to_date(raw, self.fy_start)
            except ValueError as error:
                self._dates[key] = error
        parsed = self._dates[key]
        if isinstance(parsed, ValueError):
            self.cells.sink.add("invalid_date", row, name, value=raw)
            return None
        return parsed

    def number(self, row: int, raw: object, column: str) -> float | None:
        try:
            return to_number(raw)
        except ValueError:
            self.cells.sink.add("invalid_number", row, column, value=raw)
            return None


def parse_table(
    table: RawTable,
    *,
    uploader: str,
    kpis: Iterable[KpiHeader],
    sink: ErrorSink,
    fy_start: int = 4,
) -> Parsed | None:
    """Rows of a long or wide file; None when the header itself is unusable (errors in sink)."""
    if _is_long(table):
        return _parse_long(table, uploader, sink, fy_start)
    return _parse_wide(table, uploader, list(kpis), sink, fy_start)


def _parse_long(table: RawTable, uploader: str, sink: ErrorSink, fy_start: int) -> Parsed | None:
    cells = CellReader(table, LONG_COLUMNS, sink)
    if cells.report_missing_columns():
        return None
    if table.frame is not None:
        return _parse_long_columns(table, cells, uploader, fy_start)
    reader = _Reader(cells, fy_start)
    out: list[tuple[object, ...]] = []
    for row, raw_cells in table.rows:
        project = cells.text(row, raw_cells, "project_code", required=True)
        kpi = cells.text(row, raw_cells, "kpi_code", required=True)
        period = reader.day(row, raw_cells, "period_end")
        raw_value = cells.raw(raw_cells, "value")
        if raw_value is None:
            sink.add("missing_value", row, "value")
            value = None
        else:
            value = reader.number(row, raw_value, "value")
        organization = cells.text(row, raw_cells, "organization_code", required=False) or uploader
        note = cells.text(row, raw_cells, "note", required=False) or ""
        if None not in (project, kpi, period, value):
            out.append((row, project, kpi, period, organization, value, note, "value"))
    return Parsed("long", pd.DataFrame(out, columns=ROW_COLUMNS), len(table.rows))


def _wide_kpi_columns(table: RawTable, kpis: list[KpiHeader], sink: ErrorSink) -> dict[int, str] | None:
    """Header position → KPI code, by code or Japanese name; unknown headers are unknown_kpi."""
    by_header = {normalize_header(k.kpi_code): k.kpi_code for k in kpis}
    by_header.update({normalize_header(k.name_ja): k.kpi_code for k in kpis})
    fixed = {normalize_header(a) for c in WIDE_FIXED for a in (c.name, *c.aliases)}
    columns: dict[int, str] = {}
    for position, header in enumerate(table.header):
        if header in fixed or header in IGNORED or header == "":
            continue
        if header in by_header:
            columns[position] = by_header[header]
            if header != normalize_header(by_header[header]):  # a Japanese name: messages show it
                sink.column_labels[by_header[header]] = header
        else:
            sink.add("unknown_kpi", 1, header, code=header)
    return columns


def _parse_wide(
    table: RawTable, uploader: str, kpis: list[KpiHeader], sink: ErrorSink, fy_start: int
) -> Parsed | None:
    cells = CellReader(table, WIDE_FIXED, sink)
    missing = cells.report_missing_columns()
    kpi_columns = _wide_kpi_columns(table, kpis, sink)
    if not kpi_columns and not missing:
        # Neither a long header nor any KPI column: say what a long file needs.
        for column in (KPI.name, VALUE.name):
            sink.add("missing_column", None, column)
        return None
    if missing or kpi_columns is None:
        return None
    reader = _Reader(cells, fy_start)
    out: list[tuple[object, ...]] = []
    for row, raw_cells in table.rows:
        project = cells.text(row, raw_cells, "project_code", required=True)
        period = reader.day(row, raw_cells, "period_end")
        organization = cells.text(row, raw_cells, "organization_code", required=False) or uploader
        note = cells.text(row, raw_cells, "note", required=False) or ""
        for position, kpi in kpi_columns.items():
            raw = raw_cells[position] if position < len(raw_cells) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue  # an empty cell in wide format means "not reported"
            value = reader.number(row, raw, kpi)
            if None not in (project, period, value):
                out.append((row, project, kpi, period, organization, value, note, kpi))
    return Parsed("wide", pd.DataFrame(out, columns=ROW_COLUMNS), len(table.rows))


class _ColumnErrors:
    """Cell errors found column by column, handed to the sink in the order the row-by-row
    reading finds them (row, then column), so both readings report identically."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows  # spreadsheet row number per frame position
        self.found: list[tuple[int, int, str, str, dict[str, object]]] = []

    def add(self, column: FrameColumn, bad: dict[int, tuple[str, dict[str, object]]], order: int,
            name: str) -> None:  # fmt: skip
        """One error per row whose distinct cell is in `bad` (entry → error code and context)."""
        if not bad:
            return
        flagged = np.zeros(len(column.raws), dtype=bool)
        flagged[list(bad)] = True
        for position in np.flatnonzero(flagged[column.codes]).tolist():
            code, context = bad[int(column.codes[position])]
            self.found.append((position, order, code, name, context))

    def flush(self, sink: ErrorSink) -> None:
        for position, _order, code, column, context in sorted(self.found, key=lambda e: e[:2]):
            sink.add(code, int(self.rows[position]), column, **context)


def _objects(items: list[object], codes: np.ndarray) -> np.ndarray:
    entries = np.empty(len(items), dtype=object)
    entries[:] = items
    return entries[codes]


def _object_column(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype=object)


def _texts(column: FrameColumn, errors: _ColumnErrors | None, order: int, name: str) -> np.ndarray:
    """Per row: the cell as CellReader.text reads it; None when blank (missing_value if required)."""
    if errors is not None:
        blank: dict[int, tuple[str, dict[str, object]]] = {
            i: ("missing_value", {}) for i, raw in enumerate(column.raws) if raw is None
        }
        errors.add(column, blank, order, name)
    return _objects(list(column.raws), column.codes)


def _days(column: FrameColumn, errors: _ColumnErrors, order: int, fy_start: int) -> np.ndarray:
    days: list[object] = []
    bad: dict[int, tuple[str, dict[str, object]]] = {}
    for index, raw in enumerate(column.raws):
        day = None
        if raw is None:
            bad[index] = ("missing_value", {})
        else:
            try:
                day = to_date(raw, fy_start)
            except ValueError:
                bad[index] = ("invalid_date", {"value": raw})
        days.append(day)
    errors.add(column, bad, order, PERIOD.name)
    return _objects(days, column.codes)


def _numbers(column: FrameColumn, errors: _ColumnErrors, order: int) -> np.ndarray:
    """Per row: the value; NaN where the cell is missing or not a number (errors reported)."""
    values, odd = column.numbers()
    bad: dict[int, tuple[str, dict[str, object]]] = {}
    for index in odd:  # blank, full-width, spaces or invalid: the one definition in kpi/values.py
        raw = column.raws[index]
        number = None
        if raw is None:
            bad[index] = ("missing_value", {})
        else:
            try:
                number = to_number(raw)
            except ValueError:
                bad[index] = ("invalid_number", {"value": raw})
        values[index] = np.nan if number is None else number
    errors.add(column, bad, order, VALUE.name)
    return values[column.codes]


def _parse_long_columns(table: RawTable, cells: CellReader, uploader: str, fy_start: int) -> Parsed:
    """_parse_long for a CSV read column-wise: each distinct cell text is interpreted once."""
    assert table.frame is not None
    rows = table.frame.index.to_numpy()
    errors = _ColumnErrors(rows)

    def column(name: str) -> FrameColumn:
        return FrameColumn.read(table, cells.index.get(name))

    project = _texts(column(PROJECT.name), errors, 0, PROJECT.name)
    kpi = _texts(column(KPI.name), errors, 1, KPI.name)
    period = _days(column(PERIOD.name), errors, 2, fy_start)
    value = _numbers(column(VALUE.name), errors, 3)
    organization = _texts(column(ORGANIZATION.name), None, 4, ORGANIZATION.name)
    note = _texts(column(NOTE.name), None, 5, NOTE.name)
    errors.flush(cells.sink)
    keep = (project != None) & (kpi != None) & (period != None) & ~np.isnan(value)  # noqa: E711
    if not keep.any():
        return Parsed("long", pd.DataFrame([], columns=ROW_COLUMNS), len(rows))
    organization = np.where(organization == None, uploader, organization)  # noqa: E711
    note = np.where(note == None, "", note)  # noqa: E711
    # Codes stay object columns (Python str): validate.py zips and hashes them, several times
    # faster than through pandas' Arrow-backed strings.
    out = pd.DataFrame({
        "row": rows[keep].astype(np.int64), "project_code": _object_column(project[keep]),
        "kpi_code": _object_column(kpi[keep]), "period_end": _object_column(period[keep]),
        "organization_code": _object_column(organization[keep]), "value": value[keep],
        "note": _object_column(note[keep]), "column": VALUE.name,
    })  # fmt: skip
    out["column"] = out["column"].astype(object)
    return Parsed("long", out, len(rows))
