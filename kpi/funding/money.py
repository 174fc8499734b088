"""Yen and rates as officers write them: the one reading of money cells and 補助率 for funding.

`12,000`, `¥12,000`, `12,000円`, `2,720千円`, `3億円` and `▲3,000` (a correction) are whole yen;
`1,234.5` is not (a subsidy file is kept in yen). A rate is `2/3`, `１／２`, `10/10`, `50%` or `0.5`,
kept as a fraction of integers so that 2/3 of 300,000 yen is 200,000, not 199,999.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from kpi.quantities import UnitMismatch, in_kpi_unit, to_quantity

_YEN_SIGN = re.compile(r"^([▲△+-]?)\s*[¥\\]\s*")  # ¥12,000 and ▲¥3,000 (NFKC folds ￥ to ¥)


class NotYen(ValueError):
    """A money cell that is not whole yen; `reason` is `not_a_number`, `not_whole_yen` or `unit`."""

    def __init__(self, reason: str, value: object) -> None:
        super().__init__(f"{reason}: {value!r}")
        self.reason = reason
        self.value = value


def read_yen(value: object, *, scale: int = 1) -> int | None:
    """A cell as whole yen (None when blank). `scale` is the file's 単位 (1000 for 単位：千円) for
    cells written without a unit of their own."""
    if isinstance(value, str):
        value = _YEN_SIGN.sub(r"\1", unicodedata.normalize("NFKC", value).strip())
    try:
        quantity = to_quantity(value)
    except ValueError as error:
        raise NotYen("not_a_number", value) from error
    if quantity is None:
        return None
    try:
        yen = in_kpi_unit(quantity, "円", "yen")
    except UnitMismatch as error:
        raise NotYen("unit", value) from error
    if quantity.unit is None:
        yen *= scale
    exact = Decimal(repr(yen))
    if exact != exact.to_integral_value():
        raise NotYen("not_whole_yen", value)
    return int(exact)


def read_rate(value: object) -> Fraction | None:
    """補助率 as a fraction in (0, 1] (None when blank); ValueError otherwise."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    if not text:
        return None
    try:
        if text.endswith("%"):
            rate = Fraction(Decimal(text[:-1])) / 100
        else:
            rate = Fraction(Decimal(text)) if "/" not in text else Fraction(text)
    except (ValueError, ZeroDivisionError, InvalidOperation) as error:
        raise ValueError(f"not a rate: {value!r}") from error
    if not 0 < rate <= 1:
        raise ValueError(f"not a rate in (0, 1]: {value!r}")
    return rate


def read_share(value: object) -> float | None:
    """A share such as the transfer limit or the 人件費 cap: `20%`, `0.2`, `1/2`; None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    try:
        share = (
            Fraction(Decimal(text[:-1])) / 100
            if text.endswith("%")
            else (Fraction(text) if "/" in text else Fraction(Decimal(text)))
        )
    except (ValueError, ZeroDivisionError, InvalidOperation) as error:
        raise ValueError(f"not a share: {value!r}") from error
    if share < 0:
        raise ValueError(f"negative share: {value!r}")
    return float(share)
