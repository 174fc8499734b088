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
    SUM = "sum"
    LAST = "last"


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


@dataclass(frozen=True)
class Settings:
    """Administrator settings; defaults are SPEC's."""

    on_track_threshold: float = 0.9
    at_risk_threshold: float = 0.7
    fiscal_year_start_month: int = 4
    import_max_bytes: int = 20 * 1024 * 1024
    import_max_rows: int = 200_000


@dataclass(frozen=True)
class ValidationError:
    """One problem in an input file, in SPEC section 4's shape.

    `row` is the line number as a spreadsheet shows it (header = 1); `column` is the canonical
    English column name. Both are None for problems with the whole file.
    """

    code: str
    message: str
    row: int | None = None
    column: str | None = None
    file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.file is None:
            del data["file"]
        return {k: data[k] for k in ("file", "row", "column", "code", "message") if k in data}
