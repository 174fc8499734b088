"""Reports owed to funders (実績報告, 年度報告, 事業化状況報告), for the reminders page's "who owes
what": the late ones and those due soon, with the owner's and the project's names in the reader's
language, and a reminder to copy."""

from __future__ import annotations

from datetime import date

import pandas as pd

from kpi.access import Actor
from kpi.formatting.names import display_names
from kpi.formatting.numbers import format_date
from kpi.funding.status import funding_status
from kpi.i18n import t
from kpi.storage import Database
from kpi.storage.registry import read_table

DUE_SOON_DAYS = 60
DUTY_COLUMNS = [
    "owner",
    "owner_name",
    "award_number",
    "project_code",
    "project_name",
    "kind",
    "due_on",
    "state",
    "days_late",
]


def owed_reports(
    db: Database, as_of: date, lang: str, *, actor: Actor, within_days: int = DUE_SOON_DAYS
) -> pd.DataFrame:
    """Late reports and those due within `within_days`, latest-late first; columns DUTY_COLUMNS."""
    duties = [
        o
        for o in funding_status(db, as_of, actor).obligations
        if o.state == "late" or (o.state == "due" and (o.due_on - as_of).days <= within_days)
    ]
    if not duties:
        return pd.DataFrame(columns=DUTY_COLUMNS)
    with db.cursor() as cursor:
        organizations = read_table(cursor, "organizations")
        projects = read_table(cursor, "projects")
    org_names = dict(zip(organizations["organization_code"], display_names(organizations, lang), strict=True))
    project_names = dict(zip(projects["project_code"], display_names(projects, lang), strict=True))
    rows = [
        {
            "owner": o.owner,
            "owner_name": org_names.get(o.owner, o.owner),
            "award_number": o.award_number,
            "project_code": o.project_code,
            "project_name": project_names.get(o.project_code, ""),
            "kind": t(f"funding.duty.{o.kind}", lang),
            "due_on": o.due_on,
            "state": t(f"funding.duty_state.{o.state}", lang),
            "days_late": max((as_of - o.due_on).days, 0),
        }
        for o in duties
    ]
    return pd.DataFrame(rows, columns=DUTY_COLUMNS).sort_values(
        ["days_late", "due_on"], ascending=[False, True]
    )


def duty_reminder(db: Database, as_of: date, owner: str, lang: str, *, actor: Actor) -> str:
    """A reminder to the owner of late and coming reports, to copy into an e-mail, all of it in
    `lang` (names, report kinds and states too, whatever language the page is in)."""
    owed = owed_reports(db, as_of, lang, actor=actor)
    mine = owed[owed["owner"] == owner]
    items = "\n".join(
        t(
            "reminders.duty_item",
            lang,
            award=r["award_number"],
            project=r["project_code"],
            name=r["project_name"],
            kind=r["kind"],
            due=format_date(r["due_on"], lang),
            state=r["state"],
        )
        for r in mine.to_dict("records")
    )
    name = mine["owner_name"].iloc[0] if len(mine) else owner
    return t("reminders.duty_message", lang, organization=name, items=items)
