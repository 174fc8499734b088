"""A lead keeps its projects' awards, amendments, budget lines, payments and reports
(kpi/funding/editing.py): checked as setup checks, refused for another organization's project, stale
saves refused, and nothing written by a refused save."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.errors import Rejected, StaleWrite
from kpi.funding.award_forms import award_detail, awards_setup, awards_table
from kpi.funding.editing import mark_submitted, record_payment, save_award, save_budget
from kpi.funding.setup import setup_funding
from kpi.storage import Database
from kpi.storage.funding import award_history, award_rows
from tests.conftest import DEMO_TODAY, OPERATOR, table_counts, without_demo_funding

FUNDING = Path(__file__).parent / "data" / "funding"
HOKUSEI = Actor("lead-hokusei", Role.LEAD, "CO-HOKUSEI")  # leads P01 and P13
SAKURAGI = Actor("lead-sakuragi", Role.LEAD, "CO-SAKURAGI")  # leads P03


@pytest.fixture
def db(demo_db_path: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "funded.duckdb"
    shutil.copyfile(demo_db_path, path)
    database = without_demo_funding(Database(path))
    assert setup_funding(database, FUNDING, actor=OPERATOR, lang="en").status == "loaded"
    yield database
    database.close()


def _award(**changes: Any) -> dict[str, Any]:
    award = {
        "award_number": "NAT-101",
        "project_code": "P01",
        "programme_code": "NAT",
        "call_fiscal_year": 2026,
        "call_round": 1,
        "decided_on": date(2026, 6, 1),
        "starts_on": date(2026, 4, 1),
        "ends_on": date(2028, 3, 31),
        "payment_mode": "settlement",
        "stage": "awarded",
        "amounts": [
            {"fiscal_year": 2026, "amount": "3,000,000"},
            {"fiscal_year": 2027, "amount": "2,500千円"},
        ],
        "confirmed_amount": None,
        "reason": "",
        "approver": "",
    }
    return award | changes


def _rejected(db: Database, call: Any) -> list[tuple[int | None, str | None, str, str]]:
    before = table_counts(db)
    with pytest.raises(Rejected) as refused:
        call()
    assert table_counts(db) == before  # a refused save writes nothing
    return [(e.row, e.column, e.code, e.message) for e in refused.value.errors]


def test_a_lead_creates_an_award_and_its_budget(db: Database) -> None:
    before = table_counts(db)
    version = save_award(db, _award(), actor=HOKUSEI, lang="en", today=DEMO_TODAY, expected_version=None)
    assert version == 1
    with db.cursor() as cursor:
        (stored,) = award_history(cursor, "NAT-101")
    assert stored["amounts"] == [
        {"fiscal_year": 2026, "amount": 3_000_000},
        {"fiscal_year": 2027, "amount": 2_500_000},
    ]
    assert (stored["stage"], stored["payment_mode"], stored["recorded_by"]) == (
        "awarded",
        "settlement",
        "lead-hokusei",
    )
    lines: list[dict[str, Any]] = [
        {
            "fiscal_year": 2026,
            "category": "設備備品費",
            "organization_code": "CO-HOKUSEI",
            "amount": "1,800,000",
        },
        {
            "fiscal_year": 2026,
            "category": "personnel",
            "organization_code": "UNI-HOKUTO",
            "amount": 1_200_000,
        },
        {"fiscal_year": 2027, "category": "旅費", "organization_code": "GOV-HOKKAIDO", "amount": "500千円"},
        {
            "fiscal_year": None,
            "category": None,
            "organization_code": None,
            "amount": None,
        },  # the grid's empty row
    ]
    result = save_budget(db, "NAT-101", lines, actor=HOKUSEI, lang="en", reason="")
    assert (result.inserted, result.updated, result.removed, result.unchanged) == (3, 0, 0, 0)
    with db.cursor() as cursor:
        budget = {
            (r["fiscal_year"], r["category_code"], r["organization_code"]): r["amount"]
            for r in award_rows(cursor, "budget_versions", "NAT-101")
        }
    assert budget == {
        (2026, "equipment", "CO-HOKUSEI"): 1_800_000,
        (2026, "personnel", "UNI-HOKUTO"): 1_200_000,
        (2027, "travel", "GOV-HOKKAIDO"): 500_000,
    }
    after = table_counts(db)
    assert after["award_versions"] - before["award_versions"] == 1
    assert after["budget_versions"] - before["budget_versions"] == 3
    assert after["audit_log"] - before["audit_log"] == 4  # one entry per version written
    # The page's table shows it with its numbers: 5,500,000 decided, 3,500,000 budgeted.
    setup = awards_setup(db, "P01", actor=HOKUSEI, lang="en")
    row = awards_table(setup).set_index("award_number").loc["NAT-101"]
    assert (row["stage"], row["decided"], row["budget"], row["version"]) == (
        "awarded",
        "¥5,500,000",
        "¥3,500,000",
        1,
    )
    assert setup.programmes["NAT"] == "Regional innovation subsidy"
    assert setup.allowed["NAT"] == ["personnel", "equipment", "supplies", "travel"]


def test_a_lead_of_another_organization_is_refused_and_nothing_changes(db: Database) -> None:
    before = table_counts(db)
    with pytest.raises(Forbidden) as refused:
        save_award(db, _award(), actor=SAKURAGI, lang="en", today=DEMO_TODAY, expected_version=None)
    assert refused.value.reason == "not_lead" and refused.value.values == {"project": "P01"}
    lines = [{"fiscal_year": 2025, "category": "人件費", "organization_code": "UNI-HOKUTO", "amount": 1}]
    with pytest.raises(Forbidden):
        save_budget(db, "NAT-001", lines, actor=SAKURAGI, lang="en", reason="x")  # P01's award
    with pytest.raises(Forbidden):
        record_payment(db, "NAT-001", date(2026, 1, 5), 100, actor=SAKURAGI, lang="en", today=DEMO_TODAY)
    with pytest.raises(Forbidden):
        awards_setup(db, "P01", actor=SAKURAGI, lang="en")
    assert table_counts(db) == before


def test_an_amendment_needs_a_reason_and_becomes_version_2(db: Database) -> None:
    # NAT-001 (P01, awarded): 4,000,000 in each of 2025 and 2026; the 2026 amount is cut.
    amended = _award(
        award_number="NAT-001",
        call_fiscal_year=2025,
        decided_on=date(2025, 6, 1),
        starts_on=date(2025, 4, 1),
        ends_on=date(2027, 3, 31),
        amounts=[{"fiscal_year": 2025, "amount": 4_000_000}, {"fiscal_year": 2026, "amount": "3,200,000"}],
    )
    found = _rejected(
        db, lambda: save_award(db, amended, actor=HOKUSEI, lang="en", today=DEMO_TODAY, expected_version=1)
    )
    assert found == [
        (
            None,
            "reason",
            "amendment_reason",
            "Award NAT-001 changes its amounts or period, an amendment of the decision:"
            " say why in “Reason for the amendment”.",
        ),
    ]
    ja = _rejected(
        db, lambda: save_award(db, amended, actor=HOKUSEI, lang="ja", today=DEMO_TODAY, expected_version=1)
    )
    assert (
        ja[0][3]
        == "交付決定 NAT-001 の金額または期間が変わります（変更承認）。「変更の理由」に理由を書いてください。"
    )
    amended |= {"reason": "2026年度の計画見直し", "approver": "経済産業省 地域技術課"}
    assert save_award(db, amended, actor=HOKUSEI, lang="en", today=DEMO_TODAY, expected_version=1) == 2
    with db.cursor() as cursor:
        first, second = award_history(cursor, "NAT-001")
    assert first["amounts"][1] == {"fiscal_year": 2026, "amount": 4_000_000}  # the original stays
    assert second["amounts"][1] == {"fiscal_year": 2026, "amount": 3_200_000}
    assert (second["reason"], second["approver"]) == ("2026年度の計画見直し", "経済産業省 地域技術課")
    # Saving the same award again writes nothing; a stage change needs no reason.
    before = table_counts(db)
    assert save_award(db, amended, actor=HOKUSEI, lang="en", today=DEMO_TODAY, expected_version=2) == 2
    assert table_counts(db) == before
    confirmed = amended | {
        "stage": "confirmed",
        "confirmed_amount": "6,900,000",
        "reason": "",
        "approver": "",
    }
    assert save_award(db, confirmed, actor=HOKUSEI, lang="en", today=DEMO_TODAY, expected_version=2) == 3
    detail = award_detail(db, "NAT-001", actor=HOKUSEI, today=DEMO_TODAY)
    assert detail is not None and detail.award["confirmed_amount"] == 6_900_000
    assert [v["version"] for v in detail.history] == [1, 2, 3]


def test_a_stale_save_is_refused(db: Database) -> None:
    # Two leads opened NAT-001 at version 1; the first saves a stage change, the second is refused.
    award = _award(
        award_number="NAT-001",
        call_fiscal_year=2025,
        decided_on=date(2025, 6, 1),
        starts_on=date(2025, 4, 1),
        ends_on=date(2027, 3, 31),
        amounts=[{"fiscal_year": 2025, "amount": 4_000_000}, {"fiscal_year": 2026, "amount": 4_000_000}],
    )
    assert (
        save_award(
            db,
            award | {"payment_mode": "advance"},
            actor=HOKUSEI,
            lang="en",
            today=DEMO_TODAY,
            expected_version=1,
        )
        == 2
    )
    before = table_counts(db)
    with pytest.raises(StaleWrite) as stale:
        save_award(
            db,
            award | {"stage": "withdrawn"},
            actor=OPERATOR,
            lang="en",
            today=DEMO_TODAY,
            expected_version=1,
        )
    assert stale.value.current == 2 and table_counts(db) == before
    # A new award under a number already taken is refused, and says where the number is.
    found = _rejected(
        db, lambda: save_award(db, award, actor=HOKUSEI, lang="en", today=DEMO_TODAY, expected_version=None)
    )
    assert found == [
        (
            None,
            "award_number",
            "award_exists",
            "An award numbered NAT-001 already exists (project P01)."
            " Choose it in the list to change it, or check the number.",
        )
    ]
    # The budget grid opened before someone else's save is refused too.
    shown = [
        {
            "fiscal_year": 2025,
            "category_code": "equipment",
            "organization_code": "CO-HOKUSEI",
            "amount": 3_000_000,
        }
    ]
    mine = [
        {"fiscal_year": 2025, "category": "equipment", "organization_code": "CO-HOKUSEI", "amount": 2_000_000}
    ]
    save_budget(db, "NAT-001", mine, actor=HOKUSEI, lang="en", reason="移し替え", years=[2025])
    with pytest.raises(StaleWrite):
        save_budget(
            db, "NAT-001", mine, actor=HOKUSEI, lang="en", reason="移し替え", years=[2025], expected=shown
        )


def test_the_award_forms_rules(db: Database) -> None:
    bad = _award(
        award_number="NAT-102",
        stage="awarded",
        decided_on=None,
        ends_on=date(2026, 3, 1),
        amounts=[
            {"fiscal_year": 2029, "amount": "12.5"},
            {"fiscal_year": 2026, "amount": "¥100"},
            {"fiscal_year": 2026, "amount": 5},
        ],
    )
    found = _rejected(
        db, lambda: save_award(db, bad, actor=HOKUSEI, lang="en", today=DEMO_TODAY, expected_version=None)
    )
    assert [(row, column, code) for row, column, code, _ in found] == [
        (1, "amount", "invalid_yen"),
        (3, "fiscal_year", "duplicate_row"),
        (None, "ends_on", "end_before_start"),
        (None, "decided_on", "missing_value"),
        (2, "fiscal_year", "year_outside_award"),
    ]
    messages = [m for *_, m in found]
    assert (
        messages[2] == "The period ends on 1 Mar 2026, before it starts on 1 Apr 2026. Correct “Period to”."
    )
    assert messages[4] == (
        "Row 2 of the decided amounts: fiscal year 2026 is outside the award period"
        " (2026-04-01 to 2026-03-01). Change the year, or the period above."
    )
    confirmed = _award(award_number="NAT-103", stage="confirmed", decided_on=date(2027, 1, 5))
    found = _rejected(
        db,
        lambda: save_award(db, confirmed, actor=HOKUSEI, lang="ja", today=DEMO_TODAY, expected_version=None),
    )
    assert [code for _, _, code, _ in found] == ["decided_in_future", "missing_value", "new_award_stage"]
    assert found[1][3] == "「確定額（円）」が空欄です（必須）。"


def test_budget_lines_are_checked_with_their_codes(db: Database) -> None:
    # NAT-001: P01 (CO-HOKUSEI, UNI-HOKUTO, GOV-HOKKAIDO), FY2025–FY2026;
    # NAT allows 人件費・設備備品費・消耗品費・旅費.
    lines: list[dict[str, Any]] = [
        {"fiscal_year": 2025, "category": "設備費用", "organization_code": "CO-HOKUSEI", "amount": 100},
        {"fiscal_year": 2025, "category": "人件費", "organization_code": "RI-SANGI", "amount": 100},
        {"fiscal_year": 2027, "category": "消耗品費", "organization_code": "UNI-HOKUTO", "amount": 100},
        {"fiscal_year": 2026, "category": "その他", "organization_code": "UNI-HOKUTO", "amount": 100},
        {"fiscal_year": 2026, "category": "旅費", "organization_code": "UNI-HOKUTO", "amount": "12.5"},
    ]
    found = _rejected(
        db, lambda: save_budget(db, "NAT-001", lines, actor=HOKUSEI, lang="en", reason="見直し")
    )
    assert [(row, code) for row, _, code, _ in found] == [
        (1, "unknown_category"),
        (2, "not_a_partner"),
        (3, "year_outside_award"),
        (4, "category_not_allowed"),
        (5, "invalid_yen"),
    ]
    messages = [m for *_, m in found]
    assert "設備費用" in messages[0] and "Equipment (equipment)" in messages[0]
    assert messages[1].startswith("Row 2: organization “RI-SANGI” is not a partner of project “P01”.")
    assert messages[2] == (
        "Row 3: fiscal year 2027 is outside the period of award NAT-001 (2025-04-01 to 2027-03-31)."
        " Choose a fiscal year of the period, or amend the award's period first."
    )
    assert messages[3] == (
        "Row 4: programme NAT does not allow the category “Other”."
        " Choose one of: Personnel, Equipment, Supplies, Travel."
    )


def test_a_budget_revision_needs_a_reason_and_a_removed_line_becomes_zero(db: Database) -> None:
    # NAT-001's FY2025 budget: 3,000,000 equipment (CO-HOKUSEI), 1,500,000 personnel and 500,000
    # supplies (UNI-HOKUTO). The lead moves 500,000 to personnel and drops supplies.
    lines: list[dict[str, Any]] = [
        {
            "fiscal_year": 2025,
            "category": "equipment",
            "organization_code": "CO-HOKUSEI",
            "amount": 2_500_000,
        },
        {
            "fiscal_year": 2025,
            "category": "personnel",
            "organization_code": "UNI-HOKUTO",
            "amount": 2_000_000,
        },
    ]
    found = _rejected(db, lambda: save_budget(db, "NAT-001", lines, actor=HOKUSEI, lang="en", reason=" "))
    assert [(c, code) for _, c, code, _ in found] == [("reason", "budget_reason")]
    assert found[0][3].endswith("say why in “Reason for the budget change”.")
    result = save_budget(
        db, "NAT-001", lines, actor=HOKUSEI, lang="en", reason="設備の一部を人件費へ", years=[2025]
    )
    assert (result.inserted, result.updated, result.removed, result.unchanged) == (0, 2, 1, 0)
    with db.cursor() as cursor:
        stored = {
            (r["category_code"], r["organization_code"]): (r["amount"], r["reason"])
            for r in award_rows(cursor, "budget_versions", "NAT-001")
            if r["fiscal_year"] == 2025
        }
    assert stored == {
        ("equipment", "CO-HOKUSEI"): (2_500_000, "設備の一部を人件費へ"),
        ("personnel", "UNI-HOKUTO"): (2_000_000, "設備の一部を人件費へ"),
        ("supplies", "UNI-HOKUTO"): (0, "設備の一部を人件費へ"),
    }


def test_payments_and_submitted_reports(db: Database) -> None:
    received = record_payment(
        db, "NAT-001", date(2026, 6, 30), "150万円", actor=HOKUSEI, lang="en", today=DEMO_TODAY
    )
    assert received == 1_500_000
    assert None is record_payment(
        db, "NAT-001", date(2026, 6, 30), 1_500_000, actor=HOKUSEI, lang="en", today=DEMO_TODAY
    )
    found = _rejected(
        db,
        lambda: record_payment(
            db, "NAT-001", date(2026, 12, 1), "abc", actor=HOKUSEI, lang="en", today=DEMO_TODAY
        ),
    )
    assert [code for _, _, code, _ in found] == ["invalid_yen", "received_in_future"]
    detail = award_detail(db, "NAT-001", actor=HOKUSEI, today=DEMO_TODAY)
    assert detail is not None
    assert [(p["received_on"], p["amount"]) for p in detail.payments] == [
        (date(2025, 12, 20), 1_000_000),
        (date(2026, 6, 30), 1_500_000),
    ]
    # NAT-001 (FY2025–FY2026, 30 days): the FY2025 annual report was due 2026-04-30 and is late.
    annual = next(d for d in detail.duties if d.kind == "annual_report")
    assert (annual.due_on, annual.state) == (date(2026, 4, 30), "late")
    assert mark_submitted(
        db,
        "NAT-001",
        "annual_report",
        date(2026, 4, 30),
        date(2026, 5, 8),
        actor=HOKUSEI,
        lang="en",
        today=DEMO_TODAY,
    )
    assert not mark_submitted(
        db,
        "NAT-001",
        "annual_report",
        date(2026, 4, 30),
        date(2026, 5, 9),
        actor=HOKUSEI,
        lang="en",
        today=DEMO_TODAY,
    )
    found = _rejected(
        db,
        lambda: mark_submitted(
            db,
            "NAT-001",
            "annual_report",
            date(2026, 5, 1),
            date(2026, 5, 8),
            actor=HOKUSEI,
            lang="en",
            today=DEMO_TODAY,
        ),
    )
    assert [code for _, _, code, _ in found] == ["unknown_duty"]
    detail = award_detail(db, "NAT-001", actor=HOKUSEI, today=DEMO_TODAY)
    assert detail is not None
    annual = next(d for d in detail.duties if d.kind == "annual_report")
    assert (annual.state, annual.submitted_on) == ("submitted", date(2026, 5, 8))
