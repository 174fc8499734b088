"""Small .xlsx files for tests, built with openpyxl, and rewrites of their XML for what openpyxl
cannot write: cached formula results, values hidden under a merge, a wrong declared size,
namespace-prefixed tags (as some .NET libraries write them), Japanese Excel's built-in formats."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence

from openpyxl import Workbook

SHEET_PART = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def xlsx_bytes(
    rows: Sequence[Sequence[object]],
    *,
    formats: Mapping[str, str] | None = None,
    merged: Sequence[str] = (),
    formulas: Mapping[str, str] | None = None,
    start_row: int = 1,
) -> bytes:
    """A one-sheet workbook: `rows` from row `start_row` (None = no cell), then number formats
    and formulas by coordinate ("B2": "0.0%", "B5": "=SUM(B2:B4)") and merged ranges ("A1:H1").
    openpyxl saves formulas without a cached result: a file Excel never recalculated."""
    workbook = Workbook()
    sheet = workbook.active
    for number, cells in enumerate(rows, start_row):
        for column, value in enumerate(cells, 1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    for coordinate, formula in (formulas or {}).items():
        sheet[coordinate] = formula
    for coordinate, number_format in (formats or {}).items():
        sheet[coordinate].number_format = number_format
    for cell_range in merged:
        sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_sheet(data: bytes, change: Callable[[str], str], part: str = SHEET_PART) -> bytes:
    """The same workbook with one part's XML (the first sheet's unless told) passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == part:
                content = change(content.decode("utf-8")).encode("utf-8")
            target.writestr(item, content)
    return buffer.getvalue()


def sheet_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(SHEET_PART).decode("utf-8")


def with_cached_value(data: bytes, coordinate: str, cached: str, cell_type: str | None = None) -> bytes:
    """The formula cell at `coordinate` given a cached result, as Excel saves it:
    <c r="B5"><f>SUM(B2:B4)</f><v>12</v></c>; `cell_type` "str" for a text result."""

    def change(xml: str) -> str:
        pattern = re.compile(rf'<c r="{coordinate}"([^>]*)>(<f>.*?</f>)(?:<v\s*/>|<v>\s*</v>)</c>')
        match = pattern.search(xml)
        assert match, f"no formula without a value at {coordinate}"
        attributes, formula = match.groups()
        if cell_type is not None:
            attributes = re.sub(r'\s*t="[^"]*"', "", attributes) + f' t="{cell_type}"'
        cell = f'<c r="{coordinate}"{attributes}>{formula}<v>{cached}</v></c>'
        return xml[: match.start()] + cell + xml[match.end() :]

    return rewrite_sheet(data, change)


def with_merge(data: bytes, *ranges: str) -> bytes:
    """Merged ranges added to the XML without clearing the cells under them, as LibreOffice
    saves a merge made with "keep the contents of the hidden cells" (openpyxl would clear them)."""
    merges = "".join(f'<mergeCell ref="{cell_range}"/>' for cell_range in ranges)
    block = f'<mergeCells count="{len(ranges)}">{merges}</mergeCells>'
    return rewrite_sheet(data, lambda xml: xml.replace("</sheetData>", "</sheetData>" + block, 1))


def with_dimension(data: bytes, ref: str) -> bytes:
    """The sheet's declared size replaced (writers that always declare "A1" exist)."""
    return rewrite_sheet(data, lambda xml: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml))


def with_prefixed_tags(data: bytes, prefix: str = "x") -> bytes:
    """Every element of the sheet XML written with a namespace prefix: <x:c>, <x:f>, <x:mergeCell>."""

    def change(xml: str) -> str:
        xml = re.sub(r"<(/?)(?![?!])([A-Za-z]+)([\s/>])", rf"<\1{prefix}:\2\3", xml)
        return xml.replace(f'xmlns="{MAIN_NS}"', f'xmlns:{prefix}="{MAIN_NS}"', 1)

    return rewrite_sheet(data, change)


def with_builtin_formats(data: bytes, ids: Mapping[str, int]) -> bytes:
    """Number formats replaced by built-in ids that have no format code in the file, as Japanese
    Excel saves its 和暦 and 年月日 formats ({"yyyy/m/d": 57}: cells of that format get id 57)."""

    def change(xml: str) -> str:
        for code, builtin in ids.items():
            match = re.search(rf'<numFmt numFmtId="(\d+)" formatCode="{re.escape(code)}"\s*/>', xml)
            assert match, f"no number format {code}"
            xml = xml.replace(match.group(0), "").replace(
                f'<xf numFmtId="{match.group(1)}"', f'<xf numFmtId="{builtin}"'
            )
        return xml

    return rewrite_sheet(data, change, part="xl/styles.xml")
