"""Period labels as people write them (SPEC section 4): a report is keyed by its period's last day.

One label, one reading, or a ValueError that names the text as written:

- a date: `2026-03-31`, `2026/3/31`, `2026.3.31`, `2026年3月31日`, `令和8年3月31日`, `R8.3.31`, and
  Excel's `2026-03-31 00:00:00`;
- a month: `2026-03`, `2026/3`, `2026年3月`, `令和8年3月`, `R8.3`, `H27.7` → its last day;
- a fiscal quarter: `FY2025Q4`, `2025年度Q4`, `2025年度第4四半期`, `令和7年度第4四半期` → its last day;
- a fiscal year: `FY2025`, `2025年度`, `令和7年度`, `R7年度`, `H29年度`, `令和元年度` → its last day;
- a calendar year: `2025年`, `令和7年`, `CY2025` → 31 December.

A bare `2025` or `R7` could be a fiscal or a calendar year: AmbiguousPeriod, which offers both
labels. Anything that needs a guess is rejected: 2-digit years (`26/3`, `FY25`), day- or
month-first orders, `2026.3` (a spreadsheet stores it as the number 2026.3, and `2026.10`
comes back as `2026.1`), a time of day other than midnight.

An era year counts like a calendar year: 令和7年度 is FY2025, whatever the fiscal year start.
A date, month or calendar year that ends before its era began is rejected (令和元年4月 never
existed); 年度 labels are not, since a fiscal year starting in April of an era's first year
already belongs to that era (see kpi.fiscal.ERAS).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Literal, cast

from kpi.fiscal import DEFAULT_START_MONTH, ERAS, fiscal_year_end, month_end, quarter_end

PeriodKind = Literal["date", "month", "quarter", "fiscal_year", "calendar_year"]

# NFKC folds full-width digits, comma, period, U+FF0D minus and U+3000 space to ASCII, but not
# U+2212 MINUS SIGN, which macOS Japanese input produces for "－".
_EXTRA_FOLDS = str.maketrans({"\u2212": "-"})


def fold(text: str) -> str:
    """Fold full-width forms to ASCII (NFKC) and trim surrounding (also full-width) spaces."""
    return unicodedata.normalize("NFKC", text).translate(_EXTRA_FOLDS).strip()


# A date written with a time is accepted only at midnight: that is how Excel exports a date cell
# ("2026-03-31 00:00:00", "2026/3/31 0:00"). Any other time is a timestamp, not a period end.
_MIDNIGHT = r"(?:(?:\s+|T)0?0:00(?::00(?:\.0+)?)?)?"

# The year in front of 年 or 年度: 2025, 令和7, 令和元, R7. Four-digit Western years only, not
# starting with 0: "26/3/31" and "0026-03-31" are 2-digit years.
_ERA_NAMES = "|".join(name for name, _first, _last in ERAS)
_YEAR = rf"(?:(?P<y>[1-9]\d{{3}})|(?:(?P<era>{_ERA_NAMES})|(?P<letter>[RHS]))\s*(?P<n>\d{{1,2}}|元))"
# R8.3.31, H31/4/30, S64-1-7, R8.3, H27.7: the romanised initial of the era.
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和"}
_SHORT = r"(?P<letter>[RHS])\s*(?P<n>\d{1,2})"
_QUARTER = r"(?:Q\s*(?P<q>\d)|第\s*(?P<qk>[1-9一二三四])\s*四半期)"

# Tried in this order on the folded, upper-cased text; each must match the whole of it.
# re.ASCII everywhere: \d would otherwise match Arabic-Indic and other digits NFKC leaves alone.
_FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.ASCII), form)
    for pattern, form in (
        (r"(?P<y>[1-9]\d{3})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})" + _MIDNIGHT, "date"),
        (rf"{_SHORT}(?P<s>[-/.])(?P<m>\d{{1,2}})(?P=s)(?P<d>\d{{1,2}})", "date"),
        (rf"{_YEAR}\s*年\s*(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*日", "date"),
        # Not "2026.3": a spreadsheet keeps it as the number 2026.3, and "2026.10" as 2026.1.
        (r"(?P<y>[1-9]\d{3})[-/](?P<m>\d{1,2})", "month"),
        (rf"{_SHORT}[-/.](?P<m>\d{{1,2}})", "month"),
        (rf"{_YEAR}\s*年\s*(?P<m>\d{{1,2}})\s*月", "month"),
        (rf"FY\s*(?P<y>[1-9]\d{{3}})\s*-?\s*{_QUARTER}", "quarter"),
        (rf"{_YEAR}\s*年度\s*{_QUARTER}", "quarter"),
        (r"FY\s*(?P<y>[1-9]\d{3})", "fiscal_year"),
        (rf"{_YEAR}\s*年度", "fiscal_year"),
        (r"CY\s*(?P<y>[1-9]\d{3})", "calendar_year"),
        (rf"{_YEAR}\s*年", "calendar_year"),
        (_YEAR, "bare_year"),
    )
)
_KANJI_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


class AmbiguousPeriod(ValueError):
    """A bare year (`2025`, `R7`): fiscal or calendar? The importer's `ambiguous_period`.

    `fiscal_label` and `calendar_label` are the two labels the writer could have meant, in the
    writer's own notation (`2025年度` / `2025年`, `R7年度` / `R7年`); `year` is the Western year.
    """

    def __init__(self, text: str, year: int, fiscal_label: str, calendar_label: str) -> None:
        self.text = text
        self.year = year
        self.fiscal_label = fiscal_label
        self.calendar_label = calendar_label
        super().__init__(f"fiscal or calendar year? {text!r}: write {fiscal_label} or {calendar_label}")


def _reject(reason: str, text: str) -> ValueError:
    return ValueError(f"{reason}: {text.strip()!r}")


def _year(g: dict[str, str | None], text: str) -> tuple[int, date | None]:
    """The Western year of a label and, for an era year, the era's first day."""
    if g.get("y"):
        return int(g["y"] or ""), None
    era = g.get("era") or _ERA_LETTERS[g["letter"] or ""]
    n = 1 if g["n"] == "元" else int(g["n"] or "")
    for name, first_day, last_year in ERAS:
        if name == era:
            if n < 1 or (last_year is not None and n > last_year):
                raise _reject(f"{era} has no year {n}", text)
            return first_day.year + n - 1, first_day
    raise _reject(f"unknown era {era!r}", text)  # pragma: no cover - the patterns name only ERAS


