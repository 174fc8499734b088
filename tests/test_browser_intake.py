"""A partner in a real browser uploads files as they are kept (SPEC section 4): a CP932 wide file with
a title, a 単位 row and a 合計 row, and an .xlsx year table for one project chosen on the page; sees
what was read past, confirms, and the values land."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from playwright.sync_api import Browser, Page, expect

from kpi.storage import Database
from tests.conftest import DEMO_PARTNER
from tests.test_browser import (
    BROWSER_WAIT_MS,
    _settled,
    _shot,
    browser,
    page,
    server,
    sign_in,
    writable_server,
)
from tests.test_upload_page_kept import WIDE_KEPT

__all__ = ["browser", "page", "server", "writable_server"]  # fixtures used below


def year_table_xlsx() -> bytes:
    """P18's 効果検証 sheet as an officer keeps it: a merged title, 和暦 year headers, the officer's
    own columns, a percentage cell shown as 62%, a year not reported (－)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["遠隔服薬指導と見守りの実証 効果検証シート"])
    sheet.merge_cells("A1:H1")
    sheet.append(["指標名", "単位", "基準値", "目標値", "R6年度", "R7年度", "達成率", "備考"])
    sheet.append(["社会実装までの期間", "か月", 60, 36, 57, 47, None, "見直し中"])
    sheet.append(["利用者満足度", "%", 50, 80, "－", 0.62, None, None])
    sheet["F4"].number_format = "0%"  # Excel shows 62%: read as 62 for a % KPI
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def current(
    db_path: Path, project: str, kpis: tuple[str, ...], periods: tuple[str, ...]
) -> dict[tuple[str, str], float]:
    with Database(db_path).cursor() as cursor:
        rows = cursor.execute(
            "SELECT kpi_code, strftime(period_end, '%Y-%m-%d'), value FROM actual_current"
            " WHERE project_code = ? AND organization_code = 'UNI-SETOUCHI'"
            " AND list_contains(?, kpi_code) AND list_contains(?, strftime(period_end, '%Y-%m-%d'))",
            [project, list(kpis), list(periods)],
        ).fetchall()
    return {(kpi, period): value for kpi, period, value in rows}


def _upload(page: Page, path: Path) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    _settled(page)


def _facts(page: Page, *lines: str) -> None:
    facts = page.get_by_test_id("stAlertContainer").filter(has_text="読み取った形式")
    for line in lines:
        expect(facts.get_by_text(line, exact=True)).to_be_visible()


