"""Periods as people write them (SPEC section 4): each label means its period's last day."""

from __future__ import annotations

from datetime import date

import pytest

from kpi.periods import AmbiguousPeriod as PeriodsAmbiguousPeriod
from kpi.values import AmbiguousPeriod, parse_date, parse_period_label, to_date

LABELS = [
    # a date
    ("2026-03-31", date(2026, 3, 31), "date"),
    ("2026/3/31", date(2026, 3, 31), "date"),
    ("2026年3月31日", date(2026, 3, 31), "date"),
    ("令和8年3月31日", date(2026, 3, 31), "date"),
    ("R8.3.31", date(2026, 3, 31), "date"),
    ("R8年3月31日", date(2026, 3, 31), "date"),
    ("2026-03-31 00:00:00", date(2026, 3, 31), "date"),  # Excel's date cell
    ("平成31年5月1日", date(2019, 5, 1), "date"),  # pre-printed forms kept 平成31 after 改元
    # a month
    ("2026-03", date(2026, 3, 31), "month"),
    ("2026/3", date(2026, 3, 31), "month"),
    ("2026-3", date(2026, 3, 31), "month"),
    ("2026年3月", date(2026, 3, 31), "month"),
    ("2026年 3月", date(2026, 3, 31), "month"),
    ("令和8年3月", date(2026, 3, 31), "month"),
    ("R8.3", date(2026, 3, 31), "month"),
    ("R8/3", date(2026, 3, 31), "month"),
    ("r8.3", date(2026, 3, 31), "month"),
    ("H27.7", date(2015, 7, 31), "month"),
    ("平成27年4月", date(2015, 4, 30), "month"),
    ("2015/6", date(2015, 6, 30), "month"),
    ("2024/2", date(2024, 2, 29), "month"),
    ("2025/2", date(2025, 2, 28), "month"),
    ("2025/12", date(2025, 12, 31), "month"),
    ("令和元年5月", date(2019, 5, 31), "month"),  # 令和 began on 1 May 2019
    ("平成元年1月", date(1989, 1, 31), "month"),  # 平成 began on 8 January 1989: part of the month
    ("平成31年5月", date(2019, 5, 31), "month"),
    # a fiscal quarter
    ("FY2025Q4", date(2026, 3, 31), "quarter"),
    ("FY2025Q1", date(2025, 6, 30), "quarter"),
    ("2025年度Q4", date(2026, 3, 31), "quarter"),
    ("2025年度第4四半期", date(2026, 3, 31), "quarter"),
    ("令和7年度第4四半期", date(2026, 3, 31), "quarter"),
    ("R7年度第2四半期", date(2025, 9, 30), "quarter"),
    ("令和元年度第1四半期", date(2019, 6, 30), "quarter"),
    # a fiscal year
    ("FY2025", date(2026, 3, 31), "fiscal_year"),
    ("FY 2025", date(2026, 3, 31), "fiscal_year"),
    ("fy2025", date(2026, 3, 31), "fiscal_year"),
    ("2025年度", date(2026, 3, 31), "fiscal_year"),
    ("令和7年度", date(2026, 3, 31), "fiscal_year"),
    ("R7年度", date(2026, 3, 31), "fiscal_year"),
    ("平成29年度", date(2018, 3, 31), "fiscal_year"),
    ("H29年度", date(2018, 3, 31), "fiscal_year"),
    ("令和元年度", date(2020, 3, 31), "fiscal_year"),
    ("令和1年度", date(2020, 3, 31), "fiscal_year"),
    ("R元年度", date(2020, 3, 31), "fiscal_year"),
    ("平成31年度", date(2020, 3, 31), "fiscal_year"),  # FY2019, named before 改元
    ("2023年度", date(2024, 3, 31), "fiscal_year"),
    # a calendar year
    ("2025年", date(2025, 12, 31), "calendar_year"),
    ("令和7年", date(2025, 12, 31), "calendar_year"),
    ("令和元年", date(2019, 12, 31), "calendar_year"),
    ("CY2025", date(2025, 12, 31), "calendar_year"),
    ("cy2025", date(2025, 12, 31), "calendar_year"),
    # full-width and surrounding spaces, folded by NFKC
    ("２０２５年度", date(2026, 3, 31), "fiscal_year"),
    ("ＦＹ２０２５", date(2026, 3, 31), "fiscal_year"),
    ("ＣＹ２０２５", date(2025, 12, 31), "calendar_year"),
    ("２０２６／３", date(2026, 3, 31), "month"),
    ("２０２６年３月", date(2026, 3, 31), "month"),
    ("Ｒ８．３", date(2026, 3, 31), "month"),
    ("令和７年度", date(2026, 3, 31), "fiscal_year"),
    ("２０２５年", date(2025, 12, 31), "calendar_year"),
    ("\u30002025年度\u3000", date(2026, 3, 31), "fiscal_year"),
    ("㋿7年度", date(2026, 3, 31), "fiscal_year"),  # the one-character era sign
]


@pytest.mark.parametrize(("text", "expected", "kind"), LABELS)
def test_parse_period_label(text: str, expected: date, kind: str) -> None:
    assert parse_period_label(text) == (expected, kind)


@pytest.mark.parametrize(("text", "expected", "kind"), LABELS)
def test_parse_date_and_to_date_accept_every_label(text: str, expected: date, kind: str) -> None:
    assert parse_date(text) == expected
    assert to_date(text) == expected


