"""Numbers and dates as people type them in partner files (SPEC section 4).

Every parser returns None for a blank cell and raises ValueError for anything else that is not
a clean number or date: the importer turns the message into `invalid_number` / `invalid_date`.
The rule throughout is to accept only what has one obvious reading; anything that needs a guess
(2-digit years, 12,34, 1e5, units in the cell) is rejected so the partner fixes it at the source.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal

from kpi.fiscal import DEFAULT_START_MONTH, ERAS, quarter_end

# NFKC folds full-width digits, comma, period, U+FF0D minus and U+3000 space to ASCII, but not
# U+2212 MINUS SIGN, which macOS Japanese input produces for "－".
_EXTRA_FOLDS = str.maketrans({"\u2212": "-"})

# Thousands separators must group by exactly three digits: "12,34" has no single reading.
# re.ASCII everywhere: \d would otherwise match Arabic-Indic and other digits NFKC leaves alone.
_NUMBER_RE = re.compile(r"([+-])?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?", re.ASCII)

# A date written with a time is accepted only at midnight: that is how Excel exports a date cell
# ("2026-03-31 00:00:00", "2026/3/31 0:00"). Any other time is a timestamp, not a period end.
_MIDNIGHT = r"(?:(?:\s+|T)0?0:00(?::00(?:\.0+)?)?)?"

# Four-digit years only, not starting with 0: "26/3/31" and "0026-03-31" are 2-digit years.
_ISO_LIKE_RE = re.compile(r"([1-9]\d{3})([-/.])(\d{1,2})\2(\d{1,2})" + _MIDNIGHT, re.ASCII)
_KANJI_RE = re.compile(r"([1-9]\d{3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", re.ASCII)

_ERA_NAMES = "|".join(name for name, _first, _last in ERAS)
_ERA_KANJI_RE = re.compile(
    rf"({_ERA_NAMES})\s*(\d{{1,2}}|元)\s*年\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日",
    re.ASCII,
)
# R8.3.31, H31/4/30, S64-1-7: the romanised initial of the era.
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和"}
_ERA_SHORT_RE = re.compile(r"([RHS])\s*(\d{1,2})([-/.])(\d{1,2})\3(\d{1,2})", re.ASCII)

# Fiscal quarters: FY2025Q4, FY2025 Q4, FY2025-Q4, 2025年度Q4, 2025年度第4四半期, 令和7年度Q4.
_FY_QUARTER_RE = re.compile(r"FY\s*([1-9]\d{3})\s*-?\s*Q\s*(\d)", re.ASCII)
_NENDO_QUARTER_RE = re.compile(
    rf"(?:([1-9]\d{{3}})|({_ERA_NAMES})\s*(\d{{1,2}}|元))\s*年度\s*"
    r"(?:Q\s*(\d)|第\s*([1-9一二三四])\s*四半期)",
    re.ASCII,
)
_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


def _normalise(text: str) -> str:
    """Fold full-width forms to ASCII and trim surrounding (also full-width) spaces."""
    return unicodedata.normalize("NFKC", text).translate(_EXTRA_FOLDS).strip()


def parse_number(text: str) -> float | None:
    """Parse a cell as a number: None when blank, ValueError when not a plain number.

    Accepts `1,234`, `１，２３４`, `-5`, `－５`, `12.5`, `+3` and surrounding spaces. Rejects
    units (`123件`), placeholders (`N/A`, `-`), scientific notation, `nan` and `inf`.
    """
    cleaned = _normalise(text)
    if not cleaned:
        return None
    if _NUMBER_RE.fullmatch(cleaned) is None:
        raise ValueError(f"not a number: {text.strip()!r}")
    value = float(cleaned.replace(",", ""))
    if not math.isfinite(value):
        # Hundreds of digits overflow a float; no KPI is that large, so it is a typing error.
        raise ValueError(f"number too large: {text.strip()!r}")
    return value + 0.0  # turns -0.0 into 0.0 so "-0" never displays as a negative zero


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"no such date: {text.strip()!r}") from None


def _era_year(era: str, number: str, text: str) -> tuple[int, date]:
    """Calendar year for an era year ("元" = 1) and the era's first day; ValueError if invalid."""
    n = 1 if number == "元" else int(number)
    for name, first_day, last_year in ERAS:
        if name == era:
            if n < 1 or (last_year is not None and n > last_year):
                raise ValueError(f"{era} has no year {n}: {text.strip()!r}")
            return first_day.year + n - 1, first_day
    raise ValueError(f"unknown era {era!r}: {text.strip()!r}")  # pragma: no cover - regex-bound


