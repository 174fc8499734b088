"""Portfolio filters: what the user picked → an SQL fragment with bound parameters, and → the URL.

Pure functions, no I/O. The fragment filters the `projects` table under the alias `pr`; every value
is a named parameter (`$f_...`), never text pasted into the SQL. Empty choices mean "all".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kpi.fiscal import fiscal_year, fiscal_year_bounds
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


def filter_sql(filters: Filters, fiscal_start_month: int = 4) -> tuple[str, dict[str, Any]]:
    """`(fragment, params)`: a boolean SQL expression over `pr` (projects), `TRUE` for no filter."""
    parts: list[str] = []
    params: dict[str, Any] = {}
    if filters.fiscal_year is not None:
        first, last = fiscal_year_bounds(filters.fiscal_year, fiscal_start_month)
        parts.append("pr.start_date <= $f_fy_last AND (pr.end_date IS NULL OR pr.end_date >= $f_fy_first)")
        params.update(f_fy_first=first, f_fy_last=last)
    if filters.fields:
        parts.append("list_contains($f_fields::VARCHAR[], pr.field)")
        params["f_fields"] = list(filters.fields)
    if filters.prefectures:
        parts.append("list_contains($f_prefectures::VARCHAR[], pr.prefecture)")
        params["f_prefectures"] = list(filters.prefectures)
    if filters.phases:
        parts.append("list_contains($f_phases::VARCHAR[], pr.phase)")
        params["f_phases"] = list(filters.phases)
    if filters.sectors:
        parts.append(
            "EXISTS (SELECT 1 FROM partners pa JOIN organizations o USING (organization_code)"
            " WHERE pa.project_code = pr.project_code AND list_contains($f_sectors::VARCHAR[], o.sector))"
        )
        params["f_sectors"] = list(filters.sectors)
    if not parts:
        return "TRUE", {}
    return " AND ".join(f"({p})" for p in parts), params


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


def parse_date(text: str | None, default: date) -> date:
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
