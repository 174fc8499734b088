"""A sign-in survives a reload and a new tab; sign-out, a deactivation and a forged cookie end it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kpi.accounts.manage import change_account
from kpi.accounts.sessions import COOKIE_NAME, SESSION_HOURS
from kpi.storage import Database
from tests.browser_support import settled, shot, sign_in
from tests.conftest import DEMO_EXECUTIVE, OPERATOR

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # over 20 s on a quiet machine


def signed_in_page(page: Page) -> None:
    expect(page.locator(".st-key-sign_out")).to_be_visible()
    expect(page.locator("input[type=password]")).to_have_count(0)


def sign_in_form(page: Page) -> None:
    expect(page.get_by_test_id("stForm").locator("input[type=password]")).to_be_visible()
    expect(page.locator(".st-key-sign_out")).to_have_count(0)


def session_cookie(page: Page) -> Any:
    """The sign-in cookie once the page has written it (the script runs after the page shows)."""
    page.wait_for_function(f"document.cookie.includes('{COOKIE_NAME}=')")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == COOKIE_NAME]
    return cookie


def set_active(db_path: Path, active: bool) -> None:
    db = Database(db_path)
    change_account(db, DEMO_EXECUTIVE, {"active": active}, actor=OPERATOR, lang="en")
    db.close()


def test_a_sign_in_survives_reloads_and_tabs_until_it_is_ended(
    writable_server: tuple[str, Path], page: Page
) -> None:
    url, db_path = writable_server
    sign_in(page, f"{url}/project?project=P03", DEMO_EXECUTIVE)
    cookie = session_cookie(page)
    attributes = (cookie["sameSite"], cookie["path"], cookie["secure"], cookie["httpOnly"])
    assert attributes == ("Strict", "/", False, False)  # Secure only on https; the page's script writes it
    assert abs(cookie["expires"] - (time.time() + SESSION_HOURS * 3600)) < 120
    assert DEMO_EXECUTIVE not in str(cookie["value"])  # an opaque id, not the name

    page.reload()  # a reload: a new Streamlit session, still signed in, on the same page
    signed_in_page(page)
    expect(page).to_have_url(f"{url}/project?project=P03&lang=ja")
    shot(page, "sessions-reloaded")

    other = page.context.new_page()  # a link opened in a new tab of the same browser
    other.goto(f"{url}/reminders")
    signed_in_page(other)

    page.locator(".st-key-sign_out").get_by_role("button").click()
    sign_in_form(page)
    page.wait_for_function(f"!document.cookie.includes('{COOKIE_NAME}=')")
    other.reload()
    sign_in_form(other)
    other.close()

    # Signed in again, then deactivated by an administrator: the next reload shows the form.
    sign_in(page, url, DEMO_EXECUTIVE)
    old_cookie = session_cookie(page)
    set_active(db_path, False)
    page.reload()
    sign_in_form(page)
    set_active(db_path, True)
    page.reload()
    sign_in_form(page)  # re-enabled: the revoked session stays ended

    # A cookie whose signature was changed shows the form; its unchanged twin would still sign in.
    sign_in(page, url, DEMO_EXECUTIVE)
    good = session_cookie(page)
    assert good["value"] != old_cookie["value"]
    value = str(good["value"])
    forged = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    page.context.add_cookies([{**good, "value": forged}])
    page.reload()
    sign_in_form(page)
    shot(page, "sessions-forged-cookie")
    page.context.add_cookies([good])
    page.reload()
    signed_in_page(page)
    settled(page)
