"""A project lead in a real browser: record a value, revise a target plan in its points table, and
see the project change."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kpi.portfolio.status import portfolio_status
from kpi.progress.forms import target_form
from kpi.storage import Database
from tests.browser_support import add_row, sign_in, type_into_cell
from tests.browser_support import settled as _settled
from tests.browser_support import shot as _shot
from tests.conftest import DEMO_LEAD, DEMO_TODAY, OPERATOR

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # over 20 s on a quiet machine


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
    grid = page.get_by_test_id("stDataFrame").first
    type_into_cell(page, grid, row=2, column=1, text="250")  # 2029-12-31 210 (long) → 250
    add_row(page, grid, row=3)
    type_into_cell(page, grid, row=3, column=0, text="令和12年度")
    type_into_cell(page, grid, row=3, column=1, text="260")
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
