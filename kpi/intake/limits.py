"""What a partner file may hold, checked before the expensive step (issue 15: unbounded input).

Each limit is checked where it is cheapest and before the work it protects: the archive's
declared sizes before anything is unpacked, the rows and long texts of a sheet before openpyxl
parses it, columns before pandas splits a CSV, cell lengths before any cell is interpreted.
A file over a limit is refused with an ErrorSink error (FileRefused), never read in part.
"""

from __future__ import annotations

from collections.abc import Sequence

from kpi.intake.decode import DecodeError

MAX_COLUMNS = 1_000  # a wide file has one column per KPI; 1,000 is far past any catalog
# Rows × columns as read (each row up to its last filled cell in .xlsx, to the widest line in a
# CSV): 10 M cells are ~100 MB of references; a real file is 200,000 rows × 10 columns at most.
MAX_CELLS = 10_000_000
NOTE_CHARS = 500  # as the update page's note column (pages/update.py, max_chars=500)
CELL_CHARS = 200  # codes, periods, values and labels: the longest real one is under 50
# .xlsx: a workbook is a zip archive, so a few hundred KB can unpack to gigabytes (a zip bomb).
UNPACKED_BYTES = 64 * 1024 * 1024  # all parts together, as declared and as actually read
PACKED_RATIO = 100  # unpacked / packed per part, as Apache POI's zip-bomb check (0.01)
RATIO_FROM_BYTES = 1024 * 1024  # small parts (styles, themes) may be packed tighter: not checked
MAX_PARTS = 1_000  # a workbook has ~10 parts; pictures and sheets add a few each
MAX_SHARED_TEXTS = 1_000_000  # distinct texts of a workbook, each a Python string once loaded
EXCEL_ROWS = 1_048_576  # Excel's own sheet size: a row or column past it is not Excel's file
EXCEL_COLUMNS = 16_384


class TooManyRows(ValueError):
    """More data rows than the configured limit; found before parsing the whole file."""

    def __init__(self, rows: int, limit: int) -> None:
        super().__init__(f"{rows} rows > {limit}")
        self.rows = rows
        self.limit = limit


class FileRefused(DecodeError):
    """The file is over a limit or damaged: the ErrorSink error to report (code, row, column and
    the message's context). A DecodeError, so callers that only know that one still refuse the file."""

    def __init__(
        self, code: str, row: int | None = None, column: str | None = None, **context: object
    ) -> None:
        super().__init__(f"{code} (row {row}, column {column}): {context}", line=row)
        self.code = code
        self.row = row
        self.column = column
        self.context = context


def column_letter(position: int) -> str:
    """The spreadsheet letter of a 0-based column position: 0 → A, 26 → AA."""
    letters = ""
    number = position + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def too_many_columns(row: int, count: int) -> FileRefused:
    return FileRefused(
        "too_large", row, None, variant="columns", actual=f"{count:,}", limit=f"{MAX_COLUMNS:,}"
    )


def too_many_cells(row: int | None, cells: int) -> FileRefused:
    return FileRefused("too_large", row, None, variant="cells", actual=f"{cells:,}", limit=f"{MAX_CELLS:,}")


def cell_too_long(row: int | None, position: int | None, length: int) -> FileRefused:
    """A cell over every cell limit, found while reading (before the header is known)."""
    column = None if position is None else column_letter(position)
    return FileRefused("cell_too_long", row, column, variant="any", length=f"{length:,}",
                       note=f"{NOTE_CHARS:,}", cell=f"{CELL_CHARS:,}")  # fmt: skip


def longest_text(cells: Sequence[object]) -> tuple[int, int]:
    """(position, length) of the longest text cell of a row; (-1, 0) when it has none."""
    best, length = -1, 0
    for position, cell in enumerate(cells):
        if isinstance(cell, str) and len(cell) > length:
            best, length = position, len(cell)
    return best, length
