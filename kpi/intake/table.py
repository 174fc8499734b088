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

from kpi.intake.decode import DecodeError, decode_text, is_xlsx

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
        if isinstance(index, slice):
            return list(self)[index]
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
                 frame: pd.DataFrame | None = None) -> None:  # fmt: skip
        self.header = header
        self.frame = frame
        self.rows: Sequence[Row] = rows if rows is not None else (
            _FrameRows(frame) if frame is not None else [])  # fmt: skip


def normalize_header(name: object) -> str:
    """Header cells as people type them: full-width letters, stray spaces, BOM remnants."""
    text = unicodedata.normalize("NFKC", str(name or "")).strip().strip("\ufeff").strip()
    return text.lower() if text.isascii() else text


def _is_blank(cells: Sequence[object]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def _from_rows(records: list[list[object]]) -> RawTable:
    header_index = next((i for i, cells in enumerate(records) if not _is_blank(cells)), None)
    if header_index is None:
        return RawTable(header=[], rows=[])
    header = [normalize_header(cell) for cell in records[header_index]]
    while header and header[-1] == "":
        header.pop()
    rows = [
        (number + 1, cells)
        for number, cells in enumerate(records)
        if number > header_index and not _is_blank(cells)
    ]
    return RawTable(header=header, rows=rows)


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
    header = [normalize_header(cell) for cell in records.iloc[header_index]]
    while header and header[-1] == "":
        header.pop()
    data = filled[1:]
    frame = records.iloc[data]
    frame.index = pd.Index(data + 1, dtype="int64")  # record i is spreadsheet row i + 1
    return RawTable(header=header, frame=frame)


def read_csv_text(text: str) -> RawTable:
    table = _read_csv_frame(text)
    if table is not None:
        return table
    records: list[list[object]] = [list(cells) for cells in csv.reader(io.StringIO(text, newline=""))]
    return _from_rows(records)


def read_xlsx(data: bytes, max_rows: int | None = None) -> RawTable:
    from openpyxl import load_workbook  # imported late: only .xlsx uploads pay for it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            declared = sheet.max_row or 0  # from the sheet's dimension record, before reading cells
            if max_rows is not None and declared - 1 > max_rows:
                raise TooManyRows(declared - 1, max_rows)
            records = [list(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except TooManyRows:
        raise
    except Exception as error:  # BadZipFile, KeyError, XML ParseError...: a damaged file or not Excel
        raise DecodeError(f"not a readable .xlsx workbook: {error}") from error
    return _from_rows(records)


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
