"""Filters → (SQL fragment, bound parameters), as a table of inputs and expected outputs; and the URL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kpi.grades import grading
from kpi.model import Settings
from kpi.portfolio.filters import Filters, date_from_link, fiscal_years, from_query, to_query
from kpi.storage import Database
from kpi.storage.filters_sql import filter_sql
from kpi.storage.portfolio import load_filtered_status

SECTOR_SQL = (
    "(EXISTS (SELECT 1 FROM partners pa JOIN organizations o USING (organization_code)"
    " WHERE pa.project_code = pr.project_code AND list_contains($f_sectors::VARCHAR[], o.sector)))"
)
FY_SQL = "(pr.start_date <= $f_fy_last AND (pr.end_date IS NULL OR pr.end_date >= $f_fy_first))"

CASES: list[tuple[Filters, int, str, dict[str, Any]]] = [
    (Filters(), 4, "TRUE", {}),
    (Filters(fiscal_year=2025), 4, FY_SQL, {"f_fy_first": date(2025, 4, 1), "f_fy_last": date(2026, 3, 31)}),
    (Filters(fiscal_year=2025), 1, FY_SQL, {"f_fy_first": date(2025, 1, 1), "f_fy_last": date(2025, 12, 31)}),
    (Filters(fields=("AI",)), 4, "(list_contains($f_fields::VARCHAR[], pr.field))", {"f_fields": ["AI"]}),
    (
        Filters(prefectures=("北海道", "京都府")),
        4,
        "(list_contains($f_prefectures::VARCHAR[], pr.prefecture))",
        {"f_prefectures": ["北海道", "京都府"]},
    ),
    (
        Filters(phases=("planning",)),
        4,
        "(list_contains($f_phases::VARCHAR[], pr.phase))",
        {"f_phases": ["planning"]},
    ),
    (Filters(sectors=("government",)), 4, SECTOR_SQL, {"f_sectors": ["government"]}),
    (
        Filters(fiscal_year=2026, fields=("AI", "バイオ"), sectors=("industry",)),
        4,
        f"{FY_SQL} AND (list_contains($f_fields::VARCHAR[], pr.field)) AND {SECTOR_SQL}",
        {
            "f_fy_first": date(2026, 4, 1),
            "f_fy_last": date(2027, 3, 31),
            "f_fields": ["AI", "バイオ"],
            "f_sectors": ["industry"],
        },
    ),
    # A hostile value stays a bound parameter: the SQL text never changes with input.
    (
        Filters(fields=("x'); DROP TABLE projects; --",)),
        4,
        "(list_contains($f_fields::VARCHAR[], pr.field))",
        {"f_fields": ["x'); DROP TABLE projects; --"]},
    ),
]


@pytest.mark.parametrize("filters, start_month, sql, params", CASES)
def test_filter_sql(filters: Filters, start_month: int, sql: str, params: dict[str, Any]) -> None:
    assert filter_sql(filters, start_month) == (sql, params)


@pytest.mark.parametrize("filters", [case[0] for case in CASES])
def test_url_round_trip(filters: Filters) -> None:
    assert from_query(to_query(filters)) == filters


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, Filters()),
        (
            {"fy": ["2025"], "sector": ["industry", "pirates"]},
            Filters(fiscal_year=2025, sectors=("industry",)),
        ),
        ({"fy": ["twenty"], "phase": ["closed", "closed", "nope"]}, Filters(phases=("closed",))),
        ({"field": ["AI", "AI"], "pref": ["北海道"]}, Filters(fields=("AI",), prefectures=("北海道",))),
    ],
)
def test_from_query_ignores_what_it_cannot_use(query: dict[str, list[str]], expected: Filters) -> None:
    assert from_query(query) == expected


def test_parse_date_and_fiscal_years() -> None:
    assert date_from_link("2026-03-31", date(2000, 1, 1)) == date(2026, 3, 31)
    assert date_from_link("31/3/2026", date(2000, 1, 1)) == date(2000, 1, 1)
    assert date_from_link(None, date(2000, 1, 1)) == date(2000, 1, 1)
    assert fiscal_years(date(2024, 3, 31), date(2025, 4, 1)) == [2025, 2024, 2023]
    assert fiscal_years(None, date(2025, 4, 1)) == []


@pytest.mark.parametrize("filters", [case[0] for case in CASES])
def test_every_fragment_runs_against_the_demo(demo_db: Database, filters: Filters) -> None:
    sql, params = filter_sql(filters)
    with demo_db.cursor() as cursor:
        load_filtered_status(cursor, date(2026, 11, 26), settings=Settings(), grading=grading(Settings()),
                             where=sql, params=params)  # fmt: skip
        kept = {r[0] for r in cursor.execute("SELECT project_code FROM ov_projects").fetchall()}
        projects = cursor.execute(
            "SELECT project_code, field, prefecture, phase, start_date, end_date FROM projects"
        ).df()
        sectors = cursor.execute(
            "SELECT DISTINCT project_code, sector FROM partners JOIN organizations USING (organization_code)"
        ).df()
    expected = set(projects["project_code"])
    if filters.fields:
        expected &= set(projects[projects["field"].isin(filters.fields)]["project_code"])
    if filters.prefectures:
        expected &= set(projects[projects["prefecture"].isin(filters.prefectures)]["project_code"])
    if filters.phases:
        expected &= set(projects[projects["phase"].isin(filters.phases)]["project_code"])
    if filters.sectors:
        expected &= set(sectors[sectors["sector"].isin(filters.sectors)]["project_code"])
    if filters.fiscal_year is not None:
        first, last = date(filters.fiscal_year, 4, 1), date(filters.fiscal_year + 1, 3, 31)
        running = (projects["start_date"].dt.date <= last) & (
            projects["end_date"].isna() | (projects["end_date"].dt.date >= first)
        )
        expected &= set(projects[running]["project_code"])
    assert kept == expected
