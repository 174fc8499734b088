"""The project page: its numbers equal `python -m kpi status --project`, and the pages through AppTest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.portfolio.overview import build_overview
from kpi.portfolio.status import portfolio_status, portfolio_years, status_records, year_records
from kpi.project.view import build_project_view, fmt
from kpi.storage import Database
from tests.conftest import DEMO_TODAY, OPERATOR, signed_in

ROOT = Path(__file__).parent.parent
PROJECTS = [f"P{n:02d}" for n in range(1, 25)]


def _app(monkeypatch: pytest.MonkeyPatch, db: Path, **query: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    for key, value in query.items():
        app.query_params[key] = value
    return app


@pytest.mark.parametrize("code", PROJECTS)
def test_every_project_view_equals_the_status_command(demo_db: Database, code: str) -> None:
    view = build_project_view(demo_db, code, DEMO_TODAY, "en", actor=OPERATOR)
    assert view is not None
    expected = status_records(portfolio_status(demo_db, DEMO_TODAY, project_code=code))
    shown = status_records(pd.DataFrame([story.status for story in view.kpis]))
    assert shown == expected
    years = portfolio_years(demo_db, DEMO_TODAY, project_code=code)
    for story in view.kpis:
        own = years[years["kpi_code"] == story.kpi_code]
        assert year_records(story.year_rows) == year_records(own.reset_index(drop=True))
        assert len(story.years) == len(own)
        value = story.status["value"]
        if story.accumulation == "yearly":
            bars = [t for t in story.figure.data if t.type == "bar"]
            assert sum(len(b.y) for b in bars) == int(own["actual"].notna().sum())
        else:
            actual = [t for t in story.figure.data if t.name == "Actual to date"]
            if value is None or pd.isna(value):
                assert not actual
            else:  # The drawn line ends on the value the status reports.
                assert actual[0].y[-1] == pytest.approx(value)
        if story.status["status"] == "no_target":
            assert story.explanation == [
                "No target is set for this KPI, so there is no plan to compare with."
            ]
            assert story.points.empty and story.years.empty
        elif value is not None and not pd.isna(value):
            assert any(fmt(value) in line for line in story.explanation)


def test_explanation_uses_the_real_numbers(demo_db: Database) -> None:
    view = build_project_view(demo_db, "P01", DEMO_TODAY, "en", actor=OPERATOR)
    assert view is not None
    story = next(s for s in view.kpis if s.kpi_code == "time_to_implementation")
    s = story.status
    text = "\n".join(story.explanation)
    assert f"Baseline B = {fmt(s['baseline'])}" in text
    assert f"P = {fmt(s['expected'])}" in text
    assert (
        f"({fmt(s['value'])} − {fmt(s['baseline'])}) / ({fmt(s['expected'])} − {fmt(s['baseline'])})" in text
    )
    assert "On track" in text or "At risk" in text or "Off track" in text or "Achieved" in text
    assert story.direction == "lower" and "lower is better" in story.figure.layout.title.text


def test_revised_target_keeps_its_original(demo_db: Database) -> None:
    view = build_project_view(demo_db, "P16", DEMO_TODAY, "ja", actor=OPERATOR)
    assert view is not None
    story = next(s for s in view.kpis if s.kpi_code == "time_to_implementation")
    assert len(story.versions) == 2
    points = story.points.set_index("tag")
    assert (points.loc["中期", "value"], points.loc["中期", "original"]) == ("36", "24")
    # The long-term point moved a year: the original shows its old date.
    assert points.loc["長期（最終）", "original"] == "0（2028年6月30日）"
    assert points.loc["短期", "original"] == ""  # unchanged by the revision
    assert any("当初目標" in str(t.name) for t in story.figure.data)
    assert list(story.revisions["version"]) == [1, 2]
    assert "36（中期）" in story.revisions["plan"].iloc[1] and "24（中期）" in story.revisions["plan"].iloc[0]
    assert set(view.partners["sector"]) <= {"産（企業）", "学（大学・研究機関）", "官（行政）"}
    assert len(view.reports) > 0 and view.reports["recorded_by"].notna().all()


def test_unknown_project_is_none(demo_db: Database) -> None:
    assert build_project_view(demo_db, "NOPE", DEMO_TODAY, "en", actor=OPERATOR) is None


@pytest.mark.parametrize("lang, back", [("ja", "概要に戻る"), ("en", "Back to the overview")])
def test_project_page_renders_from_a_link(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, lang: str, back: str
) -> None:
    app = _app(monkeypatch, demo_db_path, lang=lang, project="P16")
    app.switch_page("pages/project.py").run()
    assert not app.exception
    assert app.title[0].value.startswith("P16")
    assert app.selectbox(key="project").value == "P16"
    view = build_project_view(Database(demo_db_path), "P16", DEMO_TODAY, lang, actor=OPERATOR)
    assert view is not None
    assert len(app.get("plotly_chart")) == len(view.kpis)
    # The funding part (ui/sections/project_funding.py, tests/test_funding_pages.py) aside: its flags
    # and its tables of years, partners, duties and flagged rows.
    flags = [e for e in app.expander if e.label.startswith(":material/flag:")]
    assert len(app.expander) - len(flags) == len(view.kpis)
    funding = [d for d in app.dataframe if {"own_share", "due_on", "paid_on"} & set(d.value.columns)]
    # Per KPI: its points table and its year view; then the revisions and the latest reports.
    assert len(app.dataframe) - len(funding) == 2 * len(view.kpis) + 2
    headings = [m.value for m in app.markdown]
    years_heading = (
        "**年度ごとの実績と目標（効果検証）**"
        if lang == "ja"
        else "**Year by year: actuals against targets**"
    )
    assert headings.count(years_heading) == len(view.kpis)
    assert app.query_params["project"] in ("P16", ["P16"])


def test_project_picker_changes_the_project_and_the_link(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path
) -> None:
    app = _app(monkeypatch, demo_db_path, lang="en", project="P01")
    app.switch_page("pages/project.py").run()
    app.selectbox(key="project").select("P05").run()
    assert not app.exception
    assert app.title[0].value.startswith("P05")
    assert app.query_params["project"] in ("P05", ["P05"])


def test_overview_reads_filters_and_as_of_from_the_link(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path
) -> None:
    from kpi.portfolio.filters import Filters

    app = _app(
        monkeypatch, demo_db_path, lang="en", sector="government", phase="planning", as_of="2026-06-30"
    )
    app.run()
    assert not app.exception
    assert app.multiselect(key="f_sectors").value == ["government"]
    as_of = app.date_input(key="as_of").value
    assert isinstance(as_of, date) and as_of.isoformat() == "2026-06-30"
    expected = build_overview(
        Database(demo_db_path),
        pd.Timestamp("2026-06-30").date(),
        "en",
        Filters(sectors=("government",), phases=("planning",)),
        actor=OPERATOR,
    )
    assert {m.label: m.value for m in app.metric}["Projects"] == str(expected.project_count)
    assert len(app.dataframe[0].value) == len(expected.table)
    # Changing a filter keeps the rest and writes the view into the link.
    app.multiselect(key="f_phases").set_value([]).run()
    assert app.query_params["sector"] in ("government", ["government"]) and "phase" not in app.query_params
    assert app.query_params["as_of"] in ("2026-06-30", ["2026-06-30"])


def test_overview_sort_and_page_widgets(monkeypatch: pytest.MonkeyPatch, demo_db_path: Path) -> None:
    app = _app(monkeypatch, demo_db_path, lang="en", sort="code")
    app.run()
    assert not app.exception
    table = app.dataframe[0].value
    assert list(table["project_code"]) == sorted(table["project_code"])
    app.selectbox(key="ov_sort").select("worst").run()
    assert "sort" not in app.query_params
