"""Real browser journeys: Streamlit served on localhost, driven by Playwright in Debian's Chromium.

Without /usr/bin/chromium these tests skip on a developer machine and fail under CI=true.
Screenshots land in screenshots/ (ignored by git) to be looked at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CI, DEMO_TODAY

ROOT = Path(__file__).parent.parent
CHROMIUM = os.environ.get("KPI_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "screenshots"

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if CI:
        raise RuntimeError(f"CI=true but no browser at {CHROMIUM}: install Debian's chromium")
    pytest.skip(f"no browser at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo_db_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "KPI_DB": str(demo_db_path),
        "KPI_TODAY": DEMO_TODAY.isoformat(),
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
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
    yield url
    process.terminate()
    process.wait(timeout=10)


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
    yield page
    context.close()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_overview_in_japanese_then_english(server: str, page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server)
    expect(page.get_by_role("heading", name="ポートフォリオ概要")).to_be_visible(timeout=30_000)
    for label in ("順調", "遅延", "達成"):
        expect(page.get_by_test_id("stMetricLabel").filter(has_text=label)).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    _shot(page, "overview-ja")

    page.goto(f"{server}/?lang=en")
    expect(page.get_by_role("heading", name="Portfolio overview")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stMetricLabel").filter(has_text="On track")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    _shot(page, "overview-en")
    assert not page.get_by_test_id("stException").count()
    assert errors == []
