"""The funding views' charts, tables and sums on the case worked by hand in tests/test_funding_status.py
(NAT-001: budget 5,000,000, eligible 4,200,000, subsidy 2,800,000, own share 1,400,000, burn 84 %
against 334/365 of FY2025, cash gap 3,200,000; PREF-001 in P03 with budgets but no spending yet).

In 千円: 消耗品費 is budgeted 500 (NAT) + 2,000 (PREF) = 2,500 and spent 750, of which 50 (S-0, before
the decision) is not eligible; その他 spent 30, all not eligible (NAT does not allow it)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from kpi.access import Actor, Role
from kpi.funding.charts import budget_spent_chart, burn_chart, programme_stage_chart, sector_chart
from kpi.funding.detail import FundingDetail, burn_points, duties_in_view, funding_detail, headline, narrow
from kpi.funding.setup import setup_funding
from kpi.funding.status import FundingStatus, funding_status
from kpi.funding.tables import awards_table, flag_explanation, flag_rows, names_of, partners_table
from kpi.storage import Database
from tests.conftest import OPERATOR
from tests.test_funding_status import AS_OF, FUNDING, NAT_SPEND, _spend

# Funding rows the demo may bring (kpi/demo/funding.py): cleared, so that only the hand-worked case counts.
FUNDING_TABLES = (
    "award_versions", "budget_versions", "expenditure_versions", "payment_versions", "obligation_submissions",
    "award_kpis", "funding_calls", "programme_categories", "programmes",
)  # fmt: skip
UNI = Actor("uni", Role.PARTNER, "UNI-HOKUTO")


def hand_worked_copy(demo_db_path: Path, path: Path) -> Path:
    """A copy of the demo database holding exactly the hand-worked funding case."""
    shutil.copyfile(demo_db_path, path)
    db = Database(path)
    with db.transaction() as cursor:
        for table in FUNDING_TABLES:
            cursor.execute(f"DELETE FROM {table}")
    result = setup_funding(db, FUNDING, actor=OPERATOR, lang="en")
    assert result.status == "loaded", [e.message for e in result.errors]
    _spend(db, "NAT-001", NAT_SPEND)
    db.close()
    return path


@pytest.fixture(scope="module")
def funded(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = Database(hand_worked_copy(demo_db_path, tmp_path_factory.mktemp("fund") / "charts.duckdb"))
    yield db
    db.close()


def _read(db: Database, actor: Actor = OPERATOR) -> tuple[FundingStatus, FundingDetail]:
    return funding_status(db, AS_OF, actor), funding_detail(db, AS_OF, actor)


def _trace(figure: go.Figure, name: str) -> go.Bar | go.Scatter:
    return next(d for d in figure.data if d.name == name)


def test_budget_against_spend_by_category(funded: Database) -> None:
    _, detail = _read(funded)
    figure = budget_spent_chart(detail.categories, "ja", "thousand")
    assert [d.name for d in figure.data] == ["予算額", "対象経費", "対象外の支出"]
    budget, eligible, not_eligible = figure.data
    assert list(budget.y) == ["人件費", "設備備品費", "消耗品費", "旅費", "その他"]
    assert list(budget.x) == [1_500, 3_000, 2_500, 1_000, None]
    assert list(eligible.x) == [1_200, 2_300, 700, None, None]
    assert (list(not_eligible.y), list(not_eligible.x), list(not_eligible.base)) == (
        ["消耗品費", "その他"],
        [50, 30],
        [700, 0],  # stacked on the eligible part of the same bar
    )
    assert figure.layout.xaxis.title.text == "2025年度（千円）"


def test_budget_chart_groups_categories_under_each_year(funded: Database) -> None:
    _, detail = _read(funded)
    later = detail.categories.assign(fiscal_year=detail.categories["fiscal_year"] + 1)
    figure = budget_spent_chart(pd.concat([detail.categories, later]), "en", "million")
    years, names = (list(level) for level in figure.data[0].y)
    assert years == ["FY2025"] * 5 + ["FY2026"] * 5 and names[:2] == ["Personnel", "Equipment"]
    assert list(figure.data[0].x)[:3] == [1.5, 3.0, 2.5]
    assert figure.layout.xaxis.title.text == "¥ million"


def test_burn_against_time_per_award(funded: Database) -> None:
    status, _ = _read(funded)
    points = burn_points(status)
    assert list(points["award_number"]) == ["NAT-001", "PREF-001"]
    nat, pref = points.to_dict("records")
    assert (nat["burn"], nat["time_elapsed"], nat["pace"]) == (
        pytest.approx(0.84),
        pytest.approx(334 / 365),
        "on_pace",
    )
    # PREF-001 runs from 1 May 2025: 304 of its 335 days in FY2025 have passed, nothing is spent yet
    assert (pref["burn"], pref["time_elapsed"], pref["pace"]) == (0, pytest.approx(304 / 335), "behind")
    figure = burn_chart(points, {"NAT-001": "NAT-001", "PREF-001": "PREF-001"}, "en")
    assert [d.name for d in figure.data] == ["Behind time", "On pace", "Year elapsed"]
    assert list(_trace(figure, "On pace").y) == ["NAT-001 (FY2025)"]
    assert list(_trace(figure, "On pace").x) == [pytest.approx(84)]
    assert list(_trace(figure, "On pace").text) == ["84%"]
    assert list(_trace(figure, "Behind time").text) == ["0%"]
    assert list(_trace(figure, "Year elapsed").x) == [
        pytest.approx(100 * 334 / 365),
        pytest.approx(100 * 304 / 335),
    ]


def test_subsidy_and_own_share_by_sector(funded: Database) -> None:
    status, _ = _read(funded)
    figure = sector_chart(status.sectors, "ja", "thousand")
    subsidy, own = figure.data
    assert (subsidy.name, own.name) == ("補助金額", "自己負担")
    assert list(subsidy.y) == ["産（企業）", "学（大学・研究機関）", "官（行政）"]
    assert list(subsidy.x) == [1_533, 1_267, None]
    assert list(own.x) == [767, 633, None]
    assert list(subsidy.text) == ["1,533", "1,267", ""]
    assert figure.layout.barmode == "stack"


def test_awards_by_programme_and_stage(funded: Database) -> None:
    status, _ = _read(funded)
    counts = programme_stage_chart(status.awards, "en", "thousand")
    assert [d.name for d in counts.data] == ["Applied", "Awarded"]
    applied, awarded = counts.data
    # long English names wrap, so the bars keep the chart's width
    assert (list(applied.y), list(applied.x)) == (["Regional innovation<br>subsidy"], [1])
    assert (list(awarded.y), list(awarded.x)) == (
        ["Regional innovation<br>subsidy", "Prefectural<br>collaboration grant"],
        [1, 1],
    )
    one_stage = programme_stage_chart(status.awards[status.awards["stage"] == "awarded"], "en", "thousand")
    assert len(one_stage.data) == 1 and one_stage.layout.showlegend  # its one stage still named
    amounts = programme_stage_chart(status.awards, "ja", "thousand", measure="decided")
    assert list(amounts.data[1].x) == [8_000, 2_000] and amounts.layout.xaxis.title.text == "千円"


def test_the_headline_and_the_awards_table(funded: Database) -> None:
    status, _ = _read(funded)
    assert headline(status) == {
        "budget": 8_000_000,
        "spent": 4_280_000,
        "eligible": 4_200_000,
        "subsidy": 2_800_000,
        "own_share": 1_400_000,
        "received": 3_000_000,
        "decided": 10_000_000,
        "cash_gap": 3_200_000,  # PREF-001's advance (▲2,000,000) does not hide NAT-001's gap
    }
    names = {"P01": "橋梁点検", "P03": "茶畑"}
    table = awards_table(status.awards, burn_points(status), names, "ja", "thousand").set_index(
        "award_number"
    )
    nat = table.loc["NAT-001"]
    assert (nat["project"], nat["stage"], nat["period"]) == (
        "P01 橋梁点検",
        "交付決定",
        "2025年4月1日～2027年3月31日",
    )
    money = ("decided", "budget", "eligible", "subsidy", "own_share", "received", "cash_gap")
    assert [nat[c] for c in money] == ["8,000", "5,000", "4,200", "2,800", "1,400", "1,000", "3,200"]
    assert nat["burn_vs_time"] == "84%（経過 92%）"
    assert table.loc["PREF-001", "cash_gap"] == "▲2,000"
    assert table.loc["NAT-002", "decided"] == "—"  # an application spends nothing: blank, not 0


def test_flags_in_words_with_their_rows(funded: Database) -> None:
    status, detail = _read(funded)
    categories = names_of(detail.category_names, "category_code", "en")
    organizations = names_of(detail.organizations, "organization_code", "en")
    over = next(f for f in status.flags if f.code == "over_budget")
    assert flag_explanation(over, categories, "en", "thousand") == (
        "Supplies: eligible spend of ¥700 thousand against a budget of ¥500 thousand, beyond the transfer"
        " limit of ¥600 thousand (budget + 20%). This needs an approved amendment."
    )
    early = next(f for f in status.flags if f.code == "pre_award")
    rows = flag_rows(early, categories, organizations, "ja", "yen")
    assert rows.to_dict("records") == [
        {"category": "Supplies", "organization": "Hokuto Institute of Technology", "paid_on": "2025年5月20日",
         "evidence": "S-0", "amount": "50,000", "description": ""},
    ]  # fmt: skip


def test_duties_late_or_due_soon_and_the_rest_counted(funded: Database) -> None:
    status, _ = _read(funded)
    soon, later = duties_in_view(status)
    assert [(d.award_number, d.kind) for d in soon] == [
        ("NAT-001", "annual_report"),
        ("PREF-001", "final_report"),
    ]
    assert later == 9  # NAT-001's final and 5 事業化状況報告, PREF-001's 3


def test_narrowed_to_a_programme(funded: Database) -> None:
    status, detail = narrow(*_read(funded), programmes=["PREF"])
    assert list(status.awards["award_number"]) == ["PREF-001"]
    assert set(detail.categories["award_number"]) == {"PREF-001"}
    assert status.flags == [] and list(status.calls["programme_code"]) == ["PREF"]
    assert headline(status)["cash_gap"] == 0


def test_a_partner_sees_its_own_lines_only(funded: Database) -> None:
    status, detail = _read(funded, UNI)
    assert set(status.awards["award_number"]) == {"NAT-001"}
    assert set(detail.categories["organization_code"]) == {"UNI-HOKUTO"}
    figure = budget_spent_chart(detail.categories, "en", "thousand")
    assert list(figure.data[0].y) == ["Personnel", "Supplies", "Other"]  # no 設備備品費: CO-HOKUSEI's
    assert list(sector_chart(status.sectors, "en", "thousand").data[0].x) == [None, 1_267, None]
    table = partners_table(
        status.partners, names_of(detail.organizations, "organization_code", "en"), "en", "thousand"
    )
    assert table.to_dict("records") == [
        {"organization": "Hokuto Institute of Technology", "sector": "Academia", "fiscal_year": "FY2025",
         "spent": "1,980", "eligible": "1,900", "subsidy": "1,267", "own_share": "633"},
    ]  # fmt: skip


def test_the_burn_chart_of_a_large_portfolio_shows_its_outliers() -> None:
    """Hundreds of awards make an unreadable chart: the 25 furthest ahead of or behind time remain."""
    import pandas as pd

    from kpi.funding.detail import BURN_CHART_AWARDS, burn_outliers

    points = pd.DataFrame(
        {"award_number": [f"A{i:03d}" for i in range(100)], "burn": [i / 100 for i in range(100)],
         "time_elapsed": [0.5] * 100}
    )  # fmt: skip
    kept = burn_outliers(points)
    assert len(kept) == BURN_CHART_AWARDS == 25
    gaps = (kept["burn"] - 0.5).abs()
    assert gaps.min() >= 0.37  # |i/100 - 0.5| of the 25 largest: 0.50 … 0.38 (ties kept in order)
    assert list(kept["award_number"]) == sorted(kept["award_number"])  # in the table's order
    assert burn_outliers(points.head(10)).equals(points.head(10))
