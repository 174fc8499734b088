"""The first sheet of an .xlsx file as rows of cells that mean what Excel shows (SPEC section 4).

openpyxl's read-only mode gives the stored values; what differs from what Excel shows is fixed
here: a number formatted as a percentage (stored 0.522, shown 52.2%), a date in one of Japanese
Excel's built-in formats (openpyxl gives its serial number), the hidden cells of a merged range
(read-only mode never reads <mergeCells>, so a value kept under a merge would come back), and a
formula saved without a cached result (data_only gives None, as for an empty cell).

The sheet is read by openpyxl's cell parser in our own loop over the XML, not through
ReadOnlyWorksheet: that one trusts the file (it pads every row to its last cell, fills every
missing row up to the next row number, and silently drops rows that come out of order), while
here every row and column is checked against the limits (kpi/intake/limits.py) before it is kept.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context
from types import SimpleNamespace
from typing import Any
from xml.etree.ElementTree import Element, ParseError, iterparse

from kpi.intake.archive import corrupt, open_archive, read_part
from kpi.intake.limits import (
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    MAX_CELLS,
    MAX_COLUMNS,
    FileRefused,
    TooManyRows,
    cell_too_long,
    longest_text,
    too_many_cells,
    too_many_columns,
)
from kpi.intake.sheet_scan import check_shared_texts, check_sheet_texts, rows_with_values

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _FORMULA, _MERGE = f"{_NS}row", f"{_NS}c", f"{_NS}f", f"{_NS}mergeCell"


@dataclass(frozen=True)
class FormulaWithoutValue:
    """A formula cell saved without a cached result (files written by scripts, not by Excel)."""

    formula: str  # as openpyxl gives it, e.g. "=SUM(B2:B4)"

    def __str__(self) -> str:
        return self.formula


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


def _number(sheet: Any, cell: dict[str, Any], by_format: dict[int, tuple[bool, ...] | str]) -> object:
    """A number cell as Excel shows it: a date for Japanese built-in date formats, a percentage
    as its text ("52.2%"); `by_format` remembers the treatment of each numFmtId."""
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.utils.datetime import from_excel

    value = cell["value"]
    read = ReadOnlyCell(sheet, **cell)
    try:
        format_id = read.style_array.numFmtId
        treatment = by_format.get(format_id)
        if treatment is None:
            treatment = by_format[format_id] = _treatment(format_id, read.number_format)
    except IndexError:  # a style or format the file does not define: shown as General
        return value
    if isinstance(treatment, str):  # "date"
        with contextlib.suppress(OverflowError, ValueError):  # out of Excel's date range
            return from_excel(value, sheet.parent.epoch)
    elif treatment and _shows_percent(value, treatment):
        return _percent_text(value)
    return value


def _cells(parser: Any, row: Element, number: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(column, cell) of each cell of a row element, columns in order; a formula without a saved
    result becomes FormulaWithoutValue (data_only gives None, as for an empty cell)."""
    parser.row_counter, parser.col_counter = number, 0
    last = 0
    for element in row:
        if element.tag != _CELL:
            continue
        cell = parser.parse_cell(element)
        column = cell["column"]
        if cell["row"] != number or column <= last:  # Excel writes each cell once, left to right
            raise corrupt("cell_order", number)
        if column > EXCEL_COLUMNS:
            raise corrupt("beyond_sheet", number)
        last = column
        if element.find(_FORMULA) is not None:
            # Parsed even when a result was saved: a shared formula's first cell gives the others theirs.
            formula = parser.parse_formula(element)
            # t="str" without a value is a formula whose result is "": Excel shows a blank.
            if cell["value"] is None and cell["data_type"] != "str":
                cell["value"] = FormulaWithoutValue(_formula_text(formula))
        yield column, cell


