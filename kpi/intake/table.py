"""Bytes of a CSV or .xlsx file → a header and numbered rows of raw cells.

Row numbers are what a spreadsheet shows (header = 1), counting blank lines, which are skipped.
Cells stay raw (str from CSV; str, number or datetime from .xlsx); kpi/values.py interprets them.
A CSV is split by pandas' C tokenizer into a frame of strings (`RawTable.frame`) so the intake
can work column-wise; files it refuses (ragged rows, unclosed quotes) go through csv.reader.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np
import pandas as pd

from kpi.intake.decode import decode_text, is_xlsx

Row = tuple[int, list[object]]
# Exactly the characters str.strip() removes (str.isspace), for blank-row checks done by pandas.
_BLANK_RE = "[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"


class _FrameRows(Sequence[Row]):
    """The rows of a frame-backed table, built only when someone iterates them (setup files)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def __len__(self) -> int:
        return len(self._frame)

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | Sequence[Row]:
        if isinstance(index, slice):  # only the rows asked for (the header search reads ten)
            return list(_FrameRows(self._frame.iloc[index]))
        number = int(self._frame.index[index])
        return number, list(self._frame.iloc[index])

    def __iter__(self) -> Iterator[Row]:
        for number, *cells in self._frame.itertuples(name=None):
            yield int(number), list(cells)


class RawTable:
    """A header and the data rows as (spreadsheet row number, cells), blank rows left out.

    `frame` (CSV only) holds the same rows column-wise: str cells, "" where a row was short,
    columns numbered like the header positions, index = spreadsheet row number.
    """

    def __init__(self, header: list[str], rows: Sequence[Row] | None = None,
                 frame: pd.DataFrame | None = None, header_row: int = 1,
                 labels: list[str] | None = None) -> None:  # fmt: skip
        self.header = header
        # The header cells as the file wrote them (trimmed), for messages and lists shown to people.
        self.labels = labels if labels is not None else list(header)
        self.frame = frame
        self.header_row = header_row  # the header's spreadsheet row number
        self.rows: Sequence[Row] = rows if rows is not None else (
            _FrameRows(frame) if frame is not None else [])  # fmt: skip

    def leading_rows(self, count: int) -> list[tuple[int, list[str]]]:
        """The header and the rows under it, up to `count` in all, as (row number, normalised
        cells): the candidates for the real header of a file with title rows above it."""
        found = [(self.header_row, self.header)]
        for number, cells in self.rows[: max(count - 1, 0)]:
            found.append((number, _header_cells(cells)))
        return found

    def drop_leading(self, count: int) -> RawTable:
        """The table whose header is the `count`-th data row (1 = the first), rows above left out."""
        if count <= 0:
            return self
        number, cells = self.rows[count - 1]
        header, labels = _header_cells(cells), _label_cells(cells)
        if self.frame is not None:
            return RawTable(header, frame=self.frame.iloc[count:], header_row=number, labels=labels)
        return RawTable(header, rows=list(self.rows[count:]), header_row=number, labels=labels)

    def without_rows(self, numbers: set[int]) -> RawTable:
        """The table without the data rows of these spreadsheet row numbers (unit and total rows)."""
        if not numbers:
            return self
        if self.frame is not None:
            frame = self.frame[~self.frame.index.isin(list(numbers))]
            return RawTable(self.header, frame=frame, header_row=self.header_row, labels=self.labels)
        rows = [(n, cells) for n, cells in self.rows if n not in numbers]
        return RawTable(self.header, rows=rows, header_row=self.header_row, labels=self.labels)


def normalize_header(name: object) -> str:
    """Header cells as people type them: full-width letters, stray spaces, BOM remnants."""
    text = unicodedata.normalize("NFKC", str(name or "")).strip().strip("\ufeff").strip()
    return text.lower() if text.isascii() else text


