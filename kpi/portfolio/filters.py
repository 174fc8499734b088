"""Portfolio filters: what the user picked, and its round trip through the URL.

Pure data, no I/O. kpi.storage.filters_sql turns a Filters into an SQL fragment over the projects
(bound parameters only); kpi.access narrows it to what the reader may see. Empty choices mean "all".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from kpi.fiscal import fiscal_year
from kpi.model import Phase, Sector

SECTORS = tuple(s.value for s in Sector)
PHASES = tuple(p.value for p in Phase)


@dataclass(frozen=True)
class Filters:
    fiscal_year: int | None = None  # projects running at some point of this 年度
    fields: tuple[str, ...] = field(default_factory=tuple)
    prefectures: tuple[str, ...] = field(default_factory=tuple)
    sectors: tuple[str, ...] = field(default_factory=tuple)  # a partner of the project is in one
    phases: tuple[str, ...] = field(default_factory=tuple)

    def is_empty(self) -> bool:
        return self == Filters()


# -- URL ------------------------------------------------------------------------------------
_LISTS = {"field": "fields", "pref": "prefectures", "sector": "sectors", "phase": "phases"}


def to_query(filters: Filters) -> dict[str, list[str]]:
    """Query-string values for a shareable link (repeated keys for several choices)."""
    query: dict[str, list[str]] = {}
    if filters.fiscal_year is not None:
        query["fy"] = [str(filters.fiscal_year)]
    for key, attribute in _LISTS.items():
        values = getattr(filters, attribute)
        if values:
            query[key] = list(values)
    return query


def from_query(query: Mapping[str, list[str]]) -> Filters:
    """Filters from a link; unknown sectors or phases and a malformed year are ignored."""
    fy_values = query.get("fy") or []
    fiscal_year = int(fy_values[0]) if fy_values and fy_values[0].isdigit() else None
    lists = {attribute: tuple(dict.fromkeys(query.get(key) or [])) for key, attribute in _LISTS.items()}
    lists["sectors"] = tuple(s for s in lists["sectors"] if s in SECTORS)
    lists["phases"] = tuple(p for p in lists["phases"] if p in PHASES)
    return Filters(fiscal_year=fiscal_year, **lists)


def date_from_link(text: str | None, default: date) -> date:
    """An ISO date from a link, else the default."""
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


def fiscal_years(first: date | None, last: date | None, start_month: int = 4) -> list[int]:
    """Every fiscal year from the one containing `first` to the one containing `last`, newest first."""
    if first is None or last is None:
        return []
    return list(range(fiscal_year(last, start_month), fiscal_year(first, start_month) - 1, -1))
