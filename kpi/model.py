"""Domain vocabulary (SPEC section 2): the fixed lists and the small typed records.

Bulk data moves as pandas DataFrames whose columns are documented where they are produced;
the records here are for single objects and for error reports.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Sector(StrEnum):
    INDUSTRY = "industry"  # 産
    ACADEMIA = "academia"  # 学
    GOVERNMENT = "government"  # 官


class Phase(StrEnum):
    AGREEMENT = "agreement"
    PLANNING = "planning"
    DEMONSTRATION = "demonstration"
    IMPLEMENTATION = "implementation"
    CLOSED = "closed"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Accumulation(StrEnum):
    SUM = "sum"  # each report is its period's amount; value to date = baseline + sum (累計)
    LAST = "last"  # each report is the level itself (水準)
    YEARLY = "yearly"  # a flow per fiscal year; targets are yearly levels (年度計)


class Achievement(StrEnum):
    """The 達成率 formula (SPEC section 2)."""

    PROGRESS = "progress"  # 計算式②: (V - B) / (T - B)
    RATIO = "ratio"  # 計算式①: V / T, higher-is-better KPIs only


class Frequency(StrEnum):
    """How often partners report a KPI: which period they owe, how periods are labelled."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Combine(StrEnum):
    SUM = "sum"
    LATEST = "latest"


class Horizon(StrEnum):
    SHORT = "short"
    MID = "mid"
    LONG = "long"


HORIZONS: tuple[Horizon, ...] = (Horizon.SHORT, Horizon.MID, Horizon.LONG)


class Status(StrEnum):
    NO_TARGET = "no_target"
    NO_DATA = "no_data"
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


# The order in which statuses are shown, best news last so problems come first.
STATUS_ORDER: tuple[Status, ...] = (
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.ON_TRACK,
    Status.ACHIEVED,
    Status.NO_DATA,
    Status.NO_TARGET,
)


@dataclass(frozen=True)
class Organization:
    organization_code: str
    name_ja: str
    name_en: str | None
    sector: Sector
    prefecture: str


@dataclass(frozen=True)
class Project:
    project_code: str
    name_ja: str
    name_en: str | None
    field: str
    prefecture: str
    phase: Phase
    start_date: date
    end_date: date | None
    lead_organization_code: str


@dataclass(frozen=True)
class KpiDefinition:
    kpi_code: str
    name_ja: str
    name_en: str
    unit_ja: str
    unit_en: str
    direction: Direction
    accumulation: Accumulation
    combine: Combine
    allow_negative: bool = False
    builtin: bool = False
    achievement: Achievement = Achievement.PROGRESS
    frequency: Frequency = Frequency.QUARTER


@dataclass(frozen=True)
class TargetPoint:
    """One target of a plan: a value due on a day, with an optional short/mid/long tag."""

    value: float
    day: date
    horizon: Horizon | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "value": self.value,
            "horizon": None if self.horizon is None else str(self.horizon),
        }


@dataclass(frozen=True)
class Settings:
    """Administrator settings; defaults are SPEC's."""

    on_track_threshold: float = 0.9
    at_risk_threshold: float = 0.7
    fiscal_year_start_month: int = 4
    import_max_bytes: int = 20 * 1024 * 1024
    import_max_rows: int = 200_000
    grade_scheme: str = "status"  # a preset name (kpi/grades.py) or a JSON list of bands


@dataclass(frozen=True)
class ValidationError:
    """One problem in an input file, in SPEC section 4's shape.

    `row` is the line number as a spreadsheet shows it (header = 1); `column` is the canonical
    English column name. Both are None for problems with the whole file. `header` is the column's
    header as the file wrote it (`出願件数（件）` for `patents`) when that differs from `column`.
    """

    code: str
    message: str
    row: int | None = None
    column: str | None = None
    file: str | None = None
    header: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.file is None:
            del data["file"]
        return {k: data[k] for k in ("file", "row", "column", "code", "message") if k in data}
