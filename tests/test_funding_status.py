"""The funding arithmetic of SPEC section 7 against a case worked by hand.

tests/data/funding holds two programmes and three awards on the demo registry. NAT-001 (P01) is a
national subsidy at 2/3, capped at 5,000千円 per award, decided on 2025-06-01 for 2025-04-01 to
2027-03-31, with 4,000,000 yen decided per 年度 and a FY2025 budget of 5,000,000. Its FY2025 spending:

    CO-HOKUSEI  設備備品費  2025-07-10   2,400,000
    CO-HOKUSEI  設備備品費  2025-09-01    ▲100,000   (a correction)
    UNI-HOKUTO  人件費      2025-08-31   1,200,000
    UNI-HOKUTO  消耗品費    2025-05-20      50,000   before the decision: not eligible, flagged
    UNI-HOKUTO  消耗品費    2025-10-15     700,000   budget 500,000 (+20 % = 600,000): over, flagged
    UNI-HOKUTO  その他      2025-11-01      30,000   a category NAT does not allow: flagged

Eligible E = 2,300,000 + 1,200,000 + 700,000 = 4,200,000; spent 4,280,000. Subsidy S = 4,200,000 × 2/3
= 2,800,000 (under the 4,000,000 decided and the 5,000,000 cap); own share 1,400,000. Split by E:
CO-HOKUSEI 2,800,000 × 23/42 = 1,533,333.3 → 1,533,333, UNI-HOKUTO 1,266,666.7 → 1,266,667 (the
remaining yen goes to the larger remainder), so the partners' yen add up to S. Burn 4,200,000 /
5,000,000 = 84 % against 334 of 365 days elapsed on 2026-02-28. Received 1,000,000: cash gap 3,200,000.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from kpi.access import Actor, Role
from kpi.funding.setup import setup_funding
from kpi.funding.status import funding_status
from kpi.storage import Database
from tests.conftest import OPERATOR, table_counts, without_demo_funding

FUNDING = Path(__file__).parent / "data" / "funding"
AS_OF = date(2026, 2, 28)
NAT_SPEND = [
    ("CO-HOKUSEI", "equipment", date(2025, 7, 10), "E-1", 2_400_000),
    ("CO-HOKUSEI", "equipment", date(2025, 9, 1), "E-1R", -100_000),
    ("UNI-HOKUTO", "personnel", date(2025, 8, 31), "P-1", 1_200_000),
    ("UNI-HOKUTO", "supplies", date(2025, 5, 20), "S-0", 50_000),
    ("UNI-HOKUTO", "supplies", date(2025, 10, 15), "S-1", 700_000),
    ("UNI-HOKUTO", "other", date(2025, 11, 1), "O-1", 30_000),
]


def _spend(db: Database, award: str, rows: list[tuple[str, str, date, str, int]]) -> None:
    """Expenditures as an import would store them (the import itself: tests/test_funding_expenditures.py)."""
    with db.transaction() as cursor:
        for organization, category, paid_on, evidence, amount in rows:
            cursor.execute(
                "INSERT INTO expenditure_versions (award_number, category_code, organization_code, paid_on,"
                " evidence, amount, recorded_by, recorded_at, source)"
                " VALUES (?, ?, ?, ?, ?, ?, 't', ?, 'test')",
                [award, category, organization, paid_on, evidence, amount, datetime(2026, 1, 1)],
            )


@pytest.fixture
def funded(demo_db_path: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "funded.duckdb"
    shutil.copyfile(demo_db_path, path)
    db = without_demo_funding(Database(path))
    result = setup_funding(db, FUNDING, actor=OPERATOR, lang="en")
    assert result.status == "loaded", [e.message for e in result.errors]
    _spend(db, "NAT-001", NAT_SPEND)
    yield db
    db.close()


def _award(status_dict: dict, number: str) -> dict:
    return next(a for a in status_dict["awards"] if a["award_number"] == number)


def test_the_hand_worked_award(funded: Database) -> None:
    status = funding_status(funded, AS_OF, OPERATOR).as_dict()
    nat = _award(status, "NAT-001")
    year = nat["years"][0]
    assert (year["fiscal_year"], year["budget"], year["decided"]) == (2025, 5_000_000, 4_000_000)
    assert (year["spent"], year["eligible"], year["subsidy"], year["own_share"]) == (
        4_280_000,
        4_200_000,
        2_800_000,
        1_400_000,
    )
    assert year["burn"] == pytest.approx(0.84)
    assert year["time_elapsed"] == pytest.approx(334 / 365)
    assert (nat["received"], nat["cash_gap"]) == (1_000_000, 3_200_000)
    partners = {p["organization_code"]: p for p in nat["partners"]}
    assert (partners["CO-HOKUSEI"]["subsidy"], partners["CO-HOKUSEI"]["own_share"]) == (1_533_333, 766_667)
    assert (partners["UNI-HOKUTO"]["subsidy"], partners["UNI-HOKUTO"]["own_share"]) == (1_266_667, 633_333)
    assert partners["UNI-HOKUTO"]["spent"] == 1_980_000
    sectors = {s["sector"]: s for s in status["sectors"]}
    assert (
        sectors["industry"]["subsidy"],
        sectors["academia"]["subsidy"],
        sectors["government"]["subsidy"],
    ) == (
        1_533_333,
        1_266_667,
        0,
    )
    assert nat["kpis"] == ["joint_studies"]


def test_the_flags_name_the_rows_behind_them(funded: Database) -> None:
    flags = [f.as_dict() for f in funding_status(funded, AS_OF, OPERATOR).flags]
    assert [(f["code"], f["award_number"], f["fiscal_year"], f["amount"]) for f in flags] == [
        ("pre_award", "NAT-001", 2025, 50_000),
        ("not_allowed", "NAT-001", 2025, 30_000),
        ("over_budget", "NAT-001", 2025, 200_000),
    ]
    assert [r["evidence"] for r in flags[0]["rows"]] == ["S-0"]
    assert (flags[2]["category_code"], flags[2]["spent"], flags[2]["budget"], flags[2]["limit"]) == (
        "supplies",
        700_000,
        500_000,
        600_000,
    )


def test_spending_at_the_transfer_limit_is_not_flagged(funded: Database) -> None:
    """S-1 revised to 600,000 = 500,000 × (1 + 20 %): at the limit, not over it; one yen more is."""
    _spend(funded, "NAT-001", [("UNI-HOKUTO", "supplies", date(2025, 10, 15), "S-1", 600_000)])
    assert "over_budget" not in [f.code for f in funding_status(funded, AS_OF, OPERATOR).flags]
    _spend(funded, "NAT-001", [("UNI-HOKUTO", "supplies", date(2025, 10, 15), "S-1", 600_001)])
    over = [f for f in funding_status(funded, AS_OF, OPERATOR).flags if f.code == "over_budget"]
    assert [(f.amount, f.details["limit"]) for f in over] == [(100_001, 600_000)]


def test_the_decided_amount_bounds_the_subsidy(funded: Database) -> None:
    """PREF-001 pays 1/2, capped at 3,000,000 a 年度, and decided 2,000,000 for FY2025."""
    _spend(
        funded,
        "PREF-001",
        [
            ("CO-SAKURAGI", "supplies", date(2025, 6, 1), "A", 2_000_000),
            ("RI-SANGI", "travel", date(2025, 7, 1), "B", 3_000_000),
        ],
    )
    pref = _award(funding_status(funded, AS_OF, OPERATOR).as_dict(), "PREF-001")
    assert (pref["eligible"], pref["subsidy"], pref["own_share"]) == (5_000_000, 2_000_000, 3_000_000)
    assert (pref["received"], pref["cash_gap"]) == (2_000_000, 3_000_000)


def test_the_cap_per_award_spans_the_years(funded: Database) -> None:
    """NAT-001's FY2026: 4,000,000 × 2/3 = 2,666,666, but only 5,000,000 − 2,800,000 of the cap is left."""
    _spend(funded, "NAT-001", [("CO-HOKUSEI", "equipment", date(2026, 5, 1), "E-2", 4_000_000)])
    nat = _award(funding_status(funded, date(2026, 12, 1), OPERATOR).as_dict(), "NAT-001")
    assert [(y["fiscal_year"], y["subsidy"]) for y in nat["years"]] == [(2025, 2_800_000), (2026, 2_200_000)]
    assert nat["subsidy"] == 5_000_000


