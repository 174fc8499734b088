"""The demo and synthetic portfolios (kpi/demo/portfolio.py) and their bulk loader (kpi/storage/bulk.py)."""

from __future__ import annotations

import json
from datetime import date
from typing import cast

import pandas as pd
import pytest

from benchmarks.synthetic import synthetic_portfolio
from kpi.demo.portfolio import (
    ACTUAL_COLUMNS,
    KPI_COLUMNS,
    ORGANIZATION_COLUMNS,
    PARTNER_COLUMNS,
    POINT_COLUMNS,
    PROJECT_COLUMNS,
    VERSION_COLUMNS,
    Portfolio,
    demo_portfolio,
)
from kpi.fiscal import last_closed_quarter_end
from kpi.model import Phase, Sector
from kpi.portfolio.status import portfolio_status
from kpi.storage import Database
from kpi.storage.bulk import DatabaseNotEmpty, load_portfolio

TODAY = date(2026, 11, 26)
FRAMES = {
    "organizations": ORGANIZATION_COLUMNS,
    "projects": PROJECT_COLUMNS,
    "partners": PARTNER_COLUMNS,
    "kpis": KPI_COLUMNS,
    "targets": VERSION_COLUMNS,
    "actuals": ACTUAL_COLUMNS,
    "target_points": POINT_COLUMNS,
}
REAL_KPIS = {"tourist_visitors", "satisfaction_rate", "resident_population"}
ACTUAL_KEY = ["project_code", "kpi_code", "period_end", "organization_code"]


@pytest.fixture(scope="module")
def demo() -> Portfolio:
    return demo_portfolio(TODAY)


@pytest.fixture(scope="module")
def loaded(demo: Portfolio) -> Database:
    db = Database(":memory:")
    db.migrate()
    with db.transaction() as cursor:
        load_portfolio(cursor, demo, actor="test")
    return db


def _rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    with db.cursor() as cursor:
        return cursor.execute(sql).fetchall()


def test_demo_is_deterministic(demo: Portfolio) -> None:
    again = demo_portfolio(TODAY)
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(demo, name), getattr(again, name))


@pytest.mark.parametrize("name", list(FRAMES))
def test_column_contracts(demo: Portfolio, name: str) -> None:
    synthetic = synthetic_portfolio(6, 5, 4, 2, TODAY)
    assert list(getattr(demo, name).columns) == FRAMES[name]
    assert list(getattr(synthetic, name).columns) == FRAMES[name]


def test_demo_registry(demo: Portfolio) -> None:
    projects, partners, orgs = demo.projects, demo.partners, demo.organizations
    assert 20 <= len(projects) <= 30
    assert projects["project_code"].is_unique and orgs["organization_code"].is_unique
    assert set(projects["phase"]) == {p.value for p in Phase}
    assert set(orgs["sector"]) == {s.value for s in Sector}
    assert projects["field"].nunique() >= 8 and projects["prefecture"].nunique() >= 10
    assert not partners.duplicated(["project_code", "organization_code"]).any()
    assert set(partners["organization_code"]) <= set(orgs["organization_code"])
    sizes = partners.groupby("project_code").size()
    assert sizes.between(2, 4).all() and len(sizes) == len(projects)
    leads = set(zip(projects["project_code"], projects["lead_organization_code"], strict=True))
    assert leads <= set(zip(partners["project_code"], partners["organization_code"], strict=True))
    assert (partners["role"] == "代表機関").sum() == len(projects)
    assert (projects["end_date"] > projects["start_date"]).all()
    assert not demo.kpis["builtin"].any()
    assert set(demo.kpis["kpi_code"]) == {"patent_applications", "external_funding"} | REAL_KPIS
    kinds = demo.kpis.set_index("kpi_code")
    kind = kinds.loc["tourist_visitors", ["accumulation", "frequency"]]
    assert isinstance(kind, pd.Series) and kind.tolist() == ["yearly", "month"]
    assert kinds.loc["satisfaction_rate", "achievement"] == "ratio"


