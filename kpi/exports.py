"""Files people open in Excel: CSV with a BOM (so Excel reads UTF-8) and cells that never run."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel number formats for xlsx_bytes(formats=...): achievements, and amounts with separators
# (whole numbers without decimals, others with one to three).
PERCENT = "0.0%"
AMOUNT = "#,##0"
_AMOUNT_DECIMALS = "#,##0.0##"


def neutralise(value: object) -> object:
    """A text cell Excel would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [str(neutralise(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame, *, encoding: str = "utf-8-sig") -> bytes:
    """CSV for Excel: UTF-8 with BOM by default (or cp932), CRLF line ends, formulas neutralised."""
    text = safe_frame(frame).to_csv(index=False, lineterminator="\r\n")
    return text.encode(encoding, errors="replace")


def xlsx_bytes(sheets: dict[str, pd.DataFrame], *, formats: dict[str, str] | None = None) -> bytes:
    """An .xlsx workbook (openpyxl), one sheet per entry, text that looks like a formula neutralised
    the same way as in CSV, so no cell is ever stored as a formula. `formats` maps a column header
    to the number format of that column's numeric cells (PERCENT, AMOUNT or any Excel format);
    the header row is frozen and filterable."""
    buffer = io.BytesIO()
    formats = {str(neutralise(k)): v for k, v in (formats or {}).items()}
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe_frame(frame).to_excel(writer, index=False, sheet_name=name[:31])
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes = "A2"
            if sheet.max_row > 1:
                sheet.auto_filter.ref = sheet.dimensions
            for column in sheet.columns:  # wide enough to read Japanese headers and names
                width = max(len(str(cell.value or "")) for cell in column)
                sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width * 1.6))
                number_format = formats.get(str(column[0].value))
                if number_format is not None:
                    for cell in column[1:]:
                        _format_number(cell, number_format)
    return buffer.getvalue()


def _format_number(cell: Any, number_format: str) -> None:
    value = cell.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if number_format == AMOUNT and not float(value).is_integer():
        number_format = _AMOUNT_DECIMALS
    cell.number_format = number_format
