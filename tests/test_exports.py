"""Exports: the 効果検証 table is the year view (one row per project x KPI x 年度, each year its own
value), .xlsx with numbers, % formats and no formula cells, Japanese through xlsx and BOM CSV, the CLI."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from kpi.exports import AMOUNT, PERCENT, csv_bytes, xlsx_bytes
from kpi.formatting.numbers import DECIMALS
from kpi.i18n import t
from kpi.model import Status
from kpi.portfolio.filters import Filters
from kpi.portfolio.status import portfolio_status, portfolio_years
from kpi.reports.evaluation import EVALUATION_KEYS, STATUS_KEYS, evaluation_table, export_bytes, status_table
from kpi.storage import Database
from kpi.storage.registry import write_setting
from tests.conftest import DEMO_TODAY, OPERATOR

ROOT = Path(__file__).parent.parent
FORMULAS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", '=HYPERLINK("http://x")']
NOW = datetime(2026, 11, 26, 9, 0)

# P08 入域観光客数 on the demo (kpi/demo/real.py): yearly totals against one target per 年度,
# baseline 182,000 (FY2022), +9,000 a year; FY2026 has April–September only (half the seasons).
P08_VISITORS = {
    "2023年度": (193_000.0, 191_000.0, (193_000 - 182_000) / (191_000 - 182_000)),
    "2024年度": (198_500.0, 200_000.0, (198_500 - 182_000) / (200_000 - 182_000)),
    "2025年度": (204_000.0, 209_000.0, (204_000 - 182_000) / (209_000 - 182_000)),
}


def test_xlsx_cells_never_hold_formulas() -> None:
    frame = pd.DataFrame({"text": FORMULAS, "=header": [1, 2, 3, 4, 5], "n": [-1.5, 0, 2, 3, 4]})
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"data": frame})))
    sheet = book["data"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    # Kept as text exactly as written, marked with Excel's quote prefix so an edit keeps it text.
    assert [sheet.cell(row=i + 2, column=1).value for i in range(5)] == FORMULAS
    assert sheet.cell(row=1, column=2).value == "=header"
    assert all(cell.quotePrefix for cell in sheet["A"][1:])
    assert sheet.cell(row=2, column=3).value == -1.5  # numbers stay numbers


def test_xlsx_number_formats_apply_to_numbers_only() -> None:
    frame = pd.DataFrame({"rate": [0.5, None, 1.25], "amount": [1234.0, 2.5, "未報告"]})
    data = xlsx_bytes({"s": frame}, formats={"rate": PERCENT, "amount": AMOUNT})
    sheet = openpyxl.load_workbook(io.BytesIO(data))["s"]
    assert [(c.value, c.number_format) for c in sheet["A"][1:]] == [
        (0.5, "0.0%"),
        (None, "General"),
        (1.25, "0.0%"),
    ]
    assert [(c.value, c.number_format) for c in sheet["B"][1:]] == [
        (1234, "#,##0"),
        (2.5, "#,##0.0##"),
        ("未報告", "General"),
    ]
    assert sheet.freeze_panes == "A2"


def test_japanese_round_trips_through_xlsx_and_bom_csv() -> None:
    frame = pd.DataFrame({"プロジェクト名": ["茶畑ソーラーシェアリング実証", "=危険"], "実績値": [1234, 5]})
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["プロジェクト名", "実績値"]
    assert list(back["プロジェクト名"]) == ["茶畑ソーラーシェアリング実証", "'=危険"]
    sheet = pd.read_excel(io.BytesIO(xlsx_bytes({"効果検証": frame})), sheet_name="効果検証")
    assert list(sheet["プロジェクト名"]) == ["茶畑ソーラーシェアリング実証", "=危険"]


@pytest.fixture(scope="module")
def table_ja(demo_db_path: Path) -> pd.DataFrame:
    db = Database(demo_db_path)
    try:
        return evaluation_table(db, DEMO_TODAY, "ja", actor=OPERATOR)
    finally:
        db.close()


def _rows(table: pd.DataFrame, project: str, kpi: str) -> pd.DataFrame:
    return table[(table["project_code"] == project) & (table["kpi_code"] == kpi)].set_index("fiscal_year")


def test_p08_visitors_each_year_against_its_own_target(table_ja: pd.DataFrame) -> None:
    rows = _rows(table_ja, "P08", "tourist_visitors")
    assert list(rows.index) == ["2022年度", "2023年度", "2024年度", "2025年度", "2026年度"]
    for year, (actual, target, achievement) in P08_VISITORS.items():
        row = rows.loc[year]
        assert (row["value"], row["year_target"], row["value_note"], row["target_note"]) == (
            actual,
            target,
            "",
            "",
        )
        assert row["year_achievement"] == pytest.approx(achievement)
        assert row["final_achievement"] == pytest.approx((actual - 182_000) / (227_000 - 182_000))
        assert row["baseline"] == 182_000 and row["final_target"] == 227_000
    assert [rows.loc[y, "evaluation"] for y in P08_VISITORS] == ["達成", "順調", "注意"]
    # FY2026 so far: April–September of 213,000 (shares 0.08+0.08+0.085+0.09+0.095+0.07 = half),
    # a partial year: shown, marked 途中, not evaluated (decisions D9).
    now = rows.loc["2026年度"]
    assert (now["value"], now["value_note"], now["year_target"]) == (106_500.0, "途中", 218_000.0)
    assert pd.isna(now["year_achievement"]) and now["evaluation"] == "−"
    # The baseline year has no report: 未報告, and its target is read off the plan (計画値).
    before = rows.loc["2022年度"]
    assert (before["value"], before["target_note"], before["evaluation"]) == ("未報告", "計画値", "−")


def test_no_year_row_shows_the_latest_value(demo_db: Database, table_ja: pd.DataFrame) -> None:
    """The old export repeated the value to date in every row; each 年度 has its own."""
    status = portfolio_status(demo_db, DEMO_TODAY).set_index(["project_code", "kpi_code"])
    visitors = _rows(table_ja, "P08", "tourist_visitors")["value"]
    assert status.loc[("P08", "tourist_visitors"), "value"] not in set(visitors)  # 212,418 annualised
    studies = _rows(table_ja, "P01", "joint_studies")["value"]
    assert list(studies) == [4.0, 8.0, 9.0]  # to date: 9
    repeated = [
        key
        for key, group in table_ja.groupby(["project_code", "kpi_code"])
        if len(numbers := [v for v in group["value"] if not isinstance(v, str)]) > 2
        and len(set(numbers)) == 1
    ]
    assert repeated == []


def test_every_row_matches_the_year_view(demo_db: Database, table_ja: pd.DataFrame) -> None:
    years = portfolio_years(demo_db, DEMO_TODAY).sort_values(["project_code", "kpi_code", "fiscal_year"])
    assert len(table_ja) == len(years) > 300
    assert list(table_ja.columns) == EVALUATION_KEYS
    for ours, theirs in zip(table_ja.to_dict("records"), years.to_dict("records"), strict=True):
        assert (ours["project_code"], ours["kpi_code"], ours["fiscal_year"]) == (
            theirs["project_code"],
            theirs["kpi_code"],
            f"{theirs['fiscal_year']}年度",
        )
        if pd.isna(theirs["actual"]):
            assert ours["value"] == "未報告"
        else:
            assert ours["value"] == theirs["actual"]
        assert (ours["value_note"] == "途中") == bool(theirs["partial"])
        assert (ours["target_note"] == "計画値") == bool(theirs["interpolated"])
        assert ours["year_target"] == theirs["year_target"]
        assert _same(ours["year_achievement"], theirs["year_achievement"])
        assert _same(ours["final_achievement"], theirs["final_achievement"])


def _same(a: Any, b: Any) -> bool:
    return bool(pd.isna(a) and pd.isna(b)) or a == b


def test_horizon_tags_name_their_year(table_ja: pd.DataFrame) -> None:
    rows = _rows(table_ja, "P08", "joint_studies")
    assert dict(rows["horizon"]) == {"2023年度": "", "2024年度": "短期", "2025年度": "中期", "2026年度": ""}


def test_english_and_era_year_labels(demo_db: Database) -> None:
    en = evaluation_table(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    rows = _rows(en, "P08", "tourist_visitors")
    assert list(rows.index)[:2] == ["FY2022", "FY2023"]
    assert (rows.loc["FY2022", "value"], rows.loc["FY2026", "value_note"]) == ("not reported", "partial year")
    assert (
        rows.loc["FY2023", "kpi_name"] == "Visitors to the islands"
        and rows.loc["FY2023", "evaluation"] == "Achieved"
    )
    era = evaluation_table(demo_db, DEMO_TODAY, "ja", actor=OPERATOR, wareki=True)
    assert list(_rows(era, "P08", "tourist_visitors").index)[:2] == ["令和4年度", "令和5年度"]


def test_evaluation_follows_the_filters(demo_db: Database) -> None:
    table = evaluation_table(demo_db, DEMO_TODAY, "en", Filters(prefectures=("北海道",)), actor=OPERATOR)
    assert set(table["project_code"]) == {"P01", "P13", "P23"}
    one_year = evaluation_table(demo_db, DEMO_TODAY, "ja", Filters(fiscal_year=2025), actor=OPERATOR)
    assert set(one_year["fiscal_year"]) == {"2025年度"}


def test_status_sheet_has_final_target_and_grade(demo_db: Database) -> None:
    table = status_table(demo_db, DEMO_TODAY, "ja", actor=OPERATOR)
    assert list(table.columns) == STATUS_KEYS
    row = table[(table["project_code"] == "P08") & (table["kpi_code"] == "tourist_visitors")].iloc[0]
    assert (row["final_target"], row["status"], row["evaluation"], row["year_in_view"]) == (
        227_000.0,
        "注意",
        "注意",
        "2026年度",
    )
    assert row["final_achievement"] == pytest.approx((212_418.032787 - 182_000) / 45_000)


def _sheet_rows(sheet: Any) -> tuple[list[str], list[list[Any]]]:
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    return [str(c.value) for c in rows[0]], rows[1:]


def test_export_bytes_xlsx_numbers_formats_and_both_sheets(demo_db: Database) -> None:
    data, rows = export_bytes(demo_db, DEMO_TODAY, "ja", "xlsx", actor=OPERATOR)
    book = openpyxl.load_workbook(io.BytesIO(data))
    # the demo's funding adds its two sheets after these (tests/test_funding_report.py)
    assert book.sheetnames == ["効果検証", "進捗状況", "資金（年度別）", "交付決定別KPI"]
    headers, cells = _sheet_rows(book["効果検証"])
    assert headers[5:] == ["年度", "期間区分", "基準値", "実績値", "実績の区分", "年度目標", "目標の区分",
                           "最終目標", "達成率（年度）", "達成率（最終）", "評価"]  # fmt: skip
    assert len(cells) == rows
    col = {h: i for i, h in enumerate(headers)}
    visitors = {r[col["年度"]].value: r for r in cells if r[col["KPIコード"]].value == "tourist_visitors"}
    fy2024 = visitors["2024年度"]
    assert (fy2024[col["実績値"]].value, fy2024[col["実績値"]].number_format) == (198_500, "#,##0")
    assert (fy2024[col["年度目標"]].value, fy2024[col["評価"]].value) == (200_000, "順調")
    share = fy2024[col["達成率（年度）"]]
    assert share.value == round(16_500 / 18_000, 3) and share.number_format == "0.0%"  # 0.917: 91.7 %
    assert visitors["2026年度"][col["実績の区分"]].value == "途中"
    assert visitors["2022年度"][col["実績値"]].value == "未報告"
    assert all(c.data_type != "f" for r in cells for c in r)
    status_headers, status_cells = _sheet_rows(book["進捗状況"])
    assert {"最終目標", "達成率（最終）", "評価", "進捗状況"} <= set(status_headers)
    scol = {h: i for i, h in enumerate(status_headers)}
    p08 = next(r for r in status_cells if r[scol["KPIコード"]].value == "tourist_visitors")
    assert (p08[scol["最終目標"]].value, p08[scol["評価"]].value) == (227_000, "注意")
    assert p08[scol["達成率（最終）"]].number_format == "0.0%"
    assert p08[scol["基準日"]].value.date() == DEMO_TODAY


def test_grades_follow_the_scheme_and_names_are_neutralised(demo_db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(demo_db_path.read_bytes())
    db = Database(copy)
    with db.transaction() as cursor:
        write_setting(cursor, "grade_scheme", "abcd", actor="tester", now=NOW)
        cursor.execute("UPDATE projects SET name_ja = '=HYPERLINK(\"http://x\")' WHERE project_code = 'P08'")
    data, _ = export_bytes(db, DEMO_TODAY, "ja", "xlsx", actor=OPERATOR)
    csv, _ = export_bytes(db, DEMO_TODAY, "ja", "csv", actor=OPERATOR)
    db.close()
    book = openpyxl.load_workbook(io.BytesIO(data))
    headers, cells = _sheet_rows(book["効果検証"])
    col = {h: i for i, h in enumerate(headers)}
    visitors = {r[col["年度"]].value: r for r in cells if r[col["KPIコード"]].value == "tourist_visitors"}
    # 122 % → A, 92 % → B, 81 % → B; the partial year is not graded.
    grades = [visitors[y][col["評価"]].value for y in ("2023年度", "2024年度", "2025年度", "2026年度")]
    assert grades == ["A", "B", "B", "−"]
    assert visitors["2023年度"][col["プロジェクト名"]].value == '=HYPERLINK("http://x")'
    status_headers, status_cells = _sheet_rows(book["進捗状況"])
    scol = {h: i for i, h in enumerate(status_headers)}
    p08 = next(r for r in status_cells if r[scol["KPIコード"]].value == "tourist_visitors")
    assert (p08[scol["進捗状況"]].value, p08[scol["評価"]].value) == ("注意", "C")  # final: 68 % ≥ 50 %
    text = csv.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def run_cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kpi", *args, "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_cli_export(demo_db_path: Path, tmp_path: Path) -> None:
    xlsx, csv = tmp_path / "e.xlsx", tmp_path / "e.csv"
    assert run_cli("export", "--out", str(xlsx), "--lang", "ja", db=demo_db_path).returncode == 0
    assert pd.read_excel(xlsx, sheet_name="効果検証")["評価"].notna().all()
    done = run_cli("export", "--out", str(csv), "--as-of", "2026-06-30", "--lang", "en", db=demo_db_path)
    assert done.returncode == 0, done.stderr
    assert csv.read_bytes().startswith(b"\xef\xbb\xbfProject,")
    back = pd.read_csv(csv, encoding="utf-8-sig")
    visitors = back[(back["KPI code"] == "tourist_visitors")].set_index("Fiscal year")
    assert (
        visitors.loc["FY2025", "Actual"] == "204000"
        and visitors.loc["FY2026", "Actual note"] == "partial year"
    )
    assert run_cli("export", "--out", str(tmp_path / "e.txt"), db=demo_db_path).returncode == 2
    assert run_cli("export", "--out", str(csv), "--as-of", "soon", db=demo_db_path).returncode == 2
    assert run_cli("export", "--out", str(csv), db=tmp_path / "missing.duckdb").returncode == 2


@pytest.fixture(scope="module")
def books(demo_db_path: Path) -> dict[str, tuple[Any, str]]:
    """The .xlsx (opened) and the CSV (decoded) of the whole demo at 2026-11-30, by language."""
    db = Database(demo_db_path)
    try:
        out = {}
        for lang in ("ja", "en"):
            data, _ = export_bytes(db, date(2026, 11, 30), lang, "xlsx", actor=OPERATOR)
            csv, _ = export_bytes(db, date(2026, 11, 30), lang, "csv", actor=OPERATOR)
            out[lang] = (openpyxl.load_workbook(io.BytesIO(data)), csv.decode("utf-8-sig"))
        return out
    finally:
        db.close()


HEADERS = {
    "ja": (["プロジェクトコード", "プロジェクト名", "KPIコード", "指標"], ["基準日", "進捗状況", "評価"]),
    "en": (["Project", "Project name", "KPI code", "KPI"], ["As of", "Status", "Grade"]),
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_xlsx_reads_like_an_officer_made_it(books: dict[str, tuple[Any, str]], lang: str) -> None:
    book = books[lang][0]
    evaluation, status = book.worksheets[:2]  # the funding sheets follow (tests/test_funding_report.py)
    first, status_keys = HEADERS[lang]
    head = [c.value for c in evaluation[1]]
    assert head[: len(first)] == first
    assert set(status_keys) <= {c.value for c in status[1]}
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
        if lang == "ja":  # every header in Japanese (KPIコード counts)
            assert all(not str(c.value).isascii() for c in sheet[1])
        widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
        assert all(8 <= w <= 50 for w in widths) and max(widths) > min(widths)
    col = {c.value: i for i, c in enumerate(status[1])}
    words = {t(f"status.{s.value}", lang) for s in Status}
    rows = list(status.iter_rows(min_row=2))
    assert {r[col[status_keys[1]]].value for r in rows} <= words  # words, not codes
    day = rows[0][col[status_keys[0]]]
    assert day.value.date() == date(2026, 11, 30) and day.number_format == "yyyy-mm-dd"
    for sheet in book.worksheets:
        shares = [c for c in sheet.iter_rows(min_row=2) for c in c if c.number_format == "0.0%"]
        assert shares and all(round(c.value, 3) == c.value for c in shares)  # 0.1 %, not 15 digits
        amounts = [c for r in sheet.iter_rows(min_row=2) for c in r if c.number_format.startswith("#,##0")]
        assert all(round(c.value, DECIMALS) == c.value for c in amounts)  # as format_number shows them


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_csv_numbers_have_sensible_decimals(books: dict[str, tuple[Any, str]], lang: str) -> None:
    text = books[lang][1]
    numbers = re.findall(r"(?<![\w.])-?\d+\.(\d+)(?![\w.])", text)
    # 88.9 (a percent), 12,314.32 (an amount as format_number shows it), never 2.3333333333333335
    assert numbers and max(len(d) for d in numbers) == DECIMALS
    assert re.search(r"\.0(?=,|\r)", text) is None  # whole numbers without ".0"
    header = text.split("\r\n", 1)[0]
    assert ("達成率（年度）（%）" in header) if lang == "ja" else ("(%)" in header)
