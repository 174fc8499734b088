"""Numbers and dates as each language writes them."""

from __future__ import annotations

from datetime import date

import pytest

from kpi.formatting.numbers import format_date, format_number, format_percent


@pytest.mark.parametrize(
    "day, lang, wareki, expected",
    [
        (date(2026, 3, 31), "ja", False, "2026年3月31日"),
        (date(2026, 3, 31), "ja", True, "令和8年3月31日"),
        (date(2019, 5, 1), "ja", True, "令和元年5月1日"),
        (date(2026, 3, 31), "en", False, "31 Mar 2026"),
        (None, "en", False, ""),
    ],
)
def test_dates(day: date | None, lang: str, wareki: bool, expected: str) -> None:
    assert format_date(day, lang, wareki=wareki) == expected


@pytest.mark.parametrize(
    "value, lang, unit, expected",
    [
        (1234.0, "ja", "件", "1,234件"),
        (1234.0, "en", "studies", "1,234 studies"),
        (12.5, "ja", "百万円", "12.5百万円"),
        (36.0, "ja", "か月", "36か月"),
        (36.0, "en", "months", "36 months"),
        (None, "ja", "件", "—"),
        (float("nan"), "en", "", "—"),
        (-3.0, "en", "", "-3"),
    ],
)
def test_numbers(value: float | None, lang: str, unit: str, expected: str) -> None:
    assert format_number(value, lang, unit) == expected


def test_percent() -> None:
    assert format_percent(0.926, "ja") == "93%"
    assert format_percent(1.2, "en") == "120%"
    assert format_percent(None, "en") == "—"


def test_plain_text_is_markdown_inert() -> None:
    from kpi.formatting.numbers import plain

    assert plain("**b** [l](u) ![i](u) <b> :red[x] $x$ #h 1.") == (
        r"\*\*b\*\* \[l\]\(u\) \!\[i\]\(u\) \<b\> \:red\[x\] \$x\$ \#h 1\."
    )
    assert plain("see http://evil.invalid or www.evil.invalid, a@b.jp") == (
        "see http\\:\u200b//evil\\.invalid or www\u200b\\.evil\\.invalid, a\u200b@b\\.jp"
    )
    assert plain("保存しました: 新規 1 件") == "保存しました\\: 新規 1 件"  # no space added after a colon