def _last_day(form: str, g: dict[str, str | None], year: int, start_month: int, text: str) -> date:
    if form in ("fiscal_year", "quarter"):
        try:
            if form == "fiscal_year":
                return fiscal_year_end(year, start_month)
            return quarter_end(year, _quarter(g), start_month)
        except ValueError as exc:  # a bad quarter or start month; FY9999 ending in year 10000
            raise _reject(str(exc), text) from None
    if form == "calendar_year":
        return date(year, 12, 31)
    month = int(g["m"] or "")
    if not 1 <= month <= 12:
        raise _reject("no such month", text)
    if form == "month":
        return month_end(year, month)
    try:
        return date(year, month, int(g["d"] or ""))
    except ValueError:
        raise _reject("no such date", text) from None


def _quarter(g: dict[str, str | None]) -> int:
    digit = g["qk"] or g["q"] or ""
    q = int(_KANJI_DIGITS.get(digit, digit))
    if not 1 <= q <= 4:
        raise ValueError("a fiscal quarter is 1..4")
    return q


def parse_period_label(
    text: str, fiscal_year_start_month: int = DEFAULT_START_MONTH
) -> tuple[date, PeriodKind]:
    """The last day of the period `text` names, and which kind of period it names.

    Kind is "date", "month", "quarter", "fiscal_year" or "calendar_year". ValueError for a
    blank or unreadable label, AmbiguousPeriod (a ValueError) for a bare year. The fiscal year
    start month matters only for quarters and fiscal years.
    """
    cleaned = fold(text).upper()  # upper: "fy2025q4" and "r8.3.31" are still clear
    for pattern, form in _FORMS:
        if m := pattern.fullmatch(cleaned):
            return _read(m.groupdict(), form, fiscal_year_start_month, text)
    raise _reject("not a date" if cleaned else "no period given", text)


def _read(g: dict[str, str | None], form: str, start_month: int, text: str) -> tuple[date, PeriodKind]:
    year, era_start = _year(g, text)
    if form == "bare_year":
        written = g["y"] or f"{g['era'] or g['letter']}{g['n']}"
        raise AmbiguousPeriod(text.strip(), year, f"{written}年度", f"{written}年")
    last = _last_day(form, g, year, start_month, text)
    # 令和元年4月 never existed. The era's last year is accepted in full, though: forms printed
    # before 改元 went on saying 平成31年 after May 2019, and the reading is unambiguous. 年度
    # labels are exempt: FY2019 is 令和元年度 although its April was still 平成.
    if era_start is not None and form in ("date", "month", "calendar_year") and last < era_start:
        raise _reject(f"that era began on {era_start.isoformat()}", text)
    return last, cast(PeriodKind, form)
