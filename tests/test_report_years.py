"""The executive report's year view (効果検証 of the previous and the current 年度) and its grades."""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path

import pytest

from kpi.portfolio.filters import Filters
from kpi.reports.executive import report_html
from kpi.storage import Database
from kpi.storage.registry import write_setting
from tests.conftest import DEMO_TODAY, OPERATOR

NOW = datetime(2026, 11, 26, 9, 0)


# The report shows the year view of a few pairs only (the worst projects first): each test narrows
# the portfolio to the project it reads with a prefecture filter, as a user would.
OKINAWA, NIIGATA, HOKKAIDO = (
    Filters(prefectures=(p,)) for p in ("沖縄県", "新潟県", "北海道")
)  # P08, P07, P01


@pytest.fixture(scope="module")
def reports(demo_db_path: Path) -> dict[str, str]:
    db = Database(demo_db_path)
    try:
        pages = {lang: report_html(db, DEMO_TODAY, lang, OKINAWA, actor=OPERATOR) for lang in ("ja", "en")}
        pages["niigata"] = report_html(db, DEMO_TODAY, "ja", NIIGATA, actor=OPERATOR)
        pages["hokkaido"] = report_html(db, DEMO_TODAY, "en", HOKKAIDO, actor=OPERATOR)
        pages["all"] = report_html(db, DEMO_TODAY, "en", actor=OPERATOR)
        return pages
    finally:
        db.close()


def _years_section(page: str) -> str:
    start = page.index('<h2 id="years">')
    return page[start : page.index("<h2>", start)]


def _row(section: str, kpi_label: str) -> list[str]:
    """The cells (text only) of the year table's row for one KPI label."""
    for row in re.findall(r"<tr>(.*?)</tr>", section):
        if f">{html.escape(kpi_label)}<" in row:
            return [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    raise AssertionError(f"no row for {kpi_label}")


def test_the_year_table_shows_the_previous_and_the_current_year(reports: dict[str, str]) -> None:
    en = _years_section(reports["en"])
    assert "<th class='y' colspan='4'>FY2025</th><th class='y' colspan='4'>FY2026</th>" in en
    # P08 入域観光客数: FY2025 204,000 of 209,000 → (204,000 − 182,000) / (209,000 − 182,000) = 81 %,
    # at risk; FY2026 so far 106,500 of 218,000, a partial yearly total: not graded.
    cells = _row(en, "Visitors to the islands")
    assert cells[-9:] == [
        "209,000",
        "204,000",
        "81%",
        "At risk",
        "218,000",
        "106,500 (partial)",
        "—",
        "−",
        "227,000",
    ]
    ja = _years_section(reports["ja"])
    assert "年度別の効果検証" in ja and "2025年度" in ja and "2026年度" in ja
    cells = _row(ja, "入域観光客数（人）")
    assert cells[-9:] == [
        "209,000",
        "204,000",
        "81%",
        "注意",
        "218,000",
        "106,500（途中）",
        "—",
        "−",
        "227,000",
    ]
    # 定住人口 (P07) is counted at each 年度's end: FY2026 has no count yet, and its target is
    # read off the plan between the baseline and the FY2030 point (計画値 ※).
    cells = _row(_years_section(reports["niigata"]), "定住人口（人）")
    assert cells[-9:-5] == ["12,314.32※", "12,240", "88%", "注意"]  # 1 - 74.32 / 600 (a managed decline)
    assert cells[-5:-3] == ["12,271.48※", "未報告"]


def test_each_row_shows_its_own_year(reports: dict[str, str]) -> None:
    """P01 共同研究 (baseline 2): 8 in FY2025 against 5, (8 − 2) / (5 − 2) = 200 %; 9 so far in FY2026."""
    section = _years_section(reports["hokkaido"])
    start = section.rindex("<tr>", 0, section.index(">P01 "))
    cells = _row(section[start:], "Joint studies")
    assert cells[0].startswith("P01 ")
    assert cells[-9:-5] == ["5", "8", "200%", "Achieved"] and cells[-4] == "9 (partial)"


def test_grades_appear_wherever_status_does(demo_db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(demo_db_path.read_bytes())
    db = Database(copy)
    with db.transaction() as cursor:
        write_setting(cursor, "grade_scheme", "abcd", actor="tester", now=NOW)
    page = report_html(db, DEMO_TODAY, "en", OKINAWA, actor=OPERATOR)
    everything = report_html(db, DEMO_TODAY, "en", actor=OPERATOR)
    db.close()
    section = _years_section(page)
    cells = _row(section, "Visitors to the islands")
    assert cells[-9:-5] == ["209,000", "204,000", "81%", "B"] and cells[-2] == "−"
    # The matrix: status and grade of the final achievement (P08 visitors: at risk, 68 % → C).
    matrix = page[page.index("<table class='matrix'>") :]
    matrix = matrix[: matrix.index("</table>")]
    p08 = next(r for r in re.findall(r"<tr>(.*?)</tr>", matrix) if ">P08<" in r)
    assert "At risk · C" in p08
    # KPIs off track: their grade next to the final achievement.
    off = everything[everything.index("KPIs off track and why") :]
    off = off[: off.index("</table>")]
    assert "<th>Grade</th>" in off and "<td class='g'>D</td>" in off
    assert "Grades by fiscal year" in page


def test_the_default_scheme_shows_status_names_once(reports: dict[str, str]) -> None:
    matrix = reports["all"][reports["all"].index("<table class='matrix'>") :]
    matrix = matrix[: matrix.index("</table>")]
    assert " · " not in matrix  # grades are the status names: not repeated
