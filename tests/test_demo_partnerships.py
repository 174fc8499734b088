"""The demo's partnerships (kpi/demo/partnerships.py, kpi/demo/meetings.py): every kind of agreement,
one ending and one renewal coming up, a year of meetings with open items, two reviews past due, one
project flagged for its research agreement and one with a reason, and a partner going quiet."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from kpi.access import Actor, Role
from kpi.demo.partnerships import demo_partnerships
from kpi.demo.portfolio import demo_portfolio
from kpi.intake.rows import ErrorSink
from kpi.partnerships.agreements import agreement_alerts, phase_flags, records
from kpi.partnerships.checks import MESSAGES, check_agreement, check_meeting
from kpi.partnerships.meetings import review_status
from kpi.partnerships.scope import references
from kpi.partnerships.terms import (
    AGREEMENT_KINDS,
    FLAGGED_PHASES,
    MEETING_KINDS,
    REVIEW_KINDS,
    add_months,
    current_term,
    next_review_due,
)
from kpi.partnerships.timeline import going_quiet
from kpi.storage import Database
from kpi.storage.partnerships import (
    action_items,
    current_agreements,
    current_meetings,
    phase_exceptions,
    review_cadences,
    versions_of,
)
from kpi.storage.registry import read_table
from tests.conftest import DEMO_TODAY, OPERATOR

Record = dict[str, Any]
OVERDUE_REVIEWS = {"P07", "P18"}  # P07's last review is its 中間評価, P18's 定例会 was 140 days ago
QUIET = {"CO-KIRAMEKI"}  # P15 closed two years ago; its other partner, 関西未来科学大学, is busy elsewhere


def _stored(db: Database) -> tuple[list[Record], list[Record], list[Record], list[Record], dict[str, int]]:
    with db.cursor() as cursor:
        return (
            records(current_agreements(cursor)),
            records(current_meetings(cursor)),
            records(read_table(cursor, "projects")),
            records(read_table(cursor, "partners")),
            review_cadences(cursor),
        )


def _ending(agreements: list[Record], today: date, days: int = 90) -> list[str]:
    """Agreements whose current term ends within `days` (whatever their renewal)."""
    out = []
    for a in agreements:
        term = current_term(a["starts_on"], a["ends_on"], a["renewal"], a["notice_days"], today)
        if term.ends_on is not None and 0 <= (term.ends_on - today).days <= days:
            out.append(a["agreement_code"])
    return sorted(out)


def _notice_due(agreements: list[Record], today: date, days: int = 90) -> list[str]:
    out = []
    for a in agreements:
        term = current_term(a["starts_on"], a["ends_on"], a["renewal"], a["notice_days"], today)
        if term.notice_by is not None and 0 <= (term.notice_by - today).days <= days:
            out.append(a["agreement_code"])
    return sorted(out)


def _overdue(
    meetings: list[Record], projects: list[Record], cadences: dict[str, int], today: date
) -> set[str]:
    """Running projects whose next review (SPEC: every 3 months, or the project's own cadence) has passed."""
    last: dict[str, date] = {}
    for m in meetings:
        if m["kind"] in REVIEW_KINDS and m["held_on"] <= today:
            last[m["project_code"]] = max(m["held_on"], last.get(m["project_code"], m["held_on"]))
    return {
        p["project_code"]
        for p in projects
        if p["phase"] != "closed"
        and p["start_date"] <= today <= p["end_date"]
        and next_review_due(last.get(p["project_code"]), p["start_date"], cadences.get(p["project_code"], 3))
        < today
    }


def _quiet(meetings: list[Record], projects: list[Record], partners: list[Record], today: date) -> set[str]:
    """Partners of a closed project with no open project and no meeting or project end in 12 months."""
    by_code = {p["project_code"]: p for p in projects}
    member: dict[str, list[Record]] = {}
    for row in partners:
        member.setdefault(row["organization_code"], []).append(by_code[row["project_code"]])
    cutoff = add_months(today, -12)
    quiet = set()
    for org, mine in member.items():
        if any(p["phase"] != "closed" for p in mine):  # none closed, or one still open
            continue
        held = [m["held_on"] for m in meetings if org in m["organizations"]]
        if max([*held, *(p["end_date"] for p in mine)]) < cutoff:
            quiet.add(org)
    return quiet


def test_every_kind_of_agreement_with_its_terms(demo_db: Database) -> None:
    agreements = _stored(demo_db)[0]
    by_code = {a["agreement_code"]: a for a in agreements}
    assert len(agreements) == 31
    assert {a["kind"] for a in agreements} == set(AGREEMENT_KINDS)
    between = sorted(a["agreement_code"] for a in agreements if a["project_code"] is None)
    assert between == ["CP-01", "CP-02"]
    assert {by_code[c]["kind"] for c in between} == {"comprehensive"}
    for a in agreements:  # joint shares add up to 100, a sole owner holds 100
        percents = [s["percent"] for s in a["ip_shares"]]
        if a["ip_ownership"] == "joint":
            assert len(percents) >= 2 and sum(percents) == 100
        elif a["ip_ownership"] == "sole":
            assert percents == [100.0]
        else:
            assert percents == []
    assert [s["percent"] for s in by_code["JR-P13-01"]["ip_shares"]] == [34.0, 33.0, 33.0]
    bayh_dole = sorted(a["agreement_code"] for a in agreements if a["bayh_dole"])
    assert bayh_dole == ["CR-P05-01", "CR-P16-01"]
    assert all(by_code[c]["kind"] == "commissioned" for c in bayh_dole)
    assert not by_code["CR-P08-01"]["bayh_dole"]  # a company's commission, not the state's
    approved = {a["project_code"]: a["ethics_approved_on"] for a in agreements if a["ethics"] == "approved"}
    assert sorted(approved) == ["P02", "P07", "P18"] and all(d < DEMO_TODAY for d in approved.values())
    assert [a["agreement_code"] for a in agreements if a["ethics"] == "needed"] == ["CR-P08-01"]
    assert "日本版バイ・ドール" in by_code["CR-P05-01"]["ip_terms"]
    assert "<事前承認>" in by_code["JR-P01-01"]["ip_terms"]  # as typed


def test_one_agreement_ends_and_one_renewal_notice_comes_within_90_days(demo_db: Database) -> None:
    agreements = _stored(demo_db)[0]
    assert _ending(agreements, DEMO_TODAY) == ["JR-P03-01"]
    p03 = next(a for a in agreements if a["agreement_code"] == "JR-P03-01")
    assert (p03["ends_on"], p03["renewal"]) == (date(2026, 12, 31), "none")
    automatic = [a for a in agreements if a["renewal"] == "auto"]
    assert [a["agreement_code"] for a in automatic] == ["MOU-P20-01"]
    mou = automatic[0]
    term = current_term(mou["starts_on"], mou["ends_on"], "auto", mou["notice_days"], DEMO_TODAY)
    # signed for 2024-04-01 … 2025-03-31, renewed twice; objections by 31 December
    assert (mou["ends_on"], mou["notice_days"]) == (date(2025, 3, 31), 90)
    assert (term.ends_on, term.notice_by, term.renewals) == (date(2027, 3, 31), date(2026, 12, 31), 2)
    assert _notice_due(agreements, DEMO_TODAY) == ["MOU-P20-01"]
    alerts = agreement_alerts(demo_db, DEMO_TODAY, actor=OPERATOR)
    assert [(a.agreement_code, a.what, a.days_left) for a in alerts] == [
        ("JR-P03-01", "ends", 35),
        ("MOU-P20-01", "notice", 35),
    ]


def test_one_agreement_was_amended(demo_db: Database) -> None:
    with demo_db.cursor() as cursor:
        history = records(versions_of(cursor, "agreement_versions", "JR-P02-01"))
        versions = cursor.execute("SELECT count(*) FROM agreement_versions").fetchone()
    assert versions == (32,)  # 31 agreements, one with a second version
    assert [v["version"] for v in history] == [1, 2]
    first, amended = history
    assert (first["ends_on"], amended["ends_on"]) == (date(2025, 12, 31), date(2028, 12, 31))
    assert first["reason"] == "" and "変更契約" in amended["reason"]


def test_one_project_is_flagged_and_one_went_on_with_a_reason(demo_db: Database) -> None:
    agreements, _, projects, _, _ = _stored(demo_db)
    in_phase = {p["project_code"] for p in projects if p["phase"] in FLAGGED_PHASES}
    assert len(in_phase) == 15
    covered = {
        a["project_code"]
        for a in agreements
        if a["kind"] in ("joint_research", "commissioned") and a["signed_on"] is not None
    }
    assert in_phase - covered == {"P12", "P22"}
    draft = next(a for a in agreements if a["agreement_code"] == "JR-P12-01")
    assert draft["signed_on"] is None and draft["starts_on"] > DEMO_TODAY  # drawn up, not signed
    with demo_db.cursor() as cursor:
        reasons = records(phase_exceptions(cursor))
    assert [(r["project_code"], r["phase"]) for r in reasons] == [("P22", "demonstration")]
    flags = phase_flags(demo_db, DEMO_TODAY, actor=OPERATOR)
    assert [(f.project_code, f.reason is not None) for f in flags] == [("P12", False), ("P22", True)]


def test_a_year_of_meetings_with_every_kind(demo_db: Database) -> None:
    _, meetings, projects, partners, _ = _stored(demo_db)
    assert len(meetings) == 73
    assert {m["kind"] for m in meetings} == set(MEETING_KINDS)
    assert [m["meeting_code"] for m in meetings if m["kind"] == "midterm"] == ["P07-20260410-midterm"]
    results = sorted(m["project_code"] for m in meetings if m["kind"] == "results")
    assert results == sorted(p["project_code"] for p in projects if p["phase"] == "closed")
    assert sorted(m["project_code"] for m in meetings if m["kind"] == "new_theme") == ["P14", "P15"]
    running = {p["project_code"] for p in projects if p["phase"] != "closed"}
    a_year_ago = DEMO_TODAY - timedelta(days=365)
    held = {m["project_code"] for m in meetings if a_year_ago <= m["held_on"] <= DEMO_TODAY}
    assert running <= held and all(m["held_on"] <= DEMO_TODAY for m in meetings)
    members = {(r["project_code"], r["organization_code"]) for r in partners}
    for m in meetings:  # who took part, who owns an item: the project's partners
        assert {(m["project_code"], o) for o in m["organizations"]} <= members
        assert {(m["project_code"], i["owner"]) for i in m["action_items"]} <= members
    assert any("<" in m["minutes"] for m in meetings) and any("* " in m["minutes"] for m in meetings)


def test_action_items_some_done_some_overdue_some_due_soon(demo_db: Database) -> None:
    with demo_db.cursor() as cursor:
        items = records(action_items(cursor))
    done = [i for i in items if i["done_on"] is not None]
    overdue = [i for i in items if i["done_on"] is None and i["due_on"] < DEMO_TODAY]
    soon = [
        i for i in items if i["done_on"] is None and DEMO_TODAY <= i["due_on"] <= DEMO_TODAY + timedelta(35)
    ]
    assert len(done) > len(overdue) >= 5 and len(soon) >= 20
    assert ("P03", "GOV-SHIZUOKA", date(2026, 7, 20)) in {
        (i["project_code"], i["owner"], i["due_on"]) for i in overdue
    }
    p07 = sorted(i["owner"] for i in overdue if i["meeting_code"] == "P07-20260410-midterm")
    assert p07 == ["CO-TSUBAME", "GOV-NIIGATA"]
    assert all(i["done_on"] >= i["held_on"] and i["due_on"] >= i["held_on"] for i in done)


def test_exactly_the_chosen_projects_are_past_their_review(demo_db: Database) -> None:
    _, meetings, projects, _, cadences = _stored(demo_db)
    assert cadences == {"P05": 6}
    assert _overdue(meetings, projects, cadences, DEMO_TODAY) == OVERDUE_REVIEWS
    # P05's last review was 100 days ago: on time for six months, late for the default three
    assert "P05" in _overdue(meetings, projects, {}, DEMO_TODAY)
    reviews = review_status(demo_db, DEMO_TODAY, actor=OPERATOR)
    assert {r.project_code for r in reviews if r.overdue} == OVERDUE_REVIEWS
    p07 = next(r for r in reviews if r.project_code == "P07")
    assert (p07.last_review, p07.due_on) == (date(2026, 4, 10), date(2026, 7, 10))


def test_the_closed_projects_partner_goes_quiet(demo_db: Database) -> None:
    _, meetings, projects, partners, _ = _stored(demo_db)
    assert _quiet(meetings, projects, partners, DEMO_TODAY) == QUIET
    p15 = next(p for p in projects if p["project_code"] == "P15")
    assert p15["phase"] == "closed" and p15["end_date"] == date(2024, 9, 30)
    kirameki = [m["held_on"] for m in meetings if "CO-KIRAMEKI" in m["organizations"]]
    assert max(kirameki) == date(2025, 1, 28)  # the 新テーマ検討会 that led nowhere
    quiet = going_quiet(demo_db, DEMO_TODAY, "ja", actor=OPERATOR)
    assert quiet[["organization_code", "last_activity", "months_quiet"]].values.tolist() == [
        ["CO-KIRAMEKI", date(2025, 1, 28), 21]
    ]


def test_every_demo_record_passes_the_rules_a_form_checks(demo_db: Database) -> None:
    agreements, meetings, *_ = _stored(demo_db)
    with demo_db.cursor() as cursor:
        refs = references(cursor)
    sink = ErrorSink("en", messages=MESSAGES)
    for a in agreements:
        check_agreement(a, refs, sink, today=DEMO_TODAY)
    for m in meetings:
        check_meeting(m, refs, sink)
    assert [e.message for e in sink.errors] == []


def test_the_demo_partner_sees_its_own_projects_meetings(demo_db: Database) -> None:
    partner = Actor("demo-partner", Role.PARTNER, "UNI-SETOUCHI")
    reviews = review_status(demo_db, DEMO_TODAY, actor=partner)
    assert sorted((r.project_code, r.overdue) for r in reviews) == [
        ("P10", False),
        ("P18", True),
        ("P20", False),
    ]


@pytest.mark.parametrize("today", [date(2026, 4, 1), date(2027, 2, 28), date(2028, 2, 29), date(2028, 9, 30)])
def test_the_alerts_show_whatever_the_day(today: date) -> None:
    """Built relative to `today`: on a quarter's first day, a month's last, a 29 February, the same
    alerts, the same two late reviews and the same quiet partner."""
    portfolio = demo_portfolio(today)
    demo = demo_partnerships(today, portfolio)
    assert demo == demo_partnerships(today, portfolio)  # deterministic
    amended = {a["agreement_code"] for a in demo.amendments}
    current = [a for a in demo.agreements if a["agreement_code"] not in amended] + demo.amendments
    assert _ending(current, today) == ["JR-P03-01"]
    assert _notice_due(current, today) == ["MOU-P20-01"]
    projects = records(portfolio.projects)
    partners = records(portfolio.partners)
    assert (
        _overdue(demo.meetings, projects, dict((p, m) for p, m, _ in demo.cadences), today) == OVERDUE_REVIEWS
    )
    assert _quiet(demo.meetings, projects, partners, today) == QUIET
    items = [i for m in demo.meetings for i in m["action_items"]]
    assert any(i["done_on"] is None and i["due_on"] < today for i in items)
    assert any(i["done_on"] is None and i["due_on"] >= today for i in items)
    assert all(i["done_on"] is None or i["done_on"] <= today for i in items)
