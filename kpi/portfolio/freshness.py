"""Reporting freshness: who has reported which period, who is overdue, and reminders to send.

What a partner owes follows the reporting frequency of the KPIs it reports in a project (SPEC
section 2, kpi_definitions.frequency), one row per project x partner x frequency:
- the **period due** is the latest closed period of that frequency: month → the latest month
  that has ended, quarter → the latest closed fiscal quarter, year → the latest closed fiscal year;
  its deadline is its end plus the grace days (setting reminder_grace_days);
- the partner is **overdue** when the latest period whose deadline has passed (end + grace before
  today) has no report for it or a later one. That is the period due once its own deadline has
  passed; before then, the period before it (so a monthly reporter who stops is still caught,
  although with 30 days' grace the latest closed month is never past its deadline);
- a partner that has reported nothing in a project owes the default frequency, quarter.
A yearly reporter owes one report a year, not one a quarter. Rows are kept for projects running
(not closed, between start and end date) at the period due or at the period overdue.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

from kpi.access import Actor, Role, require_role
from kpi.fiscal import (
    fiscal_quarter,
    fiscal_year,
    fiscal_year_end,
    fiscal_year_label,
    last_closed_fiscal_year,
    last_closed_quarter_end,
    month_end,
)
from kpi.formatting.names import display_names
from kpi.formatting.numbers import format_date
from kpi.i18n import t
from kpi.model import Frequency
from kpi.storage import Database
from kpi.storage.accounts import led_project_codes
from kpi.storage.freshness import grace_days, reporting_freshness
from kpi.storage.registry import read_settings, read_table

FRESHNESS_COLUMNS = [
    "project_code",
    "project_name",
    "organization_code",
    "organization_name",
    "frequency",
    "kpi_codes",  # tuple of the KPI codes of this frequency the partner reports in the project
    "kpis",  # their names, in the language
    "last_period_end",
    "last_label",
    "period_due",
    "period_label",
    "deadline",
    "reported",
    "owed_period",  # the latest period past its deadline: what `overdue` is judged on
    "owed_label",
    "owed_deadline",
    "overdue",
    "days_overdue",
    "state",  # reported (the period due) / overdue / pending (not reported, not overdue yet)
]


def closed_period_end(day: date, frequency: str, start_month: int) -> date:
    """The end of the latest period of `frequency` that has ended by `day` (its end ≤ day)."""
    if frequency == Frequency.MONTH:
        end = month_end(day.year, day.month)
        return end if end <= day else day.replace(day=1) - timedelta(days=1)
    if frequency == Frequency.YEAR:
        return fiscal_year_end(last_closed_fiscal_year(day, start_month), start_month)
    return last_closed_quarter_end(day, start_month)


def period_label(end: date, frequency: str, lang: str, start_month: int, *, wareki: bool = False) -> str:
    """The period ending on `end` as people name it: 2026年10月 / Oct 2026, 2026年度第2四半期 /
    FY2026 Q2, 2025年度 / FY2025 (令和7年度 with wareki)."""
    fy = fiscal_year(end, start_month)
    if frequency == Frequency.YEAR:
        return fiscal_year_label(fy, lang, wareki)
    if frequency == Frequency.QUARTER:
        year = fiscal_year_label(fy, lang, wareki)
        return t("reminders.period_quarter", lang, year=year, quarter=fiscal_quarter(end, start_month))
    day = format_date(end, lang, wareki=wareki)  # 2026年10月31日 / 31 Oct 2026, without the day
    return day.removesuffix(f"{end.day}日") if lang == "ja" else day.split(" ", 1)[1]


def _running(row: dict[Any, Any], day: date) -> bool:
    end = row["end_date"]
    return row["phase"] != "closed" and row["start_date"] <= day and (pd.isna(end) or end >= day)


def freshness_frame(
    db: Database, today: date, lang: str = "en", *, actor: Actor, wareki: bool = False
) -> pd.DataFrame:
    """One row per project x partner x reporting frequency (FRESHNESS_COLUMNS), for the projects
    running at the period due or the period overdue: every project for administrators and
    executives, a lead's own projects for a lead."""
    require_role(actor, Role.EXECUTIVE, Role.LEAD)
    with db.cursor() as cursor:
        start_month = read_settings(cursor).fiscal_year_start_month
        grace = grace_days(cursor)
        raw = reporting_freshness(cursor, today)
        kpis = read_table(cursor, "kpi_definitions")
        led = led_project_codes(cursor, actor.organization_code or "") if actor.role == Role.LEAD else None
    names = dict(zip(kpis["kpi_code"], display_names(kpis, lang), strict=True))
    raw = raw.assign(
        project_name=display_names(raw, lang, "project_"),
        organization_name=display_names(raw, lang, "organization_"),
    )

    def label(day: date, frequency: str) -> str:
        return period_label(day, frequency, lang, start_month, wareki=wareki)

    rows = []
    for row in raw.to_dict("records"):
        if led is not None and row["project_code"] not in led:
            continue
        frequency = str(row["frequency"])
        due = closed_period_end(today, frequency, start_month)
        owed = closed_period_end(today - timedelta(days=grace + 1), frequency, start_month)
        if not (_running(row, due) or _running(row, owed)):
            continue
        last = None if pd.isna(row["last_period_end"]) else row["last_period_end"]
        overdue = _running(row, owed) and (last is None or last < owed)
        rows.append(
            {
                "project_code": row["project_code"],
                "project_name": row["project_name"],
                "organization_code": row["organization_code"],
                "organization_name": row["organization_name"],
                "frequency": frequency,
                "kpi_codes": row["kpi_codes"],
                "kpis": t("reminders.kpi_separator", lang).join(
                    str(names.get(c, c)) for c in row["kpi_codes"]
                ),
                "last_period_end": last,
                "last_label": "" if last is None else label(last, frequency),
                "period_due": due,
                "period_label": label(due, frequency),
                "deadline": due + timedelta(days=grace),
                "reported": last is not None and last >= due,
                "owed_period": owed,
                "owed_label": label(owed, frequency),
                "owed_deadline": owed + timedelta(days=grace),
                "overdue": overdue,
                "days_overdue": (today - owed - timedelta(days=grace)).days if overdue else 0,
                "state": "overdue"
                if overdue
                else "reported"
                if last is not None and last >= due
                else "pending",
            }
        )
    return pd.DataFrame(rows, columns=FRESHNESS_COLUMNS).astype({"reported": bool, "overdue": bool})


