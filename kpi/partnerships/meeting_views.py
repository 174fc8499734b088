"""What the meetings page shows (pages/meetings.py): a project's meetings with names in the
reader's language, what the actor may do there, one meeting's action items and versions, the
reviews past due and the actor's own open action items.

Reads only; the saves are kpi/partnerships/meetings.py's. Names come from the registry in the
reader's language, types and states from the catalog; minutes and decisions stay as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from kpi.access import Actor, Forbidden, Role, require_reader, require_writer
from kpi.formatting.names import display_names, join_names
from kpi.i18n import t
from kpi.partnerships.agreements import records
from kpi.partnerships.meetings import Review, review_status
from kpi.partnerships.reminders import open_action_items
from kpi.partnerships.scope import require_meeting_adder
from kpi.storage import Database
from kpi.storage.partnerships import MEETING_COLUMNS, current_meetings
from kpi.storage.registry import read_table, targeted_kpis

Record = dict[str, Any]
EVERY_OPEN_ITEM = 100 * 366  # "my open items": due whenever, not only soon
TABLE_COLUMNS = ["meeting_code", "held_on", "kind", "title", "organizations", "kpis", "decisions", "items"]
ITEM_COLUMNS = ["item_no", "description", "owner_name", "due_on", "done_on", "state"]
REVIEW_COLUMNS = ["project_code", "project_name", "cadence_months", "last_review", "due_on", "days_overdue"]


@dataclass(frozen=True)
class MeetingsSetup:
    """One project as the meetings page works on it."""

    project_code: str
    lang: str
    organizations: dict[str, str]  # every organization: code → name, the project's partners first
    partners: tuple[str, ...]  # the project's partner organizations
    kpis: dict[str, str]  # the KPIs the project targets (and any a meeting discussed): code → name
    can_manage: bool  # the project's lead or an administrator: change, withdraw, mark any item
    can_add: bool  # the lead, an administrator, or a partner of the project: record a meeting
    review: Review | None  # None: the project is not running, no review is due
    meetings: list[Record]  # current meetings, newest first


def _allowed(check: Any) -> bool:
    try:
        check()
    except Forbidden:
        return False
    return True


def meetings_setup(db: Database, project_code: str, as_of: date, lang: str, *, actor: Actor) -> MeetingsSetup:
    """A project's meetings and what the page needs around them, if the actor may read it."""
    with db.cursor() as cursor:
        require_reader(cursor, actor, project_code)
        can_manage = _allowed(lambda: require_writer(cursor, actor, [project_code]))
        can_add = _allowed(lambda: require_meeting_adder(cursor, actor, project_code))
        organizations = read_table(cursor, "organizations")
        partners = read_table(cursor, "partners")
        meetings = records(current_meetings(cursor, [project_code]))
        kpis = targeted_kpis(cursor, [project_code])
        discussed = {k for m in meetings for k in m["kpi_codes"] or []}
        if discussed - set(kpis["kpi_code"]):
            every = read_table(cursor, "kpi_definitions")
            kpis = pd.concat([kpis, every[every["kpi_code"].isin(discussed - set(kpis["kpi_code"]))]])
    members = tuple(
        str(o) for o in partners.loc[partners["project_code"] == project_code, "organization_code"]
    )
    names = dict(zip(organizations["organization_code"], display_names(organizations, lang), strict=True))
    ordered = {code: names[code] for code in members if code in names} | dict(sorted(names.items()))
    reviews = [r for r in review_status(db, as_of, actor=actor) if r.project_code == project_code]
    return MeetingsSetup(
        project_code=project_code,
        lang=lang,
        organizations=ordered,
        partners=members,
        kpis=dict(zip(kpis["kpi_code"], display_names(kpis, lang), strict=True)),
        can_manage=can_manage,
        can_add=can_add,
        review=reviews[0] if reviews else None,
        meetings=meetings,
    )


def can_mark(setup: MeetingsSetup, actor: Actor, item: Record) -> bool:
    """Whether the actor may mark this item done (or not done): the lead of the project or an
    administrator any, a partner its own organization's (kpi/partnerships/meetings.py checks again)."""
    if setup.can_manage:
        return True
    return actor.role == Role.PARTNER and item.get("owner") == actor.organization_code


def _names(codes: Any, names: dict[str, str], lang: str) -> str:
    return join_names((names.get(c, c) for c in codes or []), lang)


