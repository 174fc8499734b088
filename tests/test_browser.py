"""Real browser journeys: the overview in both languages, and a partner's upload, fix and rollback.

Fixtures and helpers: tests/browser_support.py (through tests/conftest.py).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import settled as _settled
from tests.browser_support import shot as _shot
from tests.browser_support import sign_in
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.browser


CP932_UPLOAD = (
    "プロジェクトコード,KPIコード,期末日,実績値,備考\r\n"
    "P01,joint_studies,令和8年9月30日,12,髙橋研究室①と共同\r\n"
    'P01,local_jobs,R8.9.30,"1,500",\r\n'
).encode("cp932")
BAD_UPLOAD = (
    b"project_code,kpi_code,period_end,value\nP01,joint_studies,2026-09-30,N/A\nP99,local_jobs,2026-12-31,3\n"
)


def test_partner_uploads_fixes_confirms_and_rolls_back(
    writable_server: tuple[str, Path], page: Page, tmp_path: Path
) -> None:
    from kpi.portfolio.status import portfolio_status
    from kpi.storage import Database

    url, db_path = writable_server
    sign_in(page, f"{url}/upload")
    expect(page.get_by_role("heading", name="連携機関データのアップロード")).to_be_visible()
    _settled(page)
    page.get_by_role("combobox", name="報告機関").click()
    expect(page.get_by_role("option").first).to_be_visible()
    page.keyboard.type("UNI-HOKUTO")  # the option list is virtualised: filter it rather than scroll
    expect(page.get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="報告機関")).to_have_value("北斗工科大学 (UNI-HOKUTO)")
    _settled(page)

    # A file with problems: every one listed, nothing written.
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD_UPLOAD)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(bad))
    expect(page.get_by_text("取り込みませんでした")).to_be_visible()
    expect(page.get_by_test_id("stDownloadButton").filter(has_text="CSV でダウンロード")).to_be_visible()
    _shot(page, "upload-rejected-ja")

    # A CP932 file with Japanese headers and 和暦 dates: preview, then confirm.
    good = tmp_path / "p01.csv"
    good.write_bytes(CP932_UPLOAD)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(good))
    expect(page.get_by_text("ファイルに問題はありません")).to_be_visible()
    _shot(page, "upload-preview-ja")
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("として取り込みました")).to_be_visible()
    value = portfolio_status(Database(db_path), DEMO_TODAY, project_code="P01").set_index("kpi_code")
    last_period = value.at["joint_studies", "last_period_end"]
    assert isinstance(last_period, (date, pd.Timestamp))
    assert pd.Timestamp(last_period).date().isoformat() == "2026-09-30"
    _shot(page, "upload-imported-ja")

    # Roll the batch back from the history.
    _settled(page)
    page.get_by_role("button", name="取り消す", exact=True).click()
    expect(page.get_by_text(re.compile(r"バッチ \d+（.*）を取り消しますか？"))).to_be_visible()  # asked first
    page.get_by_role("button", name=re.compile(r"^バッチ \d+ を取り消す$")).click()
    expect(page.get_by_text("を取り消しました")).to_be_visible()
    with Database(db_path).cursor() as cursor:
        rolled = cursor.execute(
            "SELECT count(*) FROM import_batches WHERE rolled_back_at IS NOT NULL"
        ).fetchall()
    assert rolled == [(1,)]