def _era_date(era: str, number: str, month: str, day: str, text: str) -> date:
    year, first_day = _era_year(era, number, text)
    d = _make_date(year, int(month), int(day), text)
    # 令和元年4月30日 never existed. The era's last year is accepted in full, though: forms
    # printed before 改元 went on saying 平成31年 after May 2019, and the reading is unambiguous.
    if d < first_day:
        raise ValueError(f"{era} had not begun on that date: {text.strip()!r}")
    return d


def _quarter_number(digit: str, text: str) -> int:
    q = _KANJI_DIGITS.get(digit) or int(digit)
    if not 1 <= q <= 4:
        raise ValueError(f"a fiscal quarter is 1..4: {text.strip()!r}")
    return q


def parse_date(text: str, fiscal_year_start_month: int = DEFAULT_START_MONTH) -> date | None:
    """Parse a cell as a date: None when blank, ValueError when not a date.

    Accepts `2026-03-31`, `2026/3/31`, `2026.3.31`, `2026年3月31日`, `令和8年3月31日`,
    `R8.3.31`, `H31.4.30`, Excel's `2026-03-31 00:00:00`, and fiscal quarters (`FY2025Q4`,
    `2025年度Q4`, `2025年度第4四半期`), which mean the quarter's last day.
    """
    cleaned = _normalise(text).upper()  # upper: "fy2025q4" and "r8.3.31" are still clear
    if not cleaned:
        return None

    if m := _ISO_LIKE_RE.fullmatch(cleaned):
        return _make_date(int(m[1]), int(m[3]), int(m[4]), text)
    if m := _KANJI_RE.fullmatch(cleaned):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _ERA_KANJI_RE.fullmatch(cleaned):
        return _era_date(m[1], m[2], m[3], m[4], text)
    if m := _ERA_SHORT_RE.fullmatch(cleaned):
        return _era_date(_ERA_LETTERS[m[1]], m[2], m[4], m[5], text)
    if m := _FY_QUARTER_RE.fullmatch(cleaned):
        quarter = _quarter_number(m[2], text)
        return quarter_end(int(m[1]), quarter, fiscal_year_start_month)
    if m := _NENDO_QUARTER_RE.fullmatch(cleaned):
        # 年度 counts like a calendar year: 令和7年度 is FY2025, whatever the start month.
        fy = int(m[1]) if m[1] else _era_year(m[2], m[3], text)[0]
        quarter = _quarter_number(m[4] or m[5], text)
        return quarter_end(fy, quarter, fiscal_year_start_month)
    raise ValueError(f"not a date: {text.strip()!r}")


def _is_missing(value: object) -> bool:
    """True for the ways pandas and openpyxl spell an empty cell: None, NaN, NaT, pd.NA."""
    if value is None:
        return True
    if isinstance(value, float | Decimal) and math.isnan(value):
        return True
    if isinstance(value, datetime) and value != value:  # pandas.NaT is a datetime unequal to itself
        return True
    # pd.NA, checked by type name so this module does not import pandas.
    return type(value).__name__ == "NAType"


def to_number(value: object) -> float | None:
    """A cell value as read from CSV (str) or .xlsx (int/float/str) as a number.

    None for a blank cell (None, NaN, empty string); ValueError for booleans, infinities and
    anything else that is not a number.
    """
    if _is_missing(value):
        return None
    if isinstance(value, str):
        return parse_number(value)
    # bool is an int subclass, but TRUE in a value column is a mistake, not 1.
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, numbers.Real | Decimal):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"not a finite number: {value!r}")
        return number + 0.0
    raise ValueError(f"not a number: {value!r}")


def to_date(value: object, fiscal_year_start_month: int = DEFAULT_START_MONTH) -> date | None:
    """A cell value as read from CSV (str) or .xlsx (date/datetime/pandas.Timestamp) as a date.

    Numbers are rejected: an Excel serial number (46112) has no reliable reading once it has
    left Excel. Datetimes must be at midnight, like date strings with a time.
    """
    if _is_missing(value):
        return None
    if isinstance(value, str):
        return parse_date(value, fiscal_year_start_month)
    # datetime (and pandas.Timestamp, its subclass) before date: datetime is a date subclass.
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise ValueError(f"a period end is a day, not a time of day: {value!s}")
        return date(value.year, value.month, value.day)
    if isinstance(value, date):
        return value
    raise ValueError(f"not a date: {value!r}")
