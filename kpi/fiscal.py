"""Fiscal year (年度) arithmetic (SPEC section 3).

A fiscal year is named by the calendar year in which it starts: with the default April start,
FY2025 runs 2025-04-01 … 2026-03-31, Q1 is April–June 2025 and Q4 is January–March 2026.
The start month is a setting, so every function takes it as a parameter.
"""

from __future__ import annotations

from datetime import date, timedelta

DEFAULT_START_MONTH = 4

# Japanese eras, newest first: name, first day, and the last era year number in use (None while
# current). For 年度 labels only the first year matters: a fiscal year starting in April of an
# era's first year already belongs to that era (FY2019 is 令和元年度, FY1989 is 平成元年度).
ERAS: tuple[tuple[str, date, int | None], ...] = (
    ("令和", date(2019, 5, 1), None),
    ("平成", date(1989, 1, 8), 31),
    ("昭和", date(1926, 12, 25), 64),
)


def _check_start_month(start_month: int) -> None:
    # bool is an int subclass; a True start month is a bug, not January.
    if isinstance(start_month, bool) or not isinstance(start_month, int):
        raise ValueError(f"fiscal year start month must be an integer 1..12: {start_month!r}")
    if not 1 <= start_month <= 12:
        raise ValueError(f"fiscal year start month must be 1..12: {start_month}")


def _check_quarter(quarter: int) -> None:
    if isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= 4:
        raise ValueError(f"fiscal quarter must be 1..4: {quarter!r}")


def _month_start(year: int, month_index: int) -> date:
    """First day of the month `month_index` months after January of `year` (0-based, may wrap)."""
    return date(year + month_index // 12, month_index % 12 + 1, 1)


def fiscal_year(d: date, start_month: int = DEFAULT_START_MONTH) -> int:
    """The fiscal year containing `d`, named by its start year."""
    _check_start_month(start_month)
    return d.year if d.month >= start_month else d.year - 1


def fiscal_quarter(d: date, start_month: int = DEFAULT_START_MONTH) -> int:
    """The fiscal quarter (1..4) containing `d`."""
    _check_start_month(start_month)
    months_into_year = (d.month - start_month) % 12
    return months_into_year // 3 + 1


def fiscal_year_bounds(fy: int, start_month: int = DEFAULT_START_MONTH) -> tuple[date, date]:
    """First and last day of fiscal year `fy`."""
    _check_start_month(start_month)
    first = date(fy, start_month, 1)
    # The next fiscal year's first day minus one day: no month-length tables needed.
    last = _month_start(fy, start_month - 1 + 12) - timedelta(days=1)
    return first, last


def fiscal_year_end(fy: int, start_month: int = DEFAULT_START_MONTH) -> date:
    """Last day of fiscal year `fy`: 2026-03-31 for FY2025 with the April start."""
    return fiscal_year_bounds(fy, start_month)[1]


def days_in_fiscal_year(fy: int, start_month: int = DEFAULT_START_MONTH) -> int:
    """Number of days in fiscal year `fy`: 366 when it holds a 29 February, else 365."""
    first, last = fiscal_year_bounds(fy, start_month)
    return (last - first).days + 1


def month_end(year: int, month: int) -> date:
    """Last day of calendar month `month` (1..12) of `year`."""
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12: {month!r}")
    if month == 12:  # also for 9999, whose next month is past date.max
        return date(year, 12, 31)
    # The next month's first day minus one day, like fiscal_year_bounds.
    return _month_start(year, month) - timedelta(days=1)


def quarter_bounds(fy: int, quarter: int, start_month: int = DEFAULT_START_MONTH) -> tuple[date, date]:
    """First and last day of quarter `quarter` (1..4) of fiscal year `fy`."""
    _check_start_month(start_month)
    _check_quarter(quarter)
    first_index = start_month - 1 + 3 * (quarter - 1)
    first = _month_start(fy, first_index)
    last = _month_start(fy, first_index + 3) - timedelta(days=1)
    return first, last


def quarter_end(fy: int, quarter: int, start_month: int = DEFAULT_START_MONTH) -> date:
    """Last day of quarter `quarter` of fiscal year `fy` (the usual reporting period end)."""
    return quarter_bounds(fy, quarter, start_month)[1]


def last_closed_quarter_end(day: date, start_month: int) -> date:
    """The end of the latest fiscal quarter that has ended by `day` (its end ≤ day): with the April
    (or January) start 2026-09-30 for 2026-11-26 and for 2026-09-30 itself, 2026-03-31 for
    2026-04-01; with a March start 2026-08-31 for 2026-11-26. The period a report is due for."""
    fy, q = fiscal_year(day, start_month), fiscal_quarter(day, start_month)
    first, last = quarter_bounds(fy, q, start_month)
    return last if last <= day else first - timedelta(days=1)


def closed_quarter_ends(day: date, start_month: int, count: int) -> list[date]:
    """The ends of the last `count` fiscal quarters that have ended by `day`, newest first."""
    ends: list[date] = []
    if count > 0:
        ends.append(last_closed_quarter_end(day, start_month))
    while len(ends) < count:
        ends.append(last_closed_quarter_end(ends[-1] - timedelta(days=1), start_month))
    return ends


def last_closed_fiscal_year(day: date, start_month: int) -> int:
    """The latest fiscal year that has ended by `day`: FY2025 on 2026-03-31 and on 2026-11-26 with
    the April start, FY2025 on 2026-11-26 with the January start (it ended 2025-12-31)."""
    fy = fiscal_year(day, start_month)
    return fy if fiscal_year_end(fy, start_month) <= day else fy - 1


def _era_of(year: int) -> tuple[str, int]:
    """Era name and era year number (1 = 元年) for a calendar or fiscal year."""
    for name, first_day, _last in ERAS:
        if year >= first_day.year:
            return name, year - first_day.year + 1
    raise ValueError(f"no Japanese era supported for year {year} (earliest is 昭和, 1926)")


def _era_number(n: int) -> str:
    # The first year of an era is written 元年, never 1年.
    return "元" if n == 1 else str(n)


def wareki_year(year: int) -> str:
    """Calendar year in the Japanese era calendar: 2026 → "令和8年", 2019 → "令和元年"."""
    name, n = _era_of(year)
    return f"{name}{_era_number(n)}年"


def fiscal_year_label(fy: int, lang: str, wareki: bool = False) -> str:
    """Display label of a fiscal year: "FY2025" (en), "2025年度" or "令和7年度" (ja)."""
    if lang == "en":
        # Era names mean nothing to most English readers; always the Western year.
        return f"FY{fy}"
    if lang == "ja":
        if wareki:
            name, n = _era_of(fy)
            return f"{name}{_era_number(n)}年度"
        return f"{fy}年度"
    raise ValueError(f"unsupported language: {lang!r} (expected 'en' or 'ja')")
