"""Soft checks in a real browser (issue 16): a lead types 20 instead of 210 as the long-term target
and is warned with the status change before saving; a reload keeps the unsaved draft; a partner's
20× outlier waits for a tick."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kpi.progress.forms import target_form
from kpi.storage import Database
from tests.browser_support import settled, shot, sign_in, type_into_cell
from tests.conftest import DEMO_LEAD, DEMO_PARTNER, OPERATOR

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # over 20 s on a quiet machine


def _outlier_file(db: Database, folder: Path) -> tuple[Path, str]:
    """A CSV replacing the demo partner's latest report of one project x KPI with 20 times the median
    of its earlier reports (so ≥ 10× the history: far_from_history)."""
    with db.cursor() as cursor:
        found = cursor.execute("SELECT organization_code FROM accounts WHERE username = ?", [DEMO_PARTNER])
        row = found.fetchone()
        assert row is not None
        organization = str(row[0])
        reports = cursor.execute(
            "SELECT project_code, kpi_code, period_end, value FROM actual_current WHERE organization_code = ?"
            " AND value > 0 ORDER BY project_code, kpi_code, period_end DESC",
            [organization],
        ).fetchall()
    by_pair: dict[tuple[str, str], list[tuple[object, float]]] = {}
    for project, kpi, day, value in reports:
        by_pair.setdefault((project, kpi), []).append((day, float(value)))
    (project, kpi), series = next((pair, s) for pair, s in by_pair.items() if len(s) >= 3)
    median = statistics.median(v for _, v in series[1:9])
    path = folder / "outlier.csv"
    path.write_text(
        f"project_code,kpi_code,period_end,value\n{project},{kpi},{series[0][0]},{median * 20:g}\n",
        encoding="utf-8",
    )
    return path, kpi


def test_soft_checks_warn_the_lead_and_the_partner(
    writable_server: tuple[str, Path], page: Page, tmp_path: Path
) -> None:
    url, db_path = writable_server
    db = Database(db_path)
    kpi = "external_funding"
    _, version_before, _ = target_form(db, "P03", kpi, actor=OPERATOR)

    sign_in(page, f"{url}/update?lang=ja&project=P03", DEMO_LEAD)
    page.get_by_test_id("stButtonGroup").get_by_text("目標", exact=True).click()
    settled(page)
    expect(page.get_by_text("目標（1 行に 1 つ）")).to_be_visible()
    points = page.get_by_test_id("stDataFrame").first
    type_into_cell(page, points, row=2, column=1, text="20")  # 2029-12-31 210 (long), typed as 20
    page.get_by_label("見直しの理由").fill("年度末の見直し")
    page.get_by_role("button", name="目標を保存").click()
    expect(page.get_by_text("保存の前に確かめてください")).to_be_visible()
    expect(page.get_by_text(re.compile(r"2029-12-31 の目標 20.*逆向き"))).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"保存すると: 状況 \S+ → 達成、最終目標の達成率 \d+% → [\d,]+%")).first
    ).to_be_visible()
    shot(page, "softcheck-target-ja")
    assert target_form(db, "P03", kpi, actor=OPERATOR)[1] == version_before  # nothing saved yet

    # A reload (the sign-in survives it) brings back what was typed and not saved: a draft.
    page.reload()
    settled(page)
    page.get_by_test_id("stButtonGroup").get_by_text("目標", exact=True).click()
    settled(page)
    expect(
        page.get_by_text(re.compile(r"保存していない下書き（\d\d:\d\d 時点）を復元しました"))
    ).to_be_visible()
    expect(page.get_by_label("見直しの理由")).to_have_value("年度末の見直し")
    expect(page.get_by_test_id("glide-cell-2-2")).to_have_text("20")  # the grid's accessible cells
    type_into_cell(page, points, row=2, column=1, text="210")  # corrected: no warning, saved
    page.get_by_role("button", name="目標を保存").click()
    saved = page.get_by_text(re.compile(r"目標を版 \d+ として保存しました"))
    expect(saved).to_be_visible()
    expect(page.get_by_text("保存していない下書き", exact=False)).to_have_count(0)  # saved: no draft
    target, version_after, _ = target_form(db, "P03", kpi, actor=OPERATOR)
    assert version_after == version_before + 1
    assert target is not None and max(p["value"] for p in target["points"]) == 210.0
    # The message stays while the lead reads the page (a rerun from the history's widgets).
    settled(page)
    page.get_by_label("見直しの理由").fill("")
    settled(page)
    expect(saved).to_be_visible()

    # A partner's file with a value 20 times their history: the import waits for the tick.
    path, _ = _outlier_file(db, tmp_path)
    sign_in(page, f"{url}/upload?lang=ja", DEMO_PARTNER)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    settled(page)
    expect(page.get_by_text(re.compile(r"取り込む前に確かめてください（1 件）"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"中央値 .* と 20 倍離れています"))).to_be_visible()
    confirm = page.get_by_role("button", name="取り込む", exact=True)
    expect(confirm).to_be_disabled()
    shot(page, "softcheck-upload-ja")
    page.get_by_text("これらの値を確かめました").click()
    settled(page)
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(page.get_by_text(re.compile(r"バッチ \d+ として取り込みました"))).to_be_visible()
    settled(page)
    expect(page.get_by_text("同じファイルはすでに取り込み済みです", exact=False)).to_have_count(0)
