"""A cold server's deep links in a real browser (ui/routing.py): each address is the first visit a
freshly started server gets, shows nothing but the sign-in form, and after sign-in opens the page the
address names. One server per address (a server is cold only once); they start together."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from kpi.demo.load import DEMO_ACCOUNTS
from tests.browser_support import BROWSER_WAIT_MS, DEMO_ADMIN, serve, settled

pytestmark = pytest.mark.browser

ADDRESSES = {  # address → the English heading the page opens with
    "/": "Portfolio overview",
    "/project?project=P03": "P03  Solar sharing over tea fields",
    "/update?project=P03": "Progress updates",
    "/upload": "Upload partner data",
    "/registry": "Projects and partners",
    "/reminders": "Reporting freshness",
    "/audit": "Audit log",
    "/admin": "Administration",
    "/account": "My account",
}


@pytest.fixture(scope="module")
def cold_servers(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A server per address, none visited yet."""
    folder = tmp_path_factory.mktemp("cold")
    paths = []
    for index in range(len(ADDRESSES)):
        copy = folder / f"cold-{index}.duckdb"  # signing in writes the audit log: a file each
        shutil.copy(demo_db_path, copy)
        paths.append(copy)
    with ThreadPoolExecutor(len(paths)) as pool, ExitStack() as stack:
        # Started together: each start is mostly waiting for Python to import Streamlit.
        urls = list(pool.map(lambda path: stack.enter_context(serve(path)), paths))
        yield dict(zip(ADDRESSES, urls, strict=True))


@pytest.mark.parametrize("address", list(ADDRESSES))
def test_a_cold_deep_link_asks_for_sign_in_then_opens_its_page(
    browser: Browser, cold_servers: dict[str, str], address: str
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(BROWSER_WAIT_MS)
    try:
        separator = "&" if "?" in address else "?"
        page.goto(f"{cold_servers[address]}{address}{separator}lang=en")
        form = page.get_by_test_id("stForm")
        expect(form).to_be_visible()
        settled(page)
        # Nothing but the form: no heading of the page, no numbers, no table.
        expect(page.get_by_role("heading", name=ADDRESSES[address])).to_have_count(0)
        expect(page.get_by_test_id("stMetric")).to_have_count(0)
        expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
        password = {name: secret for name, secret, *_ in DEMO_ACCOUNTS}[DEMO_ADMIN]
        form.locator("input[type=text]").fill(DEMO_ADMIN)
        form.locator("input[type=password]").fill(password)
        form.get_by_test_id("stBaseButton-primaryFormSubmit").click()
        expect(page.get_by_role("heading", name=ADDRESSES[address]).first).to_be_visible()
        expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)
        path = address.split("?")[0]
        assert page.url.split("?")[0].removesuffix("/").endswith(path.removesuffix("/"))
    finally:
        context.close()
