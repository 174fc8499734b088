"""No file the product lets anyone take away holds a formula (issue 15, item 1).

Formula payloads are written into a fresh database through the core (setup, the lead's form, a
partner's import) as names, partner roles, notes and a 要因分析; then every producer of files
writes them: each upload template (format x layout x language), the 効果検証 export, the error
file, the executive report, the command line. An .xlsx holds no <f> element, no hyperlink and no
formula cell, and each payload reads exactly as written; a CSV holds no cell a spreadsheet would
evaluate, and each payload follows its apostrophe. A walk over kpi/, pages/ and ui/ fails when a
writer bypasses kpi/exports.py; Streamlit's own table download is hidden (ui/table_guard.py).
"""

from __future__ import annotations

import ast
import csv
import html
import inspect
import io
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from playwright.sync_api import Browser

from kpi.access import Actor, Role
from kpi.exports import csv_bytes, xlsx_bytes
from kpi.intake.error_report import error_table
from kpi.intake.service import import_file
from kpi.intake.templates import FORMATS, LAYOUTS, template_bytes, template_frame
from kpi.progress.save import record_progress
from kpi.registry.setup import setup_registry
from kpi.reports.evaluation import export_bytes
from kpi.reports.executive import report_html
from kpi.storage import Database
from tests.browser_support import BROWSER_WAIT_MS, serve_script
from tests.conftest import DEMO_TODAY, OPERATOR

ROOT = Path(__file__).parent.parent
CMD = "=cmd|' /C calc'!A0"
SUM = "@SUM(1+1)"
LINK = '=HYPERLINK("http://x","y")'
PLUS, MINUS, TAB, WIDE = "+1", "-2+3", "\t=1", "＝1+1"
PAYLOADS = [CMD, SUM, LINK, PLUS, MINUS, TAB, WIDE, " =1", "\u3000＠x", "\r=1", "\n=1", "﹦1"]
PARTNER = Actor("partner", Role.PARTNER, "C1")
LEAD = Actor("lead", Role.LEAD, "U1")
# What a spreadsheet could evaluate, written independently of kpi/exports.py: a tab, CR or LF
# first, or = + - @ (ASCII, full-width or small form) after any blanks.
RISKY = re.compile(r"^[\t\r\n]|^[\s\u200b-\u200d\u2060\ufeff]*[=+\-@＝＋－＠﹦﹢﹣﹫]")
NUMBER = re.compile(r"-?\d+(\.\d+)?(e[-+]\d+)?")  # a CSV number: Excel reads -1.5 as minus 1.5


