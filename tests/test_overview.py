"""The overview's numbers equal `python -m kpi status`; paging, sorting, filters and breakdowns."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kpi.model import STATUS_ORDER
from kpi.portfolio.filters import Filters
from kpi.portfolio.overview import build_overview, project_choices
from kpi.portfolio.status import portfolio_status
from kpi.storage import Database
from tests.conftest import DEMO_TODAY, OPERATOR

RANK = {s.value: i for i, s in enumerate(STATUS_ORDER)}


@pytest.fixture(scope="module")
def status(demo_db_path: object) -> pd.DataFrame:
    return portfolio_status(Database(str(demo_db_path)), DEMO_TODAY)


def test_headline_numbers_equal_the_status_command(demo_db: Database, status: pd.DataFrame) -> None:
    view = build_overview(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    h = view.headline
    targeted = status[status["status"] != "no_target"]
    assert h["kpis_with_target"] == len(targeted)
    assert h["kpis_achieved"] == (status["status"] == "achieved").sum()
    achieved_projects = status[status["status"] == "achieved"]["project_code"].nunique()
    assert h["projects_with_achieved"] == achieved_projects
    for kpi in ("joint_studies", "local_jobs"):
        assert h[kpi] == pytest.approx(status[status["kpi_code"] == kpi]["value"].sum())
    tti = status[status["kpi_code"] == "time_to_implementation"]["value"].dropna()
    assert h["tti_median"] == pytest.approx(tti.median())
    # Projects by their worst KPI status.
    worst = status.groupby("project_code")["status"].agg(lambda s: min(s, key=RANK.__getitem__))
    expected = worst.value_counts().to_dict()
    assert {k: v for k, v in view.status_counts.items() if v} == expected
    assert view.project_count == 24 == sum(view.status_counts.values())


def test_matrix_cells_equal_the_status_command(demo_db: Database, status: pd.DataFrame) -> None:
    view = build_overview(demo_db, DEMO_TODAY, "en", sort="code", actor=OPERATOR)
    assert list(view.table["project_code"]) == sorted(status["project_code"].unique())
    names = {"joint_studies": "Joint studies", "local_jobs": "Local jobs created"}
    for row in status.to_dict("records"):
        if row["kpi_code"] not in names:
            continue
        cell = view.statuses.set_index("project_code").loc[row["project_code"], names[row["kpi_code"]]]
        assert cell == row["status"]
    assert view.table.loc[0, "overall"] in {"Off track", "At risk", "On track", "Achieved", "No data"}


def test_worst_first_puts_problems_on_top_and_pages_are_bounded(demo_db: Database) -> None:
    first = build_overview(demo_db, DEMO_TODAY, "ja", page_size=10, actor=OPERATOR)
    ranks = [RANK[s] for s in first.statuses["overall"]]
    assert ranks == sorted(ranks) and first.statuses["overall"].iloc[0] == "off_track"
    assert (first.page, first.pages, len(first.table)) == (1, 3, 10)
    last = build_overview(demo_db, DEMO_TODAY, "ja", page=99, page_size=10, actor=OPERATOR)
    assert (last.page, len(last.table)) == (3, 4)
    seen = set()
    for page in (1, 2, 3):
        seen |= set(
            build_overview(demo_db, DEMO_TODAY, "ja", page=page, page_size=10, actor=OPERATOR).table[
                "project_code"
            ]
        )
    assert len(seen) == 24
    with pytest.raises(ValueError):
        build_overview(demo_db, DEMO_TODAY, "ja", sort="1; DROP TABLE projects", actor=OPERATOR)


def test_breakdowns_count_every_pair(demo_db: Database, status: pd.DataFrame) -> None:
    view = build_overview(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    for dimension in ("field", "prefecture", "phase"):
        assert view.breakdowns[dimension]["n"].sum() == len(status)
    assert view.kpi_counts["n"].sum() == len(status)
    # A project counts under each sector its partners belong to, so at least once.
    assert view.breakdowns["sector"]["n"].sum() >= len(status)
    assert set(view.breakdowns["sector"]["key"]) <= {"industry", "academia", "government"}
    assert view.key_labels["government"] == "Government"


def test_filters_narrow_every_number(demo_db: Database, status: pd.DataFrame) -> None:
    everything = build_overview(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    field = str(everything.breakdowns["field"]["key"].iloc[0])
    view = build_overview(demo_db, DEMO_TODAY, "en", Filters(fields=(field,)), actor=OPERATOR)
    assert 0 < view.project_count < everything.project_count
    assert view.breakdowns["field"]["key"].unique().tolist() == [field]
    nothing = build_overview(demo_db, DEMO_TODAY, "en", Filters(fields=("no such field",)), actor=OPERATOR)
    assert nothing.project_count == 0 and nothing.table.empty and nothing.pages == 1


def test_as_of_moves_the_numbers(demo_db: Database) -> None:
    early = build_overview(demo_db, date(2024, 1, 1), "en", actor=OPERATOR)
    now = build_overview(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    assert (
        early.headline["joint_studies"] is None
        or early.headline["joint_studies"] < now.headline["joint_studies"]
    )


def test_project_choices_in_both_languages(demo_db: Database) -> None:
    ja, en = project_choices(demo_db, "ja", actor=OPERATOR), project_choices(demo_db, "en", actor=OPERATOR)
    assert list(ja) == list(en) and len(ja) == 24
    assert ja["P01"] != en["P01"]


def test_a_status_snapshot_gives_the_same_overview(demo_db: Database) -> None:
    from kpi.portfolio.filters import Filters
    from kpi.portfolio.overview import portfolio_snapshot

    snapshot = portfolio_snapshot(demo_db, DEMO_TODAY)
    for filters in (Filters(), Filters(sectors=("industry",), phases=("demonstration",))):
        direct = build_overview(demo_db, DEMO_TODAY, "ja", filters, page_size=7, page=2, actor=OPERATOR)
        reused = build_overview(
            demo_db, DEMO_TODAY, "ja", filters, page_size=7, page=2, status=snapshot, actor=OPERATOR
        )
        assert direct.headline == reused.headline and direct.status_counts == reused.status_counts
        pd.testing.assert_frame_equal(direct.table, reused.table)
        for dimension, frame in direct.breakdowns.items():
            pd.testing.assert_frame_equal(frame, reused.breakdowns[dimension])


def test_targets_without_reports_give_no_share_rather_than_a_crash(fresh_db: Database) -> None:
    """A portfolio just set up (registry and targets, no report yet): the totals are unknown (None),
    so their share of the target is None (shown as —), and the executive report still builds."""
    from pathlib import Path

    from kpi.formatting.numbers import format_percent
    from kpi.portfolio.overview import share
    from kpi.registry.setup import setup_registry
    from kpi.reports.executive import report_html

    sample = Path(__file__).parent.parent / "data" / "sample_registry"
    assert setup_registry(fresh_db, sample, actor=OPERATOR, lang="en").status == "loaded"
    h = build_overview(fresh_db, DEMO_TODAY, "en", actor=OPERATOR).headline
    assert (h["projects"], h["kpis_with_target"], h["kpis_achieved"]) == (1, 3, 0)
    assert (h["joint_studies"], h["joint_studies_target"]) == (None, 15.0)
    assert (h["local_jobs"], h["local_jobs_target"]) == (None, 20.0)
    assert share(h["joint_studies"], h["joint_studies_target"]) is None
    assert share(h["local_jobs"], h["local_jobs_target"]) is None
    assert share(h["kpis_achieved"], h["kpis_with_target"]) == 0.0  # counted: none achieved yet
    assert format_percent(share(h["joint_studies"], h["joint_studies_target"]), "en") == "—"
    assert "PJ-SNOW" in report_html(fresh_db, DEMO_TODAY, "en", actor=OPERATOR)


def test_breakdowns_read_in_lifecycle_order(demo_db: Database) -> None:
    """Phases in the order a project goes through them (SPEC section 2), sectors as 産・学・官."""
    view = build_overview(demo_db, DEMO_TODAY, "ja", actor=OPERATOR)
    phases = list(dict.fromkeys(view.breakdowns["phase"]["key"]))
    assert phases == ["agreement", "planning", "demonstration", "implementation", "closed"]
    assert [view.key_labels[p] for p in phases] == ["合意形成（MOU）", "計画", "実証", "社会実装", "終了"]
    assert list(dict.fromkeys(view.breakdowns["sector"]["key"])) == ["industry", "academia", "government"]


def test_time_to_implementation_is_compared_with_the_plan_at_the_as_of_date(demo_db: Database) -> None:
    """The demo at 2026-11-30: the median latest value is 26 months against a median plan of
    23.51 months at that date (over the 22 projects that reported it), not against the final
    targets' median of 0 months, which every plan reaches only years later."""
    as_of = date(2026, 11, 30)
    h = build_overview(demo_db, as_of, "ja", actor=OPERATOR).headline
    assert h["tti_median"] == 26.0
    assert h["tti_target_median"] == 0.0
    assert h["tti_plan_median"] == pytest.approx(23.5082, abs=1e-4)
    rows = portfolio_status(demo_db, as_of)
    tti = rows[(rows["kpi_code"] == "time_to_implementation") & rows["value"].notna()]
    assert len(tti) == 22
    assert h["tti_plan_median"] == pytest.approx(tti["expected"].median())
