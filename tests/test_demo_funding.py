"""The demo's funding (kpi/demo/funding.py): every flag and state a page can show is there once."""

from __future__ import annotations

from kpi.access import Actor, Role
from kpi.funding.status import FLAG_CODES, funding_status
from kpi.storage import Database
from tests.conftest import DEMO_TODAY, OPERATOR


def test_the_demo_shows_every_flag_once(demo_db: Database) -> None:
    status = funding_status(demo_db, DEMO_TODAY, OPERATOR)
    flags = [(f.code, f.project_code) for f in status.flags]
    assert sorted(flags) == sorted([
        ("pre_award", "P01"), ("over_budget", "P03"), ("personnel_over_cap", "P13"), ("not_allowed", "P20"),
        ("outside_period", "P12"),
    ])  # fmt: skip
    assert {code for code, _ in flags} == set(FLAG_CODES)
    pre_award = next(f for f in status.flags if f.code == "pre_award")
    assert [(r["category_code"], r["amount"]) for r in pre_award.rows] == [("supplies", 480_000)]


def test_the_demo_awards_cover_half_the_projects_in_every_stage(demo_db: Database) -> None:
    status = funding_status(demo_db, DEMO_TODAY, OPERATOR)
    awards = status.awards
    assert awards["project_code"].nunique() == 12
    assert set(awards["stage"]) == {"applied", "awarded", "confirmed", "rejected"}
    assert set(awards["kind"]) == {"subsidy", "grant", "commission"}
    confirmed = awards[awards["stage"] == "confirmed"].iloc[0]
    assert 0 < confirmed["confirmed_amount"] <= confirmed["decided"]
    assert [d.state for d in status.obligations].count("late") == 1
    assert set(status.calls["state"]) == {"open", "coming"}
    # a year and a half of spending, the corrections (▲) included
    assert (status.years["spent"] > 0).sum() >= 10


def test_the_demo_partner_sees_its_own_awards_and_spending(demo_db: Database) -> None:
    partner = Actor("demo-partner", Role.PARTNER, "UNI-SETOUCHI")
    status = funding_status(demo_db, DEMO_TODAY, partner)
    assert set(status.awards["project_code"]) == {"P18", "P20"}
    assert set(status.partners["organization_code"]) == {"UNI-SETOUCHI"}
    assert [f.code for f in status.flags] == ["not_allowed"]  # P20's その他 is UNI-SETOUCHI's
