"""A project lead in a real browser: record a value, revise a target plan in its points table, and
see the project change."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from kpi.portfolio.status import portfolio_status
from kpi.progress.forms import target_form
from kpi.storage import Database
from tests.browser_support import BROWSER_WAIT_MS, sign_in
from tests.browser_support import settled as _settled
from tests.browser_support import shot as _shot
from tests.conftest import DEMO_LEAD, DEMO_TODAY, OPERATOR

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # over 20 s on a quiet machine


def _type_into_cell(page: Page, *, row: int, column: int, text: str) -> None:
    """Select a cell of the target points grid (row 0 = the first point) and type into it. The grid
    draws on a canvas, so the first column is clicked at its row's height and the arrow keys move
    to the column."""
    cell = f"glide-cell-1-{row}"
    attempts = 6
    # After a rerun the first click may only give the canvas the focus, and on a busy machine the
    # grid may still be redrawing: click, each try a share of the usual wait, until the grid's own
    # accessible cell (glide-cell-<column>-<row>, column 1 = the first after the row marker) has it.
    for attempt in range(attempts):
        _settled(page)
        box = page.get_by_test_id("stDataFrame").first.bounding_box()
        assert box is not None
        header = row_height = 35  # Streamlit's default row height
        page.mouse.click(box["x"] + 90, box["y"] + header + row_height * row + row_height / 2)
        try:
            page.wait_for_function(
                "cell => document.activeElement?.dataset?.testid === cell",
                arg=cell,
                timeout=BROWSER_WAIT_MS // attempts,
            )
            break
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise AssertionError(f"the grid did not select row {row}") from None
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # opens the cell's editor, which takes the focus
    page.wait_for_function("['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName)")
    page.keyboard.press("Control+A")  # replace what the cell holds
    page.keyboard.type(text, delay=30)
    page.keyboard.press("Enter")
    _settled(page)


def _add_row(page: Page, *, row: int) -> None:
    """Add an empty row with the grid's toolbar button (shown while the grid is hovered), until the
    grid's accessible table has a cell in that row: a click during a redraw can miss the toolbar."""
    attempts = 5
    for attempt in range(attempts):
        page.get_by_test_id("stDataFrame").first.hover()
        page.get_by_role("button", name="Add row").click()
        _settled(page)
        try:
            expect(page.get_by_test_id(f"glide-cell-1-{row}")).to_have_count(
                1, timeout=BROWSER_WAIT_MS // attempts
            )
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise


def _value(db: Database, kpi: str) -> float:
    """P03's current value of a KPI, as the status computes it."""
    return float(portfolio_status(db, DEMO_TODAY, "P03").set_index("kpi_code")["value"].astype(float)[kpi])


def test_lead_revises_a_target_and_records_progress(writable_server: tuple[str, Path], page: Page) -> None:
    url, db_path = writable_server
    db = Database(db_path)
    kpi = "external_funding"
    _, version_before, _ = target_form(db, "P03", kpi, actor=OPERATOR)
    value_before = _value(db, kpi)

    sign_in(
        page, f"{url}/update?lang=ja&project=P03", DEMO_LEAD
    )  # P03 is led by the demo lead's organization
    expect(page.get_by_role("heading", name="進捗の更新")).to_be_visible()
    _settled(page)

    # Progress: record this period's value and save.
    # The one-value form (the grid is a canvas; its diff logic is unit-tested in test_leads.py).
    page.get_by_label("期間の値").fill("6")  # near the history (4): no soft check (40 would ask first)
    page.get_by_role("button", name="この値を保存").click()
    expect(page.get_by_text(re.compile(r"保存しました: 新規 \d+ 件、変更 \d+ 件"))).to_be_visible()
    _shot(page, "update-progress-ja")
    assert _value(db, kpi) != value_before

    # Targets: the points table (a canvas grid, typed into with the keyboard). The last point's
    # value becomes 250 and a new point is typed as a 年度 label; without a reason the revision is
    # refused, with one it is saved as a new version.
    page.get_by_test_id("stButtonGroup").get_by_text("目標", exact=True).click()
    _settled(page)
    expect(page.get_by_text("目標（1 行に 1 つ）")).to_be_visible()
    _type_into_cell(page, row=2, column=1, text="250")  # 2029-12-31 210 (long) → 250
    _add_row(page, row=3)
    _type_into_cell(page, row=3, column=0, text="令和12年度")
    _type_into_cell(page, row=3, column=1, text="260")
    page.get_by_role("button", name="目標を保存").click()
    expect(page.get_by_text("目標を見直す理由を入力してください")).to_be_visible()
    page.get_by_label("見直しの理由").fill("県の補助事業に採択されたため上方修正")
    page.get_by_role("button", name="目標を保存").click()
    expect(page.get_by_text(re.compile(r"目標を版 \d+ として保存しました"))).to_be_visible()
    target, version_after, history = target_form(db, "P03", kpi, actor=OPERATOR)
    assert version_after == version_before + 1
    assert target is not None
    assert target["points"][-2:] == [
        {"day": date(2029, 12, 31), "value": 250.0, "horizon": "long"},
        {"day": date(2031, 3, 31), "value": 260.0, "horizon": None},  # 令和12年度 = FY2030: its last day
    ]
    assert history["reason"].iloc[-1] == "県の補助事業に採択されたため上方修正"
    expect(
        page.get_by_text(re.compile(r"2029-12-31: 210（長期） → 250（長期）; 2030年度: 260 を追加"))
    ).to_be_visible()
    _shot(page, "update-target-ja")

    # The project page shows the changed story without an error.
    sign_in(page, f"{url}/project?lang=ja&project=P03", DEMO_LEAD)
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    assert not page.get_by_test_id("stException").count()
