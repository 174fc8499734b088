"""Bytes of a CSV or .xlsx file → a header and numbered rows of raw cells.

Row numbers are what a spreadsheet shows (header = 1), counting blank lines, which are skipped.
Cells stay raw (str from CSV; str, number or datetime from .xlsx); kpi/values.py interprets them.
A CSV is split by pandas' C tokenizer into a frame of strings (`RawTable.frame`) so the intake
can work column-wise; files it refuses (ragged rows) go through csv.reader. Before either, the
widest line is measured: pandas makes a column of every field of the widest line, for every row.
A quote that is never closed is refused (malformed_csv), not read as one cell to the file's end.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from operator import methodcaller
from typing import overload

import numpy as np
import pandas as pd

from kpi.intake.decode import decode_text, is_xlsx
from kpi.intake.limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    FileRefused,
    TooManyRows,
    cell_too_long,
    too_many_cells,
    too_many_columns,
)

__all__ = [
    "RawTable",
    "TooManyRows",
    "header_name",
    "header_unit",
    "normalize_header",
    "read_csv_text",
    "read_table",
    "read_xlsx",
]

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


# A unit written after a header in parentheses (NFKC makes （件） "(件)"): `共同研究の件数（件）`.
_TRAILING_UNIT = re.compile(r"\s*\(([^()]*)\)$")


def header_unit(label: object) -> str | None:
    """The unit a header cell writes after its name in parentheses (`件` of `共同研究の件数（件）`),
    else None; None too for `(2025)`-like asides starting with a digit, which name no unit."""
    text = unicodedata.normalize("NFKC", str(label or "")).strip().strip("\ufeff").strip()
    match = _TRAILING_UNIT.search(text)
    if match is None or match.start() == 0:
        return None
    unit = match.group(1).strip()
    return unit if unit and not unit[0].isdigit() else None


def header_name(label: object) -> str:
    """A header cell normalised, without a trailing unit in parentheses: `共同研究の件数（件）` and
    `joint_studies (studies)` are matched as `共同研究の件数` and `joint_studies`."""
    text = normalize_header(label)
    match = _TRAILING_UNIT.search(text)
    return text[: match.start()] if match and match.start() > 0 else text


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


# pandas' word for a quote still open at the end of the text, with the record it opened in.
_UNCLOSED = re.compile(r"EOF inside string starting at row (\d+)")


def _read_csv_frame(text: str) -> RawTable | int | None:
    """The columnar reading; None when pandas cannot split the text as csv.reader would, or the
    0-based record where a quote opens that is never closed."""
    try:
        records = pd.read_csv(io.StringIO(text), header=None, dtype=str, na_filter=False,
                              skip_blank_lines=False, engine="c")  # fmt: skip
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        unclosed = _UNCLOSED.search(str(error))
        return int(unclosed.group(1)) if unclosed else None
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


def _check_columns(text: str, lines: list[str]) -> None:
    """Refuse a row of more than MAX_COLUMNS cells, or more than MAX_CELLS in all, before pandas
    makes a column of every field of the widest line and pads every row to it. The commas of a
    line bound its fields; only when that bound is over a limit are the rows split for real."""
    widest = max(map(methodcaller("count", ","), lines), default=0) + 1
    if widest <= MAX_COLUMNS and widest * len(lines) <= MAX_CELLS:
        return
    reader = csv.reader(io.StringIO(text, newline=""))  # commas inside quotes are no columns
    widest = records = 0
    try:
        for records, cells in enumerate(reader, 1):
            if len(cells) > MAX_COLUMNS:
                raise too_many_columns(records, len(cells))
            widest = max(widest, len(cells))
    except csv.Error:
        return  # _records says what is wrong with the file
    if widest * records > MAX_CELLS:
        raise too_many_cells(None, widest * records)


def _records(text: str, unclosed: int | None) -> list[list[object]]:
    """Every record by csv.reader; malformed_csv for a quote never closed (csv.reader would read
    the rest of the file into that cell), naming its row and the line the quote is on."""
    records: list[list[object]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1  # where the next record starts
    starts: list[int] = []
    try:
        for cells in reader:
            starts.append(line)
            records.append(list(cells))
            line = reader.line_num + 1
    except csv.Error as error:  # a field longer than csv.field_size_limit() (128 KB)
        if unclosed is None:
            raise cell_too_long(len(records) + 1, None, csv.field_size_limit()) from error
        starts.append(line)
    if unclosed is not None:
        opened = starts[min(unclosed, len(starts) - 1)]
        raise FileRefused("malformed_csv", min(unclosed, len(starts) - 1) + 1, None, line=f"{opened:,}")
    return records


def read_csv_text(text: str, lines: list[str] | None = None) -> RawTable:
    """A CSV's text as a table; FileRefused for a row over MAX_COLUMNS or a quote never closed."""
    _check_columns(text, text.splitlines() if lines is None else lines)
    table = _read_csv_frame(text)
    if isinstance(table, RawTable):
        return table
    return _from_rows(_records(text, table))


def read_xlsx(data: bytes, max_rows: int | None = None, max_chars: int | None = None) -> RawTable:
    """The first sheet as Excel shows it (kpi/intake/xlsx.py: percent cells as 52.2%, dates,
    cached formula values, merged cells once)."""
    from kpi.intake.xlsx import read_xlsx_records  # imported late: only .xlsx uploads pay for openpyxl

    return _from_rows(read_xlsx_records(data, max_rows, max_chars))


def read_table(data: bytes, max_rows: int | None = None, max_chars: int | None = None) -> RawTable:
    """Decode and split a file; raises DecodeError for undecodable text, TooManyRows past max_rows,
    FileRefused past the other limits (kpi/intake/limits.py) or for a damaged file.

    The row limit is checked before the cells are parsed: from the rows of the sheet's XML that
    hold a value for .xlsx (never its declared size), from the count of non-blank lines (header
    excluded) for CSV. `max_chars` bounds every .xlsx cell while the sheet is read (CSV cells are
    split by pandas at no cost and checked after; kpi/intake/cell_limits.py).
    """
    if is_xlsx(data):
        table = read_xlsx(data, max_rows, max_chars)
    else:
        text = decode_text(data)
        lines = text.splitlines()
        # Counting the non-blank ones is a Python loop: only needed when all lines might be too many.
        if max_rows is not None and len(lines) - 1 > max_rows:
            count = sum(1 for line in lines if line.strip(" \t,\ufeff"))
            if count - 1 > max_rows:
                raise TooManyRows(count - 1, max_rows)
        table = read_csv_text(text, lines)
    if max_rows is not None and len(table.rows) > max_rows:
        raise TooManyRows(len(table.rows), max_rows)
    return table
