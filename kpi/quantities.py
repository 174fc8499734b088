"""A value as a person writes it (SPEC section 4): the number, its scale words and its unit.

Officers and partners copy figures out of reports, so a cell may say `▲1,577`, `52.2%`,
`2,720千円` or `484億3600万円`. parse_quantity reads such a cell into a Quantity (the number with
its scale words applied, and the unit written after it); in_kpi_unit then states it in the KPI's
own unit, or raises UnitMismatch when the cell is in another one. The rule of kpi/values.py still
holds: one obvious reading or an error, so `12,34`, `1e5`, `約467` and `3600万484億` are rejected
for the writer to fix. Arithmetic is done in Decimal so that `52.2%` is exactly 52.2.
kpi/values.py's parse_number is the strict subset (plain figures, no units), for the callers
that must not accept units.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# Folded (NFKC, stripped) texts that mean "not reported" when alone in a cell. The raw forms that
# NFKC changes (U+FF0D －) are listed too, so a caller testing a cell as typed finds them.
NOT_REPORTED_MARKS: frozenset[str] = frozenset(
    {"－", "-", "—", "―", "‐", "–", "\u2212", "該当なし", "N/A", "n/a"}
)

# Thousands separators must group by exactly three digits: "12,34" has no single reading.
# re.ASCII: \d would otherwise match Arabic-Indic and other digits NFKC leaves alone.
FIGURE_RE = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?", re.ASCII)
PLAIN_NUMBER_RE = re.compile(r"[+-]?" + FIGURE_RE.pattern, re.ASCII)  # parse_number's form

# Scale words, longest first so that 千万 is one word (10^7), not 千 then 万.
SCALES: dict[str, int] = {"千万": 10**7, "百万": 10**6, "兆": 10**12, "億": 10**8, "万": 10**4, "千": 10**3}
_SCALE_RE = re.compile(r"\s*(" + "|".join(SCALES) + ")")
_PREFIXED_RE = re.compile(r"[+-]?0(?:[xX][0-9a-fA-F]|[bBoO][0-9])", re.ASCII)
_SIGN_RE = re.compile(r"[+-]|[▲△]\s*")  # ▲/△ is how Japanese reports print a minus

# Hedges around a figure. The figure itself is there, but which one was meant is a guess.
_HEDGE_BEFORE = (
    *("約", "およそ", "おおよそ", "凡そ", "概ね", "おおむね"),
    *("approx.", "approximately", "about", "ca."),
)
_HEDGE_AFTER = ("程度", "余り", "余", "前後", "強", "弱", "ほど", "くらい", "ぐらい")
# 467余人: only words no unit starts with (not 強, as in 強度)
_HEDGE_INSIDE = re.compile(r"(?<=[0-9千万億兆])\s*(?:程度|余り|余)(?=\D)")

# 3か月, 3ヶ月, 3カ月 … are one unit; the comparison key uses か月.
_MONTHS_RE = re.compile(r"[かヶカケヵ箇]月")
# A unit may carry digits only right after a Latin letter (m2, t-CO2); "件3" is two numbers and
# "e5" is scientific notation.
_UNIT_DIGIT_RE = re.compile(r"(?<![A-Za-z])\d|^[eE][+-]?\d", re.ASCII)


@dataclass(frozen=True)
class Quantity:
    value: float  # scale words applied: "2,720千円" → 2_720_000.0
    unit: str | None  # NFKC-folded unit after the number and scale words; "" scale only; None nothing


class ApproximateNumber(ValueError):
    """約467, 467程度: a hedged figure. `figure` is the text without the hedge ("467")."""

    def __init__(self, text: str, figure: str) -> None:
        super().__init__(f"approximate figure: {text!r}; write the figure itself ({figure})")
        self.figure = figure


class UnitMismatch(ValueError):
    """The cell is written in a unit that is not the KPI's."""

    def __init__(self, written: str, expected: str) -> None:
        super().__init__(f"written in {written!r}, but the KPI is counted in {expected!r}")
        self.written = written
        self.expected = expected


