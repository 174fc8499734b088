"""Upload templates whose names look like formulas (issue 17, item 1).

A partner's template is written by kpi/exports.py like every other workbook: a project,
organization or KPI named `=HYPERLINK(…)`, `+…`, `-…` or `@…` is a text cell in the data sheet and
in the instructions sheet (never a formula, a hyperlink or an external link), reads exactly as
written, and the template, filled in, still imports.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator

import openpyxl
import pytest

from kpi.access import Actor, Role
from kpi.intake.service import import_file
from kpi.intake.templates import LAYOUTS, YEAR_TABLE_FIXED, instructions_frame, template_bytes, template_frame
from kpi.registry.setup import setup_registry
from kpi.storage import Database
from tests.conftest import DEMO_TODAY, OPERATOR

LINK = '=HYPERLINK("http://evil.example","x")'
PROJECT_NAMES = {"P1": LINK, "P2": "+81-3-1234", "P3": "-売上高の改善", "P4": "@今治の造船"}
ORGANIZATION = "@SUM(1+1)"  # C1, the partner of every project
LEAD_ORGANIZATION = "=1+1"
KPI_NAME = "-純損益"  # the custom KPI "balance", a level: in both layouts
PARTNER = Actor("partner", Role.PARTNER, "C1")
TRIGGER = re.compile(r"^[=+\-@]")


def _csv_text(header: str, *rows: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return buffer.getvalue()


REGISTRY = {
    "organizations": _csv_text(
        "organization_code,name,name_en,sector,prefecture",
        ["U1", LEAD_ORGANIZATION, LEAD_ORGANIZATION, "academia", "愛媛県"],
        ["C1", ORGANIZATION, ORGANIZATION, "industry", "愛媛県"],
    ),
    "projects": _csv_text(
        "project_code,name,name_en,field,prefecture,phase,start_date,end_date,lead_organization_code",
        *[
            [code, name, name, "ものづくり", "愛媛県", "demonstration", "2024-04-01", "2029-03-31", "U1"]
            for code, name in PROJECT_NAMES.items()
        ],
    ),
    "partners": _csv_text(
        "project_code,organization_code,role", *[[code, "C1", "共同研究"] for code in PROJECT_NAMES]
    ),
    "kpis": _csv_text(
        "kpi_code,name_en,name_ja,unit,direction,accumulation,combine,allow_negative",
        ["balance", KPI_NAME, KPI_NAME, "百万円", "higher", "last", "latest", "true"],
    ),
    "targets": _csv_text(
        "project_code,kpi_code,horizon,target_value,target_date,baseline_value,baseline_date,reason",
        *[[code, "balance", "long", "10", "2029-03-31", "-10", "2024-03-31", ""] for code in PROJECT_NAMES],
    ),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder = tmp_path_factory.mktemp("formula_names")
    for name, text in REGISTRY.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    database = Database(folder / "kpi.duckdb")
    database.migrate()
    assert setup_registry(database, folder, actor=OPERATOR, lang="ja").status == "loaded"
    yield database
    database.close()


def _cells(data: bytes) -> dict[str, list[openpyxl.cell.cell.Cell]]:
    """Each sheet's text cells, after checking that the workbook holds no formula or link."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        parts = {name: book.read(name).decode("utf-8") for name in book.namelist()}
    for name, text in parts.items():
        assert "externalLink" not in name and "relationships/hyperlink" not in text, name
        if name.startswith("xl/worksheets/"):
            assert re.search(r"<f[ >/]", text) is None and "<hyperlinks" not in text, name
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheets = {}
    for sheet in book.worksheets:
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert all(cell.data_type != "f" and cell.hyperlink is None for cell in cells)
        sheets[sheet.title] = [cell for cell in cells if isinstance(cell.value, str)]
    return sheets


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_formula_like_names_are_text_cells_and_the_template_imports(
    db: Database, layout: str, lang: str
) -> None:
    frame = template_frame(db, "C1", lang, DEMO_TODAY, actor=PARTNER, layout=layout)
    instructions = instructions_frame(db, "C1", lang, DEMO_TODAY, actor=PARTNER, layout=layout)
    data = template_bytes(frame, "xlsx", instructions, lang)
    sheets = _cells(data)
    assert len(sheets) == 2
    data_sheet, notes_sheet = sheets.values()
    for cell in data_sheet + notes_sheet:
        if TRIGGER.match(cell.value):  # a string cell Excel keeps as text when it is edited
            assert (cell.data_type, cell.quotePrefix) == ("s", True), (cell.coordinate, cell.value)
    shown = {cell.value for cell in data_sheet}
    assert set(PROJECT_NAMES.values()) <= shown  # the names as written, none lost or prefixed
    if lang == "ja":  # the KPI's header (wide) or its cells (year table); English files name its code
        assert any(cell.value.startswith(KPI_NAME) for cell in data_sheet)
    notes = {cell.value for cell in notes_sheet}
    assert {f"{code} {name}" for code, name in PROJECT_NAMES.items()} <= notes
    assert any(ORGANIZATION in note for note in notes)
    assert any(note.startswith(KPI_NAME) for note in notes)  # the KPI's row, headed as in the data
    # Filled in with numbers, the very file imports: every KPI cell of every project.
    book = openpyxl.load_workbook(io.BytesIO(data))
    first = 3 if layout == "wide" else YEAR_TABLE_FIXED
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    filled = 0
    for row in sheet.iter_rows(min_row=2):
        for cell, header in zip(row, headers, strict=True):
            if cell.column > first and header not in ("備考", "note"):
                cell.value = cell.row  # a number, as a partner types it
                filled += 1
    assert filled >= len(PROJECT_NAMES)
    out = io.BytesIO()
    book.save(out)
    result = import_file(db, out.getvalue(), file_name="t.xlsx", organization_code="C1", actor=PARTNER,
                         lang=lang, today=DEMO_TODAY, dry_run=True)  # fmt: skip
    assert (result.status, result.errors, result.not_reported) == ("valid", [], 0)
    assert result.inserted == filled
