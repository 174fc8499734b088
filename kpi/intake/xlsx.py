"""The first sheet of an .xlsx file as rows of cells that mean what Excel shows (SPEC section 4).

openpyxl's read-only mode gives the stored values; what differs from what Excel shows is fixed
here: a number formatted as a percentage (stored 0.522, shown 52.2%), a date in one of Japanese
Excel's built-in formats (openpyxl gives its serial number), the hidden cells of a merged range
(read-only mode never reads <mergeCells>, so a value kept under a merge would come back), and a
formula saved without a cached result (data_only gives None, as for an empty cell). The sheet
XML is searched once for merges and formulas, so ordinary files pay one openpyxl pass.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context
from typing import Any

from kpi.intake.decode import DecodeError


@dataclass(frozen=True)
class FormulaWithoutValue:
    """A formula cell saved without a cached result (files written by scripts, not by Excel)."""

    formula: str  # as openpyxl gives it, e.g. "=SUM(B2:B4)"

    def __str__(self) -> str:
        return self.formula


# Tags may carry a namespace prefix (<x:f>) in files written by .NET libraries.
_P = rb"(?:[A-Za-z_][\w.-]*:)?"
# A formula element (<f>..</f>, or <f t="shared" si="0"/>) not followed by a non-empty <v>: the
# cells data_only reads as None. Excel's own files always cache results, so they never match.
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"(?:</" + _P + rb"f>|<" + _P + rb"f\s[^>]*/>)\s*"
    rb"(?:<" + _P + rb"v(?:\s[^>]*)?/>|<" + _P + rb"v(?:\s[^>]*)?>\s*</" + _P + rb"v>|</" + _P + rb"c>)"
)
_MERGE_REF = re.compile(rb"<" + _P + rb"mergeCell\s[^>]*?\bref\s*=\s*[\"']([^\"']+)")
# Excel keeps and shows at most 15 significant digits: rounding to them drops float noise
# (0.30000000000000004 is shown 30%) without dropping any digit Excel shows.
_EXCEL_DIGITS = Context(prec=15, rounding=ROUND_HALF_UP)
# Excel's East Asian built-in date and time formats (ECMA-376 18.8.30; ja-JP: 27-31, 34-36 and
# 50-58 dates such as ggge"年"m"月"d"日", 32-33 times). Japanese Excel saves them by id alone, with
# no format code, and openpyxl, which does not know these ids, would give the serial number.
_EAST_ASIAN_DATES = frozenset([*range(27, 37), *range(50, 59)])


def _percent_sections(number_format: str) -> tuple[bool, ...]:
    """Per section (positive;negative;zero) whether it shows a percentage; () when none does.

    A % inside quotes or brackets, or after \\, _ or * (literal, padding, fill), is not one.
    """
    sections = [False]
    literal = quoted = bracketed = False
    for char in number_format:
        if literal:
            literal = False
        elif quoted:
            quoted = char != '"'
        elif bracketed:
            bracketed = char != "]"
        elif char in "\\_*":
            literal = True
        elif char == '"':
            quoted = True
        elif char == "[":
            bracketed = True
        elif char == ";":
            sections.append(False)
        elif char == "%":
            sections[-1] = True
    return tuple(sections) if any(sections) else ()


def _shows_percent(value: float, sections: tuple[bool, ...]) -> bool:
    if value < 0 and len(sections) > 1:
        return sections[1]
    if value == 0 and len(sections) > 2:
        return sections[2]
    return sections[0]


def _percent_text(value: float) -> str:
    """The number as its percentage, every digit kept: 0.522 → "52.2%", 1 → "100%"."""
    number = _EXCEL_DIGITS.create_decimal(repr(value)).scaleb(2)
    if not number:
        return "0%"  # also for -0.0
    return format(number.normalize(), "f") + "%"


def _formula_text(formula: object) -> str:
    if isinstance(formula, str):
        return formula
    text = getattr(formula, "text", None)  # ArrayFormula
    if isinstance(text, str):
        return text
    return "=TABLE()"  # a what-if data table: Excel always saves its results, so hardly reached


def _treatment(format_id: int, number_format: str) -> tuple[bool, ...] | str:
    """How a number cell of this format is read: "date", or the _percent_sections of its format."""
    if format_id in _EAST_ASIAN_DATES:
        return "date"
    return _percent_sections(number_format)


def _read_cells(sheet: Any) -> tuple[list[list[object]], list[tuple[int, int]]]:
    """The sheet's values, percentages as text; and the (row, column) indexes of cells that are
    in the file yet hold no value: formulas without a cached result are among them."""
    from openpyxl.cell.read_only import EMPTY_CELL
    from openpyxl.utils.datetime import from_excel

    epoch = sheet.parent.epoch
    records: list[list[object]] = []
    valueless: list[tuple[int, int]] = []
    by_format: dict[int, tuple[bool, ...] | str] = {}  # numFmtId → treatment, decided once per format
    for row in sheet.iter_rows():
        values = [cell.value for cell in row]
        for position, value in enumerate(values):
            kind = type(value)
            if kind is float or kind is int:  # not bool, not datetime
                cell = row[position]
                try:
                    format_id = cell.style_array.numFmtId
                    treatment = by_format.get(format_id)
                    if treatment is None:
                        treatment = by_format[format_id] = _treatment(format_id, cell.number_format)
                except IndexError:  # a style or format the file does not define: shown as General
                    continue
                if isinstance(treatment, str):  # "date"
                    with contextlib.suppress(OverflowError, ValueError):  # out of Excel's date range
                        values[position] = from_excel(value, epoch)
                elif treatment and _shows_percent(value, treatment):
                    values[position] = _percent_text(value)
            elif value is None:
                cell = row[position]
                # t="str" without a value is a formula whose result is "": Excel shows a blank.
                if cell is not EMPTY_CELL and cell.data_type != "str":
                    valueless.append((len(records), position))
        records.append(values)
    return records, valueless


def _mark_formulas(data: bytes, records: list[list[object]], valueless: list[tuple[int, int]]) -> None:
    """Second pass, with formulas instead of cached values, over the rows that may need it."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        wanted: dict[int, list[int]] = {}
        for index, position in valueless:
            wanted.setdefault(index, []).append(position)
        last = valueless[-1][0]
        for index, row in enumerate(sheet.iter_rows(max_row=last + 1, values_only=True)):
            for position in wanted.get(index, ()):
                formula = row[position] if position < len(row) else None
                if formula is not None:
                    records[index][position] = FormulaWithoutValue(_formula_text(formula))
    finally:
        workbook.close()