def fold(text: str) -> str:
    """NFKC (full-width digits, ，．％ and U+3000 to ASCII), U+2212 as "-", surrounding spaces off."""
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()


def is_not_reported(value: object) -> bool:
    """True for a text cell holding only a "not reported" mark (－, -, —, 該当なし, N/A …)."""
    if not isinstance(value, str):
        return False
    folded = unicodedata.normalize("NFKC", value).strip()
    return folded in NOT_REPORTED_MARKS or folded.lower() in NOT_REPORTED_MARKS


def is_missing(value: object) -> bool:
    """True for the ways pandas and openpyxl spell an empty cell: None, NaN, NaT, pd.NA."""
    if value is None:
        return True
    if isinstance(value, float | Decimal) and math.isnan(value):
        return True
    if isinstance(value, datetime) and value != value:  # pandas.NaT is a datetime unequal to itself
        return True
    return type(value).__name__ == "NAType"  # pd.NA, by name: this module does not import pandas


def _finite(number: Decimal | float, text: str) -> float:
    value = float(number)
    if not math.isfinite(value):
        # Hundreds of digits overflow a float; no KPI is that large, so it is a typing error.
        raise ValueError(f"number too large: {text.strip()!r}")
    return value + 0.0  # turns -0.0 into 0.0 so "-0" never displays as a negative zero


def plain_figure(text: str) -> float | None:
    """A plain number only (`1,234`, `１，２３４`, `-5`, `+3`): None when blank, else ValueError.

    What kpi.values.parse_number accepts: no ▲, no scale words, no unit.
    """
    cleaned = fold(text)
    if not cleaned:
        return None
    if PLAIN_NUMBER_RE.fullmatch(cleaned) is None:
        raise ValueError(f"not a number: {text.strip()!r}")
    return _finite(Decimal(cleaned.replace(",", "")), text)


def parse_quantity(text: str) -> Quantity | None:
    """A cell as a Quantity: None when blank, ApproximateNumber for 約467, else ValueError."""
    cleaned = fold(text)
    if not cleaned:
        return None
    figure = _unhedged(cleaned)
    if figure is not None:
        try:
            quantity = _parse(figure, text)
        except ValueError:
            quantity = None
        if quantity is not None:
            raise ApproximateNumber(text.strip(), figure)
        raise ValueError(f"not a number: {text.strip()!r}")
    return _parse(cleaned, text)


def _unhedged(cleaned: str) -> str | None:
    """The text without its hedge words, or None when it has none."""
    rest = cleaned
    lowered = rest.lower()
    for word in _HEDGE_BEFORE:
        if lowered.startswith(word):
            rest = rest[len(word) :].strip()
            break
    for word in _HEDGE_AFTER:
        if rest.endswith(word):
            rest = rest[: -len(word)].strip()
            break
    rest = _HEDGE_INSIDE.sub("", rest, count=1)  # 467余人, 1,500万円余: between figure and unit too
    return rest if rest != cleaned else None


def _parse(cleaned: str, text: str) -> Quantity:
    """Sign, then figure-and-scale segments in descending scales, then an optional unit."""
    if _PREFIXED_RE.match(cleaned):
        raise ValueError(f"not a number: {text.strip()!r}")  # 0x10 is not zero in unit "x10"
    position, negative = 0, False
    sign = _SIGN_RE.match(cleaned)
    if sign is not None:
        negative = sign.group(0)[0] != "+"
        position = sign.end()
    segments: list[tuple[str, int | None]] = []
    while True:
        figure = FIGURE_RE.match(cleaned, position)
        if figure is None:
            break
        scale = _SCALE_RE.match(cleaned, figure.end())
        segments.append((figure.group(0), SCALES[scale.group(1)] if scale else None))
        position = scale.end() if scale else figure.end()
        if scale is None:
            break
        while position < len(cleaned) and cleaned[position].isspace():
            position += 1  # "484億 3600万円": a space between segments is harmless
    if not segments:
        raise ValueError(f"not a number: {text.strip()!r}")
    total = _amount(segments, text)
    unit = _unit(cleaned[position:].strip(), any(s for _, s in segments), text)
    return Quantity(_finite(-total if negative else total, text), unit)


