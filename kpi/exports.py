"""Files people open in Excel: the one writer of CSV and .xlsx, so that no cell ever runs.

A text cell Excel, LibreOffice or Google Sheets could read as a formula (OWASP "CSV injection"):
its first non-blank character is = + - @ (also the full-width ＝ ＋ － ＠ and the other forms
NFKC folds into them, which Japanese input produces), or it starts with a tab, CR or LF.
- CSV has no cell types, so such a cell gets a leading apostrophe (the payload follows it as written).
- .xlsx stores it as a string cell with Excel's quote prefix: the cell reads exactly as the user
  wrote it, is never a formula (<f>), and editing it in Excel keeps it text.
Headers are cells too. tests/test_formula_injection.py checks every file the product writes.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, datetime
from typing import Any

import pandas as pd

_TRIGGERS = frozenset("=+-@")
_CONTROL_STARTS = ("\t", "\r", "\n")
# Skipped before the first character counts: spaces of any width, and the invisible ones a
# spreadsheet's import may drop (zero-width space and joiners, word joiner, BOM).
_BLANKS = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+")
# Characters an .xlsx cannot hold (openpyxl refuses them): shown as U+FFFD rather than failing
# the whole download for everyone because one note holds one.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Excel number formats for xlsx_bytes(formats=...): achievements, and amounts with separators
# (whole numbers without decimals, others with one to three).
PERCENT = "0.0%"
AMOUNT = "#,##0"
_AMOUNT_DECIMALS = "#,##0.0##"
DATE = "yyyy-mm-dd"  # a date cell shows its day, never 00:00:00


def looks_like_formula(value: object) -> bool:
    """True for a text cell a spreadsheet could evaluate (see the module's docstring)."""
    if not isinstance(value, str):
        return False
    if value.startswith(_CONTROL_STARTS):
        return True
    first = _BLANKS.sub("", value, count=1)[:1]
    return bool(first) and unicodedata.normalize("NFKC", first)[:1] in _TRIGGERS


def neutralise(value: object) -> object:
    """For CSV: a text cell that looks like a formula gets a leading apostrophe; the rest stays."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def _may_hold_text(dtype: Any) -> bool:
    """Object, string, category … columns; not numbers, booleans, dates or durations."""
    kinds = pd.api.types
    return not (kinds.is_numeric_dtype(dtype) or kinds.is_datetime64_any_dtype(dtype)
                or kinds.is_timedelta64_dtype(dtype))  # fmt: skip


def _mapped(frame: pd.DataFrame, cell: Any) -> pd.DataFrame:
    """A copy with `cell` applied to every value of the text columns and to every header (by
    position: two columns may share a header)."""
    out = frame.copy()
    for position, dtype in enumerate(frame.dtypes):
        if _may_hold_text(dtype):
            # a list, not Series.map: map would make 2 (beside a missing value) the float 2.0
            values = [cell(v) for v in frame.iloc[:, position].astype(object)]
            out.isetitem(position, pd.Series(values, index=frame.index, dtype=object).to_numpy(dtype=object))
    out.columns = [str(cell(str(c))) for c in frame.columns]
    return out


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as CSV writes it: formula-like text (headers too) behind an apostrophe."""
    return _mapped(frame, neutralise)


def plain_number(value: object) -> str:
    """A float as a CSV cell: 204000 (not 204000.0), 10.3; never 1e+10 (round before, for decimals)."""
    number = float(value)  # type: ignore[arg-type]  # pandas hands it floats only
    return f"{number:.0f}" if number.is_integer() else repr(number)


def csv_bytes(frame: pd.DataFrame, *, encoding: str = "utf-8-sig", tidy_numbers: bool = False) -> bytes:
    """CSV for Excel: UTF-8 with BOM by default (or cp932), CRLF line ends, formulas neutralised;
    tidy_numbers writes floats with plain_number (whole ones without ".0")."""
    text = safe_frame(frame).to_csv(
        index=False, lineterminator="\r\n", float_format=plain_number if tidy_numbers else None
    )
    return text.encode(encoding, errors="replace")


def _xlsx_text(value: object) -> object:
    return _XLSX_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value


def xlsx_bytes(sheets: dict[str, pd.DataFrame], *, formats: dict[str, str] | None = None) -> bytes:
    """An .xlsx workbook (openpyxl), one sheet per entry, in which no cell is a formula: text that
    looks like one is a string cell with the quote prefix, as written. `formats` maps a column
    header to the number format of that column's numeric cells (PERCENT, AMOUNT or any Excel
    format); the header row is frozen and filterable."""
    buffer = io.BytesIO()
    formats = {str(_xlsx_text(k)): v for k, v in (formats or {}).items()}
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            _mapped(frame, _xlsx_text).to_excel(writer, index=False, sheet_name=name[:31])
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes = "A2"
            if sheet.max_row > 1:
                sheet.auto_filter.ref = sheet.dimensions
            for column in sheet.columns:
                for cell in column:
                    _keep_text(cell)
                    if isinstance(cell.value, date | datetime):
                        cell.number_format = DATE
                number_format = formats.get(str(column[0].value))
                if number_format is not None:
                    for cell in column[1:]:
                        _format_number(cell, number_format)
                # wide enough for the header and the values as shown (a kanji is two columns)
                width = max(_shown_width(cell) for cell in column)
                sheet.column_dimensions[column[0].column_letter].width = min(50, max(8, width + 2))
    return buffer.getvalue()


def _shown_width(cell: Any) -> int:
    """About how many half-width columns the cell takes as Excel shows it."""
    value = cell.value
    if value is None:
        return 0
    if isinstance(value, date | datetime):
        return 10
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{value:,.1f}" if "%" not in str(cell.number_format) else f"{value * 100:.1f}%"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _keep_text(cell: Any) -> None:
    """openpyxl makes any str starting with "=" a formula cell: make it, and every other
    formula-like text, a string cell that Excel shows as written and keeps as text when edited."""
    if cell.data_type == "f" or looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    cell.hyperlink = None


def _format_number(cell: Any, number_format: str) -> None:
    value = cell.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if number_format == AMOUNT and not float(value).is_integer():
        number_format = _AMOUNT_DECIMALS
    cell.number_format = number_format
