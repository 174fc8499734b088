"""Real-browser journey over the overview and project pages: filter, drill in, charts drawn, both languages.

Uses the server/browser/page fixtures of tests/test_browser.py. Screenshots land in screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import SHOTS, TAKE_SCREENSHOTS, open_signed_in
from tests.browser_support import settled as _settled

pytestmark = pytest.mark.browser


def _tall_shot(pg: Page, name: str) -> None:
    """Streamlit scrolls inside its own container: a tall viewport shows the whole pg."""
    _settled(pg)
    if not TAKE_SCREENSHOTS:
        return
    pg.set_viewport_size({"width": 1400, "height": 3000})
    pg.wait_for_timeout(1200)  # data grids and plotly draw after the run ends
    SHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    pg.set_viewport_size({"width": 1400, "height": 1000})


def _charts_drawn(pg: Page, count: int) -> None:
    charts = pg.locator(".js-plotly-plot")
    expect(charts).to_have_count(count)
    for i in range(count):
        expect(charts.nth(i).locator("svg.main-svg").first).to_be_attached()
        assert charts.nth(i).locator("g.trace, g.shape-group path").count() > 0


def _cut_metric_labels(pg: Page) -> list[str]:
    """Headline labels whose text is wider than their box (shown with an ellipsis)."""
    return list(
        pg.evaluate(
            "() => [...document.querySelectorAll("
            "'[data-testid=stMetricLabel] [data-testid=stMarkdownContainer]')]"
            ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"
        )
    )


def _headline_on_a_phone(pg: Page) -> None:
    """At 390 px the status chips come first, in their status colours, inside the first screen."""
    pg.set_viewport_size({"width": 390, "height": 844})
    chip = pg.locator(".st-key-ov_chip_off_track [data-testid=stMetric]")
    expect(chip).to_be_visible()
    pg.wait_for_timeout(300)  # the layout follows the new width
    box = chip.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844
    background = chip.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(214, 69, 69)"  # STATUS_COLORS["off_track"], #d64545
    assert _cut_metric_labels(pg) == []
    pg.set_viewport_size({"width": 1400, "height": 1000})


def test_overview_filter_drill_into_a_project(server: str, page: Page, demo_db_path: Path) -> None:
    from kpi.portfolio.filters import Filters
    from kpi.portfolio.overview import build_overview
    from kpi.project.view import build_project_view
    from kpi.storage import Database
    from tests.conftest import DEMO_TODAY, OPERATOR

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_signed_in(page, server, "/?lang=en")
    expect(page.get_by_role("heading", name="Portfolio overview")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    _settled(page)
    _charts_drawn(page, 5)  # all projects by KPI + four breakdowns
    assert _cut_metric_labels(page) == []  # every headline label whole at 1400 px
    _tall_shot(page, "overview-full-en")
    _headline_on_a_phone(page)

    # Filter by sector in the sidebar: the numbers follow and the link carries the filter.
    page.get_by_role("combobox", name="Sector (any partner)").click()
    page.keyboard.type("Government")  # typing opens and filters the list wherever the sidebar scrolled
    expect(page.get_by_role("option", name="Government")).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    _settled(page)
    expected = build_overview(
        Database(demo_db_path), DEMO_TODAY, "en", Filters(sectors=("government",)), actor=OPERATOR
    )
    projects = page.get_by_test_id("stMetricValue").first  # "Projects" comes first
    expect(projects).to_have_text(str(expected.project_count))
    expect(page).to_have_url(re.compile(r"sector=government"))

    # One click on the first row of the matrix opens that project's page.
    first = str(expected.table["project_code"].iloc[0])
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    page.wait_for_url(f"**/project?**project={first}**")
    expect(page.get_by_role("heading", name=first)).to_be_visible()
    view = build_project_view(Database(demo_db_path), first, DEMO_TODAY, "en", actor=OPERATOR)
    assert view is not None
    _settled(page)
    _charts_drawn(page, len(view.kpis))
    page.get_by_text("How computed").first.click()
    expect(page.get_by_text("Plan progress R = (V − B) / (P − B)").first).to_be_visible()
    _tall_shot(page, "project-en")

    # Back to the overview: the filter is still there.
    page.get_by_role("link", name="Back to the overview").click()
    expect(page.get_by_role("heading", name="Portfolio overview")).to_be_visible()
    _settled(page)
    expect(projects).to_have_text(str(expected.project_count))
    assert not page.get_by_test_id("stException").count()
    assert errors == []


def test_both_pages_in_japanese(server: str, page: Page, demo_db_path: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_signed_in(page, server, "/project?project=P16&lang=ja")
    expect(page.get_by_role("heading", name="P16")).to_be_visible()
    expect(page.get_by_text("セクター別の連携機関")).to_be_visible()
    _settled(page)
    _charts_drawn(page, 3)
    page.get_by_text("計算の内訳").last.click()
    expect(page.get_by_text("計画進捗 R = (V − B) / (P − B)").last).to_be_visible()
    _tall_shot(page, "project-ja")
    page.goto(f"{server}/?lang=ja")  # still signed in: the sign-in survives a new page load
    expect(page.get_by_role("heading", name="ポートフォリオ概要")).to_be_visible()
    _settled(page)
    _charts_drawn(page, 5)
    assert _cut_metric_labels(page) == []
    _tall_shot(page, "overview-full-ja")
    _headline_on_a_phone(page)
    assert not page.get_by_test_id("stException").count()
    assert errors == []
