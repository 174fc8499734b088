"""Reporting freshness: who has reported which period, who is overdue, and reminders to send.

The latest closed fiscal quarter is the period due. A partner of a project that was running at
that quarter's end is overdue when it has not reported that period and the quarter's end plus
the grace days (setting reminder_grace_days) lies before today.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from kpi.access import Actor, Role, require_role
from kpi.formatting import format_date
from kpi.i18n import t
from kpi.intake.templates import last_closed_quarter_end
from kpi.storage import Database
from kpi.storage.accounts import led_project_codes
from kpi.storage.freshness import grace_days, reporting_freshness
from kpi.storage.registry import read_settings

FRESHNESS_COLUMNS = [
    "project_code",
    "project_name",
    "organization_code",
    "organization_name",
    "last_period_end",
    "period_due",
    "deadline",
    "reported",
    "overdue",
    "days_overdue",
]


def _name(frame: pd.DataFrame, prefix: str, lang: str) -> pd.Series:
    ja = frame[f"{prefix}_name_ja"]
    return ja if lang == "ja" else frame[f"{prefix}_name_en"].fillna(ja)


def freshness_frame(db: Database, today: date, lang: str = "en", *, actor: Actor) -> pd.DataFrame:
    """One row per project x partner of the projects running at the period due (FRESHNESS_COLUMNS):
    every project for administrators and executives, a lead's own projects for a lead."""
    require_role(actor, Role.EXECUTIVE, Role.LEAD)
    with db.cursor() as cursor:
        start_month = read_settings(cursor).fiscal_year_start_month
        grace = grace_days(cursor)
        period = last_closed_quarter_end(today, start_month)
        raw = reporting_freshness(cursor, period)
        led = led_project_codes(cursor, actor.organization_code or "") if actor.role == Role.LEAD else None
    keep = raw["due"] if led is None else raw["due"] & raw["project_code"].isin(led)
    raw = raw[keep].reset_index(drop=True)
    deadline = period + timedelta(days=grace)
    reported = raw["last_period_end"].map(lambda d: not pd.isna(d) and d >= period).astype(bool)
    overdue = ~reported & (deadline < today)
    frame = pd.DataFrame(
        {
            "project_code": raw["project_code"],
            "project_name": _name(raw, "project", lang),
            "organization_code": raw["organization_code"],
            "organization_name": _name(raw, "organization", lang),
            "last_period_end": raw["last_period_end"].map(lambda d: None if pd.isna(d) else d),
            "period_due": period,
            "deadline": deadline,
            "reported": reported,
            "overdue": overdue.astype(bool),
            "days_overdue": [(today - deadline).days if o else 0 for o in overdue],
        },
        columns=FRESHNESS_COLUMNS,
    )
    return frame


def overdue_pairs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(project_code, organization_code) of every overdue report, sorted."""
    rows = frame[frame["overdue"]]
    return sorted(zip(rows["project_code"], rows["organization_code"], strict=True))


def owed_by_partner(frame: pd.DataFrame) -> pd.DataFrame:
    """Who owes what: one row per organization with overdue reports, its projects listed."""
    rows = frame[frame["overdue"]]
    grouped = rows.groupby(["organization_code", "organization_name"], sort=True, dropna=False).agg(
        projects=("project_code", lambda codes: ", ".join(sorted(codes))),
        count=("project_code", "size"),
        period_due=("period_due", "first"),
        deadline=("deadline", "first"),
        days_overdue=("days_overdue", "max"),
    )
    return grouped.reset_index()


def reminder_message(frame: pd.DataFrame, organization_code: str, lang: str) -> str:
    """A copy-ready reminder for one partner's overdue reports, from the catalog in lang."""
    rows = frame[frame["overdue"] & (frame["organization_code"] == organization_code)]
    if rows.empty:
        return ""
    first = rows.iloc[0]
    items = "\n".join(
        t("reminders.message_item", lang, code=code, name=name)
        for code, name in zip(rows["project_code"], rows["project_name"], strict=True)
    )
    return t(
        "reminders.message",
        lang,
        organization=first["organization_name"],
        period=format_date(first["period_due"], lang),
        deadline=format_date(first["deadline"], lang),
        projects=items,
    )
