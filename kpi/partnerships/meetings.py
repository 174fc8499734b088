"""Meetings and reviews (SPEC section 8): saving a meeting with its action items, marking an item
done, each running project's review cadence and whether its review is past due, and the action
items due for the reminders page.

A meeting's version carries its action items, so marking one done appends a version like any edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from kpi.access import Actor, Forbidden, Role, readable_projects, require_reader, require_writer
from kpi.errors import Rejected, StaleWrite
from kpi.formatting.numbers import format_date
from kpi.partnerships.agreements import _same, cursor_setting, field_sink, records
from kpi.partnerships.checks import check_meeting
from kpi.partnerships.codes import meeting_code
from kpi.partnerships.scope import references, require_meeting_adder
from kpi.partnerships.terms import REVIEW_KINDS, next_review_due
from kpi.storage import Database
from kpi.storage.locks import lock_keys
from kpi.storage.partnerships import (
    MEETING_COLUMNS,
    action_items,
    append_versions,
    current_meetings,
    record_review_cadence,
    review_cadences,
    versions_of,
)
from kpi.storage.registry import read_table

Record = dict[str, Any]
DEFAULT_CADENCE_MONTHS = 3
ITEM_FIELDS = ("description", "owner", "due_on", "done_on")


def _item(item: Record) -> Record:
    return {
        "description": str(item.get("description") or "").strip(),
        "owner": item.get("owner") or None,
        "due_on": item.get("due_on"),
        "done_on": item.get("done_on"),
    }


def save_meeting(
    db: Database,
    record: Record,
    *,
    actor: Actor,
    lang: str,
    expected_version: int | None,
    now: datetime | None = None,
) -> tuple[str, int]:
    """Record a new meeting (`expected_version` None; its code is given from project, date and
    type) or append the next version of `record["meeting_code"]`; returns (code, version now
    current). Partners add meetings to their own projects; leads change their projects' meetings."""
    record = {**{c: None for c in MEETING_COLUMNS}, **record}
    record["action_items"] = [_item(i) for i in record.get("action_items") or []]
    record["withdrawn"] = bool(record.get("withdrawn"))
    record["reason"] = str(record.get("reason") or "").strip()
    for name in ("title", "minutes", "decisions"):
        record[name] = str(record.get(name) or "")  # shown as typed: never stripped of its lines

    def work(cursor: Any) -> tuple[str, int]:
        sink = field_sink(lang)
        code = record.get("meeting_code") or ""
        if expected_version is None:
            require_meeting_adder(cursor, actor, str(record.get("project_code") or ""))
            if record.get("project_code") and record.get("held_on") and record.get("kind"):
                code = meeting_code(record["project_code"], record["held_on"], record["kind"])
        lock_keys(cursor, "meeting", [code])  # from the stale check to the write
        history = records(versions_of(cursor, "meeting_versions", code)) if code else []
        before = history[-1] if history else None
        if expected_version is None and before is not None and not before["withdrawn"]:
            sink.add("meeting_exists", None, "held_on", day=format_date(record["held_on"], lang))
            raise Rejected(sink.errors)
        if expected_version is not None:
            if before is None:
                sink.add("unknown_meeting", None, "meeting_code", code=code)
                raise Rejected(sink.errors)
            require_writer(
                cursor, actor, [before["project_code"], record.get("project_code") or before["project_code"]]
            )
            if int(before["version"]) != expected_version:
                raise StaleWrite(int(before["version"]))
        record["meeting_code"] = code
        if not record["withdrawn"]:
            check_meeting(record, references(cursor), sink)
        if expected_version is not None and not record["reason"]:
            sink.add("reason_needed", None, "reason")
        if sink.errors:
            raise Rejected(sink.errors)
        if before is not None and expected_version is not None and _unchanged(record, before):
            return code, int(before["version"])
        append_versions(cursor, "meeting_versions", [record], actor=actor.username, now=now or datetime.now())
        return code, (int(before["version"]) if before else 0) + 1

    return db.write(work)


def _unchanged(record: Record, before: Record) -> bool:
    if [_item(i) for i in before.get("action_items") or []] != record["action_items"]:
        return False
    return all(
        _same(record.get(c), before.get(c)) for c in MEETING_COLUMNS if c not in ("reason", "action_items")
    )


