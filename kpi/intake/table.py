"""Bytes of a CSV or .xlsx file → a header and numbered rows of raw cells.

Row numbers are what a spreadsheet shows (header = 1), counting blank lines, which are skipped.
Cells stay raw (str from CSV; str, number or datetime from .xlsx); kpi/values.py interprets them.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass

from kpi.intake.decode import DecodeError, decode_text, is_xlsx


@dataclass(frozen=True)
class RawTable:
    header: list[str]
    rows: list[tuple[int, list[object]]]  # (spreadsheet row number, cells)


def normalize_header(name: object) -> str:
    """Header cells as people type them: full-width letters, stray spaces, BOM remnants."""
    text = unicodedata.normalize("NFKC", str(name or "")).strip().strip("\ufeff").strip()
    return text.lower() if text.isascii() else text


def _is_blank(cells: list[object]) -> bool:
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


def read_csv_text(text: str) -> RawTable:
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
            lines = sum(1 for line in text.splitlines() if line.strip(" \t,\ufeff"))
            if lines - 1 > max_rows:
                raise TooManyRows(lines - 1, max_rows)
        table = read_csv_text(text)
    if max_rows is not None and len(table.rows) > max_rows:
        raise TooManyRows(len(table.rows), max_rows)
    return table