@pytest.mark.parametrize(
    ("text", "start_month", "expected", "kind"),
    [
        # January start: the fiscal year is the calendar year.
        ("FY2025", 1, date(2025, 12, 31), "fiscal_year"),
        ("2025年度", 1, date(2025, 12, 31), "fiscal_year"),
        ("令和7年度", 1, date(2025, 12, 31), "fiscal_year"),
        ("H29年度", 1, date(2017, 12, 31), "fiscal_year"),
        ("FY2025Q4", 1, date(2025, 12, 31), "quarter"),
        ("2025年度第1四半期", 1, date(2025, 3, 31), "quarter"),
        # October start: FY2025 runs 2025-10-01 … 2026-09-30.
        ("FY2025", 10, date(2026, 9, 30), "fiscal_year"),
        ("２０２５年度", 10, date(2026, 9, 30), "fiscal_year"),
        ("R7年度", 10, date(2026, 9, 30), "fiscal_year"),
        ("FY2025Q1", 10, date(2025, 12, 31), "quarter"),
        ("令和7年度第4四半期", 10, date(2026, 9, 30), "quarter"),
        # Dates, months and calendar years do not depend on the start month.
        ("2026-03-31", 10, date(2026, 3, 31), "date"),
        ("2026/3", 1, date(2026, 3, 31), "month"),
        ("R8.3", 10, date(2026, 3, 31), "month"),
        ("2025年", 10, date(2025, 12, 31), "calendar_year"),
        ("CY2025", 1, date(2025, 12, 31), "calendar_year"),
    ],
)
def test_fiscal_year_start_month(text: str, start_month: int, expected: date, kind: str) -> None:
    assert parse_period_label(text, fiscal_year_start_month=start_month) == (expected, kind)
    assert parse_date(text, fiscal_year_start_month=start_month) == expected
    assert to_date(text, fiscal_year_start_month=start_month) == expected


@pytest.mark.parametrize(
    ("text", "year", "fiscal_label", "calendar_label"),
    [
        ("2025", 2025, "2025年度", "2025年"),
        (" 2025 ", 2025, "2025年度", "2025年"),
        ("２０２５", 2025, "2025年度", "2025年"),
        ("R7", 2025, "R7年度", "R7年"),
        ("r7", 2025, "R7年度", "R7年"),
        ("Ｒ７", 2025, "R7年度", "R7年"),
        ("H29", 2017, "H29年度", "H29年"),
        ("令和7", 2025, "令和7年度", "令和7年"),
        ("令和元", 2019, "令和元年度", "令和元年"),
    ],
)
def test_bare_year_is_ambiguous(text: str, year: int, fiscal_label: str, calendar_label: str) -> None:
    with pytest.raises(AmbiguousPeriod) as caught:
        parse_period_label(text)
    error = caught.value
    assert isinstance(error, ValueError)  # callers that catch ValueError still reject it
    assert error.text == text.strip()
    assert error.year == year
    assert (error.fiscal_label, error.calendar_label) == (fiscal_label, calendar_label)
    # The message offers both labels, and each of them has one reading.
    assert fiscal_label in str(error) and calendar_label in str(error)
    assert parse_period_label(fiscal_label)[1] == "fiscal_year"
    assert parse_period_label(calendar_label)[1] == "calendar_year"
    with pytest.raises(AmbiguousPeriod):
        parse_date(text)
    with pytest.raises(AmbiguousPeriod):
        to_date(text)


def test_ambiguous_period_is_one_class() -> None:
    assert AmbiguousPeriod is PeriodsAmbiguousPeriod
    assert issubclass(AmbiguousPeriod, ValueError)


@pytest.mark.parametrize(
    "text",
    [
        "2025年13月",  # no such month
        "2025年0月",
        "2026-13",
        "2026/0",
        "R8.13",
        "令和元年3月",  # 令和 began on 1 May 2019
        "令和元年4月",
        "R1.4",
        "平成0年度",  # era years out of range
        "H32年度",
        "令和0年",
        "昭和65年",
        "R0",
        "H32",  # out of range before it is ambiguous
        "大正15年度",  # unsupported era
        "T15年度",
        "26/3",  # 2-digit years
        "26-03",
        "26年3月",
        "FY25",
        "CY25",
        "0025年度",
        "25年度",
        "2026.3",  # kept by a spreadsheet as the number 2026.3; 2026.10 would read 2026.1
        "2025年度Q5",  # no such quarter
        "2025年度Q0",
        "FY2025Q5",
        "2025年度第5四半期",
        "2025Q4",  # calendar or fiscal quarter?
        "3/2026",  # month first
        "FY2025年度",  # two labels in one
        "2025年度年",
        "CY2025Q4",
        "年度",
        "FY",
        "202503",  # compact: indistinguishable from a number
        "20250",
        "2025.0",
        "N/A",
        "-",
    ],
)
def test_rejects(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_period_label(text)
    assert not isinstance(caught.value, AmbiguousPeriod)
    assert text.strip() in str(caught.value)  # the message quotes the label as written
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("text", ["", " ", "\u3000"])
def test_blank(text: str) -> None:
    assert parse_date(text) is None
    assert to_date(text) is None
    with pytest.raises(ValueError):
        parse_period_label(text)


def test_month_before_the_era_says_when_it_began() -> None:
    with pytest.raises(ValueError, match="2019-05-01"):
        parse_period_label("令和元年4月")


def test_bad_start_month_is_rejected_for_fiscal_labels() -> None:
    with pytest.raises(ValueError, match="FY2025"):
        parse_period_label("FY2025", fiscal_year_start_month=13)
    with pytest.raises(ValueError):
        parse_date("2025年度", fiscal_year_start_month=0)


def test_fiscal_year_past_the_calendar_is_rejected_with_the_label() -> None:
    with pytest.raises(ValueError, match="FY9999"):
        parse_period_label("FY9999")
    assert parse_period_label("9999年", fiscal_year_start_month=1) == (date(9999, 12, 31), "calendar_year")
