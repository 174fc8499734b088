"""Money as funding tables show it (kpi/formatting/yen.py): 円, 千円 rounded half-up like officers'
tables, 百万円 with one decimal; Japanese with the unit after the figure and ▲ for a negative."""

from __future__ import annotations

import math

import pytest

from kpi.formatting.yen import format_yen, scaled, yen_figure, yen_unit


@pytest.mark.parametrize(
    "amount, scale, ja, en",
    [
        (2_800_000, "thousand", "2,800千円", "¥2,800 thousand"),
        (2_800_000, "million", "2.8百万円", "¥2.8 million"),
        (2_800_000, "yen", "2,800,000円", "¥2,800,000"),
        (1_533_333, "yen", "1,533,333円", "¥1,533,333"),
        (1_533_333, "thousand", "1,533千円", "¥1,533 thousand"),
        (5_000_000, "million", "5.0百万円", "¥5.0 million"),  # one decimal always: columns line up
        (0, "thousand", "0千円", "¥0 thousand"),
        (-1_400_000, "thousand", "▲1,400千円", "-¥1,400 thousand"),
    ],
)
def test_amounts_in_each_language_and_scale(amount: int, scale: str, ja: str, en: str) -> None:
    assert format_yen(amount, "ja", scale) == ja  # type: ignore[arg-type]
    assert format_yen(amount, "en", scale) == en  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "amount, scale, expected",
    [
        (2_800_499, "thousand", 2_800),
        (2_800_500, "thousand", 2_801),  # half-up, as officers round 千円 tables
        (499, "thousand", 0),
        (500, "thousand", 1),
        (-1_500, "thousand", -2),  # a negative rounds away from zero: ▲1,500円 is ▲2千円
        (-1_499, "thousand", -1),
        (2_849_999, "million", 2.8),
        (2_850_000, "million", 2.9),
        (2_800_000.0, "thousand", 2_800),  # a float sum of whole yen
    ],
)
def test_rounding_is_half_up_to_the_figures_shown(amount: float, scale: str, expected: float) -> None:
    assert scaled(amount, scale) == expected  # type: ignore[arg-type]


def test_a_figure_alone_for_a_table_headed_by_its_unit() -> None:
    assert yen_figure(-1_400_000, "ja", "thousand") == "▲1,400"
    assert yen_figure(-1_400_000, "en", "thousand") == "-1,400"
    assert yen_figure(766_667, "ja", "thousand") == "767"
    assert yen_figure(None, "ja", "thousand") == "—"
    assert format_yen(math.nan, "en", "thousand") == "—"
    assert (yen_unit("ja", "thousand"), yen_unit("en", "thousand")) == ("千円", "¥ thousand")
    assert (yen_unit("ja", "million"), yen_unit("en", "million")) == ("百万円", "¥ million")
