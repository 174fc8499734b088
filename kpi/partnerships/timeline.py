"""Each organization's history with the others (SPEC section 8): its projects with their KPI status,
awards, agreements and meetings in date order, the organizations it works with most, and the
partners going quiet after a project closes.

Executives, leads and administrators read every organization's timeline; a partner reads its own,
bounded by the projects it takes part in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from kpi.access import Actor, Forbidden, Role, readable_projects
from kpi.formatting.names import display_names, join_names, names_for
from kpi.i18n import t
from kpi.model import STATUS_ORDER
from kpi.partnerships.agreements import cursor_setting, records
from kpi.partnerships.meetings import running
from kpi.partnerships.terms import quiet_since
from kpi.portfolio.status import portfolio_status
from kpi.storage import Database
from kpi.storage.funding import current_rows
from kpi.storage.partnerships import current_agreements, current_meetings
from kpi.storage.registry import read_table

DEFAULT_QUIET_MONTHS = 12
EVENT_COLUMNS = ["day", "kind", "project_code", "project_name", "title", "detail", "ref"]
PROJECT_COLUMNS = [
    "project_code",
    "project_name",
    "phase",
    "role",
    "start_date",
    "end_date",
    "status",
    "running",
]
COLLABORATOR_COLUMNS = ["organization_code", "name", "projects", "meetings", "score"]
QUIET_COLUMNS = ["organization_code", "name", "closed_projects", "last_activity", "months_quiet"]
AWARDED = ("awarded", "confirmed")


class UnknownOrganization(LookupError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Timeline:
    organization_code: str
    name: str
    identity: dict[str, Any]  # sector, prefecture, corporate_number, erad_code as stored
    events: pd.DataFrame  # EVENT_COLUMNS, oldest first
    projects: pd.DataFrame  # PROJECT_COLUMNS
    collaborators: pd.DataFrame  # COLLABORATOR_COLUMNS, most shared first


def _day(value: Any) -> date | None:
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _project_status(db: Database, as_of: date, codes: set[str]) -> dict[str, str]:
    """Each project's most pressing KPI status (off track before at risk before on track …)."""
    frames = [portfolio_status(db, as_of, code) for code in sorted(codes)]  # a few, of thousands
    status = pd.concat(frames) if frames else pd.DataFrame(columns=["project_code", "status"])
    rank = {s.value: i for i, s in enumerate(STATUS_ORDER)}
    worst: dict[str, str] = {}
    for project, value in zip(status["project_code"], status["status"], strict=True):
        if project not in worst or rank.get(value, 99) < rank.get(worst[project], 99):
            worst[project] = value
    return worst


def organization_timeline(
    db: Database, organization_code: str, as_of: date, lang: str, *, actor: Actor
) -> Timeline:
    """The organization's history up to `as_of` (later meetings and agreements are left out)."""
    if actor.role == Role.PARTNER and actor.organization_code != organization_code:
        raise Forbidden("other_organization", organization=organization_code)
    with db.cursor() as cursor:
        organizations = read_table(cursor, "organizations")
        projects = read_table(cursor, "projects")
        partners = read_table(cursor, "partners")
        agreements = records(current_agreements(cursor))
        meetings = records(current_meetings(cursor))
        awards = current_rows(cursor, "award_versions")
        allowed = readable_projects(cursor, actor)
    if organization_code not in set(organizations["organization_code"]):
        raise UnknownOrganization(organization_code)
    org_names = dict(zip(organizations["organization_code"], display_names(organizations, lang), strict=True))
    project_names = dict(zip(projects["project_code"], display_names(projects, lang), strict=True))
    mine = partners[partners["organization_code"] == organization_code]
    codes = {str(c) for c in mine["project_code"] if allowed is None or c in allowed}
    roles = dict(zip(mine["project_code"], mine["role"], strict=True))
    events: list[dict[str, Any]] = []
    project_rows = []
    statuses = _project_status(db, as_of, codes)
    named = names_for(db)
    for p in records(projects[projects["project_code"].isin(codes)]):
        code = p["project_code"]
        project_rows.append(
            {
                "project_code": code,
                "project_name": project_names.get(code, ""),
                "phase": p["phase"],
                "role": named.role(roles.get(code, ""), lang),
                "start_date": p["start_date"],
                "end_date": p["end_date"],
                "status": statuses.get(code),
                "running": running(p, as_of),
            }
        )
        if p["start_date"] <= as_of:
            events.append(
                _event(
                    p["start_date"], "project_start", code, project_names, t(f"phase.{p['phase']}", lang), ""
                )
            )
        if p["end_date"] is not None and p["end_date"] <= as_of:
            events.append(_event(p["end_date"], "project_end", code, project_names, "", ""))
    for a in awards:
        day = _day(a.get("decided_on")) or _day(a.get("starts_on"))
        if a["project_code"] in codes and a["stage"] in AWARDED and day is not None and day <= as_of:
            events.append(
                _event(day, "award", a["project_code"], project_names, a["programme_code"], a["award_number"])
            )
    for a in agreements:
        day = a["signed_on"] or a["starts_on"]
        visible = a["project_code"] in codes if a["project_code"] else True
        if organization_code in a["parties"] and visible and day <= as_of:
            title = a["title"] or t(f"partnerships.kind.{a['kind']}", lang)
            others = join_names((org_names.get(o, o) for o in a["parties"] if o != organization_code), lang)
            events.append(
                _event(
                    day,
                    f"agreement_{a['kind']}",
                    a["project_code"],
                    project_names,
                    title,
                    others,
                    a["agreement_code"],
                )
            )
    for m in meetings:
        if organization_code in m["organizations"] and m["project_code"] in codes and m["held_on"] <= as_of:
            title = m["title"] or t(f"partnerships.meeting_kind.{m['kind']}", lang)
            others = join_names(
                (org_names.get(o, o) for o in m["organizations"] if o != organization_code), lang
            )
            events.append(
                _event(
                    m["held_on"],
                    f"meeting_{m['kind']}",
                    m["project_code"],
                    project_names,
                    title,
                    others,
                    m["meeting_code"],
                )
            )
    frame = pd.DataFrame(events, columns=EVENT_COLUMNS)
    frame = frame.sort_values(["day", "kind", "ref"], kind="stable").reset_index(drop=True)
    return Timeline(
        organization_code=organization_code,
        name=org_names[organization_code],
        identity=records(organizations[organizations["organization_code"] == organization_code])[0],
        events=frame,
        projects=pd.DataFrame(project_rows, columns=PROJECT_COLUMNS)
        .sort_values("start_date")
        .reset_index(drop=True),
        collaborators=_collaborators(organization_code, codes, partners, meetings, org_names, as_of),
    )


