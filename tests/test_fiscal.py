"""Fiscal year (年度) arithmetic: SPEC section 3, default April start and other start months."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from kpi.fiscal import (
    closed_quarter_ends,
    days_in_fiscal_year,
    fiscal_quarter,
    fiscal_year,
    fiscal_year_bounds,
    fiscal_year_end,
    fiscal_year_label,
    last_closed_fiscal_year,
    last_closed_quarter_end,
    month_end,
    quarter_bounds,
    quarter_end,
    wareki_year,
)


@pytest.mark.parametrize(
    ("d", "start_month", "expected"),
    [
        # The 31 March → 1 April boundary with the default April start.
        (date(2026, 3, 31), 4, 2025),
        (date(2026, 4, 1), 4, 2026),
        (date(2025, 4, 1), 4, 2025),
        (date(2025, 12, 31), 4, 2025),
        (date(2026, 1, 1), 4, 2025),
        # January start: the fiscal year is the calendar year.
        (date(2026, 1, 1), 1, 2026),
        (date(2026, 12, 31), 1, 2026),
        # October start (e.g. a US-style fiscal year named by its start year).
        (date(2025, 9, 30), 10, 2024),
        (date(2025, 10, 1), 10, 2025),
        (date(2026, 9, 30), 10, 2025),
        # December start: only December belongs to the new year.
        (date(2025, 12, 1), 12, 2025),
        (date(2025, 11, 30), 12, 2024),
    ],
)
def test_fiscal_year(d: date, start_month: int, expected: int) -> None:
    assert fiscal_year(d, start_month) == expected


def test_fiscal_year_defaults_to_april() -> None:
    assert fiscal_year(date(2026, 3, 31)) == 2025
    assert fiscal_year(date(2026, 4, 1)) == 2026


@pytest.mark.parametrize(
    ("d", "start_month", "expected"),
    [
        (date(2025, 4, 1), 4, 1),
        (date(2025, 6, 30), 4, 1),
        (date(2025, 7, 1), 4, 2),
        (date(2025, 9, 30), 4, 2),
        (date(2025, 10, 1), 4, 3),
        (date(2025, 12, 31), 4, 3),
        (date(2026, 1, 1), 4, 4),
        (date(2026, 3, 31), 4, 4),
        (date(2026, 4, 1), 4, 1),
        (date(2026, 2, 15), 1, 1),
        (date(2026, 12, 31), 1, 4),
        (date(2025, 10, 1), 10, 1),
        (date(2026, 9, 30), 10, 4),
        (date(2026, 1, 31), 10, 2),
    ],
)
def test_fiscal_quarter(d: date, start_month: int, expected: int) -> None:
    assert fiscal_quarter(d, start_month) == expected


@pytest.mark.parametrize(
    ("fy", "start_month", "expected"),
    [
        (2025, 4, (date(2025, 4, 1), date(2026, 3, 31))),
        (2023, 4, (date(2023, 4, 1), date(2024, 3, 31))),
        (2026, 1, (date(2026, 1, 1), date(2026, 12, 31))),
        (2025, 10, (date(2025, 10, 1), date(2026, 9, 30))),
        # March start: the year ends on the last day of February, leap year included.
        (2023, 3, (date(2023, 3, 1), date(2024, 2, 29))),
        (2024, 3, (date(2024, 3, 1), date(2025, 2, 28))),
        (2025, 12, (date(2025, 12, 1), date(2026, 11, 30))),
    ],
)
def test_fiscal_year_bounds(fy: int, start_month: int, expected: tuple[date, date]) -> None:
    assert fiscal_year_bounds(fy, start_month) == expected


@pytest.mark.parametrize(
    ("fy", "quarter", "start_month", "expected"),
    [
        (2025, 1, 4, (date(2025, 4, 1), date(2025, 6, 30))),
        (2025, 2, 4, (date(2025, 7, 1), date(2025, 9, 30))),
        (2025, 3, 4, (date(2025, 10, 1), date(2025, 12, 31))),
        (2025, 4, 4, (date(2026, 1, 1), date(2026, 3, 31))),
        (2026, 1, 1, (date(2026, 1, 1), date(2026, 3, 31))),
        (2026, 4, 1, (date(2026, 10, 1), date(2026, 12, 31))),
        (2025, 1, 10, (date(2025, 10, 1), date(2025, 12, 31))),
        (2025, 2, 10, (date(2026, 1, 1), date(2026, 3, 31))),
        (2025, 4, 10, (date(2026, 7, 1), date(2026, 9, 30))),
        (2023, 4, 3, (date(2023, 12, 1), date(2024, 2, 29))),
        (2025, 4, 12, (date(2026, 9, 1), date(2026, 11, 30))),
    ],
)
def test_quarter_bounds(fy: int, quarter: int, start_month: int, expected: tuple[date, date]) -> None:
    assert quarter_bounds(fy, quarter, start_month) == expected
    assert quarter_end(fy, quarter, start_month) == expected[1]


@pytest.mark.parametrize("start_month", range(1, 13))
def test_quarters_tile_the_fiscal_year(start_month: int) -> None:
    first, last = fiscal_year_bounds(2025, start_month)
    quarters = [quarter_bounds(2025, q, start_month) for q in (1, 2, 3, 4)]
    assert quarters[0][0] == first
    assert quarters[3][1] == last
    for (_, end), (start, _) in pairwise(quarters):
        assert (start - end).days == 1
    # Every day of the year maps back to the same fiscal year and the right quarter.
    for q, (q_first, q_last) in enumerate(quarters, start=1):
        for d in (q_first, q_last):
            assert fiscal_year(d, start_month) == 2025
            assert fiscal_quarter(d, start_month) == q


def test_default_start_month_is_april() -> None:
    assert fiscal_year_bounds(2025) == (date(2025, 4, 1), date(2026, 3, 31))
    assert quarter_end(2025, 4) == date(2026, 3, 31)
    assert fiscal_quarter(date(2026, 3, 31)) == 4


@pytest.mark.parametrize("bad", [0, 13, -1, True])
def test_start_month_is_validated(bad: int) -> None:
    with pytest.raises(ValueError):
        fiscal_year(date(2026, 1, 1), bad)
    with pytest.raises(ValueError):
        fiscal_quarter(date(2026, 1, 1), bad)
    with pytest.raises(ValueError):
        fiscal_year_bounds(2025, bad)
    with pytest.raises(ValueError):
        quarter_bounds(2025, 1, bad)


@pytest.mark.parametrize("bad", [0, 5, -1])
def test_quarter_is_validated(bad: int) -> None:
    with pytest.raises(ValueError):
        quarter_bounds(2025, bad)
    with pytest.raises(ValueError):
        quarter_end(2025, bad)


@pytest.mark.parametrize(
    ("fy", "lang", "wareki", "expected"),
    [
        (2025, "en", False, "FY2025"),
        (2025, "en", True, "FY2025"),
        (2025, "ja", False, "2025年度"),
        (2025, "ja", True, "令和7年度"),
        (2026, "ja", True, "令和8年度"),
        (2019, "ja", True, "令和元年度"),
        (2020, "ja", True, "令和2年度"),
        (2018, "ja", True, "平成30年度"),
        (1989, "ja", True, "平成元年度"),
        (1988, "ja", True, "昭和63年度"),
    ],
)
def test_fiscal_year_label(fy: int, lang: str, wareki: bool, expected: str) -> None:
    assert fiscal_year_label(fy, lang, wareki=wareki) == expected


def test_fiscal_year_label_rejects_unknown_language() -> None:
    with pytest.raises(ValueError):
        fiscal_year_label(2025, "fr")


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2026, "令和8年"),
        (2019, "令和元年"),
        (2020, "令和2年"),
        (2018, "平成30年"),
        (1990, "平成2年"),
        (1989, "平成元年"),
        (1988, "昭和63年"),
        (1926, "昭和元年"),
    ],
)
def test_wareki_year(year: int, expected: str) -> None:
    assert wareki_year(year) == expected


def test_wareki_year_before_showa_is_rejected() -> None:
    with pytest.raises(ValueError):
        wareki_year(1925)


@pytest.mark.parametrize(
    ("fy", "start_month", "end", "days"),
    [
        (2025, 4, date(2026, 3, 31), 365),
        (2023, 4, date(2024, 3, 31), 366),  # holds 29 February 2024
        (2024, 4, date(2025, 3, 31), 365),
        (2025, 1, date(2025, 12, 31), 365),
        (2024, 1, date(2024, 12, 31), 366),
        (2025, 10, date(2026, 9, 30), 365),
        (2023, 3, date(2024, 2, 29), 366),
        (2024, 3, date(2025, 2, 28), 365),
    ],
)
def test_fiscal_year_end_and_length(fy: int, start_month: int, end: date, days: int) -> None:
    assert fiscal_year_end(fy, start_month) == end
    assert days_in_fiscal_year(fy, start_month) == days


def test_fiscal_year_end_defaults_to_april() -> None:
    assert fiscal_year_end(2025) == date(2026, 3, 31)
    assert days_in_fiscal_year(2025) == 365


@pytest.mark.parametrize("bad", [0, 13, True])
def test_fiscal_year_end_validates_start_month(bad: int) -> None:
    with pytest.raises(ValueError):
        fiscal_year_end(2025, bad)
    with pytest.raises(ValueError):
        days_in_fiscal_year(2025, bad)


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2026, 1, date(2026, 1, 31)),
        (2024, 2, date(2024, 2, 29)),
        (2025, 2, date(2025, 2, 28)),
        (2100, 2, date(2100, 2, 28)),  # not a leap year
        (2000, 2, date(2000, 2, 29)),
        (2026, 4, date(2026, 4, 30)),
        (2026, 12, date(2026, 12, 31)),
        (9999, 12, date(9999, 12, 31)),
    ],
)
def test_month_end(year: int, month: int, expected: date) -> None:
    assert month_end(year, month) == expected


@pytest.mark.parametrize("bad", [0, 13, -1, True, 3.0])
def test_month_end_validates_month(bad: int) -> None:
    with pytest.raises(ValueError):
        month_end(2026, bad)


@pytest.mark.parametrize(
    ("day", "start_month", "expected"),
    [
        # April start: quarters end 6/30, 9/30, 12/31, 3/31.
        (date(2026, 11, 26), 4, date(2026, 9, 30)),
        (date(2026, 9, 30), 4, date(2026, 9, 30)),  # a quarter's last day has closed it
        (date(2026, 10, 1), 4, date(2026, 9, 30)),
        (date(2026, 4, 1), 4, date(2026, 3, 31)),  # Q4 of FY2025
        (date(2026, 3, 30), 4, date(2025, 12, 31)),
        (date(2026, 1, 5), 4, date(2025, 12, 31)),
        # January start: the same quarter ends, other fiscal years.
        (date(2026, 11, 26), 1, date(2026, 9, 30)),
        (date(2026, 1, 5), 1, date(2025, 12, 31)),  # Q4 of FY2025
        (date(2026, 12, 31), 1, date(2026, 12, 31)),
        # March start: quarters end 5/31, 8/31, 11/30, end of February.
        (date(2026, 11, 26), 3, date(2026, 8, 31)),
        (date(2026, 11, 30), 3, date(2026, 11, 30)),
        (date(2024, 3, 15), 3, date(2024, 2, 29)),
        # October start: 12/31 closes Q1.
        (date(2027, 1, 1), 10, date(2026, 12, 31)),
    ],
)
def test_last_closed_quarter_end(day: date, start_month: int, expected: date) -> None:
    assert last_closed_quarter_end(day, start_month) == expected


def test_closed_quarter_ends() -> None:
    assert closed_quarter_ends(date(2026, 11, 26), 4, 5) == [
        date(2026, 9, 30), date(2026, 6, 30), date(2026, 3, 31), date(2025, 12, 31), date(2025, 9, 30),
    ]  # fmt: skip
    assert closed_quarter_ends(date(2026, 9, 30), 4, 2) == [date(2026, 9, 30), date(2026, 6, 30)]
    assert closed_quarter_ends(date(2026, 11, 26), 3, 3) == [
        date(2026, 8, 31),
        date(2026, 5, 31),
        date(2026, 2, 28),
    ]
    assert closed_quarter_ends(date(2026, 11, 26), 4, 0) == []


@pytest.mark.parametrize(
    ("day", "start_month", "expected"),
    [
        (date(2026, 11, 26), 4, 2025),  # FY2025 ended 2026-03-31
        (date(2026, 3, 31), 4, 2025),
        (date(2026, 3, 30), 4, 2024),
        (date(2026, 11, 26), 1, 2025),  # FY2025 ended 2025-12-31; FY2026 runs to 2026-12-31
        (date(2026, 12, 31), 1, 2026),
        (date(2026, 11, 26), 10, 2025),  # FY2025 ran 2025-10-01 … 2026-09-30
    ],
)
def test_last_closed_fiscal_year(day: date, start_month: int, expected: int) -> None:
    assert last_closed_fiscal_year(day, start_month) == expected


@pytest.mark.parametrize("bad", [0, 13, True])
def test_closed_periods_validate_start_month(bad: int) -> None:
    with pytest.raises(ValueError):
        last_closed_quarter_end(date(2026, 11, 26), bad)
    with pytest.raises(ValueError):
        last_closed_fiscal_year(date(2026, 11, 26), bad)
