"""Two dashboard servers on one PostgreSQL database, in a real browser: a partner's upload confirmed
on server A is on server B's project page at B's next page run (B's caches are keyed by the data's
version, which is the database's, not the process's), and it was stored once.

The partner's file is the kept wide table of tests/test_browser_intake.py (WIDE_KEPT); its P20 row
is new for the partner's organization, so that key has exactly one version afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from kpi.access import Actor
from kpi.demo.load import load_demo
from kpi.storage import Database
from kpi.storage.actuals import actual_history
from tests import pg_support
from tests.browser_support import DEMO_TODAY_ISO, ROOT, new_context, serve_script, settled, shot, sign_in
from tests.conftest import DEMO_ADMIN, DEMO_PARTNER, DEMO_TODAY
from tests.test_upload_page_kept import WIDE_KEPT

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # two servers to start and a demo to load

PROJECT, KPI, PERIOD, ORGANIZATION = "P20", "external_funding", "2026-09-30", "UNI-SETOUCHI"
VALUE, NOTE = 0.8, "水温センサー増設"  # WIDE_KEPT's P20 row: 外部資金獲得額 0.8, its 備考


@pytest.fixture
def two_servers(browser: Browser) -> Iterator[tuple[str, str, str]]:
    """A demo database of its own on the PostgreSQL test server (the shared pg_demo_url is read only)
    and two dashboard processes over it; yields (server A, server B, the database URL)."""
    name = pg_support.new_name("two_servers")
    url = pg_support.database_url(name)  # under CI=true a missing server fails here
    try:
        db = Database(url)
        db.migrate()
        load_demo(db, DEMO_TODAY, actor=Actor.operator("demo"))
        db.close()
        with ExitStack() as servers:
            environment = {"KPI_DB": url, "KPI_TODAY": DEMO_TODAY_ISO}
            first = servers.enter_context(serve_script(ROOT / "dashboard.py", **environment))
            second = servers.enter_context(serve_script(ROOT / "dashboard.py", **environment))
            yield first, second, url
    finally:  # the servers have stopped: nothing holds the database
        pg_support.drop_database(name)


def _reports(page: Page) -> Locator:
    """The project page's 最近の報告 grid (the page's last table, above its download button)."""
    expect(page.get_by_role("heading", name="最近の報告")).to_be_visible()
    settled(page)
    grid = page.get_by_test_id("stDataFrame").last
    grid.scroll_into_view_if_needed()
    return grid


def _uploaded_row(page: Page) -> Locator:
    """The row of the partner's P20 external-funding report in the grid's accessible table (inside
    its canvas, so out of the accessibility tree: found by CSS, as glide-cell-… test ids are)."""
    return _reports(page).locator("tbody tr").filter(has_text=NOTE).filter(has_text="外部資金獲得額")


def _no_exception(page: Page, errors: list[str]) -> None:
    exceptions = page.get_by_test_id("stException")
    assert not exceptions.count(), exceptions.first.inner_text()
    assert errors == []


def test_a_write_on_one_server_is_seen_on_the_other(
    two_servers: tuple[str, str, str], browser: Browser, tmp_path: Path
) -> None:
    server_a, server_b, db_url = two_servers
    partner_context, admin_context = new_context(browser), new_context(browser)
    try:
        partner, admin = partner_context.new_page(), admin_context.new_page()
        errors: list[str] = []
        for tab in (partner, admin):
            tab.on("pageerror", lambda error: errors.append(str(error)))

        # Server B first: the project page is drawn (and its reads cached) before the write.
        project_page = f"{server_b}/project?lang=ja&project={PROJECT}"
        sign_in(admin, project_page, DEMO_ADMIN)
        expect(admin.get_by_role("heading", name=f"{PROJECT}  IoTブイ", exact=False)).to_be_visible()
        expect(_uploaded_row(admin)).to_have_count(0)
        _no_exception(admin, errors)

        # Server A: the partner uploads the kept wide file and confirms it.
        sign_in(partner, f"{server_a}/upload?lang=ja", DEMO_PARTNER)
        expect(partner.get_by_role("heading", name="連携機関データのアップロード")).to_be_visible()
        kept = tmp_path / "q2.csv"
        kept.write_bytes(WIDE_KEPT)
        partner.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(kept))
        settled(partner)
        expect(partner.get_by_text("ファイルに問題はありません")).to_be_visible()
        partner.get_by_role("button", name="取り込む", exact=True).click()
        expect(partner.get_by_text("として取り込みました")).to_be_visible()
        settled(partner)
        shot(partner, "two-servers-a-imported-ja")
        _no_exception(partner, errors)

        # Server B's next page run (same process, its caches warm) shows the partner's report.
        admin.goto(project_page)
        expect(admin.locator(".st-key-sign_out")).to_be_visible()  # still signed in: the cookie
        row = _uploaded_row(admin)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("0.8")
        expect(row).to_contain_text(DEMO_PARTNER)
        shot(admin, "two-servers-b-project-ja")
        _no_exception(admin, errors)
    finally:
        partner_context.close()
        admin_context.close()

    # Stored once: one version for the new key, one import batch, one version per changed value.
    db = Database(db_url)
    try:
        with db.cursor() as cursor:
            history = actual_history(cursor, PROJECT, KPI)
            batches = cursor.execute(
                "SELECT batch_id, organization_code FROM import_batches WHERE uploaded_by = ?", [DEMO_PARTNER]
            ).fetchall()
            assert [b[1] for b in batches] == [ORGANIZATION], batches  # one import, the partner's
            per_key = cursor.execute(
                "SELECT project_code, kpi_code, CAST(period_end AS VARCHAR), count(*) FROM actual_versions"
                " WHERE batch_id = ? GROUP BY 1, 2, 3 ORDER BY 1, 2",
                [batches[0][0]],
            ).fetchall()
            current = cursor.execute(
                "SELECT value FROM actual_current WHERE project_code = ? AND kpi_code = ?"
                " AND period_end = CAST(? AS DATE) AND organization_code = ?",
                [PROJECT, KPI, PERIOD, ORGANIZATION],
            ).fetchall()
    finally:
        db.close()
    mine = history[
        (history["kind"] == "value")
        & (history["organization_code"] == ORGANIZATION)
        & (history["period_end"].astype(str).str.startswith(PERIOD))
    ]
    assert mine["value"].tolist() == [VALUE]
    assert mine["recorded_by"].tolist() == [DEMO_PARTNER]
    assert current == [(VALUE,)]
    # WIDE_KEPT changes four values (P20's two are new, P18's joint studies and funding change;
    # P18's local jobs are unchanged and P20's are 「－」): one version each, none twice.
    assert per_key == [
        ("P18", "external_funding", PERIOD, 1),
        ("P18", "joint_studies", PERIOD, 1),
        ("P20", "external_funding", PERIOD, 1),
        ("P20", "joint_studies", PERIOD, 1),
    ]
