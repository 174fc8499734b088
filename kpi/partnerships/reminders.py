"""Meetings' action items that are late or due soon, for the reminders page's "who owes what" and
the meetings page's own items: with the owner's and the project's names in the reader's language,
grouped by owner, and a reminder to copy (as kpi/funding/duties.py does for funders' reports)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from kpi.access import Actor
from kpi.formatting.names import display_names, join_names
from kpi.formatting.numbers import format_date
from kpi.i18n import t
from kpi.partnerships.meetings import open_items
from kpi.storage import Database
from kpi.storage.registry import read_table

DUE_SOON_DAYS = 30
ITEM_COLUMNS = [
    "owner",
    "owner_name",
    "project_code",
    "project_name",
    "meeting_code",
    "held_on",
    "kind",
    "item_no",
    "description",
    "due_on",
    "state",
    "days_late",
    "version",
]
OWNER_COLUMNS = ["owner", "owner_name", "items", "late", "projects", "next_due", "days_late"]


def open_action_items(
    db: Database,
    as_of: date,
    lang: str,
    *,
    actor: Actor,
    within_days: int = DUE_SOON_DAYS,
    owner: str | None = None,
) -> pd.DataFrame:
    """Action items not done that are late or due within `within_days` of `as_of` (a partner's: its
    own organization's), most late first; one owner's when `owner` is given. Columns ITEM_COLUMNS,
    the meeting type and the state ("late", "due today", "due") in `lang`."""
    items = open_items(db, as_of, actor=actor, within_days=within_days)
    if owner is not None:
        items = items[items["owner"] == owner]
    if items.empty:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    with db.cursor() as cursor:
        organizations = read_table(cursor, "organizations")
        projects = read_table(cursor, "projects")
    org_names = dict(zip(organizations["organization_code"], display_names(organizations, lang), strict=True))
    project_names = dict(zip(projects["project_code"], display_names(projects, lang), strict=True))
    frame = items.assign(
        owner_name=[org_names.get(o, o) for o in items["owner"]],
        project_name=[project_names.get(p, "") for p in items["project_code"]],
        held_on=pd.to_datetime(items["held_on"]).dt.date,
        kind=[t(f"partnerships.meeting_kind.{k}", lang) for k in items["kind"]],
        state=[_state(int(d), lang) for d in items["days_late"]],
        item_no=items["item_no"].astype(int),
        days_late=[max(int(d), 0) for d in items["days_late"]],
    )
    return frame[ITEM_COLUMNS].reset_index(drop=True)


def _state(days_late: int, lang: str) -> str:
    if days_late == 1:
        return t("reminder_actions.state_late_one", lang)
    if days_late > 0:
        return t("reminder_actions.state_late", lang, days=days_late)
    if days_late == 0:
        return t("reminder_actions.state_today", lang)
    if days_late == -1:
        return t("reminder_actions.state_due_one", lang)
    return t("reminder_actions.state_due", lang, days=-days_late)


def by_owner(items: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Open items per owner organization: how many, how many late, in which projects, the next due
    date and the most days late; the owner with the latest item first. Columns OWNER_COLUMNS."""
    if items.empty:
        return pd.DataFrame(columns=OWNER_COLUMNS)
    rows = []
    for owner, mine in items.groupby("owner", sort=False):  # items come most late first
        rows.append(
            {
                "owner": owner,
                "owner_name": mine["owner_name"].iloc[0],
                "items": len(mine),
                "late": int((mine["days_late"] > 0).sum()),
                "projects": join_names(dict.fromkeys(mine["project_code"]), lang),
                "next_due": min(mine["due_on"]),
                "days_late": int(mine["days_late"].max()),
            }
        )
    return pd.DataFrame(rows, columns=OWNER_COLUMNS)


def action_reminder(
    db: Database,
    as_of: date,
    owner: str,
    lang: str,
    *,
    actor: Actor,
    within_days: int = DUE_SOON_DAYS,
) -> str:
    """A reminder to the owner of its late and coming action items, to copy into an e-mail, all of
    it in `lang` (names, meeting types and states too, whatever language the page is in)."""
    mine = open_action_items(db, as_of, lang, actor=actor, within_days=within_days, owner=owner)
    lines = "\n".join(
        t(
            "reminder_actions.message_item",
            lang,
            description=r["description"],
            project=r["project_code"],
            name=r["project_name"],
            kind=r["kind"],
            held=format_date(r["held_on"], lang),
            due=format_date(r["due_on"], lang),
            state=r["state"],
        )
        for r in mine.to_dict("records")
    )
    if mine.empty:
        with db.cursor() as cursor:
            organizations = read_table(cursor, "organizations")
        known = organizations[organizations["organization_code"] == owner]
        name = display_names(known, lang).iloc[0] if len(known) else owner
        return t("reminder_actions.message_none", lang, organization=name)
    return t("reminder_actions.message", lang, organization=mine["owner_name"].iloc[0], items=lines)