def mark_item_done(
    db: Database,
    code: str,
    item_no: int,
    done_on: date | None,
    *,
    actor: Actor,
    lang: str,
    expected_version: int,
    now: datetime | None = None,
) -> int:
    """Mark action item `item_no` (1-based) of a meeting done on `done_on` (None: not done after
    all). The project's lead may, and a partner for its own organization's items."""

    def work(cursor: Any) -> int:
        lock_keys(cursor, "meeting", [code])
        history = records(versions_of(cursor, "meeting_versions", code))
        sink = field_sink(lang)
        if not history or history[-1]["withdrawn"]:
            sink.add("unknown_meeting", None, "meeting_code", code=code)
            raise Rejected(sink.errors)
        before = history[-1]
        items = [_item(i) for i in before["action_items"] or []]
        if not 1 <= item_no <= len(items):
            sink.add("unknown_item", None, "action_items", item=item_no)
            raise Rejected(sink.errors)
        if actor.role == Role.PARTNER:
            require_reader(cursor, actor, before["project_code"])
            if items[item_no - 1]["owner"] != actor.organization_code:
                raise Forbidden("not_owner", organization=items[item_no - 1]["owner"] or "")
        else:
            require_writer(cursor, actor, [before["project_code"]])
        if int(before["version"]) != expected_version:
            raise StaleWrite(int(before["version"]))
        if done_on is not None and done_on < before["held_on"]:
            sink.add("item_done_before", None, "action_items", item=item_no, done=format_date(done_on, lang))
            raise Rejected(sink.errors)
        if items[item_no - 1]["done_on"] == done_on:
            return int(before["version"])
        items[item_no - 1]["done_on"] = done_on
        version = {**before, "action_items": items, "reason": ""}
        append_versions(
            cursor, "meeting_versions", [version], actor=actor.username, now=now or datetime.now()
        )
        return int(before["version"]) + 1

    return db.write(work)


def meeting_table(db: Database, *, actor: Actor, project_code: str | None = None) -> pd.DataFrame:
    """Current meetings the actor may read (one project's, or all), newest first."""
    with db.cursor() as cursor:
        if project_code:
            require_reader(cursor, actor, project_code)
            return current_meetings(cursor, [project_code])
        allowed = readable_projects(cursor, actor)
        return current_meetings(cursor, allowed)


def meeting_history(db: Database, code: str, *, actor: Actor) -> list[Record]:
    with db.cursor() as cursor:
        history = records(versions_of(cursor, "meeting_versions", code))
        if history:
            require_reader(cursor, actor, history[-1]["project_code"])
    return history


@dataclass(frozen=True)
class Review:
    project_code: str
    cadence_months: int
    last_review: date | None
    due_on: date
    overdue: bool
    days_overdue: int


def running(project: Record, as_of: date) -> bool:
    """A project is running on `as_of` when it has started, has not ended and is not closed."""
    end = project.get("end_date")
    start = project["start_date"]
    return project["phase"] != "closed" and start <= as_of and (end is None or end >= as_of)


def review_status(db: Database, as_of: date, *, actor: Actor) -> list[Review]:
    """Each running project the actor may read: its cadence, last review (a regular review or a
    midterm evaluation held by `as_of`), the day the next is due, and whether that day has passed."""
    with db.cursor() as cursor:
        projects = records(read_table(cursor, "projects"))
        default = cursor_setting(cursor, "review_cadence_months", DEFAULT_CADENCE_MONTHS)
        cadences = review_cadences(cursor)
        held = current_meetings(cursor)
        allowed = readable_projects(cursor, actor)
    held = held[held["kind"].isin(REVIEW_KINDS)]
    last: dict[str, date] = {}
    for project, day in zip(held["project_code"], held["held_on"], strict=True):
        day = pd.Timestamp(day).date()
        if day <= as_of and (project not in last or day > last[project]):
            last[project] = day
    reviews = []
    for p in projects:
        if not running(p, as_of) or (allowed is not None and p["project_code"] not in allowed):
            continue
        months = cadences.get(p["project_code"], default)
        due = next_review_due(last.get(p["project_code"]), p["start_date"], months)
        reviews.append(
            Review(
                p["project_code"],
                months,
                last.get(p["project_code"]),
                due,
                as_of > due,
                max((as_of - due).days, 0),
            )
        )
    return reviews


def set_review_cadence(
    db: Database,
    project_code: str,
    months: int,
    reason: str,
    *,
    actor: Actor,
    lang: str,
    now: datetime | None = None,
) -> None:
    """A project's review cadence in months (1–24), the lead's to set, audited."""

    def work(cursor: Any) -> None:
        require_writer(cursor, actor, [project_code])
        sink = field_sink(lang)
        if not 1 <= months <= 24:
            sink.add("cadence_months", None, "cadence_months")
        if not reason.strip():
            sink.add("reason_needed", None, "reason")
        if sink.errors:
            raise Rejected(sink.errors)
        record_review_cadence(
            cursor, project_code, months, reason.strip(), actor=actor.username, now=now or datetime.now()
        )

    db.write(work)


def open_items(db: Database, as_of: date, *, actor: Actor, within_days: int = 30) -> pd.DataFrame:
    """Action items not done that are overdue or due within `within_days` of `as_of`, most overdue
    first; a partner sees its own organization's. Columns: meeting_code, project_code, held_on, kind,
    item_no, description, owner, due_on, done_on, days_late, version."""
    with db.cursor() as cursor:
        allowed = readable_projects(cursor, actor)
        items = action_items(cursor, allowed)
    if actor.role == Role.PARTNER:
        items = items[items["owner"] == actor.organization_code]
    items = items[items["done_on"].isna()].copy()
    due = pd.to_datetime(items["due_on"]).dt.date
    items["due_on"] = due
    items["days_late"] = [(as_of - d).days for d in due]
    items = items[items["days_late"] >= -within_days]
    return items.sort_values(["days_late", "due_on"], ascending=[False, True]).reset_index(drop=True)