def test_partner_uploads_kept_files(writable_server: tuple[str, Path], page: Page, tmp_path: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    url, db_path = writable_server
    sign_in(page, f"{url}/upload", DEMO_PARTNER)
    expect(page.get_by_role("heading", name="連携機関データのアップロード")).to_be_visible()
    expect(page.get_by_role("combobox", name="報告機関")).to_have_value("瀬戸内海洋大学 (UNI-SETOUCHI)")

    # (a) A CP932 wide file with a title and a date of issue, a 単位 row and a 合計 row.
    wide = tmp_path / "令和8年度第2四半期.csv"
    wide.write_bytes(WIDE_KEPT)
    _upload(page, wide)
    expect(page.get_by_text("ファイルに問題はありません（2 行）")).to_be_visible()
    _facts(
        page,
        "読み取った形式: プロジェクト・期間ごとに 1 行（横持ち）。",
        "見出し行: 3 行目。",
        "読み飛ばした行: 1–2（見出し行より上）、4（単位の行）、7（合計の行）。",
        "取り込まない列（担当者のメモ欄）: プロジェクト名。",
        "未報告のセル（空欄または「－」）: 1 件。",
    )
    _shot(page, "upload-kept-wide-ja")
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("として取り込みました")).to_be_visible()
    kpis = ("joint_studies", "local_jobs", "external_funding")
    assert current(db_path, "P20", kpis, ("2026-09-30",)) == {
        ("joint_studies", "2026-09-30"): 1.0,
        ("external_funding", "2026-09-30"): 0.8,  # local jobs: 「－」, not reported
    }
    assert current(db_path, "P18", kpis, ("2026-09-30",)) == {
        ("joint_studies", "2026-09-30"): 2.0,
        ("local_jobs", "2026-09-30"): 1.0,
        ("external_funding", "2026-09-30"): 1.5,
    }

    # (b) An .xlsx year table that names no project: chosen on the page.
    _settled(page)
    page.get_by_role("combobox", name="対象プロジェクト").click()
    expect(page.get_by_role("option").first).to_be_visible()
    page.keyboard.type("P18")  # filter the options, as a person does
    expect(page.get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="対象プロジェクト")).to_have_value(
        "P18  遠隔服薬指導と見守りの実証"
    )
    _settled(page)
    years = tmp_path / "P18_効果検証.xlsx"
    years.write_bytes(year_table_xlsx())
    _upload(page, years)
    expect(page.get_by_text("ファイルに問題はありません（2 行）")).to_be_visible()
    _facts(
        page,
        "読み取った形式: 年度表。",
        "見出し行: 2 行目。",
        "読み飛ばした行: 1（見出し行より上）。",
        "取り込まない列（担当者のメモ欄）: 単位、基準値、目標値、達成率、備考。",
        "未報告のセル（空欄または「－」）: 1 件。",
    )
    _shot(page, "upload-kept-year-table-ja")
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("として取り込みました")).to_be_visible()
    assert current(
        db_path, "P18", ("time_to_implementation", "satisfaction_rate"), ("2025-03-31", "2026-03-31")
    ) == {
        ("time_to_implementation", "2025-03-31"): 57.0,  # R6年度 = FY2024, its last day
        ("time_to_implementation", "2026-03-31"): 47.0,
        ("satisfaction_rate", "2025-03-31"): 55.0,  # 「－」: the demo's value stays
        ("satisfaction_rate", "2026-03-31"): 62.0,  # the cell Excel shows as 62%
    }
    # The roll-back choice offers the batch just imported.
    expect(page.get_by_role("combobox", name="取り消すバッチ")).to_have_value("2")
    _shot(page, "upload-kept-imported-ja")
    assert not page.get_by_test_id("stException").count()
    assert errors == []


def test_kept_file_on_a_phone(server: str, browser: Browser, tmp_path: Path) -> None:
    """At a phone's width: the template layouts, then a rejected kept file with what was read past
    (nothing is written: the module's server will do)."""
    url = server
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    phone = context.new_page()
    phone.set_default_timeout(BROWSER_WAIT_MS)
    try:
        sign_in(phone, f"{url}/upload", DEMO_PARTNER)
        expect(phone.get_by_role("heading", name="連携機関データのアップロード")).to_be_visible()
        templates = (
            phone.get_by_test_id("stExpander")
            .filter(has_text="テンプレートをダウンロード")
            .locator("summary")
        )
        templates.click()
        phone.get_by_text("年度表（指標ごとに 1 行、年度ごとに 1 列）").click()
        expect(phone.get_by_text("プロジェクトと指標の組ごとに 1 行")).to_be_visible()
        _shot(phone, "upload-kept-templates-phone-ja")
        templates.click()

        bad = tmp_path / "bad.csv"
        bad.write_bytes(WIDE_KEPT.decode("cp932").replace("2026-09-30,2,", "2026-09-30,約2,").encode("cp932"))
        _upload(phone, bad)
        expect(phone.get_by_text("取り込みませんでした")).to_be_visible()
        _facts(
            phone,
            "見出し行: 3 行目。",
            "読み飛ばした行: 1–2（見出し行より上）、4（単位の行）、7（合計の行）。",
        )
        phone.get_by_test_id("stDataFrame").scroll_into_view_if_needed()  # the page scrolls inside
        _shot(phone, "upload-kept-rejected-phone-ja")
        assert not phone.get_by_test_id("stException").count()
    finally:
        context.close()