def _unmerge(records: list[list[object]], sheet_xml: bytes) -> None:
    """Blank every cell of a merged range but its top-left one, as Excel shows the range."""
    from openpyxl.utils.cell import range_boundaries

    start = sheet_xml.find(b"mergeCell")  # <mergeCells> follows the cells: skip to it
    if start < 0:
        return
    for match in _MERGE_REF.finditer(sheet_xml, max(start - 64, 0)):
        min_col, min_row, max_col, max_row = range_boundaries(match.group(1).decode("ascii"))
        min_row, max_row = min_row or 1, max_row or len(records)  # whole-column refs ("A:B")
        for index in range(min_row - 1, min(max_row, len(records))):
            cells = records[index]
            first = min_col if index == min_row - 1 else min_col - 1  # keep the top-left cell
            for position in range(first, min(max_col, len(cells))):
                cells[position] = None


def read_xlsx_records(data: bytes, max_rows: int | None = None) -> list[list[object]]:
    """Every row of the first worksheet (record i is spreadsheet row i + 1, blank rows are []),
    trailing empty cells trimmed. A cell is None (empty, or hidden under a merge), str (text,
    error codes such as "#DIV/0!", and percentages as shown: "52.2%"), int or float, bool,
    datetime for date formats (time or timedelta for time formats, as openpyxl converts them),
    or FormulaWithoutValue.

    Raises TooManyRows when the sheet's declared size is over max_rows data rows (checked before
    any cell is read) and DecodeError when the bytes are not a readable workbook.
    """
    from openpyxl import load_workbook  # imported late: only .xlsx uploads pay for it

    from kpi.intake.table import TooManyRows  # late: table.py is this module's caller

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            declared = sheet.max_row or 0  # from the sheet's dimension record, before reading cells
            if max_rows is not None and declared - 1 > max_rows:
                raise TooManyRows(declared - 1, max_rows)
            # The sheet's XML, for the merge and formula checks: ReadOnlyWorksheet keeps its part
            # name in _worksheet_path (openpyxl 3.1, pinned in requirements.txt).
            sheet_xml = workbook._archive.read(sheet._worksheet_path)
            # Some writers declare a wrong size (often "A1"), which would cut rows and columns
            # off; read what the file holds instead (read_table counts the rows again after).
            sheet.reset_dimensions()
            records, valueless = _read_cells(sheet)
        finally:
            workbook.close()
        if valueless and _FORMULA_WITHOUT_VALUE.search(sheet_xml):
            _mark_formulas(data, records, valueless)
        _unmerge(records, sheet_xml)
    except TooManyRows:
        raise
    except Exception as error:  # BadZipFile, KeyError, XML ParseError...: a damaged file or not Excel
        raise DecodeError(f"not a readable .xlsx workbook: {error}") from error
    for cells in records:
        while cells and cells[-1] is None:
            cells.pop()
    return records
