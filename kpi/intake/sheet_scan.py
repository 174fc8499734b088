"""A look at a sheet's XML before openpyxl parses it: how many rows hold a value, and whether a
text is too long to be a cell. Regular expressions over the bytes, a few C-level passes, so a
million-row sheet or a 60 MB text is refused in about a second instead of parsed for minutes.

Every pattern here is linear: no repeat can start inside another's match ([^<>] stops at every
tag), so a hostile text of a million ">" costs one pass too.
"""

from __future__ import annotations

import re

from kpi.intake.limits import MAX_SHARED_TEXTS, FileRefused, cell_too_long

_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # a namespace prefix (<x:row>), as .NET libraries write
_ROW_START = re.compile(rb"<" + _P + rb"row\b[^>]*?(/?)>")
# Something a person sees: a value or text with a non-blank character, or a formula (with or
# without a saved result). A row without one is blank, as kpi/intake/table.py counts rows.
_VALUE = re.compile(rb"<" + _P + rb"(?:v|t)(?:\s[^>]*)?>\s*[^<\s]|<" + _P + rb"f[\s>/]")
_SHEET_DATA_END = re.compile(rb"</" + _P + rb"sheetData\s*>")
_CELL_REF = re.compile(rb"<" + _P + rb"c\s[^>]*?\br\s*=\s*[\"']([A-Z]{1,3})([0-9]{1,7})[\"']")
_SHARED_TEXT = re.compile(rb"<" + _P + rb"si[\s>]")
# One character takes at most 10 bytes of XML (&#x10FFFF; or Excel's _x000D_ escapes), so a text
# run of more bytes than 10 × the limit is surely over the limit in characters.
BYTES_PER_CHAR = 10


def rows_with_values(xml: bytes | bytearray, stop: int) -> int:
    """The rows of the sheet that hold a value, counted exactly up to `stop`; past it the other
    row elements are only counted (the file is refused anyway: the figure is for the message)."""
    end_match = _SHEET_DATA_END.search(xml)
    end = end_match.start() if end_match else len(xml)
    count = 0
    previous: int | None = None  # where the last row element that has content starts
    rows = _ROW_START.finditer(xml, 0, end)
    for match in rows:
        if previous is not None and _VALUE.search(xml, previous, match.start()):
            count += 1
            if count > stop:  # this row and the rest, only counted (bytes.count: no Python loop)
                rest = sum(xml.count(tag, match.start(), end) for tag in (b"<row", b":row ", b":row>"))
                return count + rest
        previous = None if match.group(1) else match.start()
    if previous is not None and _VALUE.search(xml, previous, end):
        count += 1
    return count


def _long_run(xml: bytes | bytearray, max_chars: int) -> re.Match[bytes] | None:
    pattern = re.compile(rb">[^<>]{%d,}" % (BYTES_PER_CHAR * max_chars + 1))
    return pattern.search(xml)


def _where(xml: bytes | bytearray, position: int) -> tuple[int | None, int | None]:
    """(row, 0-based column) of the cell whose text starts at `position`, from its r="E2"."""
    cells = list(_CELL_REF.finditer(xml, max(position - 65_536, 0), position))  # 64 KB: a few cells
    if not cells:
        return None, None
    found = cells[-1]
    letters, row = found.group(1).decode(), int(found.group(2))
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return row, column - 1


def check_sheet_texts(xml: bytes | bytearray, max_chars: int) -> None:
    """Refuse a sheet holding a text far longer than any cell may be, before openpyxl reads it
    into memory; the cell is named when its reference is written (r="E2")."""
    run = _long_run(xml, max_chars)
    if run is not None:
        row, position = _where(xml, run.start())
        raise cell_too_long(row, position, len(bytes(run.group(0)[1:]).decode("utf-8", "replace")))


def check_shared_texts(xml: bytes | bytearray, max_chars: int | None) -> None:
    """The workbook's shared texts: not too many to hold in memory, none far too long (which
    cell uses a shared text is only known later, so the message names none)."""
    count = sum(1 for _ in _SHARED_TEXT.finditer(xml))
    if count > MAX_SHARED_TEXTS:
        raise FileRefused("too_large", variant="texts", actual=f"{count:,}", limit=f"{MAX_SHARED_TEXTS:,}")
    if max_chars is not None and (run := _long_run(xml, max_chars)) is not None:
        raise cell_too_long(None, None, len(bytes(run.group(0)[1:]).decode("utf-8", "replace")))
