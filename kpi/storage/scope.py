"""Which projects a reader sees, as SQL: the partner scope and the portfolio filters, combined.

kpi.access decides who the reader is (a partner sees only its own projects); this module only turns
that decision into a boolean fragment over `alias.project_code`, with every value bound.
"""

from __future__ import annotations

from typing import Any

from kpi.storage.filters_sql import FilterChoices, filter_sql


def partner_scope_sql(partner_organization: str | None, alias: str = "pr") -> tuple[str, dict[str, Any]]:
    """`(fragment, params)`: `TRUE` for a reader of everything (None), else the projects in which
    `partner_organization` takes part."""
    if partner_organization is None:
        return "TRUE", {}
    fragment = (
        f"{alias}.project_code IN (SELECT project_code FROM partners WHERE organization_code = $scope_org)"
    )
    return fragment, {"scope_org": partner_organization}


def scoped_filter_sql(
    filters: FilterChoices | None, start_month: int, partner_organization: str | None
) -> tuple[str, dict[str, Any]]:
    """The filters (kpi.portfolio.filters.Filters) narrowed to the partner's projects, over `pr`."""
    where, params = filter_sql(filters, start_month)
    scope, scope_params = partner_scope_sql(partner_organization)
    if scope == "TRUE":
        return where, params
    return f"({where}) AND ({scope})", params | scope_params
