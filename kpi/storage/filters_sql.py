"""Portfolio filters as SQL: what the user picked (kpi.portfolio.filters.Filters) → a boolean
fragment over the `projects` table under the alias `pr`, with bound parameters.

Every value is a named parameter (`$f_...`), never text pasted into the SQL. Empty choices mean
"all". The filters are read through FilterChoices, so storage needs nothing from above it.
"""

from __future__ import annotations

from typing import Any, Protocol

from kpi.fiscal import fiscal_year_bounds


class FilterChoices(Protocol):
    """What filter_sql reads of kpi.portfolio.filters.Filters."""

    @property
    def fiscal_year(self) -> int | None: ...
    @property
    def fields(self) -> tuple[str, ...]: ...
    @property
    def prefectures(self) -> tuple[str, ...]: ...
    @property
    def sectors(self) -> tuple[str, ...]: ...
    @property
    def phases(self) -> tuple[str, ...]: ...


def filter_sql(filters: FilterChoices | None, fiscal_start_month: int = 4) -> tuple[str, dict[str, Any]]:
    """`(fragment, params)`: a boolean SQL expression over `pr` (projects), `TRUE` for no filter."""
    if filters is None:
        return "TRUE", {}
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
