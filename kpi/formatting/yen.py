"""Money as funding tables show it: whole yen, 千円 or 百万円, in the reader's language.

Officers keep their tables in 千円 (rounded half-up to whole thousands) or 百万円; the pages let the
reader pick the same. Japanese writes the unit after the figure (2,800千円) and a negative with ▲
as officers do (▲1,400千円). English follows the English pages of Japanese ministries and annual
reports: "¥2,800 thousand", "¥2.8 million", columns headed "¥ thousand". Not "¥2,800k" or "¥2.8M":
the reader compares these figures with the Japanese 千円 table beside it, digit for digit, and a
bare k/M reads as informal shorthand (and M as thousands to an accountant).
"""

from __future__ import annotations

import math
from typing import Literal

from kpi.i18n import t

Scale = Literal["yen", "thousand", "million"]
SCALES: tuple[Scale, ...] = ("yen", "thousand", "million")
DEFAULT_SCALE: Scale = "thousand"  # what officers' funding tables use
_DIVISOR = {"yen": 1, "thousand": 1_000, "million": 1_000_000}
# 百万円 keeps one decimal (2.8百万円): whole millions would round a 2,800,000-yen line to 3.
_DECIMALS = {"yen": 0, "thousand": 0, "million": 1}


def _missing(amount: object) -> bool:
    return amount is None or (isinstance(amount, float) and math.isnan(amount))


def scaled(amount: float, scale: Scale) -> float:
    """The amount in the scale's unit, rounded half-up (away from zero for negatives) to the
    figures shown: 2,800,499 yen is 2,800 千円 and 2,800,500 is 2,801; 2,850,000 is 2.9 百万円."""
    step = _DIVISOR[scale] // 10 ** _DECIMALS[scale]  # yen per last shown digit
    whole = round(abs(float(amount)))  # money is whole yen; a float sum is rounded first
    units, rest = divmod(whole, step)
    units += 1 if 2 * rest >= step else 0
    value = units / 10 ** _DECIMALS[scale]
    return -value if amount < 0 else value


def yen_figure(amount: float | None, lang: str, scale: Scale) -> str:
    """The figure alone, for a table whose header names the unit: 2,800 or ▲1,400 (ja), -1,400 (en)."""
    if _missing(amount):
        return "—"
    assert amount is not None
    value = scaled(amount, scale)
    text = f"{abs(value):,.{_DECIMALS[scale]}f}"
    return f"{t('funding_money.minus', lang)}{text}" if value < 0 else text


def format_yen(amount: float | None, lang: str, scale: Scale = "yen") -> str:
    """An amount with its unit: 2,800千円 / ¥2,800 thousand; 2,800,000円 / ¥2,800,000; 2.8百万円 /
    ¥2.8 million; a blank as —."""
    if _missing(amount):
        return "—"
    assert amount is not None
    value = scaled(amount, scale)
    text = t(f"funding_money.amount_{scale}", lang, n=f"{abs(value):,.{_DECIMALS[scale]}f}")
    return f"{t('funding_money.minus', lang)}{text}" if value < 0 else text


def yen_unit(lang: str, scale: Scale) -> str:
    """The unit as a column header or axis title writes it: 千円 / ¥ thousand."""
    return t(f"funding_money.unit_{scale}", lang)


def scale_label(lang: str, scale: Scale) -> str:
    """The scale as the money-unit choice offers it."""
    return t(f"funding_money.choice_{scale}", lang)
