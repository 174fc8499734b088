"""The table stage: a CSV's text or a workbook's rows (kpi/intake/decode.py) → a RawTable, a
header and numbered rows of raw cells (kpi/intake/raw.py).

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
from collections.abc import Sequence
from operator import methodcaller

import numpy as np
import pandas as pd

from kpi.intake.decode import Source, decode_upload
from kpi.intake.limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    FileRefused,
    TooManyRows,
    cell_too_long,
    too_many_cells,
    too_many_columns,
)
from kpi.intake.raw import RawTable, _header_cells, _label_cells, header_name, header_unit, normalize_header

__all__ = [
    "RawTable",
    "TooManyRows",
    "decode_table",
    "header_name",
    "header_unit",
    "normalize_header",
    "read_csv_text",
    "read_source",
    "read_xlsx",
]

# Exactly the characters str.strip() removes (str.isspace), for blank-row checks done by pandas.
_BLANK_RE = "[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"


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


def read_source(source: Source, max_rows: int | None = None) -> RawTable:
    """The table stage: a CSV's text (split by pandas) or a workbook's rows (decode_upload's)
    as a header and numbered rows; TooManyRows past max_rows, FileRefused past the CSV limits.

    The row limit of a CSV is checked before its cells are split, from the count of non-blank
    lines (header excluded); a workbook's rows were counted in its XML (kpi/intake/xlsx.py)."""
    if isinstance(source, str):
        lines = source.splitlines()
        # Counting the non-blank ones is a Python loop: only needed when all lines might be too many.
        if max_rows is not None and len(lines) - 1 > max_rows:
            count = sum(1 for line in lines if line.strip(" \t,\ufeff"))
            if count - 1 > max_rows:
                raise TooManyRows(count - 1, max_rows)
        table = read_csv_text(source, lines)
    else:
        table = _from_rows(source)
    if max_rows is not None and len(table.rows) > max_rows:
        raise TooManyRows(len(table.rows), max_rows)
    return table


def decode_table(data: bytes, max_rows: int | None = None, max_chars: int | None = None) -> RawTable:
    """Decode and split a file (the decode and table stages at once, for setup's registry files);
    raises DecodeError for undecodable text, TooManyRows past max_rows, FileRefused past the other
    limits (kpi/intake/limits.py) or for a damaged file.

    The row limit is checked before the cells are parsed: from the rows of the sheet's XML that
    hold a value for .xlsx (never its declared size), from the count of non-blank lines (header
    excluded) for CSV. `max_chars` bounds every .xlsx cell while the sheet is read (CSV cells are
    split by pandas at no cost and checked after; kpi/intake/cell_limits.py).
    """
    return read_source(decode_upload(data, max_rows, max_chars), max_rows)
