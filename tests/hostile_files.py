"""Hostile partner files (issue 15), generated as bytes: nothing big is committed.

Each generator builds what an attacker (or a broken exporter) would send: a zip bomb, a sheet
with no dimension record and a million rows, one very long CSV line, 100,000 columns, a lying
dimension record, an unclosed quote, damaged workbooks and a file mixing UTF-8 and CP932 lines.
Workbooks are written part by part with zipfile, streaming the big sheet, so that building a
200 MB sheet costs a few MB of memory. `python -m tests.hostile_files DIR` writes them all.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
LONG_HEADER = ("project_code", "kpi_code", "period_end", "value", "note")
# Five quarters the test registry (tests/test_intake.py) accepts for P1 × joint_studies.
QUARTERS = ("2025-06-30", "2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30")

_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEETS = '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'


def _workbook_xml(sheets: str = _SHEETS) -> str:
    return f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{sheets}</workbook>'


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_xml(row: int, column: int, value: object) -> str:
    ref = f"{column_letter(column)}{row}"
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row_xml(row: int, cells: Iterable[object]) -> str:
    return f'<row r="{row}">' + "".join(cell_xml(row, n, v) for n, v in enumerate(cells, 1)) + "</row>"


def workbook(
    rows: Iterable[str],
    *,
    dimension: str | None = None,
    workbook_xml: str | None = None,
    extra: Iterable[tuple[str, Callable[[], Iterator[bytes]]]] = (),
) -> bytes:
    """A minimal one-sheet .xlsx whose sheetData is `rows` (row elements as XML text), streamed
    into the archive; `dimension` the declared size (none unless given); `extra` more members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook_xml or _workbook_xml())
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN_NS}">'.encode())
            if dimension is not None:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            chunk: list[str] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= 2000:
                    sheet.write("".join(chunk).encode())
                    chunk.clear()
            sheet.write("".join(chunk).encode() + b"</sheetData></worksheet>")
        for name, parts in extra:
            with archive.open(name, "w", force_zip64=True) as member:
                for part in parts():
                    member.write(part)
    return buffer.getvalue()


def long_rows(count: int, *, start: int = 2) -> Iterator[str]:
    """The long header on row 1, then `count` rows of P1 × joint_studies cycling the quarters."""
    yield row_xml(1, LONG_HEADER[:4])
    for n in range(count):
        yield row_xml(start + n, ("P1", "joint_studies", QUARTERS[n % len(QUARTERS)], 1))


# -- the cases of issue 15 ------------------------------------------------------------------------


def note_bomb_xlsx(note_mb: int = 200) -> bytes:
    """Item 3: ~200 KB that unpacks to a sheet with one 200 MB note (a zip bomb in a cell)."""

    def rows() -> Iterator[str]:
        yield row_xml(1, LONG_HEADER)
        yield row_xml(2, ("P1", "joint_studies", "2026-03-31", 2))[: -len("</row>")]
        yield '<c r="E2" t="inlineStr"><is><t>'
        block = "a" * (1024 * 1024)
        yield from (block for _ in range(note_mb))
        yield "</t></is></c></row>"

    return workbook(rows())


def lying_size_xlsx(note_mb: int = 20) -> bytes:
    """A note bomb whose zip directory says the sheet unpacks to 2 KB: the declared sizes pass
    every check, so only counting what is actually unpacked stops it."""
    data = bytearray(note_bomb_xlsx(note_mb))
    name = b"xl/worksheets/sheet1.xml"
    entry = data.find(b"PK\x01\x02")  # the central directory's first entry
    while entry >= 0:
        if data[entry + 46 : entry + 46 + len(name)] == name:
            data[entry + 24 : entry + 28] = (2048).to_bytes(4, "little")  # its uncompressed size
            return bytes(data)
        entry = data.find(b"PK\x01\x02", entry + 4)
    raise AssertionError("no central directory entry for the sheet")


