"""Who may do what: roles, the acting user, and the checks every reading or writing function makes.

SPEC section 1: an administrator does everything; an executive reads everything and changes nothing;
a project lead changes the projects their organization leads (and reads the whole portfolio); a
partner uploads for its own organization and reads only the projects it takes part in. Pages are
hidden by role too (ui/navigation.py), but a hidden page is never the only guard: the functions in
kpi/ call these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from kpi.i18n import t

# kpi.storage's modules are imported by the functions that use them: importing one loads DuckDB, and
# `python -m kpi --help` reads ROLES without it. duckdb itself is here for the types only.
if TYPE_CHECKING:
    import duckdb

    from kpi.portfolio.filters import Filters


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    EXECUTIVE = "executive"
    LEAD = "lead"
    PARTNER = "partner"


ROLES = tuple(r.value for r in Role)
NEEDS_ORGANIZATION = (Role.LEAD, Role.PARTNER)


@dataclass(frozen=True)
class Actor:
    """The signed-in person a function acts for; `username` is what the audit log records."""

    username: str
    role: Role
    organization_code: str | None = None
    display_name: str = ""

    @classmethod
    def operator(cls, username: str) -> Actor:
        """The command line's user: whoever may write the database file administers it anyway."""
        return cls(username=username, role=Role.ADMINISTRATOR, display_name=username)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMINISTRATOR


class Forbidden(PermissionError):
    """The acting user may not do this; nothing was read or written."""

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values

    def message(self, lang: str) -> str:
        values = dict(self.values)
        if "role" in values:
            values["role"] = t(f"role.{values['role']}", lang)
        return t(f"access.{self.reason}", lang, **values)


def require_role(actor: Actor, *roles: Role) -> None:
    """Only these roles (administrators always) may go on."""
    if actor.role != Role.ADMINISTRATOR and actor.role not in roles:
        raise Forbidden("role", role=actor.role.value)


def require_writer(cursor: duckdb.DuckDBPyConnection, actor: Actor, project_codes: Iterable[str]) -> None:
    """Changes to these projects: administrators, or the lead of each one (its lead organization)."""
    codes = sorted(set(project_codes))
    if actor.role == Role.ADMINISTRATOR:
        return
    if actor.role != Role.LEAD:
        raise Forbidden("role", role=actor.role.value)
    from kpi.storage.accounts import lead_organizations

    leads = lead_organizations(cursor, codes)
    for code in codes:
        if leads.get(code) is None or leads.get(code) != actor.organization_code:
            raise Forbidden("not_lead", project=code)


def readable_projects(cursor: duckdb.DuckDBPyConnection, actor: Actor) -> frozenset[str] | None:
    """The projects this user may read: None for all, else the codes (a partner's own projects)."""
    if actor.role != Role.PARTNER:
        return None
    from kpi.storage.accounts import partner_project_codes

    return frozenset(partner_project_codes(cursor, actor.organization_code or ""))


def require_reader(cursor: duckdb.DuckDBPyConnection, actor: Actor, project_code: str) -> None:
    allowed = readable_projects(cursor, actor)
    if allowed is not None and project_code not in allowed:
        raise Forbidden("not_partner", project=project_code)


def require_organization(actor: Actor, organization_code: str) -> None:
    """Uploads, templates and import history: administrators for any organization, others their own."""
    if actor.role == Role.ADMINISTRATOR:
        return
    if actor.role == Role.EXECUTIVE:
        raise Forbidden("role", role=actor.role.value)
    if actor.organization_code != organization_code:
        raise Forbidden("other_organization", organization=organization_code)


def _partner_organization(actor: Actor) -> str | None:
    """The organization whose projects bound what the actor reads; None: the actor reads all."""
    return (actor.organization_code or "") if actor.role == Role.PARTNER else None


def scope_sql(actor: Actor, alias: str = "pr") -> tuple[str, dict[str, Any]]:
    """`(fragment, params)` keeping only the projects the user may read, over `alias.project_code`
    (the SQL is kpi.storage.scope's)."""
    from kpi.storage.scope import partner_scope_sql

    return partner_scope_sql(_partner_organization(actor), alias)


def scoped_filter_sql(filters: Filters | None, start_month: int, actor: Actor) -> tuple[str, dict[str, Any]]:
    """The user's filters (kpi.portfolio.filters) narrowed to the projects they may read, over alias `pr`."""
    from kpi.storage.scope import scoped_filter_sql as storage_scoped_filter_sql

    return storage_scoped_filter_sql(filters, start_month, _partner_organization(actor))


def scope_key(actor: Actor) -> tuple[str, str]:
    """What a cache of read data must be keyed on: users who read the same projects share it."""
    return (actor.role.value, actor.organization_code or "") if actor.role == Role.PARTNER else ("all", "")