def test_targets_are_ordered(demo: Portfolio) -> None:
    targets, points = demo.targets, demo.target_points
    key = ["project_code", "kpi_code", "version"]
    joined = points.merge(targets[[*key, "baseline_date"]], on=key)
    assert len(joined) == len(points)  # every point belongs to a version
    after = joined["baseline_date"].isna() | (joined["day"] > joined["baseline_date"])
    assert after.all()
    assert not points.duplicated([*key, "day"]).any()
    tagged = points.dropna(subset=["horizon"])
    order = tagged.assign(rank=tagged["horizon"].map({"short": 0, "mid": 1, "long": 2}))
    for _, group in order.groupby(key):
        assert group.sort_values("day")["rank"].is_monotonic_increasing
    classic = points[~points["kpi_code"].isin(REAL_KPIS)]
    counts = classic.groupby(key)["horizon"].agg(set)
    assert counts.map(lambda tags: "short" in tags).all() and (counts.map(len) < 3).any()
    versions = targets.groupby(["project_code", "kpi_code"])["version"].max()
    revised = versions[versions > 1]
    assert 4 <= revised.index.get_level_values(0).nunique() <= 6 and (versions == 3).any()
    assert (targets.loc[targets["version"] > 1, "reason"].str.len() > 0).all()


def test_demo_has_the_real_kinds_of_plan(demo: Portfolio) -> None:
    """A plan with one target per 年度, a ratio KPI without a baseline, a managed decline."""
    points = demo.target_points.set_index(["project_code", "kpi_code"])
    visitors = points.loc[("P08", "tourist_visitors"), :]
    assert visitors["day"].dt.strftime("%m-%d").eq("03-31").all() and len(visitors) == 5
    assert visitors["horizon"].fillna("").tolist() == ["", "", "", "", "long"]
    targets = demo.targets.set_index(["project_code", "kpi_code"])
    assert pd.isna(cast("float | None", targets.loc[("P03", "satisfaction_rate"), "baseline_value"]))
    assert targets.loc[("P07", "resident_population"), "baseline_value"] == 12_400
    assert points.loc[("P07", "resident_population"), :]["value"].tolist() == [12_100, 11_800]
    monthly = demo.actuals[demo.actuals["kpi_code"] == "tourist_visitors"]
    assert len(monthly) == 42 and monthly["organization_code"].eq("GOV-OKINAWA").all()  # 2023-04 .. 2026-09


def test_demo_actuals(demo: Portfolio) -> None:
    actuals, projects = demo.actuals, demo.projects.set_index("project_code")
    assert (actuals["period_end"] <= pd.Timestamp(last_closed_quarter_end(TODAY, 4))).all()
    quarterly = actuals[actuals["kpi_code"] != "tourist_visitors"]  # reported monthly
    assert quarterly["period_end"].dt.strftime("%m-%d").isin(["03-31", "06-30", "09-30", "12-31"]).all()
    assert (actuals["recorded_at"] > actuals["period_end"]).all()
    assert (actuals["recorded_at"] < pd.Timestamp(TODAY) + pd.Timedelta(days=1)).all()
    # Reports start with the project, except the prefecture's visitor statistics (the whole 年度).
    counted = actuals[actuals["kpi_code"] != "tourist_visitors"]
    starts = projects.loc[counted["project_code"], "start_date"].to_numpy()
    assert (counted["period_end"].to_numpy() > starts).all()
    assert (actuals["value"] >= 0).all() and (actuals["note"] != "").any()
    members = set(zip(demo.partners["project_code"], demo.partners["organization_code"], strict=True))
    assert set(zip(actuals["project_code"], actuals["organization_code"], strict=True)) <= members
    # Several partners report their share of the summed KPIs.
    shared = actuals[actuals["kpi_code"] == "joint_studies"].groupby(["project_code", "period_end"])
    assert (shared["organization_code"].nunique() >= 2).all()
    # Someone owes data: a partner reported earlier quarters of a project but not the latest one.
    last = actuals["period_end"] == pd.Timestamp(last_closed_quarter_end(TODAY, 4))
    reporters = actuals.groupby("project_code")["organization_code"].agg(set)
    latest = actuals[last].groupby("project_code")["organization_code"].agg(set)
    late = [p for p in latest.index if reporters[p] - latest[p]]
    assert len(late) >= 2
    assert actuals.duplicated(ACTUAL_KEY).sum() >= 1  # corrections are second versions