def test_spending_after_the_as_of_date_does_not_count(funded: Database) -> None:
    before = _award(funding_status(funded, date(2025, 8, 1), OPERATOR).as_dict(), "NAT-001")
    assert (before["spent"], before["eligible"], before["subsidy"]) == (2_450_000, 2_400_000, 1_600_000)
    assert before["received"] == 0


def test_obligations_follow_the_award_dates(funded: Database) -> None:
    duties = [
        d
        for d in funding_status(funded, date(2026, 5, 1), OPERATOR).obligations
        if d.award_number == "NAT-001"
    ]
    assert [(d.kind, d.fiscal_year, d.due_on, d.state) for d in duties[:3]] == [
        ("annual_report", 2025, date(2026, 4, 30), "late"),
        ("final_report", 2026, date(2027, 4, 30), "due"),
        ("commercialization_report", 2027, date(2028, 4, 30), "due"),
    ]
    assert len(duties) == 7 and all(d.owner == "CO-HOKUSEI" for d in duties)
    # The applied award owes nothing yet.
    assert not [d for d in funding_status(funded, AS_OF, OPERATOR).obligations if d.award_number == "NAT-002"]


def test_a_partner_reads_its_own_spending_only(funded: Database) -> None:
    partner = Actor("uni", Role.PARTNER, "UNI-HOKUTO")
    status = funding_status(funded, AS_OF, partner)
    assert set(status.awards["award_number"]) == {"NAT-001"}  # P03's awards are not its projects
    assert set(status.partners["organization_code"]) == {"UNI-HOKUTO"}
    assert [f.code for f in status.flags] == ["pre_award", "not_allowed", "over_budget"]
    other = funding_status(funded, AS_OF, Actor("co", Role.PARTNER, "CO-HOKUSEI"))
    assert [f.code for f in other.flags] == ["over_budget"]  # the award-wide flag; not UNI-HOKUTO's rows


def test_loading_the_same_files_again_changes_nothing(funded: Database) -> None:
    before = table_counts(funded)
    result = setup_funding(funded, FUNDING, actor=OPERATOR, lang="en")
    assert result.status == "loaded"
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in result.counts.values())
    assert table_counts(funded) == before