def kind_name(kind: str, lang: str) -> str:
    return t(f"partnerships.meeting_kind.{kind}", lang)


def item_state(item: Record, as_of: date, lang: str) -> str:
    """Done (on which day), late, or open."""
    if item.get("done_on") is not None:
        return t("meetings_page.item_done", lang)
    late = (as_of - item["due_on"]).days if item.get("due_on") is not None else 0
    if late == 1:
        return t("meetings_page.item_late_one", lang)
    if late > 1:
        return t("meetings_page.item_late", lang, days=late)
    return t("meetings_page.item_open", lang)


def meetings_table(setup: MeetingsSetup) -> pd.DataFrame:
    """The project's meetings, newest first, as the list shows them (columns TABLE_COLUMNS)."""
    lang = setup.lang
    rows = [
        {
            "meeting_code": m["meeting_code"],
            "held_on": m["held_on"],
            "kind": kind_name(m["kind"], lang),
            "title": m["title"],
            "organizations": _names(m["organizations"], setup.organizations, lang),
            "kpis": _names(m["kpi_codes"], setup.kpis, lang),
            "decisions": m["decisions"],
            "items": t(
                "meetings_page.items_count",
                lang,
                count=len(m["action_items"] or []),
                done=sum(1 for i in m["action_items"] or [] if i.get("done_on") is not None),
            ),
        }
        for m in setup.meetings
    ]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def item_table(setup: MeetingsSetup, meeting: Record, as_of: date) -> pd.DataFrame:
    """One meeting's action items: number, description, owner's name, due, done, state."""
    rows = [
        {
            "item_no": number,
            "description": item["description"],
            "owner_name": setup.organizations.get(item["owner"], item["owner"]),
            "due_on": item["due_on"],
            "done_on": item["done_on"],
            "state": item_state(item, as_of, setup.lang),
        }
        for number, item in enumerate(meeting["action_items"] or [], start=1)
    ]
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def history_entries(history: list[Record], lang: str) -> list[Record]:
    """Each version, newest first: who recorded it when, its reason, and the fields it changed."""
    entries = []
    previous: Record | None = None
    for version in history:
        changed = (
            []
            if previous is None
            else [c for c in MEETING_COLUMNS if c != "reason" and version[c] != previous[c]]
        )
        entries.append(
            {
                "version": int(version["version"]),
                "recorded_by": version["recorded_by"],
                "recorded_at": version["recorded_at"],
                "reason": version["reason"],
                "changed": join_names((t(f"partnerships.field.{c}", lang) for c in changed), lang),
                "withdrawn": bool(version["withdrawn"]),
            }
        )
        previous = version
    return entries[::-1]


def overdue_reviews(db: Database, as_of: date, lang: str, *, actor: Actor) -> pd.DataFrame:
    """The running projects the actor may read whose review is past due, most overdue first."""
    late = [r for r in review_status(db, as_of, actor=actor) if r.overdue]
    if not late:
        return pd.DataFrame(columns=REVIEW_COLUMNS)
    with db.cursor() as cursor:
        projects = read_table(cursor, "projects")
    names = dict(zip(projects["project_code"], display_names(projects, lang), strict=True))
    frame = pd.DataFrame(
        [
            {
                "project_code": r.project_code,
                "project_name": names.get(r.project_code, ""),
                "cadence_months": r.cadence_months,
                "last_review": r.last_review,
                "due_on": r.due_on,
                "days_overdue": r.days_overdue,
            }
            for r in late
        ],
        columns=REVIEW_COLUMNS,
    )
    return frame.sort_values(["days_overdue", "project_code"], ascending=[False, True]).reset_index(drop=True)


def my_open_items(db: Database, as_of: date, lang: str, *, actor: Actor) -> pd.DataFrame:
    """The open action items of the actor's organization, whenever due (an administrator's or an
    executive's without an organization: every one), most late first, with `can_mark` for the
    items the actor may mark done here."""
    items = open_action_items(db, as_of, lang, actor=actor, within_days=EVERY_OPEN_ITEM)
    if actor.organization_code:
        items = items[items["owner"] == actor.organization_code].reset_index(drop=True)
    if actor.role == Role.PARTNER:
        return items.assign(can_mark=True)
    with db.cursor() as cursor:
        writable = {
            p for p in set(items["project_code"]) if _allowed(lambda p=p: require_writer(cursor, actor, [p]))
        }
    return items.assign(can_mark=[p in writable for p in items["project_code"]])