def shared_strings_bomb_xlsx(mb: int = 300) -> bytes:
    """A small sheet whose sharedStrings part unpacks to `mb` MB (the bomb outside the sheet)."""

    def strings() -> Iterator[bytes]:
        yield f'<sst xmlns="{MAIN_NS}"><si><t>'.encode()
        block = b"b" * (1024 * 1024)
        yield from (block for _ in range(mb))
        yield b"</t></si></sst>"

    return workbook(long_rows(3), extra=[("xl/sharedStrings.xml", strings)])


def many_members_xlsx(members: int = 20_000) -> bytes:
    """A valid little workbook padded with thousands of empty zip members."""

    def nothing() -> Iterator[bytes]:
        yield b""

    return workbook(long_rows(3), extra=[(f"xl/media/pad{n}.xml", nothing) for n in range(members)])


def many_rows_xlsx(rows: int = 1_000_000) -> bytes:
    """Item 3: no dimension record and a million rows (openpyxl cannot know the size up front),
    one value each, so that the sheet (40 MB) stays under the unpacked limit: the row limit refuses it."""

    def body() -> Iterator[str]:
        yield row_xml(1, LONG_HEADER[:4])
        yield from (f'<row r="{n}"><c r="D{n}"><v>1</v></c></row>' for n in range(2, rows + 2))

    return workbook(body())


def far_row_xlsx(row: int = 1_000_000_000) -> bytes:
    """A header and one cell at an absurd row number: openpyxl fills the gap with empty rows."""
    return workbook([row_xml(1, LONG_HEADER[:4]), row_xml(row, ("P1", "joint_studies", "2026-03-31", 1))])


def wide_row_xlsx(rows: int = 2_000) -> bytes:
    """Rows whose only cell is in column XFD (16,384): openpyxl pads each to 16,384 cells."""
    body = [row_xml(1, LONG_HEADER[:4])]
    body += [f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, rows + 2)]
    return workbook(body)


def sparse_wide_xlsx(rows: int = 200_000, column: int = 900) -> bytes:
    """Within every limit alone (rows, columns, 10 MB of XML), yet each row's one value is in
    column 900: padded, 180 million cells."""
    letters = column_letter(column)
    body = [row_xml(1, LONG_HEADER[:4])]
    body += [f'<row r="{n}"><c r="{letters}{n}"><v>1</v></c></row>' for n in range(2, rows + 2)]
    return workbook(body)


def entity_bomb_xlsx(levels: int = 9) -> bytes:
    """A sheet whose DOCTYPE nests entities ten to a level ("billion laughs"): 10^9 copies of "lol"."""
    entities = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{n} "{"".join(f"&l{n - 1};" for _ in range(10))}">' for n in range(1, levels + 1)
    ]
    data = workbook(
        [
            row_xml(1, LONG_HEADER[:4]),
            f'<row r="2"><c r="A2" t="inlineStr"><is><t>&l{levels};</t></is></c></row>',
        ]
    )
    return _rewrite(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: f"<!DOCTYPE worksheet [{''.join(entities)}]>".encode() + xml,
    )


