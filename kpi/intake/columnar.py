"""The long format of a CSV read column-wise: each distinct cell text is interpreted once.

Gives exactly what the row-by-row reading in parse.py gives (tests/test_intake_columns.py checks):
the same rows, and the same errors in the same order (row, then column).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi.intake.cells import Problem, code, read_period, read_value
from kpi.intake.columns import KPI, NOTE, ORGANIZATION, PERIOD, PROJECT, ROW_COLUMNS, VALUE
from kpi.intake.raw import RawTable
from kpi.intake.rows import CellReader, ErrorSink, FrameColumn


class _ColumnErrors:
    """Cell errors found column by column, handed to the sink in the order the row-by-row
    reading finds them (row, then column), so both readings report identically."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows  # spreadsheet row number per frame position
        self.skip = np.zeros(len(rows), dtype=bool)  # rows not reported: nothing in them is checked
        self.found: list[tuple[int, int, str, str, dict[str, object]]] = []

    def add(self, column: FrameColumn, bad: dict[int, Problem], order: int, name: str) -> None:
        """One error per row whose distinct cell is in `bad` (entry → error code and context)."""
        if not bad:
            return
        flagged = np.zeros(len(column.raws), dtype=bool)
        flagged[list(bad)] = True
        for position in np.flatnonzero(flagged[column.codes] & ~self.skip).tolist():
            error_code, context = bad[int(column.codes[position])]
            self.found.append((position, order, error_code, name, context))

    def flush(self, sink: ErrorSink) -> None:
        for position, _order, error_code, column, context in sorted(self.found, key=lambda e: e[:2]):
            sink.add(error_code, int(self.rows[position]), column, **context)


def _objects(items: list[object], codes: np.ndarray) -> np.ndarray:
    entries = np.empty(len(items), dtype=object)
    entries[:] = items
    return entries[codes]


def _codes(column: FrameColumn, errors: _ColumnErrors | None, order: int, name: str) -> np.ndarray:
    """Per row: the cell as a code (NFKC); None when blank (missing_value if required)."""
    if errors is not None:
        blank: dict[int, Problem] = {
            i: ("missing_value", {}) for i, raw in enumerate(column.raws) if raw is None
        }
        errors.add(column, blank, order, name)
    return _objects([None if raw is None else code(raw) for raw in column.raws], column.codes)


def _days(
    column: FrameColumn, errors: _ColumnErrors, order: int, fy_start: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the period's last day (None when unreadable, errors reported), its kind and text."""
    days: list[object] = []
    kinds: list[object] = []
    bad: dict[int, Problem] = {}
    for index, raw in enumerate(column.raws):
        period = read_period(raw, fy_start) if raw is not None else None
        problem = ("missing_value", {}) if period is None else period.problem
        if problem is not None:
            bad[index] = problem
        days.append(None if period is None else period.day)
        kinds.append(None if period is None else period.kind)
    errors.add(column, bad, order, PERIOD.name)
    return (
        _objects(days, column.codes),
        _objects(kinds, column.codes),
        _objects(list(column.raws), column.codes),
    )


def _values(column: FrameColumn, errors: _ColumnErrors, order: int) -> dict[str, np.ndarray]:
    """Per row: the value (NaN where missing or not a number, errors reported), the unit written
    after it and the cell as written when it had one (None mostly), and whether the row is not
    reported (「－」)."""
    values, odd = column.numbers()
    units: list[object] = [None] * len(column.raws)
    marked = np.zeros(len(column.raws), dtype=bool)
    bad: dict[int, Problem] = {}
    for index in odd:  # blank, full-width, units, ▲ or invalid: the one reading in cells.py
        raw = column.raws[index]
        reading = read_value(raw) if raw is not None else None
        if reading is not None and reading.not_reported:
            marked[index] = True
        elif reading is None or (reading.value is None and reading.problem is None):
            bad[index] = ("missing_value", {})
        elif reading.problem is not None:
            bad[index] = reading.problem
        else:
            units[index] = reading.unit
        values[index] = np.nan if reading is None or reading.value is None else reading.value
    errors.skip = marked[column.codes]
    errors.add(column, bad, order, VALUE.name)
    written: list[object] = [
        raw if unit is not None else None for raw, unit in zip(column.raws, units, strict=True)
    ]
    return {"value": values[column.codes], "unit": _objects(units, column.codes),
            "written": _objects(written, column.codes), "marked": errors.skip}  # fmt: skip


def parse_long_columns(
    table: RawTable, cells: CellReader, uploader: str, fy_start: int, project_code: str | None
) -> tuple[pd.DataFrame, int]:
    """The rows of a long CSV and the count of rows not reported."""
    assert table.frame is not None
    rows = table.frame.index.to_numpy()
    errors = _ColumnErrors(rows)

    def column(name: str) -> FrameColumn:
        return FrameColumn.read(table, cells.index.get(name))

    values = _values(column(VALUE.name), errors, 3)
    project = _codes(column(PROJECT.name), errors if project_code is None else None, 0, PROJECT.name)
    kpi = _codes(column(KPI.name), errors, 1, KPI.name)
    period, kind, period_text = _days(column(PERIOD.name), errors, 2, fy_start)
    organization = _codes(column(ORGANIZATION.name), None, 4, ORGANIZATION.name)
    notes = column(NOTE.name)
    note = _objects(list(notes.raws), notes.codes)
    errors.flush(cells.sink)
    if project_code is not None:
        project = np.where(project == None, project_code, project)  # noqa: E711
    marked = values["marked"]
    keep = (project != None) & (kpi != None) & (period != None) & ~np.isnan(values["value"]) & ~marked  # noqa: E711
    if not keep.any():
        return pd.DataFrame([], columns=ROW_COLUMNS), int(marked.sum())
    organization = np.where(organization == None, uploader, organization)  # noqa: E711
    note = np.where(note == None, "", note)  # noqa: E711

    def objects(cells: np.ndarray) -> pd.Series:
        return pd.Series(cells[keep], dtype=object)

    # Codes stay object columns (Python str): validate.py zips and hashes them, several times
    # faster than through pandas' Arrow-backed strings.
    out = pd.DataFrame({
        "row": rows[keep].astype(np.int64), "project_code": objects(project), "kpi_code": objects(kpi),
        "period_end": objects(period), "organization_code": objects(organization),
        "value": values["value"][keep], "note": objects(note), "column": VALUE.name,
        "period_column": PERIOD.name, "unit": objects(values["unit"]), "written": objects(values["written"]),
        "period_kind": objects(kind), "period_text": objects(period_text),
    })  # fmt: skip
    for name in ("column", "period_column"):
        out[name] = out[name].astype(object)
    return out[ROW_COLUMNS], int(marked.sum())
