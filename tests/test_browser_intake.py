"""A partner at a phone's width: the template layouts, and a kept file refused with what was read past.
(Files as kept are uploaded and imported at desktop width in tests/test_browser_kept.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import new_context, open_signed_in
from tests.browser_support import settled as _settled
from tests.browser_support import shot as _shot
from tests.conftest import DEMO_PARTNER
from tests.test_upload_page_kept import WIDE_KEPT

pytestmark = pytest.mark.browser


def _upload(page: Page, path: Path) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    _settled(page)


def _facts(page: Page, *lines: str) -> None:
    facts = page.get_by_test_id("stAlertContainer").filter(has_text="読み取った形式")
    for line in lines:
        expect(facts.get_by_text(line, exact=True)).to_be_visible()


def test_kept_file_on_a_phone(server: str, browser: Browser, tmp_path: Path) -> None:
    """At a phone's width: the template layouts, then a rejected kept file with what was read past
    (nothing is written: the module's server will do)."""
    url = server
    context = new_context(browser, width=390, height=844)
    phone = context.new_page()
    try:
        open_signed_in(phone, url, "/upload", DEMO_PARTNER)
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