def _rewrite(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            target.writestr(item.filename, change(content) if item.filename == name else content)
    return buffer.getvalue()


def lying_dimension_xlsx() -> bytes:
    """Item 4: five data rows under a dimension record that says A1:F2 (one data row)."""
    return workbook(long_rows(5), dimension="A1:F2")


def huge_dimension_xlsx() -> bytes:
    """Five data rows under a dimension record that claims a million rows."""
    return workbook(long_rows(5), dimension="A1:D1000001")


def long_line_csv(line_bytes: int = 1024 * 1024, column: str = "note") -> bytes:
    """Item 3: one ~1 MB line; the long text is in `column` of the long format."""
    cells = {"project_code": "P1", "kpi_code": "joint_studies", "period_end": "2026-03-31", "value": "2",
             "note": ""}  # fmt: skip
    cells[column] = "1" * line_bytes if column == "value" else "a" * line_bytes
    return (",".join(LONG_HEADER) + "\n" + ",".join(cells.values()) + "\n").encode()


def many_columns_csv(columns: int = 100_000, rows: int = 10) -> bytes:
    """Item 3: a header and rows of 100,000 columns."""
    header = ",".join((*LONG_HEADER[:4], *(f"c{n}" for n in range(columns - 4))))
    line = ",".join(("P1", "joint_studies", "2026-03-31", "1", *("x" for _ in range(columns - 4))))
    return (header + "\n" + "\n".join(line for _ in range(rows)) + "\n").encode()


def ragged_csv(rows: int = 150_000) -> bytes:
    """One line of 999 commas and 150,000 short ones: pandas pads every row to 1,000 cells."""
    lines = [",".join(LONG_HEADER), "P1" + "," * (999), *("P1" for _ in range(rows))]
    return ("\n".join(lines) + "\n").encode()


def unclosed_quote_csv(field_bytes: int = 200_000) -> bytes:
    """Item 6: a note whose quote never closes, on line 3, running to the end of the file."""
    lines = [
        ",".join(LONG_HEADER),
        "P1,joint_studies,2026-03-31,2,ok",
        'P1,joint_studies,2025-12-31,3,"starts here',
        *("a" * 1000 for _ in range(field_bytes // 1000)),
    ]
    return ("\n".join(lines) + "\n").encode()


def truncated_xlsx() -> bytes:
    """Item 6: a workbook cut off half way (an interrupted download)."""
    data = workbook(long_rows(50))
    return data[: len(data) // 2]


def not_a_workbook_xlsx() -> bytes:
    """Item 6: a zip archive that holds no workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


def no_sheet_xlsx() -> bytes:
    """Item 6: a workbook whose sheet list is empty."""
    return workbook([], workbook_xml=_workbook_xml("<sheets/>"))


def mixed_encoding_csv(utf8_first: bool = True) -> bytes:
    """Item 8: line 2 written in one encoding, line 3 in the other (two files pasted together)."""
    # "採用" in UTF-8 is also valid CP932 (謗｡逕ｨ): decoding the whole file as CP932 "works".
    utf8 = "P1,joint_studies,2026-03-31,2,採用".encode()
    cp932 = "P1,local_jobs,2026-03-31,5,共同研究".encode("cp932")
    lines = [",".join(LONG_HEADER).encode(), *((utf8, cp932) if utf8_first else (cp932, utf8))]
    return b"\n".join(lines) + b"\n"


# Every hostile file, by name (the file names keep their extension: the importer reads the bytes).
CASES: dict[str, Callable[[], bytes]] = {
    "note_bomb.xlsx": note_bomb_xlsx,
    "shared_strings_bomb.xlsx": shared_strings_bomb_xlsx,
    "lying_size.xlsx": lying_size_xlsx,
    "many_members.xlsx": many_members_xlsx,
    "many_rows.xlsx": many_rows_xlsx,
    "far_row.xlsx": far_row_xlsx,
    "wide_row.xlsx": wide_row_xlsx,
    "sparse_wide.xlsx": sparse_wide_xlsx,
    "entity_bomb.xlsx": entity_bomb_xlsx,
    "lying_dimension.xlsx": lying_dimension_xlsx,
    "huge_dimension.xlsx": huge_dimension_xlsx,
    "long_line_note.csv": long_line_csv,
    "long_line_value.csv": lambda: long_line_csv(column="value"),
    "long_line_kpi.csv": lambda: long_line_csv(column="kpi_code"),
    "long_line_period.csv": lambda: long_line_csv(column="period_end"),
    "many_columns.csv": many_columns_csv,
    "ragged.csv": ragged_csv,
    "unclosed_quote.csv": unclosed_quote_csv,
    "truncated.xlsx": truncated_xlsx,
    "not_a_workbook.xlsx": not_a_workbook_xlsx,
    "no_sheet.xlsx": no_sheet_xlsx,
    "mixed_utf8_first.csv": mixed_encoding_csv,
    "mixed_cp932_first.csv": lambda: mixed_encoding_csv(utf8_first=False),
}


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    for name, build in CASES.items():
        (folder / name).write_bytes(build())
        print(name, (folder / name).stat().st_size)
