"""Exports: the 効果検証 table, .xlsx with no formula cells, Japanese through xlsx and BOM CSV, the CLI."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kpi.evaluation import EVALUATION_KEYS, evaluation_table, export_bytes
from kpi.exports import csv_bytes, xlsx_bytes
from kpi.filters import Filters
from kpi.status import portfolio_status
from kpi.storage import Database
from tests.conftest import DEMO_TODAY, OPERATOR

ROOT = Path(__file__).parent.parent
FORMULAS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", '=HYPERLINK("http://x")']


def test_xlsx_cells_never_hold_formulas() -> None:
    frame = pd.DataFrame({"text": FORMULAS, "=header": [1, 2, 3, 4, 5], "n": [-1.5, 0, 2, 3, 4]})
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"data": frame})))
    sheet = book["data"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert [sheet.cell(row=i + 2, column=1).value for i in range(5)] == ["'" + f for f in FORMULAS]
    assert sheet.cell(row=1, column=2).value == "'=header"
    assert sheet.cell(row=2, column=3).value == -1.5  # numbers stay numbers


def test_japanese_round_trips_through_xlsx_and_bom_csv() -> None:
    frame = pd.DataFrame({"プロジェクト名": ["茶畑ソーラーシェアリング実証", "=危険"], "実績値": [1234, 5]})
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["プロジェクト名", "実績値"]
    assert list(back["プロジェクト名"]) == ["茶畑ソーラーシェアリング実証", "'=危険"]
    sheet = pd.read_excel(io.BytesIO(xlsx_bytes({"効果検証": frame})), sheet_name="効果検証")
    assert list(sheet["プロジェクト名"]) == ["茶畑ソーラーシェアリング実証", "'=危険"]


def test_evaluation_table_on_the_demo(demo_db: Database) -> None:
    table = evaluation_table(demo_db, DEMO_TODAY, "ja", actor=OPERATOR)
    assert list(table.columns) == EVALUATION_KEYS
    p01 = table[(table["project_code"] == "P01") & (table["kpi_name"] == "共同研究の件数")]
    assert list(p01["horizon"]) == ["短期", "中期", "長期"]
    status = portfolio_status(demo_db, DEMO_TODAY)
    row = status[(status["project_code"] == "P01") & (status["kpi_code"] == "joint_studies")].iloc[0]
    assert p01.iloc[0]["value"] == row["value"]
    assert p01.iloc[1]["achievement"] == pytest.approx(row["achievement_mid"])
    assert p01.iloc[0]["evaluation"] == "達成"  # short-term target already passed
    assert all(str(fy).endswith("年度") for fy in table["fiscal_year"])


def test_evaluation_follows_the_filters(demo_db: Database) -> None:
    table = evaluation_table(demo_db, DEMO_TODAY, "en", Filters(prefectures=("北海道",)), actor=OPERATOR)
    assert set(table["project_code"]) == {"P01", "P13", "P23"}


def test_export_bytes_xlsx_has_both_sheets(demo_db: Database) -> None:
    data, rows = export_bytes(demo_db, DEMO_TODAY, "ja", "xlsx", actor=OPERATOR)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["効果検証", "進捗状況"]
    headers = [c.value for c in book["効果検証"][1]]
    assert headers[6:11] == ["基準値", "目標値", "実績値", "達成率", "評価"]
    assert book["効果検証"].max_row == rows + 1


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
    assert run_cli("export", "--out", str(tmp_path / "e.txt"), db=demo_db_path).returncode == 2
    assert run_cli("export", "--out", str(csv), "--as-of", "soon", db=demo_db_path).returncode == 2
    assert run_cli("export", "--out", str(csv), db=tmp_path / "missing.duckdb").returncode == 2