def _label_cells(cells: Sequence[object]) -> list[str]:
    labels = ["" if cell is None else str(cell).strip().strip("\ufeff").strip() for cell in cells]
    return labels[: len(_header_cells(cells))]


def _header_cells(cells: Sequence[object]) -> list[str]:
    header = [normalize_header(cell) for cell in cells]
    while header and header[-1] == "":
        header.pop()
    return header


def _is_blank(cells: Sequence[object]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def _from_rows(records: list[list[object]]) -> RawTable:
    header_index = next((i for i, cells in enumerate(records) if not _is_blank(cells)), None)
    if header_index is None:
        return RawTable(header=[], rows=[])
    rows = [
        (number + 1, cells)
        for number, cells in enumerate(records)
        if number > header_index and not _is_blank(cells)
    ]
    first = records[header_index]
    return RawTable(_header_cells(first), rows=rows, header_row=header_index + 1, labels=_label_cells(first))


class TooManyRows(ValueError):
    """More data rows than the configured limit; found before parsing the whole file."""

    def __init__(self, rows: int, limit: int) -> None:
        super().__init__(f"{rows} rows > {limit}")
        self.rows = rows
        self.limit = limit


def _read_csv_frame(text: str) -> RawTable | None:
    """The columnar reading, or None when pandas cannot split the text as csv.reader would."""
    try:
        records = pd.read_csv(io.StringIO(text), header=None, dtype=str, na_filter=False,
                              skip_blank_lines=False, engine="c")  # fmt: skip
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    # A row is blank when every cell is; only rows whose first cell is blank need the full check.
    blank = np.array(records[0].str.fullmatch(_BLANK_RE), dtype=bool)
    for position in range(1, records.shape[1]):
        if not blank.any():
            break
        column = records[position]
        blank[blank] = column[blank].str.fullmatch(_BLANK_RE).to_numpy(dtype=bool)
    filled = np.flatnonzero(~blank)
    if len(filled) == 0:
        return RawTable(header=[], rows=[])
    header_index = int(filled[0])
    data = filled[1:]
    frame = records.iloc[data]
    frame.index = pd.Index(data + 1, dtype="int64")  # record i is spreadsheet row i + 1
    first = list(records.iloc[header_index])
    labels = _label_cells(first)
    return RawTable(_header_cells(first), frame=frame, header_row=header_index + 1, labels=labels)


def read_csv_text(text: str) -> RawTable:
    table = _read_csv_frame(text)
    if table is not None:
        return table
    records: list[list[object]] = [list(cells) for cells in csv.reader(io.StringIO(text, newline=""))]
    return _from_rows(records)


def read_xlsx(data: bytes, max_rows: int | None = None) -> RawTable:
    """The first sheet as Excel shows it (kpi/intake/xlsx.py: percent cells as 52.2%, dates,
    cached formula values, merged cells once)."""
    from kpi.intake.xlsx import read_xlsx_records  # imported late: only .xlsx uploads pay for openpyxl

    return _from_rows(read_xlsx_records(data, max_rows))


def read_table(data: bytes, max_rows: int | None = None) -> RawTable:
    """Decode and split a file; raises DecodeError for undecodable text, TooManyRows past max_rows.

    The row limit is checked before the cells are parsed: from the sheet's declared size for
    .xlsx, from the count of non-blank lines (header excluded) for CSV.
    """
    if is_xlsx(data):
        table = read_xlsx(data, max_rows)
    else:
        text = decode_text(data)
        if max_rows is not None:
            lines = text.splitlines()
            # Counting the non-blank ones is a Python loop: only needed when all lines might be too many.
            if len(lines) - 1 > max_rows:
                count = sum(1 for line in lines if line.strip(" \t,\ufeff"))
                if count - 1 > max_rows:
                    raise TooManyRows(count - 1, max_rows)
        table = read_csv_text(text)
    if max_rows is not None and len(table.rows) > max_rows:
        raise TooManyRows(len(table.rows), max_rows)
    return table
