"""What the browser journeys share: Streamlit served on localhost, Playwright driving Debian's Chromium.

tests/conftest.py imports the fixtures from here, so each pytest worker starts one read-only server
and one Chromium for every journey module (not one per module). Without /usr/bin/chromium the
journeys skip on a developer machine and fail under CI=true. Screenshots land in screenshots/
(ignored by git) to be looked at; under CI=true nobody looks, so they are taken only when
KPI_SCREENSHOTS=1 asks for them.
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
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from kpi.accounts.sessions import COOKIE_NAME
from kpi.demo.load import DEMO_ACCOUNTS

ROOT = Path(__file__).parent.parent
CHROMIUM = os.environ.get("KPI_CHROMIUM", "/usr/bin/chromium")
# Headless on a shared machine, without anything that reaches the network by itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / "screenshots"
CI = os.environ.get("CI", "").lower() == "true"
TAKE_SCREENSHOTS = os.environ.get("KPI_SCREENSHOTS", "0" if CI else "1") == "1"
DEMO_ADMIN = "demo-admin"
DEMO_TODAY_ISO = "2026-11-26"  # tests/conftest.py's DEMO_TODAY (imported there, so not imported here)

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
    """The dashboard on a free localhost port over db_path; yields the base URL."""
    with serve_script(ROOT / "dashboard.py", KPI_DB=str(db_path)) as url:
        yield url


@contextmanager
def serve_script(script: Path, **environment: str) -> Iterator[str]:
    """Streamlit running `script` on a free localhost port; yields the base URL."""
    port = _free_port()
    env = {**os.environ, "KPI_TODAY": DEMO_TODAY_ISO, "PYTHONPATH": str(ROOT), **environment}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
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


@pytest.fixture(scope="session")
def server(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[str]:
    """The dashboard over a copy of the demo database for the worker's session: for journeys that
    only read (signing in still writes the audit log; none of them changes an account's language)."""
    copy = tmp_path_factory.mktemp("served") / "demo.duckdb"
    shutil.copy(demo_db_path, copy)
    with serve(copy) as url:
        yield url


@pytest.fixture
def writable_server(demo_db_path: Path, tmp_path: Path, browser: Browser) -> Iterator[tuple[str, Path]]:
    """The dashboard over a private copy of the demo database: for journeys that write."""
    copy = tmp_path / "demo-copy.duckdb"
    shutil.copy(demo_db_path, copy)
    with serve(copy) as url:
        yield url, copy


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if CI:
            pytest.fail(f"CI=true but no browser at {CHROMIUM}: install Debian's chromium")
        pytest.skip(f"no browser at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()


def new_context(
    browser: Browser, *, width: int = 1400, height: int = 1000, locale: str = "ja-JP"
) -> BrowserContext:
    """A fresh browser profile (no cookie: nobody signed in) whose every page and tab waits the
    suite's wait, not Playwright's 30 s."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    context.set_default_timeout(BROWSER_WAIT_MS)
    context.set_default_navigation_timeout(BROWSER_WAIT_MS)
    return context


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser)
    yield context.new_page()
    context.close()


def settled(page: Page) -> None:
    """Wait until the script run triggered by the last interaction has finished."""
    page.wait_for_timeout(200)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=BROWSER_WAIT_MS)


def open_list(page: Page, opener: Locator, shows: Locator | None = None, *, attempts: int = 5) -> None:
    """Click `opener` (a selectbox, a multiselect's button) until `shows` is visible: by default the
    open list, or one option of it. A click that lands while a rerun redraws the widget opens
    nothing, or the run that ends just then draws the list closed again; so the list is closed
    (Escape), the run waited for and the click tried again, each try a share of the usual wait.
    The opener is first scrolled to the middle of what scrolls it: a widget at the bottom edge of
    the sidebar opens its list off-screen, the sidebar scrolls to show it, and the scroll closes
    it again (that cost a whole try, every time, for two of the overview's filters)."""
    target = shows if shows is not None else page.get_by_role("listbox")
    for attempt in range(attempts):
        opener.evaluate("element => element.scrollIntoView({block: 'center'})")
        opener.click()
        try:
            expect(target).to_be_visible(timeout=BROWSER_WAIT_MS // attempts)
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            settled(page)


def choose(page: Page, combobox: Locator, option: Locator, *, attempts: int = 5) -> None:
    """Open a selectbox and pick an option (open_list's retries)."""
    open_list(page, combobox, option, attempts=attempts)
    option.click()


def shot(page: Page, name: str) -> None:
    settled(page)
    if not TAKE_SCREENSHOTS:
        return
    page.wait_for_timeout(500)  # data grids draw on a canvas after the run ends
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, url: str, username: str = DEMO_ADMIN) -> None:
    """Open url, sign in as a demo account through the form, and wait for the page asked for."""
    password = {name: secret for name, secret, *_ in DEMO_ACCOUNTS}[username]
    page.context.clear_cookies()  # a sign-in survives a reload: forget the previous one first
    page.goto(url)
    form = page.get_by_test_id("stForm")
    expect(form).to_be_visible()
    form.locator("input[type=text]").fill(username)
    form.locator("input[type=password]").fill(password)
    form.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    expect(page.locator("input[type=password]")).to_have_count(0)
    settled(page)


# Session cookies of sign-ins made by open_signed_in, by (server URL, user name). Only for the
# worker's read-only `server`: it lives as long as the worker, so its address names one database.
_SESSIONS: dict[tuple[str, str], list[Any]] = {}


def open_signed_in(page: Page, server_url: str, path: str, username: str = DEMO_ADMIN) -> None:
    """Open server_url + path signed in as a demo account, for journeys about what comes after the
    sign-in. The first time on this server through the form (sign_in); after that with the session
    cookie that sign-in left, as a reload or a new tab would (tests/test_browser_sessions.py),
    which spares the form's run and its password hash. The sign-in form itself is the subject of
    tests/test_browser_access.py, which signs in with sign_in every time."""
    key = (server_url, username)
    if key not in _SESSIONS:
        sign_in(page, f"{server_url}{path}", username)
        page.wait_for_function(f"document.cookie.includes('{COOKIE_NAME}=')")  # written after the run
        _SESSIONS[key] = [c for c in page.context.cookies() if c["name"] == COOKIE_NAME]
        return
    page.context.clear_cookies()
    page.context.add_cookies(_SESSIONS[key])
    page.goto(f"{server_url}{path}")
    expect(page.locator(".st-key-sign_out")).to_be_visible()  # signed in, no form on the way
    settled(page)


def type_into_cell(
    page: Page, grid: Locator, *, row: int, column: int, text: str, choose: bool = False
) -> None:
    """Select a cell of an editable grid (row 0 = the first) and type into it. The grid draws on a
    canvas, so its first column is clicked at the row's height and the arrow keys move to the column.
    `choose`: the cell is a choice (a SelectboxColumn): the typed text picks the option it names."""
    attempts = 6
    # After a rerun the first click may only give the canvas the focus, and on a busy machine the
    # grid may still be redrawing: click, each try a share of the usual wait, until the grid's own
    # accessible cell (glide-cell-<column>-<row>, column 1 = the first after the row marker) has it.
    for attempt in range(attempts):
        settled(page)
        box = grid.bounding_box()
        assert box is not None
        header = row_height = 35  # Streamlit's default row height
        page.mouse.click(box["x"] + 90, box["y"] + header + row_height * row + row_height / 2)
        share = BROWSER_WAIT_MS // attempts
        try:
            cell = grid.get_by_test_id(f"glide-cell-1-{row}").element_handle(timeout=share)
            page.wait_for_function("cell => cell === document.activeElement", arg=cell, timeout=share)
            break
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise AssertionError(f"the grid did not select row {row}") from None
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # opens the cell's editor, which takes the focus
    page.wait_for_function("['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName)")
    if not choose:
        page.keyboard.press("Control+A")  # replace what the cell holds
    page.keyboard.type(text, delay=30)
    page.keyboard.press("Enter")
    settled(page)


def add_row(page: Page, grid: Locator, *, row: int) -> None:
    """Add an empty row with the grid's toolbar button (shown while the grid is hovered), until the
    grid's accessible table has a cell in that row: a click during a redraw can miss the toolbar."""
    attempts = 5
    for attempt in range(attempts):
        grid.hover()
        # A grid with no rows yet is so short that its canvas covers its own toolbar: the click is sent
        # to the button itself, as the toolbar's pointer would.
        page.get_by_role("button", name="Add row").dispatch_event("click")
        settled(page)
        try:
            expect(grid.get_by_test_id(f"glide-cell-1-{row}")).to_have_count(
                1, timeout=BROWSER_WAIT_MS // attempts
            )
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise


def type_date(page: Page, label: str, day: str, *, within: Locator | None = None, nth: int = 0) -> None:
    """A date field (year, month and day segments, Streamlit 1.67): type the digits into the year and
    close the calendar. `nth` picks one of several fields of the same label (a form's item rows)."""
    scope = within if within is not None else page
    scope.get_by_role("spinbutton", name=f"year, {label}").nth(nth).click()
    page.keyboard.type(day.replace("-", ""), delay=40)
    page.keyboard.press("Escape")
    settled(page)
