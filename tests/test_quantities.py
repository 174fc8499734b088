"""Values as people type them (SPEC section 4): numbers with ▲, units and scale words, exactly."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.quantities import (
    NOT_REPORTED_MARKS,
    ApproximateNumber,
    Quantity,
    UnitMismatch,
    in_kpi_unit,
    is_not_reported,
    parse_quantity,
    to_quantity,
)
from kpi.values import parse_number

# ---------------------------------------------------------------- parse_quantity


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        # what parse_number accepts, unchanged
        ("0", 0.0, None),
        ("1,234", 1234.0, None),
        ("１，２３４", 1234.0, None),
        ("  42\u3000", 42.0, None),
        ("+3", 3.0, None),
        ("-5", -5.0, None),
        ("－５", -5.0, None),
        ("-0", 0.0, None),
        ("12.5", 12.5, None),
        # negatives as Japanese reports print them
        ("▲1,577", -1577.0, None),
        ("△1,577", -1577.0, None),
        ("−1,577", -1577.0, None),  # U+2212
        ("▲ 1,577", -1577.0, None),
        ("▲\u30001,577", -1577.0, None),
        ("▲12.5", -12.5, None),
        # a unit after the number, NFKC-folded
        ("52.2%", 52.2, "%"),
        ("５２．２％", 52.2, "%"),
        ("5.9‰", 5.9, "‰"),
        ("1,234人", 1234.0, "人"),
        ("1,234 人", 1234.0, "人"),
        ("12件", 12.0, "件"),
        ("１２件", 12.0, "件"),
        ("3か月", 3.0, "か月"),
        ("3ヶ月", 3.0, "ヶ月"),
        ("3カ月", 3.0, "カ月"),
        ("100m2", 100.0, "m2"),
        ("12 studies", 12.0, "studies"),
        ("▲1,577千円", -1_577_000.0, "円"),
        # scale words, alone (unit "") or before the unit
        ("2,720千", 2_720_000.0, ""),
        ("2,720千円", 2_720_000.0, "円"),
        ("2,720 千円", 2_720_000.0, "円"),
        ("272万円", 2_720_000.0, "円"),
        ("1.5億円", 150_000_000.0, "円"),
        ("3兆円", 3_000_000_000_000.0, "円"),
        ("1,500百万円", 1_500_000_000.0, "円"),
        ("5千万円", 50_000_000.0, "円"),
        ("0.1千", 100.0, ""),
        ("12万人", 120_000.0, "人"),
        # compounds, in descending scales
        ("484億3600万円", 48_436_000_000.0, "円"),
        ("484億 3600万円", 48_436_000_000.0, "円"),
        ("3億5千万円", 350_000_000.0, "円"),
        ("1万5千", 15_000.0, ""),
        ("1兆2,000億円", 1_200_000_000_000.0, "円"),
        ("▲484億3600万円", -48_436_000_000.0, "円"),
    ],
)
def test_parse_quantity_accepts(text: str, value: float, unit: str | None) -> None:
    assert parse_quantity(text) == Quantity(value, unit)


@pytest.mark.parametrize("text", ["", " ", "\u3000", "\t\n"])
def test_parse_quantity_blank_is_none(text: str) -> None:
    assert parse_quantity(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "1e5",
        "1E5",
        "1e-5",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "12,34",  # thousands groups of three digits only
        "1,2345",
        ",123",
        "123,",
        "1 234",  # two numbers
        "12 34",
        "12件3件",
        "12件3",
        "1,234 / 5,678",
        "12~34",
        "12〜34",
        "¥1,000",  # a unit before the number
        "円1,000",
        "$5",
        "人12",
        "3600万484億",  # scales must descend
        "1万5万",
        "1億10000万",
        "1億5000",  # 1.5億 or 100,005,000? a guess
        "1億5000円",
        "1.5億3000万",
        "1万千円",
        "千円",
        "万",
        "abc",
        "--5",
        "+-5",
        "- 5",
        "▲-5",
        "-▲5",
        "▲▲5",
        "(5)",
        "5-",
        "12.",
        ".5",
        "1.2.3",
        "0x10",
        "0b1",
        "1_000",
        "١٢٣",
        "1" * 400,  # overflows a float
        "9" * 300 + "兆",
        # the not-reported marks are not numbers: callers test is_not_reported first
        "－",
        "-",
        "—",
        "N/A",
        "該当なし",
    ],
)
def test_parse_quantity_rejects(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_quantity(text)
    assert type(raised.value) is ValueError  # a plain one: not approximate, not a unit problem


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("約467", "467"),
        ("約 467", "467"),
        ("およそ467", "467"),
        ("467程度", "467"),
        ("467余", "467"),
        ("467余り", "467"),
        ("約1,234", "1,234"),
        ("約４６７", "467"),
        ("約467人", "467人"),
        ("467人程度", "467人"),
        ("467余人", "467人"),
        ("1,500万余円", "1,500万円"),
        ("30%強", "30%"),
        ("約2,720千円", "2,720千円"),
        ("approx. 467", "467"),
    ],
)
def test_hedged_figures_are_approximate(text: str, figure: str) -> None:
    with pytest.raises(ApproximateNumber) as raised:
        parse_quantity(text)
    assert raised.value.figure == figure
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("text", ["約", "約abc", "程度", "約1e5"])
def test_a_hedge_without_a_figure_is_not_a_number(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_quantity(text)
    assert type(raised.value) is ValueError


# ---------------------------------------------------------------- not reported


@pytest.mark.parametrize(
    "text",
    [
        "－",
        "-",
        "—",
        "―",
        "‐",
        "–",
        "\u2212",
        "該当なし",
        "N/A",
        "n/a",
        "Ｎ／Ａ",
        "N/a",
        " － ",
        "\u3000-\u3000",
    ],
)
def test_not_reported_marks(text: str) -> None:
    assert is_not_reported(text)


@pytest.mark.parametrize("value", ["", " ", None, float("nan"), 0, "0", "--", "-5", "NA", "なし", "ー"])
def test_not_not_reported(value: object) -> None:
    assert not is_not_reported(value)


def test_the_marks_as_listed() -> None:
    for mark in ("－", "-", "—", "―", "‐", "–", "\u2212", "該当なし", "N/A", "n/a"):
        assert mark in NOT_REPORTED_MARKS


# ---------------------------------------------------------------- to_quantity


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (float("nan"), None),
        (np.nan, None),
        (pd.NA, None),
        (pd.NaT, None),
        (Decimal("NaN"), None),
        ("", None),
        ("\u3000", None),
        (5, Quantity(5.0, None)),
        (-3, Quantity(-3.0, None)),
        (12.5, Quantity(12.5, None)),
        (-0.0, Quantity(0.0, None)),
        (np.int64(7), Quantity(7.0, None)),
        (np.float64(2.5), Quantity(2.5, None)),
        (Decimal("1.5"), Quantity(1.5, None)),
        ("52.2%", Quantity(52.2, "%")),
        ("▲1,577", Quantity(-1577.0, None)),
    ],
)
def test_to_quantity(value: object, expected: Quantity | None) -> None:
    result = to_quantity(value)
    assert result == expected
    if result is not None:
        assert type(result.value) is float
        assert math.copysign(1.0, result.value) == 1.0 or result.value < 0


@pytest.mark.parametrize(
    "value", [True, False, np.bool_(True), float("inf"), float("-inf"), "abc", [1], b"1"]
)
def test_to_quantity_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        to_quantity(value)


def test_to_quantity_hedge() -> None:
    with pytest.raises(ApproximateNumber):
        to_quantity("約467")


# ---------------------------------------------------------------- in_kpi_unit


@pytest.mark.parametrize(
    ("text", "unit_ja", "unit_en", "expected"),
    [
        # no unit: the value as it is, whatever the KPI's scale
        ("2,720", "千円", "thousand yen", 2720.0),
        ("2,720", "円", "yen", 2720.0),
        ("▲1,577", "百万円", "million yen", -1577.0),
        # scale word only: divided by the KPI unit's own scale
        ("2,720千", "千円", "thousand yen", 2720.0),
        ("2,720千", "円", "yen", 2_720_000.0),
        ("150百万", "百万円", "million yen", 150.0),
        ("2,720千", "人", "people", 2_720_000.0),
        # 円 KPIs
        ("2,720千円", "円", "yen", 2_720_000.0),
        ("272万円", "円", "yen", 2_720_000.0),
        ("484億3600万円", "円", "yen", 48_436_000_000.0),
        ("1,234円", "円", "yen", 1234.0),
        ("1,234 yen", "円", "yen", 1234.0),
        ("1,234 YEN", "円", "yen", 1234.0),
        # 千円 KPIs
        ("272万円", "千円", "thousand yen", 2720.0),
        ("2,720千円", "千円", "thousand yen", 2720.0),
        ("1円", "千円", "thousand yen", 0.001),
        ("1.5億円", "千円", "thousand yen", 150_000.0),
        ("2,720 thousand yen", "千円", "thousand yen", 2720.0),
        # 百万円 KPIs
        ("1.5億円", "百万円", "million yen", 150.0),
        ("150百万円", "百万円", "million yen", 150.0),
        ("484億3600万円", "百万円", "million yen", 48_436.0),
        ("▲1,577千円", "百万円", "million yen", -1.577),
        ("1千円", "百万円", "million yen", 0.001),
        ("3億5千万円", "百万円", "million yen", 350.0),
        # percent and per mille
        ("52.2%", "%", "%", 52.2),
        ("５２．２％", "%", "%", 52.2),
        ("52.2%", "％", "percent", 52.2),
        ("0.1%", "%", "%", 0.1),
        ("5.9‰", "‰", "per mille", 5.9),
        # counts and months
        ("1,234人", "人", "people", 1234.0),
        ("12万人", "人", "people", 120_000.0),
        ("12万人", "千人", "thousand people", 120.0),
        ("12件", "件", "studies", 12.0),
        ("12 studies", "件", "studies", 12.0),
        ("3か月", "か月", "months", 3.0),
        ("3ヶ月", "か月", "months", 3.0),
        ("3カ月", "か月", "months", 3.0),
        ("3ケ月", "ヶ月", "months", 3.0),
        ("3ヵ月", "カ月", "months", 3.0),
        ("3箇月", "か月", "months", 3.0),
        ("3ｶ月", "か月", "months", 3.0),
        ("3 Months", "か月", "months", 3.0),
    ],
)
def test_in_kpi_unit(text: str, unit_ja: str, unit_en: str, expected: float) -> None:
    quantity = parse_quantity(text)
    assert quantity is not None
    assert in_kpi_unit(quantity, unit_ja, unit_en) == expected  # exactly: no float noise


@pytest.mark.parametrize(
    ("text", "unit_ja", "unit_en", "written"),
    [
        ("52.2%", "人", "people", "%"),
        ("5.9‰", "%", "%", "‰"),
        ("52.2%", "‰", "per mille", "%"),
        ("1,234人", "件", "studies", "人"),
        ("272万円", "人", "people", "円"),
        ("12件", "円", "yen", "件"),
        ("3か月", "日", "days", "か月"),
        ("3ヶ月", "年", "years", "ヶ月"),
        ("12 people", "件", "studies", "people"),
        ("1,234ドル", "円", "yen", "ドル"),
        ("100m2", "ha", "ha", "m2"),
    ],
)
def test_unit_mismatch(text: str, unit_ja: str, unit_en: str, written: str) -> None:
    quantity = parse_quantity(text)
    assert quantity is not None
    with pytest.raises(UnitMismatch) as raised:
        in_kpi_unit(quantity, unit_ja, unit_en)
    assert (raised.value.written, raised.value.expected) == (written, unit_ja)
    assert isinstance(raised.value, ValueError)


def test_quantity_is_frozen() -> None:
    quantity = Quantity(1.0, None)
    with pytest.raises(AttributeError):
        quantity.value = 2.0  # type: ignore[misc]


# ---------------------------------------------------------------- properties


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_plain_numbers_read_as_parse_number_reads_them(number: Decimal) -> None:
    text = f"{number:,}"
    quantity = parse_quantity(text)
    assert quantity == Quantity(parse_number(text), None)  # type: ignore[arg-type]
    assert quantity is not None and quantity.value == float(number)


@given(st.decimals(min_value=0, max_value=10**9, places=1, allow_nan=False, allow_infinity=False))
def test_triangle_is_the_minus_sign(number: Decimal) -> None:
    for sign in ("▲", "△", "\u2212", "-"):
        assert parse_quantity(f"{sign}{number:,}") == Quantity(-float(number) + 0.0, None)


@given(
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(["千", "万", "百万", "千万", "億", "兆"]),
    st.sampled_from([("円", 1), ("千円", 10**3), ("百万円", 10**6)]),
)
def test_scale_words_convert_exactly(number: Decimal, word: str, kpi: tuple[str, int]) -> None:
    scale = {"千": 10**3, "万": 10**4, "百万": 10**6, "千万": 10**7, "億": 10**8, "兆": 10**12}[word]
    quantity = parse_quantity(f"{number}{word}円")
    assert quantity == Quantity(float(number * scale), "円")
    assert in_kpi_unit(quantity, kpi[0], "yen") == float(number * scale / kpi[1])


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=0, max_value=9999))
def test_oku_man_compounds(oku: int, man: int) -> None:
    quantity = parse_quantity(f"{oku}億{man}万円")
    assert quantity == Quantity(float(oku * 10**8 + man * 10**4), "円")


@given(st.decimals(min_value=0, max_value=1000, places=1, allow_nan=False, allow_infinity=False))
def test_percent_has_no_float_noise(number: Decimal) -> None:
    quantity = parse_quantity(f"{number}%")
    assert quantity is not None
    assert in_kpi_unit(quantity, "%", "%") == float(number)
    assert repr(in_kpi_unit(quantity, "%", "%")) == repr(float(number))
