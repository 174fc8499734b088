"""The executive one-pager: self-contained HTML (no script), headline numbers, A4 print CSS, the as-of
date and the filters stamped in words, lists cut with "and M more", the CLI (HTML and PDF)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kpi.portfolio.filters import Filters
from kpi.portfolio.overview import build_overview
from kpi.reports.executive import MATRIX_ROWS, filters_in_words, previous_quarter_end, report_html
from kpi.storage import Database
from tests.conftest import DEMO_TODAY, OPERATOR

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def reports(demo_db_path: Path) -> dict[str, str]:
    db = Database(demo_db_path)
    try:
        return {lang: report_html(db, DEMO_TODAY, lang, actor=OPERATOR) for lang in ("ja", "en")}
    finally:
        db.close()


def test_self_contained_and_a4(reports: dict[str, str]) -> None:
    for page in reports.values():
        assert "<script" not in page  # no plotly.js: bars are HTML, so print and PDF show them
        assert re.search(r"<link[^>]+href=", page) is None and "src=" not in page
        assert "@page { size: A4;" in page and '"Noto Sans CJK JP"' in page
        assert "<thead>" in page  # a table that continues on a page repeats its header


def test_stamp_names_the_as_of_date_and_the_filters(demo_db: Database, reports: dict[str, str]) -> None:
    assert "As of 26 Nov 2026 · Filters: all projects · Compared with 30 Jun 2026" in reports["en"]
    assert "基準日：2026年11月26日 ／ 条件：すべてのプロジェクト ／ 比較：2026年6月30日時点" in reports["ja"]
    chosen = Filters(fiscal_year=2026, prefectures=("北海道",), sectors=("government", "academia"))
    en = report_html(demo_db, DEMO_TODAY, "en", chosen, actor=OPERATOR)
    assert (
        "Filters: Fiscal year: FY2026; Prefecture: 北海道; Sector (any partner): Government, Academia" in en
    )
    ja = report_html(demo_db, DEMO_TODAY, "ja", Filters(phases=("planning",)), actor=OPERATOR)
    assert "条件：フェーズ：計画 ／" in ja
    assert filters_in_words(None, "en") == "all projects"


def test_lists_are_cut_with_and_m_more(demo_db: Database, reports: dict[str, str]) -> None:
    view = build_overview(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    matrix = reports["en"][reports["en"].index("<table class='matrix'>") :]
    matrix = matrix[: matrix.index("</table>")]
    assert matrix.count("<tr>") == MATRIX_ROWS + 1  # the header and the worst projects
    assert (
        f"and {view.project_count - MATRIX_ROWS} more (the evaluation export lists them all)" in reports["en"]
    )
    assert f"ほか {view.project_count - MATRIX_ROWS} 件（全件は効果検証表に）" in reports["ja"]


def test_headline_numbers_and_sections(demo_db: Database, reports: dict[str, str]) -> None:
    view = build_overview(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    en, ja = reports["en"], reports["ja"]
    assert f"<b>{view.project_count:,}</b>" in en
    for count in view.status_counts.values():
        assert f"<b>{count:,}</b>" in en
    assert f"<b>{view.headline['joint_studies']:,.0f}</b>" in en
    for text in ("KPI executive report", "KPIs off track and why", "Changes since 30 Jun 2026"):
        assert text in en
    assert "KPI 経営層向けレポート" in ja and "2026年6月30日からの変化" in ja and "要因分析" in ja
    assert "P07" in en  # off track on the demo


def test_off_track_explanations_are_shown(demo_db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(demo_db_path.read_bytes())
    db = Database(copy)
    with db.transaction() as cursor:
        cursor.execute(
            "UPDATE actual_versions SET explanation = ? WHERE id = (SELECT max(v.id) FROM actual_versions v"
            " JOIN actual_current c ON c.version_id = v.id WHERE v.project_code = 'P07'"
            " AND v.kpi_code = 'joint_studies')",
            ["<担当者の異動で遅延>"],
        )
    page = report_html(db, DEMO_TODAY, "ja", actor=OPERATOR)
    db.close()
    assert "&lt;担当者の異動で遅延&gt;" in page  # escaped, shown


def test_previous_quarter_end() -> None:
    assert previous_quarter_end(date(2026, 11, 26), 4) == date(2026, 6, 30)
    assert previous_quarter_end(date(2026, 9, 30), 4) == date(2026, 6, 30)
    assert previous_quarter_end(date(2026, 4, 1), 4) == date(2025, 12, 31)


def test_cli_report(demo_db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"

    def run(*args: str) -> int:
        command = [sys.executable, "-m", "kpi", "report", *args, "--db", str(demo_db_path)]
        return subprocess.run(command, cwd=ROOT, capture_output=True, timeout=120).returncode

    assert run("--out", str(out), "--lang", "en", "--as-of", "2026-09-30") == 0
    page = out.read_text(encoding="utf-8")
    assert "As of 30 Sep 2026" in page and "<script" not in page
    pdf = tmp_path / "report.pdf"
    assert run("--out", str(pdf), "--as-of", "2026-09-30") == 0
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert run("--out", str(tmp_path / "report.docx")) == 2
    assert run("--out", str(out), "--as-of", "yesterday") == 2
    assert run("--out", str(tmp_path / "no" / "dir" / "r.html")) == 2