def overdue_pairs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(project_code, organization_code) of every overdue report, sorted, each pair once."""
    rows = frame[frame["overdue"]]
    return sorted(set(zip(rows["project_code"], rows["organization_code"], strict=True)))


def owed_by_partner(frame: pd.DataFrame) -> pd.DataFrame:
    """Who owes what: one row per organization with overdue reports, its projects and the
    periods owed (each with its project), the earliest deadline passed and the longest delay."""
    rows = frame[frame["overdue"]]
    owed = rows.assign(item=rows["project_code"] + " " + rows["owed_label"])
    grouped = owed.groupby(["organization_code", "organization_name"], sort=True, dropna=False).agg(
        projects=("project_code", lambda codes: ", ".join(sorted(set(codes)))),
        periods=("item", lambda items: ", ".join(items)),
        count=("item", "size"),
        deadline=("owed_deadline", "min"),
        days_overdue=("days_overdue", "max"),
    )
    return grouped.reset_index()


def reminder_message(frame: pd.DataFrame, organization_code: str, lang: str) -> str:
    """A copy-ready reminder for one partner's overdue reports, from the catalog in lang: each
    project with the period owed, its deadline and the KPIs concerned."""
    rows = frame[frame["overdue"] & (frame["organization_code"] == organization_code)]
    if rows.empty:
        return ""
    items = []
    for row in rows.to_dict("records"):
        items.append(
            t(
                "reminders.message_item",
                lang,
                code=row["project_code"],
                name=row["project_name"],
                period=row["owed_label"],
                deadline=format_date(row["owed_deadline"], lang),
            )
        )
        if row["kpis"]:
            items.append(t("reminders.message_kpis", lang, kpis=row["kpis"]))
    return t(
        "reminders.message", lang, organization=rows.iloc[0]["organization_name"], items="\n".join(items)
    )


def reporting_grace_days(db: Database) -> int:
    """The setting reminder_grace_days: days after a period's end before its report is overdue."""
    with db.cursor() as cursor:
        return grace_days(cursor)