def _event(
    day: date, kind: str, project: str | None, names: dict[str, str], title: str, others: str, ref: str = ""
) -> dict[str, Any]:
    return {
        "day": day,
        "kind": kind,
        "project_code": project or "",
        "project_name": names.get(project or "", ""),
        "title": title,
        "detail": others,
        "ref": ref or project or "",
    }


def _collaborators(
    organization_code: str,
    codes: set[str],
    partners: pd.DataFrame,
    meetings: list[dict[str, Any]],
    names: dict[str, str],
    as_of: date,
) -> pd.DataFrame:
    """The organizations sharing most with this one: projects in common, then meetings together."""
    shared = partners[
        partners["project_code"].isin(codes) & (partners["organization_code"] != organization_code)
    ]
    counts: dict[str, list[int]] = {}
    for other in shared["organization_code"]:
        counts.setdefault(str(other), [0, 0])[0] += 1
    for m in meetings:
        if organization_code in m["organizations"] and m["project_code"] in codes and m["held_on"] <= as_of:
            for other in set(m["organizations"]) - {organization_code}:
                counts.setdefault(str(other), [0, 0])[1] += 1
    rows = [
        {"organization_code": o, "name": names.get(o, o), "projects": p, "meetings": n, "score": p * 10 + n}
        for o, (p, n) in counts.items()
    ]
    frame = pd.DataFrame(rows, columns=COLLABORATOR_COLUMNS)
    return frame.sort_values(["score", "organization_code"], ascending=[False, True]).reset_index(drop=True)


def going_quiet(db: Database, as_of: date, lang: str, *, actor: Actor) -> pd.DataFrame:
    """Partners of a closed project that have no running project and no meeting (or project end)
    within the setting's months (default 12) before `as_of`, the longest quiet first."""
    with db.cursor() as cursor:
        organizations = read_table(cursor, "organizations")
        projects = records(read_table(cursor, "projects"))
        partners = read_table(cursor, "partners")
        meetings = records(current_meetings(cursor))
        months = cursor_setting(cursor, "quiet_months", DEFAULT_QUIET_MONTHS)
    names = dict(zip(organizations["organization_code"], display_names(organizations, lang), strict=True))
    by_code = {p["project_code"]: p for p in projects}
    closed = {
        c for c, p in by_code.items() if p["phase"] == "closed" or (p["end_date"] and p["end_date"] < as_of)
    }
    rows = []
    for org, group in partners.groupby("organization_code"):
        if actor.role == Role.PARTNER and org != actor.organization_code:
            continue
        mine = [by_code[c] for c in group["project_code"] if c in by_code]
        ended = sorted(p["project_code"] for p in mine if p["project_code"] in closed)
        if not ended or any(running(p, as_of) for p in mine):
            continue
        days = [d for p in mine for d in (p["start_date"], p["end_date"]) if d is not None and d <= as_of]
        days += [m["held_on"] for m in meetings if org in m["organizations"] and m["held_on"] <= as_of]
        last = max(days) if days else None
        if last is None or as_of <= quiet_since(last, months):
            continue
        quiet = (as_of.year - last.year) * 12 + as_of.month - last.month - (as_of.day < last.day)
        rows.append(
            {
                "organization_code": org,
                "name": names.get(str(org), str(org)),
                "closed_projects": ended,
                "last_activity": last,
                "months_quiet": quiet,
            }
        )
    frame = pd.DataFrame(rows, columns=QUIET_COLUMNS)
    return frame.sort_values(["last_activity", "organization_code"]).reset_index(drop=True)


def organization_choices(db: Database, lang: str, *, actor: Actor) -> dict[str, str]:
    """The organizations whose timeline the actor may open (a partner: its own), code → name."""
    with db.cursor() as cursor:
        organizations = read_table(cursor, "organizations")
    names = dict(zip(organizations["organization_code"], display_names(organizations, lang), strict=True))
    if actor.role == Role.PARTNER:
        return {c: n for c, n in names.items() if c == actor.organization_code}
    return names


def event_label(kind: str, lang: str) -> str:
    """A timeline event's kind in words: agreements and meetings by their type."""
    if kind.startswith("agreement_"):
        return t(f"partnerships.kind.{kind.removeprefix('agreement_')}", lang)
    if kind.startswith("meeting_"):
        return t(f"partnerships.meeting_kind.{kind.removeprefix('meeting_')}", lang)
    return t(f"partners_page.event_{kind}", lang)
