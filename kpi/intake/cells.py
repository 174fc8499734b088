"""One cell of a partner file read as a person reads it: a value, a period, a code.

Every reading is a result or an (error code, context) pair, so the row-by-row and the column-wise
parsers report the same errors with the same wording. A file repeats the same cells thousands of
times: CellCache reads each distinct cell once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from kpi.intake.xlsx import FormulaWithoutValue
from kpi.periods import AmbiguousPeriod, fold, parse_period_label
from kpi.quantities import (
    ApproximateNumber,
    Quantity,
    UnitMismatch,
    in_kpi_unit,
    is_not_reported,
    to_quantity,
)
from kpi.values import to_date

Problem = tuple[str, dict[str, Any]]  # error code, context for ErrorSink.add


@dataclass(frozen=True)
class ValueCell:
    value: float | None = None
    unit: str | None = None  # written after the number ("" for a scale word alone), else None
    not_reported: bool = False  # 「－」, N/A, 該当なし …
    problem: Problem | None = None


BLANK = ValueCell()
NOT_REPORTED = ValueCell(not_reported=True)


def read_value(raw: object) -> ValueCell:
    """A value cell (never blank here: callers decide what a blank cell means)."""
    if type(raw) is str:  # a file repeats the same texts: each is read once (the reading is immutable)
        return _read_text_value(raw)
    return _read_value(raw)


@lru_cache(maxsize=16384)
def _read_text_value(raw: str) -> ValueCell:
    return _read_value(raw)


def _read_value(raw: object) -> ValueCell:
    if isinstance(raw, FormulaWithoutValue):
        return ValueCell(problem=("invalid_number", {"value": raw.formula, "variant": "formula"}))
    if is_not_reported(raw):
        return NOT_REPORTED
    try:
        quantity = to_quantity(raw)
    except ApproximateNumber as hedge:
        return ValueCell(problem=("invalid_number", {"value": raw, "variant": "approximate",
                                                     "number": hedge.figure}))  # fmt: skip
    except ValueError:
        return ValueCell(problem=("invalid_number", {"value": raw}))
    if quantity is None:
        return BLANK
    return ValueCell(quantity.value, quantity.unit)


def in_kpi_units(
    reading: ValueCell, written: object, unit_ja: str, unit_en: str, kpi_name: str
) -> tuple[float | None, Problem | None]:
    """A read value in the KPI's unit (52.2% in a % KPI, 2,720千円 in a 千円 KPI); unit_mismatch,
    naming both units, when the cell was written in another. One wording for files and forms."""
    if reading.value is None or reading.unit is None:
        return reading.value, None
    try:
        return in_kpi_unit(Quantity(reading.value, reading.unit), unit_ja, unit_en), None
    except UnitMismatch as other:
        context = {"value": written, "written": other.written, "expected": other.expected, "kpi": kpi_name}
        return None, ("unit_mismatch", context)


@dataclass(frozen=True)
class PeriodCell:
    """A period cell or header: its last day and which kind of period it names ("month",
    "quarter", "fiscal_year", "calendar_year"; "date" for a day or an Excel date cell; a year's
    total must not stand for a quarter's), or the problem; `written` is the cell as written."""

    written: object
    day: date | None = None
    kind: str | None = None
    problem: Problem | None = None


def read_period(raw: object, fy_start: int) -> PeriodCell:
    """A (non-blank) period cell or header, read once for its day and its kind."""
    try:
        if isinstance(raw, str):
            day, kind = _period_label(raw, fy_start)
            return PeriodCell(raw, day, kind)
        return PeriodCell(raw, to_date(raw, fy_start), "date")
    except AmbiguousPeriod as bare:
        context = {"value": raw, "fiscal": bare.fiscal_label, "calendar": bare.calendar_label}
        return PeriodCell(raw, problem=("ambiguous_period", context))
    except ValueError:
        return PeriodCell(raw, problem=("invalid_date", {"value": raw}))


@lru_cache(maxsize=16384)
def _period_label(text: str, fy_start: int) -> tuple[date, str]:
    """parse_period_label, once per distinct label of a file (a failure is not kept: it raises)."""
    return parse_period_label(text, fy_start)


def code(text: str) -> str:
    """A project, KPI or organization code compared as SPEC says: after NFKC (ＭＡＴＳＵＤＯ－１)."""
    return fold(text)


class CellCache:
    """read_value and read_period, once per distinct cell."""

    def __init__(self, fy_start: int) -> None:
        self.fy_start = fy_start
        self._values: dict[object, ValueCell] = {}
        self._periods: dict[object, PeriodCell] = {}

    @staticmethod
    def _key(raw: object) -> object:
        return raw if isinstance(raw, str) else (type(raw).__name__, repr(raw))

    def value(self, raw: object) -> ValueCell:
        key = self._key(raw)
        if key not in self._values:
            self._values[key] = read_value(raw)
        return self._values[key]

    def period(self, raw: object) -> PeriodCell:
        key = self._key(raw)
        if key not in self._periods:
            self._periods[key] = read_period(raw, self.fy_start)
        return self._periods[key]
