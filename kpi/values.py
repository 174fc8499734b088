"""Numbers and dates as people type them in partner files (SPEC section 4).

Every parser returns None for a blank cell and raises ValueError for anything else that is not
a clean number or period label: the importer turns the message into `invalid_number` /
`invalid_date`, and AmbiguousPeriod (a ValueError, for a bare `2025` or `R7`) into
`ambiguous_period`. The rule throughout is to accept only what has one obvious reading; anything
that needs a guess (2-digit years, 12,34, 1e5, units in the cell) is rejected so the partner
fixes it at the source. Period labels themselves (dates, months, quarters, fiscal and calendar
years) are read by kpi.periods; parse_date and to_date return their last day.
Values with units, scale words and ▲ (`52.2%`, `2,720千円`, `▲1,577`) are kpi/quantities.py's.
"""

from __future__ import annotations

import math
import numbers
from datetime import date, datetime, time
from decimal import Decimal

from kpi.fiscal import DEFAULT_START_MONTH
from kpi.periods import AmbiguousPeriod as AmbiguousPeriod  # re-exported: callers catch it here
from kpi.periods import PeriodKind as PeriodKind
from kpi.periods import fold as _normalise
from kpi.periods import parse_period_label as parse_period_label
from kpi.quantities import PLAIN_NUMBER_RE, plain_figure
from kpi.quantities import is_missing as _is_missing

# A plain figure (no unit, no ▲, no scale word), defined once in kpi/quantities.py.
_NUMBER_RE = PLAIN_NUMBER_RE


def parse_number(text: str) -> float | None:
    """Parse a cell as a number: None when blank, ValueError when not a plain number.

    Accepts `1,234`, `１，２３４`, `-5`, `－５`, `12.5`, `+3` and surrounding spaces. Rejects
    units (`123件`), placeholders (`N/A`, `-`), scientific notation, `nan` and `inf`.
    """
    return plain_figure(text)


def parse_date(text: str, fiscal_year_start_month: int = DEFAULT_START_MONTH) -> date | None:
    """Parse a cell as a period end: None when blank, ValueError when not a period label.

    Accepts every label of kpi.periods and returns the period's last day: dates (`2026-03-31`,
    `2026/3/31`, `2026年3月31日`, `令和8年3月31日`, `R8.3.31`, Excel's `2026-03-31 00:00:00`),
    months (`2026-03`, `2026年3月`, `R8.3`), fiscal quarters (`FY2025Q4`, `2025年度第4四半期`),
    fiscal years (`FY2025`, `2025年度`, `令和7年度`) and calendar years (`2025年`, `CY2025`).
    A bare `2025` or `R7` raises AmbiguousPeriod, a ValueError offering `2025年度` and `2025年`.
    """
    if not _normalise(text):
        return None
    return parse_period_label(text, fiscal_year_start_month)[0]


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

    A string is a period label (parse_date): `FY2025` or `2025年3月` means the period's last day.

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