def test_demo_loads(demo: Portfolio, loaded: Database) -> None:
    counts = _rows(loaded, "SELECT (SELECT count(*) FROM organizations), (SELECT count(*) FROM projects),"
                   " (SELECT count(*) FROM partners), (SELECT count(*) FROM kpi_definitions),"
                   " (SELECT count(*) FROM target_versions), (SELECT count(*) FROM actual_versions),"
                   " (SELECT count(*) FROM actual_current)")[0]  # fmt: skip
    keys = len(demo.actuals.drop_duplicates(ACTUAL_KEY))
    assert counts == (len(demo.organizations), len(demo.projects), len(demo.partners),
                      3 + len(demo.kpis), len(demo.targets), len(demo.actuals), keys)  # fmt: skip
    # The current version of a corrected key is the correction, recorded last.
    stale = _rows(loaded, "SELECT count(*) FROM actual_current c JOIN actual_versions v"
                  " USING (project_code, kpi_code, period_end, organization_code)"
                  " WHERE v.recorded_at > (SELECT recorded_at FROM actual_versions"
                  "                        WHERE id = c.version_id)")  # fmt: skip
    assert stale == [(0,)]
    audit = _rows(loaded, "SELECT entity, after FROM audit_log WHERE action = 'load_demo'")
    rows = {entity: json.loads(str(after))["rows"] for entity, after in audit}
    assert rows["projects"] == len(demo.projects)
    assert rows["actual_versions"] == len(demo.actuals)


def test_demo_status_spread(loaded: Database) -> None:
    status = portfolio_status(loaded, TODAY)
    counts = status["status"].value_counts()
    for name in ("achieved", "on_track", "at_risk", "off_track", "no_data"):
        assert counts.get(name, 0) >= 2, (name, counts.to_dict())
    lower = status[status["kpi_code"] == "time_to_implementation"]["status"]
    assert {"on_track", "off_track"} <= set(lower)


def test_load_refuses_a_filled_database(demo: Portfolio, loaded: Database) -> None:
    with pytest.raises(DatabaseNotEmpty), loaded.transaction() as cursor:
        load_portfolio(cursor, demo, actor="test")


def test_synthetic_portfolio_loads() -> None:
    portfolio = synthetic_portfolio(25, 5, 12, 3, TODAY, seed=1)
    assert len(portfolio.actuals) == 25 * 5 * 12 * 3
    assert len(portfolio.projects) == 25 and len(portfolio.partners) == 25 * 3
    assert list(portfolio.kpis["kpi_code"]) == ["kpi_001", "kpi_002"]
    assert not portfolio.actuals.duplicated(ACTUAL_KEY).any()
    again = synthetic_portfolio(25, 5, 12, 3, TODAY, seed=1)
    pd.testing.assert_frame_equal(portfolio.actuals, again.actuals)
    db = Database(":memory:")
    db.migrate()
    with db.transaction() as cursor:
        load_portfolio(cursor, portfolio, actor="bench")
    assert _rows(db, "SELECT count(*), count(DISTINCT id) FROM actual_versions") == [(4500, 4500)]
    assert _rows(db, "SELECT count(*) FROM actual_current") == [(4500,)]
    status = portfolio_status(db, TODAY)
    assert len(status) == 25 * 5 and not (status["status"] == "no_target").any()