def _amount(segments: list[tuple[str, int | None]], text: str) -> Decimal:
    if len(segments) == 1:
        digits, scale = segments[0]
        return Decimal(digits.replace(",", "")) * (scale or 1)
    # 484億3600万: whole numbers, each scale below the one before and each part below it.
    total = Decimal(0)
    previous: int | None = None
    for digits, scale in segments:
        number = Decimal(digits.replace(",", ""))
        if scale is None or "." in digits:
            # 1億5000 (1.5億 or 100,005,000?) and 1.5億3000万 need a guess
            raise ValueError(f"not a number: {text.strip()!r}")
        if previous is not None and (scale >= previous or number * scale >= previous):
            raise ValueError(f"scale words out of order: {text.strip()!r}")
        total += number * scale
        previous = scale
    return total


def _unit(rest: str, scaled: bool, text: str) -> str | None:
    if not rest:
        return "" if scaled else None
    if rest[0] in "+-.,▲△" or rest[0].isdigit() or _UNIT_DIGIT_RE.search(rest):
        raise ValueError(f"not a number: {text.strip()!r}")  # two numbers, 1e5, 12,34 …
    if rest.startswith(tuple(SCALES)):
        raise ValueError(f"not a number: {text.strip()!r}")  # 1万千円: a scale word without its figure
    return rest


def to_quantity(value: object) -> Quantity | None:
    """A raw cell from CSV (str) or openpyxl (int/float/Decimal/str) as a Quantity.

    None for a blank cell; ValueError for booleans, infinities and anything not a number.
    """
    if is_missing(value):
        return None
    if isinstance(value, str):
        return parse_quantity(value)
    if isinstance(value, bool):  # an int subclass, but TRUE in a value column is a mistake, not 1
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, numbers.Real | Decimal):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"not a finite number: {value!r}")
        return Quantity(number + 0.0, None)
    raise ValueError(f"not a number: {value!r}")


def _unit_key(unit: str) -> str:
    folded = " ".join(unicodedata.normalize("NFKC", unit).split()).casefold()
    return _MONTHS_RE.sub("か月", folded)


def _split_scale(unit: str) -> tuple[int, str]:
    """A KPI unit's own scale word and what follows it: 百万円 → (10^6, 円), 人 → (1, 人)."""
    folded = unicodedata.normalize("NFKC", unit).strip()
    for word, scale in SCALES.items():
        if folded.startswith(word):
            return scale, folded[len(word) :]
    return 1, folded


def in_kpi_unit(quantity: Quantity, unit_ja: str, unit_en: str) -> float:
    """The quantity in the KPI's unit; UnitMismatch when it is written in another unit.

    `2,720千円` is 2,720,000 for a 円 KPI and 2,720 for a 千円 KPI; `1.5億円` is 150 for a 百万円
    KPI. A bare number is taken as already in the KPI's unit.
    """
    if quantity.unit is None:
        return quantity.value
    scale, base = _split_scale(unit_ja)
    written = _unit_key(quantity.unit)
    if quantity.unit == "" or written == _unit_key(base):
        # the scale words are already in value: state it in the KPI's own scale
        return _finite(Decimal(repr(quantity.value)) / scale, repr(quantity.value))
    if written in (_unit_key(unit_ja), _unit_key(unit_en)):
        return quantity.value  # the KPI's unit as a whole, such as "thousand yen"
    raise UnitMismatch(quantity.unit, expected=unit_ja)
