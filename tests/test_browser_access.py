"""Each role signs in, in a real browser, and sees exactly its pages and data; data stays text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kpi.intake.service import import_file
from kpi.registry.edits import save_project
from kpi.storage import Database
from kpi.storage.edits import project_row
from tests.browser_support import open_signed_in, sign_in
from tests.browser_support import shot as _shot
from tests.conftest import DEMO_ADMIN, DEMO_EXECUTIVE, DEMO_LEAD, DEMO_PARTNER, DEMO_TODAY, OPERATOR

pytestmark = pytest.mark.browser

NAV = {  # the navigation each role sees, in Japanese, in order
    DEMO_ADMIN: ["概要", "プロジェクト", "進捗の更新", "データ取込", "資金", "交付決定と予算", "支出の報告",
                 "契約・協定", "会議・振り返り", "機関の歩み", "プロジェクト登録", "報告状況", "監査ログ",
                 "管理", "アカウント"],
    DEMO_EXECUTIVE: ["概要", "プロジェクト", "資金", "契約・協定", "会議・振り返り", "機関の歩み", "報告状況",
                     "監査ログ", "アカウント"],
    DEMO_LEAD: ["概要", "プロジェクト", "進捗の更新", "データ取込", "資金", "交付決定と予算", "支出の報告",
                "契約・協定", "会議・振り返り", "機関の歩み", "プロジェクト登録", "報告状況", "アカウント"],
    DEMO_PARTNER: ["概要", "プロジェクト", "データ取込", "資金", "支出の報告", "契約・協定", "会議・振り返り",
                   "機関の歩み", "アカウント"],
}  # fmt: skip
PARTNER_NAV_EN = ["Overview", "Project", "Upload", "Funding", "Expenditures", "Agreements",
                  "Meetings and reviews", "Partner history", "My account"]  # fmt: skip
PROJECT_COUNT = {DEMO_ADMIN: "24", DEMO_EXECUTIVE: "24", DEMO_LEAD: "24", DEMO_PARTNER: "3"}


def nav_titles(page: Page) -> list[str]:
    links = page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()
    return [text.strip().split("\n")[-1] for text in links]  # the icon's ligature name comes first


@pytest.mark.parametrize("user", list(NAV))
def test_each_role_sees_its_pages_and_data(server: str, page: Page, user: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, f"{server}/?lang=ja", user)
    expect(page.get_by_role("heading", name="ポートフォリオ概要")).to_be_visible()
    assert nav_titles(page) == NAV[user]
    projects = page.get_by_test_id("stMetricValue").first
    expect(projects).to_have_text(PROJECT_COUNT[user])
    _shot(page, f"role-{user}-ja")
    assert errors == []


def test_a_page_outside_the_role_is_not_served_by_its_address(server: str, page: Page) -> None:
    """Neither as the address the sign-in form opens with, nor typed (or followed) once signed in."""
    paths = ("admin", "audit", "update", "projects", "reminders")
    sign_in(page, f"{server}/{paths[0]}?lang=en", DEMO_PARTNER)
    expect(page.get_by_role("heading", name="Portfolio overview")).to_be_visible()
    assert nav_titles(page) == PARTNER_NAV_EN
    for path in paths:  # still signed in: each address is a new page load with the sign-in's cookie
        page.goto(f"{server}/{path}?lang=en")
        expect(page.get_by_role("heading", name="Portfolio overview")).to_be_visible()
        expect(page.locator("input[type=password]")).to_have_count(0)
        assert nav_titles(page) == PARTNER_NAV_EN


def test_the_partner_in_english_reads_only_its_projects(server: str, page: Page) -> None:
    open_signed_in(page, server, "/project?lang=en&project=P01", DEMO_PARTNER)  # not its project
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"P(10|18|20)"))
    page.get_by_role("combobox", name="Project").click()
    options = page.get_by_role("option").all_inner_texts()
    assert [o.split()[0] for o in options] == ["P10", "P18", "P20"]
    page.keyboard.press("Escape")
    _shot(page, "role-partner-project-en")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="My account").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    expect(page.get_by_text("Organization: UNI-SETOUCHI")).to_be_visible()
    _shot(page, "role-partner-account-en")


def test_sign_in_page_and_a_wrong_password(server: str, page: Page) -> None:
    for lang, heading, wrong in (("ja", "サインイン", "ユーザー名またはパスワードが違います。"),
                                 ("en", "Sign in", "The user name or password is wrong.")):  # fmt: skip
        page.goto(f"{server}/?lang={lang}")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        _shot(page, f"sign-in-{lang}")
        form = page.get_by_test_id("stForm")
        form.locator("input[type=text]").fill(DEMO_EXECUTIVE)
        form.locator("input[type=password]").fill("not it")
        form.get_by_test_id("stBaseButton-primaryFormSubmit").click()
        expect(page.get_by_text(wrong)).to_be_visible()
        expect(page.get_by_test_id("stMetricValue")).to_have_count(0)


MARKUP = '**bold** ![pixel](http://127.0.0.1:9/pixel.png) <img src=x onerror="window.__owned=1"> [link](http://evil.invalid)'


def test_text_from_the_data_never_renders_as_markup(writable_server: tuple[str, Path], page: Page) -> None:
    """A partner role typed by a lead and a note uploaded by a partner show as typed: no image is
    fetched, no link made, no script run."""
    url, db_path = writable_server
    db = Database(db_path)
    with db.cursor() as cursor:
        base = project_row(cursor, "P20")
    assert base is not None
    partners = [{"organization_code": "UNI-SETOUCHI", "role": MARKUP}, {"organization_code": "GOV-HIROSHIMA"}]
    save_project(db, {**base, "name_en": f"Buoys {MARKUP}"}, partners, base=base, actor=OPERATOR, lang="en")
    note = MARKUP.replace('"', '""')
    data = f'project_code,kpi_code,period_end,value,note\nP20,joint_studies,2026-09-30,9,"{note}"\n'.encode()
    result = import_file(db, data, file_name="n.csv", organization_code="UNI-SETOUCHI", actor=OPERATOR,
                         lang="en", today=DEMO_TODAY)  # fmt: skip
    assert result.status == "imported"
    db.close()

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, f"{url}/project?lang=en&project=P20", DEMO_PARTNER)
    expect(page.get_by_role("heading", level=1)).to_contain_text("**bold**")
    expect(page.get_by_text("![pixel](http:").first).to_be_visible()  # as typed (a zero-width space follows)
    main = page.get_by_test_id("stMain")
    assert main.locator("img[src*='pixel'], img[src='x']").count() == 0
    links = main.locator("a[href*='evil.invalid']")
    assert links.count() == 0, links.evaluate_all("els => els.map(e => e.parentElement.outerHTML)")
    assert main.locator("h1 strong, li strong").filter(has_text="bold").count() == 0
    assert page.evaluate("window.__owned") is None
    assert not [r for r in requested if "pixel.png" in r]
    _shot(page, "markup-as-text-en")
