"""Who may read and change partnerships (SPEC section 8), and what records may refer to.

Executives and leads read every agreement and meeting, partners those of their own projects (and
agreements their organization is a party to). Leads manage their projects' agreements and meetings;
a partner may add a meeting to its own project and mark its organization's action items done.
An agreement between organizations (no project) is changed by administrators, or by a lead whose
organization is a party to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from kpi.access import Actor, Forbidden, Role, readable_projects, require_reader, require_writer
from kpi.partnerships.checks import References
from kpi.storage.registry import read_table


def references(cursor: Any) -> References:
    partners = read_table(cursor, "partners")
    projects = read_table(cursor, "projects")
    members: dict[str, set[str]] = {str(p): set() for p in projects["project_code"]}
    for project, organization in zip(partners["project_code"], partners["organization_code"], strict=True):
        members.setdefault(str(project), set()).add(str(organization))
    return References(
        organizations=frozenset(read_table(cursor, "organizations")["organization_code"].astype(str)),
        partners={p: frozenset(o) for p, o in members.items()},
        kpis=frozenset(read_table(cursor, "kpi_definitions")["kpi_code"].astype(str)),
    )


def require_agreement_writer(
    cursor: Any, actor: Actor, project_code: str | None, parties: Iterable[str]
) -> None:
    """Changes to an agreement: its project's lead; without a project, a lead that is a party."""
    if project_code:
        require_writer(cursor, actor, [project_code])
        return
    if actor.role == Role.ADMINISTRATOR:
        return
    if actor.role != Role.LEAD:
        raise Forbidden("role", role=actor.role.value)
    if actor.organization_code not in set(parties):
        raise Forbidden("not_party", organization=actor.organization_code or "")


def require_meeting_adder(cursor: Any, actor: Actor, project_code: str) -> None:
    """A new meeting: the project's lead, or a partner of the project."""
    if actor.role == Role.PARTNER:
        require_reader(cursor, actor, project_code)
        return
    require_writer(cursor, actor, [project_code])


def visible_agreements(cursor: Any, actor: Actor, agreements: pd.DataFrame) -> pd.DataFrame:
    """The agreements this actor may read: all, or a partner's projects' and its own."""
    allowed = readable_projects(cursor, actor)
    if allowed is None or agreements.empty:
        return agreements
    own = actor.organization_code or ""
    keep = [
        (project in allowed) if isinstance(project, str) and project else own in list(parties)
        for project, parties in zip(agreements["project_code"], agreements["parties"], strict=True)
    ]
    return agreements[keep].reset_index(drop=True)
