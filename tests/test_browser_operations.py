"""Issue 21's "done when", in a real browser: an administrator takes a backup on the administration
page while the dashboard is in use, downloads it, restores it on a fresh machine (a new folder, the
command line), and a dashboard over the restored file shows the same overview."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from kpi.commands.main import main
from tests.browser_support import new_context, serve, settled, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def overview_figures(page: Page) -> list[str]:
    """Every headline figure of the overview, in order (labels and values as drawn)."""
    expect(page.get_by_test_id("stMetric").first).to_be_visible()
    settled(page)
    return [m.inner_text() for m in page.get_by_test_id("stMetric").all()]


def test_a_backup_from_the_page_restores_on_a_fresh_machine(
    writable_server: tuple[str, Path], browser: Browser, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, live = writable_server
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, f"{url}/?lang=en")
    before = overview_figures(page)
    assert len(before) >= 4
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    settled(page)
    page.get_by_role("radio", name="Backups", exact=True).click()
    settled(page)
    expect(page.get_by_text("No backup in this folder yet.")).to_be_visible()
    page.locator(".st-key-take_backup button").click()
    settled(page)
    expect(page.get_by_text("Backup kpi-")).to_be_visible()  # the flash names the file
    shot(page, "operations-backups-admin-en")
    with page.expect_download() as caught:
        page.locator(".st-key-download_backup button").click()
    download = tmp_path / caught.value.suggested_filename
    caught.value.save_as(download)
    context.close()

    with zipfile.ZipFile(download) as archive:
        names = sorted(archive.namelist())
    assert len(names) == 2 and names[0].endswith(".duckdb") and names[1].endswith(".json")
    assert sorted(p.name for p in (live.parent / "backups").iterdir()) == names

    fresh = tmp_path / "fresh machine" / "data" / "kpi.duckdb"  # a folder that does not exist yet
    assert main(["restore", str(download), "--db", str(fresh), "--json"]) == 0
    restored = json.loads(capsys.readouterr().out)
    assert restored["status"] == "restored" and restored["replaced"] is None
    with serve(fresh) as restored_url:
        context = new_context(browser)
        page = context.new_page()
        sign_in(page, f"{restored_url}/?lang=en")
        assert overview_figures(page) == before
        shot(page, "operations-restored-overview-en")
        context.close()
