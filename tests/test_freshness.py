"""Reporting freshness: the period due, who is overdue on the demo, the grace setting, reminders."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from kpi.freshness import freshness_frame, overdue_pairs, owed_by_partner, reminder_message
from kpi.i18n import catalog
from kpi.storage import Database
from kpi.storage.freshness import DEFAULT_GRACE_DAYS, grace_days
from kpi.storage.registry import write_setting
from tests.conftest import DEMO_TODAY, OPERATOR

# The demo leaves out one partner's report for the latest closed quarter in three projects.
NOW = datetime(2026, 11, 26, 9, 0)
DEMO_OVERDUE = [("P03", "GOV-SHIZUOKA"), ("P20", "UNI-SETOUCHI"), ("P22", "CO-AKANE")]


def test_demo_overdue_partners(demo_db: Database) -> None:
    frame = freshness_frame(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    assert overdue_pairs(frame) == DEMO_OVERDUE
    assert set(frame["period_due"]) == {date(2026, 9, 30)}
    assert set(frame["deadline"]) == {date(2026, 10, 30)}
    late = frame[frame["overdue"]]
    assert set(late["last_period_end"]) == {date(2026, 6, 30)}
    assert set(late["days_overdue"]) == {27}


def test_projects_not_running_at_the_period_due_are_left_out(demo_db: Database) -> None:
    codes = set(freshness_frame(demo_db, DEMO_TODAY, actor=OPERATOR)["project_code"])
    assert {"P09", "P10"}.isdisjoint(codes)  # not started by 30 Sep 2026
    assert {"P14", "P15", "P21", "P24"}.isdisjoint(codes)  # closed
    assert {"P01", "P03", "P22"} <= codes


def test_nothing_is_overdue_within_the_grace_period(demo_db: Database) -> None:
    frame = freshness_frame(demo_db, date(2026, 10, 30), "en", actor=OPERATOR)
    assert overdue_pairs(frame) == []
    missing = frame[~frame["reported"]]
    assert sorted(zip(missing["project_code"], missing["organization_code"], strict=True)) == DEMO_OVERDUE


def test_grace_days_is_a_setting(fresh_db: Database) -> None:
    with fresh_db.cursor() as cursor:
        assert grace_days(cursor) == DEFAULT_GRACE_DAYS == 30
    with fresh_db.transaction() as cursor:
        write_setting(cursor, "reminder_grace_days", "10", actor="tester", now=NOW)
    with fresh_db.cursor() as cursor:
        assert grace_days(cursor) == 10


def test_a_shorter_grace_period_moves_the_deadline(demo_db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(demo_db_path.read_bytes())
    db = Database(copy)
    with db.transaction() as cursor:
        write_setting(cursor, "reminder_grace_days", "5", actor="tester", now=NOW)
    frame = freshness_frame(db, date(2026, 10, 6), "en", actor=OPERATOR)
    db.close()
    assert set(frame["deadline"]) == {date(2026, 10, 5)}
    assert overdue_pairs(frame) == DEMO_OVERDUE


def test_owed_by_partner(demo_db: Database) -> None:
    owed = owed_by_partner(freshness_frame(demo_db, DEMO_TODAY, "ja", actor=OPERATOR))
    assert list(owed["organization_code"]) == ["CO-AKANE", "GOV-SHIZUOKA", "UNI-SETOUCHI"]
    assert list(owed["projects"]) == ["P22", "P03", "P20"]
    assert list(owed["organization_name"])[1] == "静岡県"


@pytest.mark.parametrize("lang, words", [("ja", ["静岡県", "2026年9月30日", "P03"]),
                                          ("en", ["Shizuoka", "30 Sep 2026", "P03"])])  # fmt: skip
def test_reminder_message(demo_db: Database, lang: str, words: list[str]) -> None:
    frame = freshness_frame(demo_db, DEMO_TODAY, lang, actor=OPERATOR)
    message = reminder_message(frame, "GOV-SHIZUOKA", lang)
    for word in words:
        assert word in message
    assert "P20" not in message
    assert reminder_message(frame, "CO-SAKURAGI", lang) == ""


def test_reminder_keys_in_both_catalogs() -> None:
    keys = {k for k in catalog("en") if k.startswith("reminders.")}
    assert keys and keys == {k for k in catalog("ja") if k.startswith("reminders.")}
