"""Meetings' action items for reminders (kpi/partnerships/reminders.py) and what the meetings page
reads (kpi/partnerships/meeting_views.py), on the demo's registry with meetings made here."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.errors import Rejected
from kpi.partnerships.meeting_views import history_entries, meetings_setup, meetings_table, my_open_items
from kpi.partnerships.meetings import mark_item_done, meeting_history, save_meeting
from kpi.partnerships.reminders import ITEM_COLUMNS, action_reminder, by_owner, open_action_items
from kpi.storage import Database

AS_OF = date(2026, 11, 26)
OPERATOR = Actor.operator("tester")
LEAD = Actor("demo-lead", Role.LEAD, "CO-SAKURAGI")  # leads P03
PARTNER = Actor("demo-partner", Role.PARTNER, "UNI-SETOUCHI")  # P10, P18, P20
EXECUTIVE = Actor("demo-executive", Role.EXECUTIVE)


@pytest.fixture
def db(demo_db_path: Path, tmp_path: Path) -> Iterator[Database]:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    database = Database(copy)
    with database.transaction() as cursor:  # the demo's own meetings, if it has any, are not these tests'
        cursor.execute("DELETE FROM meeting_versions")
    yield database
    database.close()


def save(db: Database, project: str, held_on: date, items: list[tuple[str, str, date]], **fields: Any) -> str:
    record = {
        "project_code": project,
        "held_on": held_on,
        "kind": "regular",
        "organizations": ["CO-SAKURAGI"] if project == "P03" else ["UNI-SETOUCHI"],
        "action_items": [{"description": d, "owner": o, "due_on": due} for d, o, due in items],
        **fields,
    }
    return save_meeting(db, record, actor=OPERATOR, lang="en", expected_version=None)[0]


@pytest.fixture
def items(db: Database) -> Database:
    save(
        db,
        "P03",
        date(2026, 9, 1),
        [
            ("Send the yield data", "RI-SANGI", date(2026, 11, 25)),  # 1 day late
            ("Book field B", "CO-SAKURAGI", date(2026, 11, 26)),  # due today
            ("Write the paper", "RI-SANGI", date(2027, 3, 1)),  # not due soon
        ],
    )
    save(
        db,
        "P18",
        date(2026, 11, 2),
        [
            ("Share the buoy readings", "UNI-SETOUCHI", date(2026, 11, 27)),  # tomorrow
            ("Order the sensors", "RI-SANGI", date(2026, 11, 6)),  # 20 days late
            ("Clean the buoy", "UNI-SETOUCHI", date(2026, 11, 4)),  # late, but done below
        ],
    )
    mark_item_done(
        db, "P18-20261102-regular", 3, date(2026, 11, 3), actor=OPERATOR, lang="en", expected_version=1
    )
    return db


def test_open_items_are_late_or_due_soon_most_late_first_with_names(items: Database) -> None:
    frame = open_action_items(items, AS_OF, "en", actor=LEAD)
    assert list(frame.columns) == ITEM_COLUMNS
    assert list(frame["description"]) == [
        "Order the sensors", "Send the yield data", "Book field B", "Share the buoy readings"
    ]  # fmt: skip
    assert list(frame["state"]) == ["20 days late", "1 day late", "due today", "due tomorrow"]
    assert list(frame["days_late"]) == [20, 1, 0, 0]
    assert list(frame["kind"]) == ["Regular review"] * 4
    assert list(frame["item_no"]) == [2, 1, 2, 1]
    assert frame["owner_name"].iloc[0] != "RI-SANGI" and frame["project_name"].iloc[0]
    japanese = open_action_items(items, AS_OF, "ja", actor=LEAD)
    assert list(japanese["state"]) == ["20 日超過", "1 日超過", "本日が期限", "明日が期限"]
    assert list(japanese["kind"]) == ["定例会・振り返り"] * 4
    # 30 days is the default window: the paper (due 1 March) comes within 100 days.
    assert "Write the paper" in set(
        open_action_items(items, AS_OF, "en", actor=LEAD, within_days=100)["description"]
    )


def test_a_partner_sees_only_its_own_organizations_items(items: Database) -> None:
    frame = open_action_items(items, AS_OF, "en", actor=PARTNER)
    assert list(frame["description"]) == ["Share the buoy readings"]
    with pytest.raises(Forbidden):
        mark_item_done(items, "P03-20260901-regular", 1, AS_OF, actor=PARTNER, lang="en", expected_version=1)
    with pytest.raises(Forbidden):  # its own project, another organization's item
        mark_item_done(items, "P18-20261102-regular", 2, AS_OF, actor=PARTNER, lang="en", expected_version=2)


def test_items_grouped_by_owner(items: Database) -> None:
    owners = by_owner(open_action_items(items, AS_OF, "en", actor=EXECUTIVE), "en")
    assert owners.to_dict("records") == [
        {
            "owner": "RI-SANGI",
            "owner_name": owners["owner_name"].iloc[0],
            "items": 2,
            "late": 2,
            "projects": "P18, P03",
            "next_due": date(2026, 11, 6),
            "days_late": 20,
        },
        {
            "owner": "CO-SAKURAGI",
            "owner_name": owners["owner_name"].iloc[1],
            "items": 1,
            "late": 0,
            "projects": "P03",
            "next_due": date(2026, 11, 26),
            "days_late": 0,
        },
        {
            "owner": "UNI-SETOUCHI",
            "owner_name": owners["owner_name"].iloc[2],
            "items": 1,
            "late": 0,
            "projects": "P18",
            "next_due": date(2026, 11, 27),
            "days_late": 0,
        },
    ]
    assert (
        by_owner(open_action_items(items, AS_OF, "ja", actor=EXECUTIVE), "ja")["projects"].iloc[0]
        == "P18、P03"
    )
    assert by_owner(open_action_items(items, date(2026, 8, 1), "en", actor=EXECUTIVE), "en").empty


def test_the_reminder_names_each_item_its_project_and_due_date_in_its_language(items: Database) -> None:
    english = action_reminder(items, AS_OF, "RI-SANGI", "en", actor=LEAD)
    lines = english.split("\n")
    assert lines[0].startswith("Dear ") and lines[0].endswith(",") and "RI-SANGI" not in lines[0]
    project_p18 = open_action_items(items, AS_OF, "en", actor=LEAD)["project_name"].iloc[0]
    assert lines[3] == (
        f"- Order the sensors (P18 {project_p18}; Regular review of 2 Nov 2026): due 6 Nov 2026, 20 days late"
    )
    assert lines[4].startswith("- Send the yield data (P03 ")
    assert lines[4].endswith("; Regular review of 1 Sep 2026): due 25 Nov 2026, 1 day late")
    assert "Write the paper" not in english and "Book field B" not in english
    japanese = action_reminder(items, AS_OF, "RI-SANGI", "ja", actor=LEAD)
    rows = japanese.split("\n")
    assert rows[0].endswith(" ご担当者様")
    assert rows[3].startswith("・Order the sensors（P18 ")
    assert rows[3].endswith("、2026年11月2日の定例会・振り返り）：期限 2026年11月6日、20 日超過")
    assert rows[4].endswith("、2026年9月1日の定例会・振り返り）：期限 2026年11月25日、1 日超過")
    nothing = action_reminder(items, AS_OF, "GOV-SHIZUOKA", "en", actor=LEAD)
    assert nothing.startswith("Dear ") and "No action item of yours" in nothing


def test_my_open_items_are_my_organizations_whenever_due(items: Database) -> None:
    lead = my_open_items(items, AS_OF, "en", actor=LEAD)
    assert list(lead["description"]) == ["Book field B"]
    assert list(lead["can_mark"]) == [True]  # its own project
    partner = my_open_items(items, AS_OF, "en", actor=PARTNER)
    assert list(partner["description"]) == ["Share the buoy readings"]
    everyone = my_open_items(items, AS_OF, "en", actor=EXECUTIVE)
    assert len(everyone) == 5 and not everyone["can_mark"].any()  # the paper too; an executive marks none
    sangi = Actor("sangi", Role.LEAD, "RI-SANGI")  # a lead, but not of P03 or P18
    assert list(my_open_items(items, AS_OF, "en", actor=sangi)["can_mark"]) == [False, False, False]


def test_the_page_setup_says_who_may_do_what(items: Database) -> None:
    lead = meetings_setup(items, "P03", AS_OF, "en", actor=LEAD)
    assert (lead.can_manage, lead.can_add) == (True, True)
    assert set(lead.partners) == {"CO-SAKURAGI", "RI-SANGI", "GOV-SHIZUOKA"}
    assert list(lead.organizations)[:3] == list(lead.partners)  # the project's partners first
    assert lead.kpis and all(name for name in lead.kpis.values())
    partner = meetings_setup(items, "P18", AS_OF, "en", actor=PARTNER)
    assert (partner.can_manage, partner.can_add) == (False, True)
    with pytest.raises(Forbidden):
        meetings_setup(items, "P03", AS_OF, "en", actor=PARTNER)
    executive = meetings_setup(items, "P03", AS_OF, "en", actor=EXECUTIVE)
    assert (executive.can_manage, executive.can_add) == (False, False)
    table = meetings_table(lead)
    assert list(table["items"]) == ["3 (0 done)"]
    assert list(meetings_table(partner)["items"]) == ["3 (1 done)"]


def test_versions_say_what_changed(items: Database) -> None:
    code = "P18-20261102-regular"
    history = meeting_history(items, code, actor=LEAD)
    record = {**history[-1], "title": "Buoy review", "reason": "Title added"}
    with pytest.raises(Rejected):
        save_meeting(items, {**record, "reason": ""}, actor=OPERATOR, lang="en", expected_version=2)
    save_meeting(items, record, actor=OPERATOR, lang="en", expected_version=2)
    entries = history_entries(meeting_history(items, code, actor=LEAD), "en")
    assert [(e["version"], e["changed"], e["reason"]) for e in entries] == [
        (3, "Title", "Title added"),
        (2, "Action items", ""),
        (1, "", ""),
    ]
