"""The lead's target form reads values typed as text the way setup and partner files do (SPEC 4).

The page's value column is a text column (pages/update.py, kpi/progress/typed_values.py): a cell typed as
2,720千円, 52.2%, ▲5 or 「－」 goes through kpi/quantities.py; a float cell reads as before.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from kpi.intake.rows import ErrorSink
from kpi.plans import plain_points
from kpi.progress.target_form import read_plan
from kpi.registry.files import read_value

SATISFACTION = {"kpi_code": "satisfaction_rate", "unit_ja": "%", "unit_en": "%",
                "name_ja": "利用者満足度", "name_en": "User satisfaction"}  # fmt: skip
GRANT = {"kpi_code": "grant", "unit_ja": "千円", "unit_en": "thousand yen",
         "name_ja": "補助金額", "name_en": "Grants received"}  # fmt: skip
BALANCE = {"kpi_code": "balance", "unit_ja": "百万円", "unit_en": "million yen",
           "name_ja": "収支", "name_en": "Net balance"}  # fmt: skip


def rows(*values: Any) -> pd.DataFrame:
    periods = [f"{2024 + i}年度" for i in range(len(values))]
    return pd.DataFrame({"period": periods, "value": list(values), "horizon": [None] * len(values)})


def values(entered: Any) -> list[float]:
    return [p["value"] for p in plain_points(entered.plan["points"])]


@pytest.mark.parametrize(
    ("kpi", "typed", "expected"),
    [
        (SATISFACTION, ["52.2%", "５２．２％", "60", 70.5], [52.2, 52.2, 60.0, 70.5]),
        (
            GRANT,
            ["272万円", "2,720千円", "2,720千", "1.5億円", "2,720"],
            [2720.0, 2720.0, 2720.0, 150_000.0, 2720.0],
        ),
        (BALANCE, ["▲1,577", "△1.5億円", "−484億3600万円", "2,720千円"], [-1577.0, -150.0, -48_436.0, 2.72]),
        (None, ["1,234", "１２", 3.0], [1234.0, 12.0, 3.0]),
    ],
)
def test_values_typed_as_text_are_read_in_the_kpis_unit(
    kpi: dict[str, str] | None, typed: list[Any], expected: list[float]
) -> None:
    entered = read_plan("P1", "k", 0.0, date(2024, 3, 31), rows(*typed), lang="en", start_month=4, kpi=kpi)
    assert entered.errors == []
    assert values(entered) == expected


def test_numbers_from_the_number_widget_read_as_before() -> None:
    entered = read_plan("P1", "k", 0.0, date(2024, 3, 31), rows(75.0, 0.1 + 0.2), lang="en", start_month=4,
                        kpi=SATISFACTION)  # fmt: skip
    assert values(entered) == [75.0, 0.1 + 0.2]  # a float is kept as it came, not rounded


@pytest.mark.parametrize("mark", ["－", "-", "—", "該当なし", "N/A"])
def test_a_not_reported_mark_is_an_empty_value(mark: str) -> None:
    entered = read_plan(
        "P1", "k", None, None, rows("52.2%", mark), lang="ja", start_month=4, kpi=SATISFACTION
    )
    assert entered.errors == []
    assert values(entered) == [52.2]
    assert entered.skipped == ["2025年度"]


@pytest.mark.parametrize(
    ("lang", "typed", "code", "message"),
    [
        ("en", "約52%", "invalid_number",
         "Row 2: “約52%” in “Target” is an approximate figure. Enter the figure itself, without 約"
         " (for example 52%)."),
        ("ja", "60程度", "invalid_number",
         "2 行目: 「目標値」の「60程度」は概数です。"
         "「約」を付けずに数値そのもの（例: 60）を入力してください。"),
        ("en", "52人", "unit_mismatch",
         "Row 2: “52人” in “Target” is written in 人, but KPI “User satisfaction” is counted in %."
         " Write the figure in %, or the number alone."),
        ("ja", "5.9‰", "unit_mismatch",
         "2 行目: 「目標値」の「5.9‰」は単位が「‰」ですが、指標「利用者満足度」の単位は「%」です。"
         "「%」で書くか、数値だけを入力してください。"),
        ("en", "1e2", "invalid_number", "Row 2: “1e2” in “Target” is not a number."),
        ("en", "12,34", "invalid_number", "Row 2: “12,34” in “Target” is not a number."),
    ],
)  # fmt: skip
def test_unreadable_values_are_errors_naming_the_row(lang: str, typed: str, code: str, message: str) -> None:
    entered = read_plan("P1", "k", None, None, rows("50%", typed, "70%"), lang=lang, start_month=4,
                        kpi=SATISFACTION)  # fmt: skip
    assert [(e.code, e.row, e.column, e.message) for e in entered.errors] == [
        (code, 2, "target_value", message)
    ]
    assert values(entered) == [50.0, 70.0]  # the unreadable row is not a point


def test_without_the_kpi_units_are_not_checked_but_hedges_are_still_errors() -> None:
    entered = read_plan("P1", "k", None, None, rows("2,720千円", "約5"), lang="en", start_month=4)
    assert values(entered) == [2_720_000.0]
    assert [(e.code, e.row) for e in entered.errors] == [("invalid_number", 2)]


@pytest.mark.parametrize(
    ("value", "expected", "codes"),
    [
        ("", None, []),
        (None, None, []),
        (float("nan"), None, []),
        ("－", None, []),
        ("2,720千円", 2720.0, []),
        (2720, 2720.0, []),
        ("約2,720千円", None, ["invalid_number"]),
        ("2,720人", None, ["unit_mismatch"]),
        (True, None, ["invalid_number"]),
    ],
)
def test_read_value(value: object, expected: float | None, codes: list[str]) -> None:
    sink = ErrorSink("en")
    assert read_value(value, 3, "target_value", sink, GRANT) == expected
    assert [e.code for e in sink.errors] == codes