def _csv_text(header: str, *rows: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return buffer.getvalue()


# U1 leads P1 and P2; C1 is a partner of both. Setup strips cells, so the tab payload arrives as "=1".
REGISTRY = {
    "organizations": _csv_text(
        "organization_code,name,name_en,sector,prefecture",
        ["U1", MINUS, MINUS, "academia", "北海道"],
        ["C1", SUM, SUM, "industry", "北海道"],
    ),
    "projects": _csv_text(
        "project_code,name,name_en,field,prefecture,phase,start_date,end_date,lead_organization_code",
        ["P1", CMD, CMD, "エネルギー", "北海道", "demonstration", "2024-04-01", "2029-03-31", "U1"],
        ["P2", WIDE, TAB, "エネルギー", "北海道", "demonstration", "2024-04-01", "2029-03-31", "U1"],
    ),
    "partners": _csv_text("project_code,organization_code,role", ["P1", "C1", LINK], ["P2", "C1", PLUS]),
    "kpis": _csv_text(
        "kpi_code,name_en,name_ja,unit,direction,accumulation,combine,allow_negative",
        ["balance", MINUS, PLUS, "百万円", "higher", "last", "latest", "true"],
    ),
    "targets": _csv_text(
        "project_code,kpi_code,horizon,target_value,target_date,baseline_value,baseline_date,reason",
        ["P1", "joint_studies", "long", "15", "2029-03-31", "0", "2024-03-31", ""],
        ["P1", "balance", "long", "10", "2029-03-31", "-10", "2024-03-31", ""],
        ["P2", "time_to_implementation", "long", "24", "2029-03-31", "60", "2024-03-31", ""],
    ),
}
# The names each language's files show (English: name_en, KPI codes in templates).
NAMES = {"ja": {CMD, WIDE, PLUS}, "en": {CMD, "=1"}}


@pytest.fixture(scope="module")
def payload_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder = tmp_path_factory.mktemp("payloads")
    for name, text in REGISTRY.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    db = Database(folder / "kpi.duckdb")
    db.migrate()
    assert setup_registry(db, folder, actor=OPERATOR, lang="en").status == "loaded"
    # The lead's form: a value that turns P1's joint studies off track, explained by a formula.
    rows = pd.DataFrame([{"project_code": "P1", "kpi_code": "joint_studies", "period_end": "2025-03-31",
                          "organization_code": "U1", "value": 1.0, "note": TAB}])  # fmt: skip
    saved = record_progress(db, rows, base_versions={}, explanations={("P1", "joint_studies"): LINK},
                            actor=LEAD, lang="ja", today=DEMO_TODAY)  # fmt: skip
    assert saved.off_track == [("P1", "joint_studies")]
    # The partner's import, a note in every row.
    data = _csv_text(
        "project_code,kpi_code,period_end,value,note",
        ["P1", "joint_studies", "2025-06-30", "1", LINK],
        ["P1", "balance", "2025-03-31", "-5", WIDE],
        ["P2", "time_to_implementation", "2025-03-31", "50", MINUS],
    ).encode()
    done = import_file(db, data, file_name=f"{SUM}.csv", organization_code="C1", actor=PARTNER, lang="ja",
                       today=DEMO_TODAY)  # fmt: skip
    assert done.status == "imported", done.errors
    yield db
    db.close()


# -- what every file must satisfy --------------------------------------------------------------


def xlsx_strings(data: bytes) -> set[str]:
    """Every text cell of the workbook, after checking that none can run."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        parts = {name: book.read(name).decode("utf-8") for name in book.namelist()}
    sheets = [text for name, text in parts.items() if name.startswith("xl/worksheets/")]
    assert sheets
    for text in sheets:
        assert re.search(r"<f[ >/]", text) is None  # no formula element, shared or not
        assert "<hyperlinks" not in text
    assert not any(
        "externalLink" in name or "relationships/hyperlink" in text for name, text in parts.items()
    )
    strings = set()
    for sheet in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                assert cell.hyperlink is None
                if isinstance(cell.value, str):
                    strings.add(cell.value)
                    if RISKY.match(cell.value):  # kept as written, and text even when edited in Excel
                        assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
    return strings


def csv_cells(data: bytes, encoding: str = "utf-8-sig") -> set[str]:
    """Every cell of the CSV (headers included), after checking that none can run."""
    text = data.decode(encoding)
    cells = {cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row}
    assert cells
    assert [cell for cell in cells if RISKY.match(cell) and not NUMBER.fullmatch(cell)] == []
    return cells


# -- kpi/exports.py itself ------------------------------------------------------------------------


def test_every_payload_is_kept_as_written_in_xlsx_and_behind_an_apostrophe_in_csv() -> None:
    frame = pd.DataFrame({"text": PAYLOADS, "n": range(len(PAYLOADS))})
    frame[CMD] = PAYLOADS  # a header is a cell too
    strings = xlsx_strings(xlsx_bytes({"data": frame}))
    assert {p.replace("\r", "\n") for p in PAYLOADS} <= strings  # XML reads a CR back as LF
    cells = csv_cells(csv_bytes(frame))
    assert {"'" + p for p in PAYLOADS} <= cells
    assert cells.isdisjoint(PAYLOADS)
    cp932 = {"'" + p.encode("cp932", errors="replace").decode("cp932") for p in PAYLOADS}  # ﹦ is "?"
    assert cp932 <= csv_cells(csv_bytes(frame, encoding="cp932"), "cp932")


def test_text_that_only_resembles_a_formula_start_is_left_alone() -> None:
    plain = ["−", "▲5", "'=1", "a=1", "2026-03-31", "共同研究の件数", "", "x-1"]
    frame = pd.DataFrame({"text": plain, "n": [-1.5, 0, 2, 3, 4, 5, 6, 7]})
    assert set(plain) <= csv_cells(csv_bytes(frame))
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"s": frame})))["s"]
    assert [c.value for c in book["B"][1:3]] == [-1.5, 0]  # numbers stay numbers, negative too
    assert not any(c.quotePrefix for c in book["A"][1:])


def test_text_columns_of_any_dtype_and_cells_an_xlsx_cannot_hold() -> None:
    frame = pd.DataFrame(
        {
            "category": pd.Series([CMD, "ok"], dtype="category"),
            "string": pd.Series([SUM, "ok"], dtype="string"),
            "control": ["a\x01b", "c"],
        }
    )
    strings = xlsx_strings(xlsx_bytes({"s": frame}))
    assert {CMD, SUM, "a\ufffdb"} <= strings
    assert {"'" + CMD, "'" + SUM} <= csv_cells(csv_bytes(frame))


# -- every producer -------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("org", ["C1", "U1"])
def test_upload_templates(payload_db: Database, layout: str, lang: str, org: str) -> None:
    """The partner's template carried `=cmd|' /C calc'!A0` (issue 15)."""
    actor = PARTNER if org == "C1" else LEAD
    frame = template_frame(payload_db, org, lang, DEMO_TODAY, actor=actor, layout=layout)
    # A wide template's KPI headers carry the unit: the payload name is followed by （百万円）.
    names = {CMD, WIDE, PLUS + "（百万円）"} if (lang, layout) == ("ja", "wide") else NAMES[lang]
    assert set(frame.columns) | set(frame.stack()) >= names  # the payloads are in the template
    for fmt in FORMATS:
        data = template_bytes(frame, fmt)
        if fmt == "xlsx":
            assert names <= xlsx_strings(data)
        else:
            cells = csv_cells(data, "cp932" if fmt == "csv-cp932" else "utf-8-sig")
            assert {"'" + name for name in names} <= cells


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_evaluation_export(payload_db: Database, lang: str) -> None:
    names = {CMD, WIDE, PLUS} if lang == "ja" else {CMD, "=1", MINUS}
    data, rows = export_bytes(payload_db, DEMO_TODAY, lang, "xlsx", actor=OPERATOR)
    assert rows > 0
    assert names <= xlsx_strings(data)
    data, _ = export_bytes(payload_db, DEMO_TODAY, lang, "csv", actor=OPERATOR)
    assert {"'" + name for name in names} <= csv_cells(data)


def test_error_file(payload_db: Database) -> None:
    """The upload page's error download (pages/upload.py: csv_bytes(error_table(...)))."""
    wide = template_frame(payload_db, "C1", "ja", DEMO_TODAY, actor=PARTNER)
    wide[PLUS] = [LINK, SUM]  # the KPI named +1, filled with formulas
    wide[CMD] = wide[WIDE] = "3"  # and columns no KPI is named: the errors name them as written
    data = wide.to_csv(index=False).encode("utf-8")
    check = import_file(payload_db, data, file_name=f"{CMD}.csv", organization_code="C1", actor=PARTNER,
                        lang="ja", today=DEMO_TODAY, dry_run=True)  # fmt: skip
    assert check.status == "rejected" and {e.column for e in check.errors} == {"balance", CMD, WIDE}
    errors = error_table(check.errors, "ja")
    cells = csv_cells(csv_bytes(errors))
    assert {"'" + CMD, "'" + WIDE} <= cells
    assert any(LINK in cell for cell in cells)  # the message quotes what the partner wrote


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_executive_report_shows_payloads_as_text(payload_db: Database, lang: str) -> None:
    page = report_html(payload_db, DEMO_TODAY, lang, actor=OPERATOR)
    markup = re.sub(r"<script.*?</script>", "", page, flags=re.DOTALL)  # plotly.js and the figures
    assert html.escape(CMD) in markup and html.escape(LINK) in markup  # the name and the 要因分析
    assert CMD not in markup and LINK not in markup and "<a " not in markup


def test_command_line_export(payload_db: Database, tmp_path: Path) -> None:
    for name in ("e.xlsx", "e.csv"):
        out = tmp_path / name
        done = subprocess.run(
            [sys.executable, "-m", "kpi", "export", "--out", str(out), "--lang", "ja",
             "--db", str(payload_db.path)],
            cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        if name.endswith(".xlsx"):
            assert {CMD, WIDE, PLUS} <= xlsx_strings(out.read_bytes())
        else:
            assert {"'" + CMD, "'" + WIDE} <= csv_cells(out.read_bytes())


# -- nothing writes around kpi/exports.py --------------------------------------------------------

SOURCES = sorted(
    [
        *(ROOT / "kpi").rglob("*.py"),
        *(ROOT / "pages").rglob("*.py"),
        *(ROOT / "ui").rglob("*.py"),
        ROOT / "dashboard.py",
    ]
)
WRITERS = re.compile(
    r"\.to_csv\(|\.to_excel\(|ExcelWriter|Workbook\(|csv\.writer|csv\.DictWriter|xlsxwriter|\.to_clipboard\("
    r"|\.write_bytes\(|\.write_text\(|open\([^)]*['\"][wax]b?['\"]|\.save\("
)
# What may write: exports.py (every spreadsheet), cli_reports.py (saves what export_bytes and
# report_html return). Only kpi/intake/xlsx.py, which reads uploads, imports openpyxl besides
# exports.py, and none of its writing parts.
WRITERS_ALLOWED = {
    "kpi/exports.py": None,
    "kpi/commands/reports.py": {".write_bytes("},
    "kpi/storage/connection.py": {'open(self.path, "w"'},  # the waiting mark: a pid, never a cell
    "kpi/operations/backups.py": {".write_text("},  # a backup's JSON manifest, never opened in Excel
}
OPENPYXL_READING = "kpi/intake/xlsx.py"
OPENPYXL_WRITING = re.compile(r"Workbook$|(^|\.)_?write|(^|\.)writer")
# The functions a download button's data may come from: kpi.exports' writers, or producers that
# call them (checked below), or the report, which is HTML.
PRODUCERS = {
    "csv_bytes",
    "xlsx_bytes",
    "template_bytes",
    "export_bytes",
    "report_html",
    "expenditure_template",
}
# Downloads that are not tables: a backup (a DuckDB file and its JSON manifest, zipped) has no cell
# a spreadsheet would read.
NOT_TABLES = {"backup_zip"}


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_file_is_written_around_kpi_exports() -> None:
    offenders = []
    for path in SOURCES:
        allowed = WRITERS_ALLOWED.get(_relative(path), set())
        if allowed is None:
            continue
        found = {m.group(0) for m in WRITERS.finditer(path.read_text(encoding="utf-8"))}
        offenders += [f"{_relative(path)}: {w}" for w in sorted(found - allowed)]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported = [a.name for a in node.names if a.name.startswith("openpyxl")]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"):
                imported = [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            reading = _relative(path) == OPENPYXL_READING
            offenders += [
                f"{_relative(path)}: {n}" for n in imported if not reading or OPENPYXL_WRITING.search(n)
            ]
    assert offenders == []


def _called(node: ast.AST) -> set[str]:
    """The functions an expression calls, `partial(f, …)` counting as a call of f (made on the click)."""
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
            if getattr(func, "id", "") == "partial" and call.args:
                names.add(getattr(call.args[0], "id", ""))
    return names


def test_every_download_comes_from_kpi_exports() -> None:
    downloads = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "download_button":
                continue
            data = next((k.value for k in node.keywords if k.arg == "data"), None)
            data = data if data is not None else (node.args[1] if len(node.args) > 1 else None)
            assert data is not None, f"{_relative(path)}:{node.lineno}"
            downloads.append((f"{_relative(path)}:{node.lineno}", _called(data) & (PRODUCERS | NOT_TABLES)))
    assert len(downloads) >= 5  # templates, errors, report, two exports
    assert [where for where, producers in downloads if not producers] == []
    # ... and the producers that are not kpi.exports' own write through it.
    for module, function in (
        ("kpi/intake/templates.py", "template_bytes"),
        ("kpi/reports/evaluation.py", "export_bytes"),
        ("kpi/funding/expenditure_template.py", "expenditure_template"),
    ):
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        body = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
        assert _called(body) & {"csv_bytes", "xlsx_bytes"}, function


# -- Streamlit's own table download ---------------------------------------------------------------

STATIC = Path(inspect.getfile(__import__("streamlit"))).parent / "static" / "static" / "js"


def test_the_toolbar_hidden_is_the_one_streamlit_renders() -> None:
    """ui/table_guard.py targets the frontend bundle's markup: fails when a Streamlit upgrade
    renames the button, its label or the toolbar."""
    from ui.table_guard import CSS, DOWNLOAD_LABEL

    bundle = "\n".join(p.read_text(encoding="utf-8") for p in STATIC.glob("*.js"))
    assert f"label:`{DOWNLOAD_LABEL}`" in bundle
    for test_id in ("stElementToolbar", "stElementToolbarButton"):
        assert f'"data-testid":`{test_id}`' in bundle and f'[data-testid="{test_id}"]' in CSS
    assert f'aria-label^="{DOWNLOAD_LABEL}"' in CSS and "display:none" in CSS


def test_the_dashboard_hides_table_downloads_on_every_page() -> None:
    """dashboard.py runs every page: it calls hide_table_downloads() before the navigation runs."""
    source = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    calls = [m.start() for m in re.finditer(r"^hide_table_downloads\(\)", source, re.MULTILINE)]
    navigation = source.find("st.navigation(pages")
    assert calls and navigation > 0 and calls[0] < navigation


APP = """
import pandas as pd
import streamlit as st
from ui.table_guard import hide_table_downloads

hide_table_downloads()
st.dataframe(pd.DataFrame({"note": ['=HYPERLINK("http://x","y")']}))
st.data_editor(pd.DataFrame({"note": ["+1"]}), key="editor")
"""


@pytest.mark.browser
def test_tables_offer_no_csv_download_in_a_browser(tmp_path: Path, browser: Browser) -> None:
    script = tmp_path / "tables.py"
    script.write_text(APP, encoding="utf-8")
    with serve_script(script) as url:
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        try:
            page.set_default_timeout(BROWSER_WAIT_MS)
            page.goto(url)
            for table in (page.get_by_test_id("stDataFrame").nth(i) for i in range(2)):
                table.hover()
                page.get_by_role("button", name="Search").first.wait_for()  # the toolbar is up
                buttons = page.locator('[data-testid="stElementToolbarButton"] button')
                labels = [buttons.nth(i).get_attribute("aria-label") or "" for i in range(buttons.count())]
                shown = [label for i, label in enumerate(labels) if buttons.nth(i).is_visible()]
                assert "Download as CSV" in labels  # rendered, so the check below is not vacuous ...
                assert "Search" in shown and "Download as CSV" not in shown  # ... and hidden
        finally:
            page.close()
