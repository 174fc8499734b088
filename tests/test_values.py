"""Numbers and dates as people type them (SPEC section 4): every accepted and rejected form."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from kpi.values import parse_date, parse_number, to_date, to_number

# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0.0),
        ("123", 123.0),
        ("007", 7.0),
        ("12.5", 12.5),
        ("0.25", 0.25),
        ("-5", -5.0),
        ("+3", 3.0),
        ("-0", 0.0),
        ("1,234", 1234.0),
        ("1,234,567", 1234567.0),
        ("-1,234.5", -1234.5),
        ("123,456", 123456.0),
        ("1234567", 1234567.0),
        # Full-width forms, as typed with a Japanese IME.
        ("１２３", 123.0),
        ("１，２３４", 1234.0),
        ("１２．５", 12.5),
        ("－５", -5.0),  # U+FF0D FULLWIDTH HYPHEN-MINUS (Windows IME, CP932 0x817C)
        ("−５", -5.0),  # U+2212 MINUS SIGN (macOS IME)
        # Surrounding spaces, half- and full-width, tabs, no-break space.
        ("  42  ", 42.0),
        ("\u300042\u3000", 42.0),
        ("\t42\n", 42.0),
        ("\xa042", 42.0),
        ("\u3000１，０００\u3000", 1000.0),
    ],
)
def test_parse_number_accepts(text: str, expected: float) -> None:
    result = parse_number(text)
    assert result == expected
    assert isinstance(result, float)


def test_parse_number_negative_zero_is_plain_zero() -> None:
    result = parse_number("-0")
    assert result is not None
    assert math.copysign(1.0, result) == 1.0


@pytest.mark.parametrize("text", ["", " ", "\u3000", "\t", " \u3000 "])
def test_parse_number_blank_is_none(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "N/A",
        "n/a",
        "-",
        "－",
        "―",
        "abc",
        "1,2,3x",
        "12,34",  # thousands groups must be three digits
        "1,2345",
        "1,23,456",
        ",123",
        "123,",
        "1,,234",
        "1 234",
        "1e5",  # scientific notation: rejected on purpose
        "1E5",
        "１２３件",  # units in the cell are not a number
        "123人",
        "5か月",
        "¥1,000",
        "50%",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "12.",
        ".5",
        "1.2.3",
        "--5",
        "+-5",
        "- 5",
        "(5)",
        "▲5",
        "0x10",
        "1_000",
        "١٢٣",  # Arabic-Indic digits: NFKC keeps them, and so must the parser reject them
        "1" * 400,  # overflows a float
    ],
)
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (float("nan"), None),
        (np.nan, None),
        (pd.NA, None),
        ("", None),
        ("\u3000", None),
        (0, 0.0),
        (5, 5.0),
        (-3, -3.0),
        (12.5, 12.5),
        (np.int64(7), 7.0),
        (np.float64(2.5), 2.5),
        (Decimal("1.5"), 1.5),
        ("１，２３４", 1234.0),
        (" 42 ", 42.0),
    ],
)
def test_to_number_accepts(value: object, expected: float | None) -> None:
    result = to_number(value)
    assert result == expected
    if expected is not None:
        assert type(result) is float


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        np.bool_(True),
        float("inf"),
        float("-inf"),
        "abc",
        "12,34",
        "１２３件",
        date(2026, 3, 31),
        [1],
        b"123",
    ],
)
def test_to_number_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        to_number(value)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-31", date(2026, 3, 31)),
        ("2026/3/31", date(2026, 3, 31)),
        ("2026/03/31", date(2026, 3, 31)),
        ("2026.3.31", date(2026, 3, 31)),
        ("2026-3-1", date(2026, 3, 1)),
        ("2026年3月31日", date(2026, 3, 31)),
        ("2026年 3月 31日", date(2026, 3, 31)),
        ("2024-02-29", date(2024, 2, 29)),
        # Full-width digits and separators, surrounding spaces.
        ("２０２６－０３－３１", date(2026, 3, 31)),
        ("２０２６／３／３１", date(2026, 3, 31)),
        ("２０２６年３月３１日", date(2026, 3, 31)),
        ("  2026-03-31  ", date(2026, 3, 31)),
        ("\u30002026/3/31\u3000", date(2026, 3, 31)),
        # Excel exports of date cells carry a midnight time.
        ("2026-03-31 00:00:00", date(2026, 3, 31)),
        ("2026-03-31T00:00:00", date(2026, 3, 31)),
        ("2026-03-31 00:00", date(2026, 3, 31)),
        ("2026/3/31 0:00", date(2026, 3, 31)),
        ("2026-03-31 00:00:00.000", date(2026, 3, 31)),
        # Japanese eras.
        ("令和8年3月31日", date(2026, 3, 31)),
        ("令和 8年 3月 31日", date(2026, 3, 31)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("令和２年３月３１日", date(2020, 3, 31)),
        ("㋿8年3月31日", date(2026, 3, 31)),  # the one-character era sign folds to 令和
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成31年5月1日", date(2019, 5, 1)),  # pre-printed forms kept 平成31 after 改元
        ("平成元年1月8日", date(1989, 1, 8)),
        ("㍻30年3月31日", date(2018, 3, 31)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("R8.3.31", date(2026, 3, 31)),
        ("R8/3/31", date(2026, 3, 31)),
        ("R8-3-31", date(2026, 3, 31)),
        ("R08.03.31", date(2026, 3, 31)),
        ("r8.3.31", date(2026, 3, 31)),
        ("Ｒ８．３．３１", date(2026, 3, 31)),
        ("R1.5.1", date(2019, 5, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("H30/3/31", date(2018, 3, 31)),
        ("S64.1.7", date(1989, 1, 7)),
        # Fiscal quarters → the quarter's last day (April start).
        ("FY2025Q4", date(2026, 3, 31)),
        ("FY2025 Q4", date(2026, 3, 31)),
        ("FY2025-Q4", date(2026, 3, 31)),
        ("fy2025q4", date(2026, 3, 31)),
        ("ＦＹ２０２５Ｑ４", date(2026, 3, 31)),
        ("FY2025Q1", date(2025, 6, 30)),
        ("FY2025Q2", date(2025, 9, 30)),
        ("FY2025Q3", date(2025, 12, 31)),
        ("2025年度Q4", date(2026, 3, 31)),
        ("2025年度 Q4", date(2026, 3, 31)),
        ("2025年度第4四半期", date(2026, 3, 31)),
        ("2025年度 第4四半期", date(2026, 3, 31)),
        ("2025年度第四四半期", date(2026, 3, 31)),
        ("２０２５年度第１四半期", date(2025, 6, 30)),
        ("令和7年度Q4", date(2026, 3, 31)),
        ("令和元年度第1四半期", date(2019, 6, 30)),
        # Months and fiscal years mean their last day (all forms: tests/test_period_labels.py).
        ("2026-03", date(2026, 3, 31)),
        ("2026年3月", date(2026, 3, 31)),
        ("FY2025", date(2026, 3, 31)),
        ("2025年度", date(2026, 3, 31)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "start_month", "expected"),
    [
        ("FY2025Q4", 1, date(2025, 12, 31)),
        ("FY2025Q1", 1, date(2025, 3, 31)),
        ("FY2025Q4", 10, date(2026, 9, 30)),
        ("FY2025Q1", 10, date(2025, 12, 31)),
        ("2025年度第2四半期", 10, date(2026, 3, 31)),
        ("令和7年度Q4", 1, date(2025, 12, 31)),
        # Plain dates do not depend on the fiscal year start.
        ("2026-03-31", 10, date(2026, 3, 31)),
        ("R8.3.31", 1, date(2026, 3, 31)),
    ],
)
def test_parse_date_fiscal_start_month(text: str, start_month: int, expected: date) -> None:
    assert parse_date(text, fiscal_year_start_month=start_month) == expected


@pytest.mark.parametrize("text", ["", " ", "\u3000", "\t\n"])
def test_parse_date_blank_is_none(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30",  # impossible dates
        "2025-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-04-31",
        "2026年2月30日",
        "R8.2.30",
        "26/3/31",  # 2-digit years
        "26-03-31",
        "0026-03-31",
        "'26/3/31",
        "3/31/2026",  # day/month first: ambiguous
        "31/3/2026",
        "31.03.2026",
        "20260331",  # compact form: indistinguishable from a number
        "2026/03-31",  # mixed separators
        "2026年3月31",
        "2026",  # a bare year: AmbiguousPeriod, fiscal or calendar?
        "令和0年5月1日",  # era years out of range
        "R0.5.1",
        "平成0年1月8日",
        "平成32年1月1日",
        "H32.1.1",
        "昭和65年1月1日",
        "令和元年4月30日",  # before the era began
        "R1.4.30",
        "平成元年1月7日",
        "大正15年1月1日",  # unsupported era
        "T15.1.1",
        "X8.3.31",
        "2026-03-31 12:00:00",  # a time of day is not a period end
        "2026-03-31 00:00:01",
        "2026/3/31 9:00",
        "FY2025Q5",
        "FY2025Q0",
        "FY25Q4",
        "2025Q4",  # calendar or fiscal? ambiguous
        "Q4 2025",
        "2025年度第5四半期",
        "2025年度第0四半期",
        "令和0年度Q1",
        "46112",  # an Excel serial number
        "46112.0",
        "N/A",
        "-",
        "yesterday",
        "2026-03-31x",
        "٢٠٢٦-٠٣-٣١",  # Arabic-Indic digits
    ],
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def test_parse_date_error_message_names_the_input() -> None:
    with pytest.raises(ValueError, match="2026-02-30"):
        parse_date("2026-02-30")
    with pytest.raises(ValueError, match="N/A"):
        parse_date("N/A")


def test_parse_date_rejects_bad_start_month() -> None:
    with pytest.raises(ValueError):
        parse_date("FY2025Q4", fiscal_year_start_month=13)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (float("nan"), None),
        (pd.NaT, None),
        (pd.NA, None),
        ("", None),
        ("  ", None),
        (date(2026, 3, 31), date(2026, 3, 31)),
        (datetime(2026, 3, 31), date(2026, 3, 31)),
        (datetime(2026, 3, 31, 0, 0, 0), date(2026, 3, 31)),
        (pd.Timestamp("2026-03-31"), date(2026, 3, 31)),
        ("2026/3/31", date(2026, 3, 31)),
        ("令和8年3月31日", date(2026, 3, 31)),
        ("FY2025Q4", date(2026, 3, 31)),
    ],
)
def test_to_date_accepts(value: object, expected: date | None) -> None:
    result = to_date(value)
    assert result == expected
    if expected is not None:
        # A plain date, never a datetime or Timestamp (they compare unequal to dates).
        assert type(result) is date


def test_to_date_uses_start_month_for_strings() -> None:
    assert to_date("FY2025Q4", fiscal_year_start_month=1) == date(2025, 12, 31)


@pytest.mark.parametrize(
    "value",
    [
        46112,  # Excel serial numbers are rejected
        46112.0,
        0,
        True,
        np.int64(46112),
        datetime(2026, 3, 31, 12, 0),
        pd.Timestamp("2026-03-31 09:30"),
        "2026-02-30",
        "26/3/31",
        "abc",
        [2026, 3, 31],
        (2026, 3, 31),
    ],
)
def test_to_date_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        to_date(value)