def _read_rows(sheet: Any, xml: bytes | bytearray, max_rows: int | None,
               max_chars: int | None) -> tuple[list[list[object]], list[str]]:  # fmt: skip
    """The sheet's rows (record i = spreadsheet row i + 1) and its merged ranges."""
    from openpyxl.worksheet._reader import WorkSheetParser  # the parser ReadOnlyWorksheet uses

    workbook = sheet.parent
    parser = WorkSheetParser(None, sheet.shared_strings, data_only=True, epoch=workbook.epoch,
                             date_formats=workbook._date_formats,
                             timedelta_formats=workbook._timedelta_formats)  # fmt: skip
    records: list[list[object]] = []
    merges: list[str] = []
    by_format: dict[int, tuple[bool, ...] | str] = {}
    blank: list[object] = []  # one shared empty row for the rows the file leaves out (never changed)
    filled = cells = 0
    for _event, element in iterparse(io.BytesIO(xml)):
        if element.tag == _MERGE:
            merges.append(element.get("ref") or "")
        if element.tag != _ROW:
            continue
        written = element.get("r")
        number = int(written) if written and written.isdigit() else len(records) + 1
        if number <= len(records):  # ReadOnlyWorksheet would drop this row without a word
            raise corrupt("row_order", number, previous=len(records))
        if number > EXCEL_ROWS:
            raise corrupt("beyond_sheet", number)
        values: list[object] = []
        for column, cell in _cells(parser, element, number):
            value = cell["value"]
            if value is None:
                continue
            if column > MAX_COLUMNS:
                raise too_many_columns(number, column)
            kind = type(value)
            if kind is float or kind is int:  # not bool, not datetime
                value = _number(sheet, cell, by_format)
            values.extend([None] * (column - 1 - len(values)))
            values.append(value)
        element.clear()
        if max_chars is not None:
            position, length = longest_text(values)
            if length > max_chars:
                raise cell_too_long(number, position, length)
        records.extend([blank] * (number - 1 - len(records)))
        records.append(values)
        cells += len(values)  # as padded up to the last value: the memory this sheet takes
        if cells > MAX_CELLS:
            raise too_many_cells(number, cells)
        if max_rows is not None and any(
            v is not None and (not isinstance(v, str) or v.strip()) for v in values
        ):
            filled += 1
            if filled - 1 > max_rows:  # the header is not a data row
                raise TooManyRows(filled - 1, max_rows)
    return records, merges


def _unmerge(records: list[list[object]], merges: list[str]) -> None:
    """Blank every cell of a merged range but its top-left one, as Excel shows the range."""
    from openpyxl.utils.cell import range_boundaries

    for ref in merges:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except ValueError as error:
            raise corrupt("broken_sheet") from error
        min_row, max_row = min_row or 1, max_row or len(records)  # whole-column refs ("A:B")
        for index in range(min_row - 1, min(max_row, len(records))):
            cells = records[index]
            first = min_col if index == min_row - 1 else min_col - 1  # keep the top-left cell
            for position in range(first, min(max_col, len(cells))):
                cells[position] = None


def _first_sheet(data: bytes, archive: Any, max_chars: int | None) -> tuple[Any, str]:
    """The workbook's styles and texts (as `sheet.parent`, what ReadOnlyCell needs) and the part
    name of its first worksheet. Not load_workbook: its read-only sheets read their size when
    opened, which for a sheet without a <dimension> record means parsing the whole sheet, for
    every sheet of the workbook."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS

    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read_manifest()
        strings = reader.package.find(SHARED_STRINGS)
        if strings is not None:  # checked before openpyxl turns each into a Python string
            check_shared_texts(read_part(archive, strings.PartName[1:]), max_chars)
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [rel.target for _sheet, rel in reader.parser.find_sheets()
                  if rel.target in reader.valid_files and "chartsheet" not in rel.Type]  # fmt: skip
    except FileRefused:
        raise
    except Exception as error:  # KeyError, XML ParseError, OSError...: a damaged file or not a workbook
        raise corrupt("no_workbook") from error
    finally:
        with contextlib.suppress(Exception):
            reader.archive.close()
    if not sheets:
        raise corrupt("no_sheet")
    return SimpleNamespace(parent=reader.wb, shared_strings=reader.shared_strings), sheets[0]


def read_xlsx_records(
    data: bytes, max_rows: int | None = None, max_chars: int | None = None
) -> list[list[object]]:
    """Every row of the first worksheet (record i is spreadsheet row i + 1, blank rows are []),
    trailing empty cells trimmed. A cell is None (empty, or hidden under a merge), str (text,
    error codes such as "#DIV/0!", and percentages as shown: "52.2%"), int or float, bool,
    datetime for date formats (time or timedelta for time formats, as openpyxl converts them),
    or FormulaWithoutValue.

    Raises TooManyRows past max_rows data rows (counted in the XML before any cell is parsed:
    the sheet's declared size is never trusted), FileRefused past the other limits (parts,
    unpacked size, packing ratio, columns, a text longer than max_chars) or for a damaged
    workbook (corrupt_file, a DecodeError).
    """
    archive = open_archive(data)
    sheet, path = _first_sheet(data, archive, max_chars)
    xml = read_part(archive, path)
    if max_chars is not None:
        check_sheet_texts(xml, max_chars)
    if max_rows is not None and (rows := rows_with_values(xml, max_rows + 1)) - 1 > max_rows:
        raise TooManyRows(rows - 1, max_rows)
    try:
        records, merges = _read_rows(sheet, xml, max_rows, max_chars)
    except (FileRefused, TooManyRows):
        raise
    except (ParseError, ValueError, KeyError, TypeError, IndexError) as error:  # a damaged sheet
        raise corrupt("broken_sheet") from error
    _unmerge(records, merges)
    for cells in records:
        while cells and cells[-1] is None:
            cells.pop()
    return records
