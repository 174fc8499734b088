"""A project lead in a real browser: revise a target, record a value, and see the project change."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from kpi.lead_forms import target_form
from kpi.status import portfolio_status
from kpi.storage import Database
from tests.conftest import DEMO_LEAD, DEMO_TODAY, OPERATOR
from tests.test_browser import _settled, _shot, browser, page, sign_in, writable_server

__all__ = ["browser", "page", "writable_server"]  # fixtures used below


def test_lead_revises_a_target_and_records_progress(writable_server: tuple[str, Path], page: Page) -> None:
    url, db_path = writable_server
    db = Database(db_path)
    kpi = "external_funding"
    _, version_before, _ = target_form(db, "P03", kpi, actor=OPERATOR)
    value_before = portfolio_status(db, DEMO_TODAY, "P03").set_index("kpi_code").loc[kpi, "value"]

    sign_in(
        page, f"{url}/update?lang=ja&project=P03", DEMO_LEAD
    )  # P03 is led by the demo lead's organization
    expect(page.get_by_role("heading", name="進捗の更新")).to_be_visible(timeout=30_000)
    _settled(page)

    # Progress: record this period's value and save.
    # The one-value form (the grid is a canvas; its diff logic is unit-tested in test_leads.py).
    page.get_by_label("期間の値").fill("40")
    page.get_by_role("button", name="この値を保存").click()
    expect(page.get_by_text(re.compile(r"保存しました: 新規 \d+ 件、変更 \d+ 件"))).to_be_visible(
        timeout=30_000
    )
    _shot(page, "update-progress-ja")
    value_after = portfolio_status(db, DEMO_TODAY, "P03").set_index("kpi_code").loc[kpi, "value"]
    assert value_after != value_before

    # Targets: a revision without a reason is refused, with one it is saved as a new version.
    page.get_by_test_id("stButtonGroup").get_by_text("目標", exact=True).click()
    _settled(page)
    long_value = page.get_by_label("長期: 値")
    long_value.fill("250")
    page.get_by_role("button", name="目標を保存").click()
    expect(page.get_by_text("目標を見直す理由を入力してください")).to_be_visible(timeout=30_000)
    page.get_by_label("見直しの理由").fill("県の補助事業に採択されたため上方修正")
    page.get_by_role("button", name="目標を保存").click()
    expect(page.get_by_text(re.compile(r"目標を版 \d+ として保存しました"))).to_be_visible(timeout=30_000)
    target, version_after, history = target_form(db, "P03", kpi, actor=OPERATOR)
    assert version_after == version_before + 1
    assert target is not None and target["long_value"] == 250.0
    assert history["reason"].iloc[-1] == "県の補助事業に採択されたため上方修正"
    _shot(page, "update-target-ja")

    # The project page shows the changed story without an error.
    sign_in(page, f"{url}/project?lang=ja&project=P03", DEMO_LEAD)
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=30_000)
    assert not page.get_by_test_id("stException").count()
