"""Real browser journeys: Streamlit served on localhost, driven by Playwright in Debian's Chromium.

Without /usr/bin/chromium these tests skip on a developer machine and fail under CI=true.
Screenshots land in screenshots/ (ignored by git) to be looked at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kpi.demo_load import DEMO_ACCOUNTS
from tests.conftest import CI, DEMO_ADMIN, DEMO_TODAY

ROOT = Path(__file__).parent.parent
CHROMIUM = os.environ.get("KPI_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "screenshots"

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if CI:
        raise RuntimeError(f"CI=true but no browser at {CHROMIUM}: install Debian's chromium")
    pytest.skip(f"no browser at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

# The machine is shared (and the suite runs on two workers): no assertion may give up after
# Playwright's default 5 s. Every browser test module imports this one, so this holds for all.
BROWSER_WAIT_MS = 60_000
expect.set_options(timeout=BROWSER_WAIT_MS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(db_path: Path) -> Iterator[str]:
    """Streamlit on a free localhost port over db_path; yields the base URL."""
    port = _free_port()
    env = {**os.environ, "KPI_DB": str(db_path), "KPI_TODAY": DEMO_TODAY.isoformat(), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("streamlit did not start")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard over a copy of the demo database for the module: for journeys that only
    read (signing in still writes the audit log and the account's language)."""
    copy = tmp_path_factory.mktemp("served") / "demo.duckdb"
    shutil.copy(demo_db_path, copy)
    with serve(copy) as url:
        yield url


@pytest.fixture
def writable_server(demo_db_path: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The dashboard over a private copy of the demo database: for journeys that write."""
    copy = tmp_path / "demo-copy.duckdb"
    shutil.copy(demo_db_path, copy)
    with serve(copy) as url:
        yield url, copy


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(BROWSER_WAIT_MS)
    yield page
    context.close()


def _settled(page: Page) -> None:
    """Wait until the script run triggered by the last interaction has finished."""
    page.wait_for_timeout(200)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)


def _shot(page: Page, name: str) -> None:
    _settled(page)
    page.wait_for_timeout(500)  # data grids draw on a canvas after the run ends
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, url: str, username: str = DEMO_ADMIN) -> None:
    """Open url, sign in as a demo account through the form, and wait for the page asked for."""
    password = {name: secret for name, secret, *_ in DEMO_ACCOUNTS}[username]
    page.goto(url)
    form = page.get_by_test_id("stForm")
    expect(form).to_be_visible(timeout=30_000)
    form.locator("input[type=text]").fill(username)
    form.locator("input[type=password]").fill(password)
    form.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    expect(page.locator("input[type=password]")).to_have_count(0, timeout=30_000)
    _settled(page)


def test_overview_in_japanese_then_english(server: str, page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, server)
    expect(page.get_by_role("heading", name="ポートフォリオ概要")).to_be_visible(timeout=30_000)
    for label in ("順調", "遅延", "達成"):
        expect(page.get_by_test_id("stMetricLabel").filter(has_text=label)).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    _shot(page, "overview-ja")

    sign_in(page, f"{server}/?lang=en")
    expect(page.get_by_role("heading", name="Portfolio overview")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stMetricLabel").filter(has_text="On track")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    _shot(page, "overview-en")
    assert not page.get_by_test_id("stException").count()
    assert errors == []


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
    from kpi.status import portfolio_status
    from kpi.storage import Database

    url, db_path = writable_server
    sign_in(page, f"{url}/upload")
    expect(page.get_by_role("heading", name="連携機関データのアップロード")).to_be_visible(timeout=30_000)
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
    expect(page.get_by_text("取り込みませんでした")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stDownloadButton").filter(has_text="CSV でダウンロード")).to_be_visible()
    _shot(page, "upload-rejected-ja")

    # A CP932 file with Japanese headers and 和暦 dates: preview, then confirm.
    good = tmp_path / "p01.csv"
    good.write_bytes(CP932_UPLOAD)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(good))
    expect(page.get_by_text("ファイルに問題はありません")).to_be_visible(timeout=30_000)
    _shot(page, "upload-preview-ja")
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("として取り込みました")).to_be_visible(timeout=30_000)
    value = portfolio_status(Database(db_path), DEMO_TODAY, project_code="P01").set_index("kpi_code")
    assert value.loc["joint_studies", "last_period_end"].date().isoformat() == "2026-09-30"
    _shot(page, "upload-imported-ja")

    # Roll the batch back from the history.
    _settled(page)
    page.get_by_role("button", name="取り消す").click()
    expect(page.get_by_text("を取り消しました")).to_be_visible(timeout=30_000)
    with Database(db_path).cursor() as cursor:
        rolled = cursor.execute(
            "SELECT count(*) FROM import_batches WHERE rolled_back_at IS NOT NULL"
        ).fetchall()
    assert rolled == [(1,)]
