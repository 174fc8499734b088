"""A city officer in a real browser uploads the files the office keeps (issue: partner files as
kept): the real wide table with a title, a 単位 and a 合計 row; a long file with 年度 and month
labels, ▲ negatives, 千円 amounts, 「－」 cells, a 合計 row and full-width codes; an .xlsx with a
merged title and percent cells; and the real 効果検証 year table for the project chosen on the
page. Each time the page says how it read the file, and the database holds what a person reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kpi.access import Actor
from kpi.accounts.manage import create_account
from kpi.storage import Database
from tests.browser_support import choose, serve
from tests.browser_support import settled as _settled
from tests.browser_support import shot as _shot
from tests.test_intake_kept import LONG_KEPT, REAL, REGISTRY
from tests.xlsx_files import xlsx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # over 20 s on a quiet machine

OFFICER, PASSWORD = "matsudo-officer", "kept-files-2026-officer"


@pytest.fixture
def city_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The dashboard over the test registry of tests/test_intake_kept.py, with the city's officer."""
    from kpi.registry.setup import setup_registry

    folder = tmp_path / "registry"
    folder.mkdir()
    for name, text in REGISTRY.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    path = tmp_path / "city.duckdb"
    db = Database(path)
    db.migrate()
    operator = Actor.operator("setup@example")
    assert setup_registry(db, folder, actor=operator, lang="ja").status == "loaded"
    record = {"username": OFFICER, "display_name": "松戸市 企画課", "role": "partner",
              "organization_code": "MATSUDO-CITY", "email": None}  # fmt: skip
    create_account(db, record, password=PASSWORD, actor=operator, lang="ja")
    db.close()
    with serve(path) as url:
        yield url, path


def _sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/upload")
    form = page.get_by_test_id("stForm")
    expect(form).to_be_visible()
    form.locator("input[type=text]").fill(OFFICER)
    form.locator("input[type=password]").fill(PASSWORD)
    form.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    expect(page.get_by_role("heading", name="連携機関データのアップロード")).to_be_visible()
    _settled(page)


def _confirm_checks(page: Page, checks: int) -> None:
    """A file with soft checks (a KPI the project has no target for) waits for the officer's tick."""
    if not checks:
        expect(page.get_by_text("取り込む前に確かめてください")).to_have_count(0)
        return
    expect(page.get_by_text(f"取り込む前に確かめてください（{checks} 件）")).to_be_visible()
    expect(page.get_by_role("button", name="取り込む", exact=True)).to_be_disabled()
    page.get_by_text("これらの値を確かめました").click()
    _settled(page)


def _upload_and_confirm(page: Page, path: Path, facts: list[str], shot: str, *, checks: int = 0) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(path))
    expect(page.get_by_text("ファイルに問題はありません")).to_be_visible()
    for fact in facts:
        expect(page.get_by_text(fact, exact=True)).to_be_visible()
    _shot(page, shot)
    _confirm_checks(page, checks)
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("として取り込みました")).to_be_visible()
    _settled(page)
    expect(page.get_by_text("すでに取り込み済み", exact=False)).to_have_count(0)  # the file stays, unchecked


def _values(path: Path, kpi: str) -> dict[str, float]:
    with Database(path).cursor() as cursor:
        rows = cursor.execute(
            "SELECT strftime(period_end, '%Y-%m-%d'), value FROM actual_current WHERE kpi_code = ?", [kpi]
        ).fetchall()
    return dict(rows)


def test_an_officer_uploads_the_files_as_kept(
    city_server: tuple[str, Path], page: Page, tmp_path: Path
) -> None:
    url, path = city_server
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(page, url)

    # 1. The real wide table: title above the header, 単位 under it, 合計 at the end.
    _upload_and_confirm(
        page,
        REAL / "matsudo_sosei_wide_cp932.csv",
        [
            "見出し行: 2 行目。",
            "読み飛ばした行: 1（見出し行より上）、3（単位の行）、8（合計の行）。",
            "未報告のセル（空欄または「－」）: 1 件。",
        ],
        "kept-real-wide-ja",
        checks=1,
    )  # fmt: skip  (婚姻率: no target in the project)
    assert _values(path, "births") == {
        "2015-03-31": 3823.0, "2016-03-31": 3975.0, "2017-03-31": 3782.0, "2018-03-31": 3679.0,
    }  # fmt: skip

    # 2. A long file as an office keeps it.
    long = tmp_path / "令和5年度_進捗.csv"
    long.write_bytes(LONG_KEPT)
    _upload_and_confirm(
        page,
        long,
        [
            "見出し行: 3 行目。",
            "読み飛ばした行: 1–2（見出し行より上）、13（合計の行）。",
            "未報告のセル（空欄または「－」）: 2 件。",
        ],
        "kept-long-ja",
        checks=2,
    )  # fmt: skip  (収支, 満足度: no target)
    assert _values(path, "balance") == {"2015-04-30": -1577.0, "2015-06-30": 2720.0, "2015-07-31": -250.0}
    assert _values(path, "satisfaction") == {"2026-03-31": 52.2}

    # 3. An .xlsx with a merged title and cells formatted as percentages.
    workbook = tmp_path / "満足度調査.xlsx"
    workbook.write_bytes(xlsx_bytes(
        [["令和6年度 満足度調査", None, None, None], ["プロジェクトコード", "指標コード", "期末日", "実績値"],
         ["MATSUDO-SOSEI1", "satisfaction", "令和6年度", 0.612]],
        formats={"D3": "0.0%"}, merged=["A1:D1"],
    ))  # fmt: skip
    _upload_and_confirm(page, workbook, ["見出し行: 2 行目。"], "kept-xlsx-ja")
    assert _values(path, "satisfaction") == {"2026-03-31": 52.2, "2025-03-31": 61.2}

    # 4. The real year table names no project: refused until the officer chooses it.
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(
        str(REAL / "funabashi_kensho_year_table_cp932.csv")
    )
    expect(page.get_by_text("取り込みませんでした: 2 行中 1 件の問題があります")).to_be_visible()
    _settled(page)
    choose(page, page.get_by_role("combobox", name="対象プロジェクト"),
           page.get_by_role("option", name="SHOP-SITE", exact=False))  # fmt: skip
    _settled(page)
    expect(
        page.get_by_text("取り込まない列（担当者のメモ欄）: 単位、基準値、目標値、達成率、評価、備考。")
    ).to_be_visible()
    _shot(page, "kept-year-table-ja")
    _confirm_checks(page, 1)  # the site's page views: no target in the project
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("として取り込みました")).to_be_visible()
    assert _values(path, "shops") == {"2020-03-31": 101.0}
    assert _values(path, "page_views") == {"2020-03-31": 10155.0}
    # The roll-back choice offers the batch just imported (the fourth). Until the run ends the
    # previous choice can still stand where the page was before the success message pushed it down.
    _settled(page)
    rollback = page.get_by_role("combobox", name="取り消すバッチ")
    expect(rollback).to_have_count(1)
    expect(rollback).to_have_value("4")
    assert not page.get_by_test_id("stException").count()
    assert errors == []
