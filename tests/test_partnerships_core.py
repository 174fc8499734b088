"""Agreements, meetings, reviews and timelines (SPEC section 8) through the kpi functions the pages
and the command line call: the rules, the roles, versions and the audit, on a small registry worked
out by hand.

P1 (demonstration, 2024-04-01 – 2029-03-31) is led by U1 with C1 and G1; P2 (closed, 2021-04-01 –
2024-03-31) was led by C2 with U1. C2 has no other project: it goes quiet a year after its last
contact.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.errors import Rejected, StaleWrite
from kpi.partnerships.agreements import (
    agreement_alerts,
    agreement_history,
    agreement_table,
    phase_flags,
    record_phase_reason,
    save_agreement,
)
from kpi.partnerships.meetings import (
    mark_item_done,
    open_items,
    review_status,
    save_meeting,
    set_review_cadence,
)
from kpi.partnerships.timeline import going_quiet, organization_timeline
from kpi.registry.setup import setup_registry
from kpi.storage import Database
from tests.conftest import table_counts

ORGS = """organization_code,name,name_en,sector,prefecture
U1,北浜工業大学,Kitahama Tech,academia,北海道
C1,株式会社そらテック,Sora Tech,industry,北海道
G1,浜野市,Hamano City,government,北海道
C2,株式会社みなと精機,Minato Seiki,industry,北海道
"""
PROJECTS = """project_code,name,field,prefecture,phase,start_date,end_date,lead_organization_code
P1,雪氷冷熱,エネルギー,北海道,demonstration,2024-04-01,2029-03-31,U1
P2,港湾センサー,IoT,北海道,closed,2021-04-01,2024-03-31,C2
"""
PARTNERS = """project_code,organization_code,role
P1,C1,共同研究機関
P1,G1,自治体
P2,U1,共同研究機関
"""
TARGETS = """project_code,kpi_code,horizon,target_value,target_date,baseline_value,baseline_date,reason
P1,joint_studies,long,15,2029-03-31,0,2024-03-31,
"""
LEAD = Actor("lead-u1", Role.LEAD, "U1")
OTHER_LEAD = Actor("lead-c2", Role.LEAD, "C2")
PARTNER = Actor("partner-c1", Role.PARTNER, "C1")
OUTSIDER = Actor("partner-c2", Role.PARTNER, "C2")
EXECUTIVE = Actor("exec", Role.EXECUTIVE)
TODAY = date(2026, 12, 1)


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    folder = tmp_path / "registry"
    folder.mkdir()
    for name, text in {
        "organizations": ORGS,
        "projects": PROJECTS,
        "partners": PARTNERS,
        "targets": TARGETS,
    }.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    assert setup_registry(fresh_db, folder, actor=Actor.operator("setup"), lang="en").status == "loaded"
    return fresh_db


def agreement(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "agreement_code": "JR-1",
        "project_code": "P1",
        "kind": "joint_research",
        "title": "雪氷冷熱の共同研究契約",
        "parties": ["U1", "C1"],
        "signed_on": date(2024, 3, 25),
        "starts_on": date(2024, 4, 1),
        "ends_on": date(2027, 3, 31),
        "renewal": "none",
        "notice_days": None,
        "ip_ownership": "joint",
        "ip_shares": [
            {"organization_code": "U1", "percent": 50.0},
            {"organization_code": "C1", "percent": 50.0},
        ],
        "bayh_dole": False,
        "ethics": "not_needed",
        "ethics_approved_on": None,
        "ip_terms": "**共有** <b>持分</b>は協議のうえ定める",
    }
    return record | changes


def save(
    db: Database, record: dict[str, Any], actor: Actor = LEAD, version: int | None = None, lang: str = "en"
) -> int:
    return save_agreement(db, record, actor=actor, lang=lang, today=TODAY, expected_version=version)


def test_a_lead_records_an_agreement_and_its_amendment_as_versions(db: Database) -> None:
    assert save(db, agreement()) == 1
    with pytest.raises(Rejected) as refused:
        save(db, agreement(ends_on=date(2028, 3, 31)), version=1)
    assert refused.value.errors[0].message == "Say why it is changed: “Reason” is required for a change."
    assert save(db, agreement(ends_on=date(2028, 3, 31), reason="1年延長"), version=1) == 2
    assert (
        save(db, agreement(ends_on=date(2028, 3, 31), reason="同じ内容"), version=2) == 2
    )  # nothing changed
    with pytest.raises(StaleWrite):
        save(db, agreement(ends_on=date(2029, 3, 31), reason="再延長"), version=1)
    history = agreement_history(db, "JR-1", actor=EXECUTIVE)
    assert [(h["version"], h["ends_on"], h["reason"]) for h in history] == [
        (1, date(2027, 3, 31), ""),
        (2, date(2028, 3, 31), "1年延長"),
    ]
    assert agreement_table(db, TODAY, actor=PARTNER)["ip_terms"].tolist() == [
        "**共有** <b>持分</b>は協議のうえ定める"
    ]
    with db.cursor() as cursor:
        audit = cursor.execute(
            "SELECT action, actor FROM audit_log WHERE entity = 'agreement_versions' ORDER BY id"
        ).fetchall()
    assert audit == [("create", "lead-u1"), ("revise", "lead-u1")]


def test_only_the_projects_lead_changes_its_agreements(db: Database) -> None:
    for actor in (PARTNER, EXECUTIVE, OTHER_LEAD):
        with pytest.raises(Forbidden):
            save(db, agreement(), actor=actor)
    assert agreement_table(db, TODAY, actor=EXECUTIVE).empty
    # Between organizations (no project): a lead that is a party, not one that is not.
    comprehensive = agreement(
        agreement_code="CP-1", project_code=None, kind="comprehensive", parties=["U1", "G1"],
        ip_ownership="none", ip_shares=[],
    )  # fmt: skip
    with pytest.raises(Forbidden):
        save(db, comprehensive, actor=OTHER_LEAD)
    assert save(db, comprehensive) == 1
    assert agreement_table(db, TODAY, actor=OUTSIDER).empty  # C2 is no party and P1 is not its project
    assert agreement_table(db, TODAY, actor=Actor("p-g1", Role.PARTNER, "G1"))["agreement_code"].tolist() == [
        "CP-1"
    ]


@pytest.mark.parametrize(
    ("changes", "english", "japanese"),
    [
        (
            {
                "ip_shares": [
                    {"organization_code": "U1", "percent": 60.0},
                    {"organization_code": "C1", "percent": 30.0},
                ]
            },
            "Joint ownership needs two or more owners whose sha"
            "res add up to 100% (now 90%): correct “IP shares”.",
            "共有は2者以上で、持分の合計が100%になる必要があり"
            "ます（現在 90%）。「知財の持分」を直してください。",
        ),
        (
            {"ends_on": date(2024, 3, 1)},
            "The end (1 Mar 2024) is before the start (1 Apr 2024): correct “End”.",
            "終了日（2024年3月1日）が開始日（2024年4月1日）より前です。「終了日」を直してください。",
        ),
        (
            {"renewal": "auto", "notice_days": None},
            "For automatic renewal, give the notice period in days (0 to 365) in “Notice period (days)”.",
            "自動更新の場合は、「申し出期限（日前）」に申し出期限の日数（0〜365）を入力してください。",
        ),
        (
            {"parties": ["U1", "C1", "Z9"]},
            "“Parties” names organizations that are not register"
            "ed: Z9. Use the organization codes of the registry.",
            "「当事者」に未登録の機関があります: Z9。登録済みの機関コードを指定してください。",
        ),
        (
            {"ethics": "approved"},
            "An approved ethics review needs its approval date: fill in “Ethics approval date”.",
            "倫理審査が承認済みの場合は承認日が必要です。「倫理審査の承認日」を入力してください。",
        ),
    ],
)
def test_a_broken_rule_is_refused_with_what_to_change_and_nothing_written(
    db: Database, changes: dict[str, Any], english: str, japanese: str
) -> None:
    before = table_counts(db)
    for lang, message in (("en", english), ("ja", japanese)):
        with pytest.raises(Rejected) as refused:
            save(db, agreement(**changes), lang=lang)
        assert [e.message for e in refused.value.errors] == [message]
    assert table_counts(db) == before


def test_alerts_name_ends_and_notice_dates_within_the_setting(db: Database) -> None:
    save(db, agreement(ends_on=date(2027, 2, 28)))  # 89 days after 1 December 2026
    save(
        db,
        agreement(
            agreement_code="NDA-1", kind="nda", ends_on=date(2027, 3, 2), ip_ownership="none", ip_shares=[]
        ),
    )
    # Renews every 31 March unless objected 90 days before: the notice date is 31 December 2026.
    mou = agreement(agreement_code="MOU-1", kind="mou", ip_ownership="none", ip_shares=[])
    save(
        db,
        mou
        | {"starts_on": date(2024, 4, 1), "ends_on": date(2025, 3, 31), "renewal": "auto", "notice_days": 90},
    )
    alerts = agreement_alerts(db, TODAY, actor=EXECUTIVE)
    assert [(a.agreement_code, a.what, a.on, a.days_left) for a in alerts] == [
        ("MOU-1", "notice", date(2026, 12, 31), 30),
        ("JR-1", "ends", date(2027, 2, 28), 89),
    ]  # NDA-1 ends 2 March 2027, 91 days away: outside the 90 days, inside 91
    assert [a.agreement_code for a in agreement_alerts(db, TODAY, actor=EXECUTIVE, within_days=91)] == [
        "MOU-1",
        "JR-1",
        "NDA-1",
    ]
    assert agreement_alerts(db, date(2027, 1, 1), actor=EXECUTIVE)[0].on == date(2027, 2, 28)  # notice passed


def test_a_project_in_demonstration_without_a_signed_research_agreement_is_flagged(db: Database) -> None:
    assert [(f.project_code, f.reason) for f in phase_flags(db, TODAY, actor=EXECUTIVE)] == [("P1", None)]
    save(db, agreement(agreement_code="MOU-1", kind="mou", ip_ownership="none", ip_shares=[]))
    save(db, agreement(signed_on=None))  # a joint-research agreement not yet signed
    assert [f.project_code for f in phase_flags(db, TODAY, actor=EXECUTIVE)] == ["P1"]
    with pytest.raises(Forbidden):
        record_phase_reason(db, "P1", "契約締結前に先行実施", actor=PARTNER, lang="en")
    with pytest.raises(Rejected):
        record_phase_reason(db, "P1", "  ", actor=LEAD, lang="en")
    record_phase_reason(db, "P1", "契約締結前に先行実施", actor=LEAD, lang="en")
    assert [(f.project_code, f.reason) for f in phase_flags(db, TODAY, actor=EXECUTIVE)] == [
        ("P1", "契約締結前に先行実施")
    ]
    save(db, agreement(signed_on=date(2026, 11, 30), reason="締結"), version=1)
    assert phase_flags(db, TODAY, actor=EXECUTIVE) == []
    assert [f.project_code for f in phase_flags(db, date(2027, 4, 1), actor=EXECUTIVE)] == [
        "P1"
    ]  # it has expired


def meeting(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "project_code": "P1",
        "held_on": date(2026, 8, 31),
        "kind": "regular",
        "title": "第8回定例会",
        "organizations": ["U1", "C1", "G1"],
        "minutes": "# 議題\n1. 実証の進捗\n*注* <i>雪室</i>の温度",
        "decisions": "冬季の測定を継続する",
        "kpi_codes": ["joint_studies"],
        "action_items": [
            {"description": "測定データの共有", "owner": "C1", "due_on": date(2026, 9, 30), "done_on": None},
            {"description": "市の広報", "owner": "G1", "due_on": date(2026, 12, 15), "done_on": None},
        ],
    }
    return record | changes


def test_partners_add_meetings_and_mark_their_own_items_done(db: Database) -> None:
    code, version = save_meeting(db, meeting(), actor=PARTNER, lang="en", expected_version=None)
    assert (code, version) == ("P1-20260831-regular", 1)
    with pytest.raises(Rejected) as twice:
        save_meeting(db, meeting(), actor=LEAD, lang="en", expected_version=None)
    assert twice.value.errors[0].message.startswith("A meeting of this type on 31 Aug 2026")
    with pytest.raises(Forbidden):
        save_meeting(db, meeting(held_on=date(2026, 9, 1)), actor=OUTSIDER, lang="en", expected_version=None)
    with pytest.raises(Forbidden):
        save_meeting(db, meeting(held_on=date(2026, 9, 1)), actor=EXECUTIVE, lang="en", expected_version=None)
    items = open_items(db, TODAY, actor=EXECUTIVE)
    assert [(i["owner"], i["due_on"], i["days_late"]) for i in items.to_dict("records")] == [
        ("C1", date(2026, 9, 30), 62),
        ("G1", date(2026, 12, 15), -14),
    ]
    assert open_items(db, TODAY, actor=PARTNER)["owner"].tolist() == ["C1"]
    with pytest.raises(Forbidden):
        mark_item_done(db, code, 2, TODAY, actor=PARTNER, lang="en", expected_version=1)  # G1's item
    assert mark_item_done(db, code, 1, date(2026, 11, 20), actor=PARTNER, lang="en", expected_version=1) == 2
    assert open_items(db, TODAY, actor=EXECUTIVE)["owner"].tolist() == ["G1"]
    with pytest.raises(Rejected):  # a lead's edit needs a reason
        save_meeting(
            db, meeting(meeting_code=code, decisions="継続"), actor=LEAD, lang="en", expected_version=2
        )
    changed = meeting(meeting_code=code, decisions="継続", reason="決定事項の訂正")
    changed["action_items"][0]["done_on"] = date(2026, 11, 20)
    assert save_meeting(db, changed, actor=LEAD, lang="en", expected_version=2) == (code, 3)


def test_a_review_is_past_due_the_day_after_its_cadence_ends(db: Database) -> None:
    save_meeting(db, meeting(), actor=LEAD, lang="en", expected_version=None)
    save_meeting(
        db,
        meeting(held_on=date(2026, 10, 15), kind="results", action_items=[]),
        actor=LEAD,
        lang="en",
        expected_version=None,
    )
    on_due = review_status(db, date(2026, 11, 30), actor=EXECUTIVE)
    after = review_status(db, TODAY, actor=EXECUTIVE)
    assert [(r.project_code, r.last_review, r.due_on, r.overdue) for r in on_due] == [
        ("P1", date(2026, 8, 31), date(2026, 11, 30), False)  # 成果報告会 is no review of P1's course
    ]
    assert (after[0].overdue, after[0].days_overdue) == (True, 1)
    set_review_cadence(db, "P1", 6, "冬季は半年ごと", actor=LEAD, lang="en")
    assert review_status(db, TODAY, actor=EXECUTIVE)[0].due_on == date(2027, 2, 28)
    with pytest.raises(Forbidden):
        set_review_cadence(db, "P1", 1, "", actor=PARTNER, lang="en")


def test_an_organizations_timeline_and_who_goes_quiet(db: Database) -> None:
    save(db, agreement())
    save_meeting(db, meeting(), actor=LEAD, lang="en", expected_version=None)
    results = meeting(project_code="P2", held_on=date(2024, 3, 15), kind="results", title="成果報告会",
                      organizations=["C2", "U1"], action_items=[], kpi_codes=[])  # fmt: skip
    save_meeting(db, results, actor=Actor.operator("admin"), lang="en", expected_version=None)
    timeline = organization_timeline(db, "U1", TODAY, "en", actor=EXECUTIVE)
    assert [(e["day"], e["kind"], e["project_code"]) for e in timeline.events.to_dict("records")] == [
        (date(2021, 4, 1), "project_start", "P2"),
        (date(2024, 3, 15), "meeting_results", "P2"),
        (date(2024, 3, 25), "agreement_joint_research", "P1"),
        (date(2024, 3, 31), "project_end", "P2"),
        (date(2024, 4, 1), "project_start", "P1"),
        (date(2026, 8, 31), "meeting_regular", "P1"),
    ]
    assert timeline.events["detail"].iloc[2] == "Sora Tech"  # the other party, by its English name
    assert timeline.collaborators[["organization_code", "projects", "meetings"]].values.tolist() == [
        ["C1", 1, 1],
        ["C2", 1, 1],
        ["G1", 1, 1],
    ]
    assert timeline.projects[["project_code", "role"]].values.tolist() == [
        ["P2", "Joint research partner"],
        ["P1", "Lead organization"],
    ]
    assert timeline.projects["status"].fillna("none").tolist() == ["none", "no_data"]  # P2 has no KPI
    with pytest.raises(Forbidden):
        organization_timeline(db, "U1", TODAY, "en", actor=PARTNER)
    # C2's last contact is P2's end on 31 March 2024: quiet from 1 April 2025, not on 31 March.
    assert going_quiet(db, date(2025, 3, 31), "en", actor=EXECUTIVE).empty
    quiet = going_quiet(db, TODAY, "en", actor=EXECUTIVE)
    assert quiet[["organization_code", "last_activity", "months_quiet"]].values.tolist() == [
        ["C2", date(2024, 3, 31), 32]
    ]
    assert quiet["closed_projects"].tolist() == [["P2"]]


def test_every_write_names_its_author_and_time(db: Database) -> None:
    now = datetime(2026, 12, 1, 9, 30)
    save_agreement(db, agreement(), actor=LEAD, lang="en", today=TODAY, expected_version=None, now=now)
    with db.cursor() as cursor:
        row = cursor.execute("SELECT recorded_by, recorded_at FROM agreement_versions").fetchone()
    assert row == ("lead-u1", now)


def test_administrators_change_the_partnership_settings_and_the_rules_follow(db: Database) -> None:
    from kpi.partnerships.settings import PartnershipSettings, partnership_settings, save_partnership_settings

    assert partnership_settings(db) == PartnershipSettings(90, 3, 12)
    with pytest.raises(Forbidden):
        save_partnership_settings(db, PartnershipSettings(30, 3, 12), actor=LEAD, lang="en")
    with pytest.raises(Rejected) as refused:
        save_partnership_settings(
            db, PartnershipSettings(30, 0, 12), actor=Actor.operator("admin"), lang="ja"
        )
    assert (
        refused.value.errors[0].message
        == "「振り返りの間隔（か月、既定）」は 1〜24 の範囲で指定してください（0 は範囲外）。"
    )
    save_partnership_settings(db, PartnershipSettings(30, 6, 36), actor=Actor.operator("admin"), lang="en")
    save(db, agreement(ends_on=date(2027, 2, 28)))  # 89 days away: beyond 30
    assert agreement_alerts(db, TODAY, actor=EXECUTIVE) == []
    save_meeting(db, meeting(), actor=LEAD, lang="en", expected_version=None)
    assert review_status(db, TODAY, actor=EXECUTIVE)[0].due_on == date(2027, 2, 28)  # 31 Aug + 6 months
    assert going_quiet(db, TODAY, "en", actor=EXECUTIVE).empty  # C2 has been quiet 32 months, not 36
