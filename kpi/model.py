"""Domain vocabulary (SPEC section 2): the fixed lists and the small typed records.

Bulk data moves as pandas DataFrames whose columns are documented where they are produced;
the records here are for single objects (errors: kpi/errors.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
class Settings:
    """Administrator settings; defaults are SPEC's."""

    on_track_threshold: float = 0.9
    at_risk_threshold: float = 0.7
    fiscal_year_start_month: int = 4
    import_max_bytes: int = 20 * 1024 * 1024
    import_max_rows: int = 200_000
    grade_scheme: str = "status"  # a preset name (kpi/grades.py) or a JSON list of bands
