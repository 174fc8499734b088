"""Partnerships in a real browser (issue 20's journey), on the demo of 26 November 2026: the lead of
P03 (demo-lead, 桜木エナジー) sees the alert for JR-P03-01, which ends on 31 December 2026 without renewal
(35 days), records the next joint research agreement with joint IP (60 / 40) and a meeting with two
action items; the reminders page has them in the message to the organization responsible; an
executive opens 桜木エナジー's history and finds the new agreement and meeting among its projects.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from kpi.access import Actor, Role
from kpi.partnerships.agreements import agreement_table
from kpi.partnerships.meetings import meeting_table
from kpi.partnerships.timeline import organization_timeline
from kpi.storage import Database
from tests.browser_support import choose, new_context, open_list, settled, shot, sign_in, type_date
from tests.conftest import DEMO_EXECUTIVE, DEMO_LEAD, DEMO_TODAY

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXECUTIVE = Actor(DEMO_EXECUTIVE, Role.EXECUTIVE)
SAKURAGI, SANGI = "Sakuragi Energy Co., Ltd.", "Regional Industrial Technology Research Center"


def fill(page: Page, name: str, text: str, *, within: object = None) -> None:
    box = (within or page).get_by_role("textbox", name=name, exact=True)  # type: ignore[attr-defined]
    box.fill(text)
    box.press("Tab")
    settled(page)


def lead_records_an_agreement(page: Page, url: str) -> None:
    sign_in(page, f"{url}/agreements?lang=en&project=P03", DEMO_LEAD)
    alert = page.get_by_test_id("stAlertContentWarning").filter(has_text="JR-P03-01")
    expect(alert).to_contain_text("31 Dec 2026")
    expect(alert).to_contain_text("35 days")
    choose(page, page.get_by_role("combobox", name="Agreement", exact=True),
           page.get_by_role("option", name="— add a new agreement —"))  # fmt: skip
    expect(page.get_by_role("heading", name="Add an agreement")).to_be_visible()
    # JR-P03-01's form (its number shown, disabled) may linger a moment while the new one is drawn.
    expect(page.get_by_role("textbox", name="Agreement number", disabled=True)).to_have_count(0)
    settled(page)
    fill(page, "Agreement number", "JR-P03-02")
    fill(page, "Title", "茶畑ソーラーシェアリング第2期の共同研究契約")
    type_date(page, "Signed on", "2026-11-20")
    type_date(page, "Start", "2027-01-01")
    type_date(page, "End", "2028-12-31")
    choose(page, page.get_by_role("combobox", name="IP ownership"), page.get_by_role("option", name="Joint"))
    settled(page)
    for name, percent in ((SAKURAGI, "60"), (SANGI, "40")):
        share = page.get_by_role("spinbutton", name=f"Share of {name} (%)")
        share.fill(percent)
        share.press("Enter")
        settled(page)
    page.get_by_text("Japanese Bayh–Dole applied").click()
    settled(page)
    page.get_by_role("textbox", name="IP terms").fill("**共有** <b>持分</b>は 60:40")
    shot(page, "partnerships-agreement-form-en")
    page.get_by_role("button", name="Save agreement").click()
    expect(page.get_by_text("Agreement JR-P03-02 saved.")).to_be_visible()
    expect(
        page.get_by_test_id("stText").filter(has_text="**共有** <b>持分</b>は 60:40")
    ).to_be_visible()  # as typed


def lead_records_a_meeting(page: Page, url: str) -> None:
    page.goto(f"{url}/meetings?lang=en&project=P03")
    settled(page)
    page.get_by_test_id("stButtonGroup").get_by_text("Record a meeting", exact=True).click()
    settled(page)
    form = page.get_by_test_id("stForm")
    form.get_by_role("textbox", name="Title", exact=True).fill("第2期に向けた定例会")
    form.get_by_role("textbox", name="Minutes", exact=True).fill("# 第2期\n*発電量* の報告")
    descriptions = form.get_by_role("textbox", name="What is to be done", exact=True)
    owners = form.get_by_role("combobox", name="Responsible organization")
    for row, (what, owner, due) in enumerate(
        (("営農データの共有", SANGI, "2026-12-10"), ("第2期の予算案", SAKURAGI, "2026-12-20"))
    ):
        descriptions.nth(row).fill(what)
        choose(page, owners.nth(row), page.get_by_role("option", name=owner, exact=True))
        type_date(page, "Due", due, within=form, nth=row)
    shot(page, "partnerships-meeting-form-en")
    form.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    expect(page.get_by_text(re.compile(r"P03-20261126-regular"))).to_be_visible()


def reminders_show_what_is_due(page: Page, url: str) -> None:
    page.goto(f"{url}/reminders?lang=en")
    settled(page)
    expect(page.get_by_role("heading", name="Action items from meetings")).to_be_visible()
    owner = page.get_by_role("combobox", name="Organization to remind")
    open_list(page, owner)
    page.keyboard.type("RI-SANGI")  # the list shows a few at a time: narrow it to the one
    page.get_by_role("option", name=re.compile(r"RI-SANGI")).click()
    settled(page)
    message = page.get_by_test_id("stCode").filter(has_text="営農データの共有")
    expect(message).to_contain_text("10 Dec 2026")
    shot(page, "partnerships-reminders-en")


def test_a_lead_records_an_agreement_and_a_meeting_and_an_executive_reads_the_history(
    writable_server: tuple[str, Path], browser: Browser
) -> None:
    url, db_path = writable_server
    context = new_context(browser, locale="en-GB")
    page = context.new_page()
    lead_records_an_agreement(page, url)
    lead_records_a_meeting(page, url)
    reminders_show_what_is_due(page, url)
    context.close()

    db = Database(db_path)
    stored = agreement_table(db, DEMO_TODAY, actor=EXECUTIVE, project_code="P03")
    new = stored[stored["agreement_code"] == "JR-P03-02"].iloc[0]
    assert (new["kind"], new["renewal"], bool(new["bayh_dole"])) == ("joint_research", "none", True)
    assert [(s["organization_code"], s["percent"]) for s in new["ip_shares"]] == [
        ("CO-SAKURAGI", 60.0),
        ("RI-SANGI", 40.0),
    ]
    meeting = meeting_table(db, actor=EXECUTIVE, project_code="P03").iloc[0]
    assert meeting["meeting_code"] == "P03-20261126-regular"
    assert [(i["owner"], str(i["due_on"])) for i in meeting["action_items"]] == [
        ("RI-SANGI", "2026-12-10"),
        ("CO-SAKURAGI", "2026-12-20"),
    ]

    own = organization_timeline(db, "CO-SAKURAGI", DEMO_TODAY, "ja", actor=EXECUTIVE)
    wide = organization_timeline(db, "UNI-SETOUCHI", DEMO_TODAY, "ja", actor=EXECUTIVE)
    db.close()
    assert {"JR-P03-02", "P03-20261126-regular"} <= set(own.events["ref"])
    executive = new_context(browser).new_page()
    sign_in(executive, f"{url}/partners?lang=ja&org=CO-SAKURAGI", DEMO_EXECUTIVE)
    expect(executive.get_by_role("heading", name="機関の歩み")).to_be_visible()
    figures = executive.get_by_test_id("stMetric")
    agreements = int(own.events["kind"].str.startswith("agreement_").sum())  # the new one among them
    expect(figures.filter(has_text="契約・協定")).to_contain_text(str(agreements))
    expect(executive.get_by_role("heading", name="疎遠になりつつある機関")).to_be_visible()

    # Another organization, across its three projects: its figures, who it works with, its timeline.
    organization = executive.get_by_role("combobox", name="機関")
    open_list(executive, organization)
    executive.keyboard.type("UNI-SETOUCHI")
    executive.get_by_role("option", name=re.compile(r"UNI-SETOUCHI")).click()
    settled(executive)
    assert sorted(wide.projects["project_code"]) == ["P10", "P18", "P20"]
    assert set(wide.events["project_code"]) >= {"P10", "P18", "P20"}
    expect(figures.filter(has_text="プロジェクト")).to_contain_text("3")
    meetings = int((wide.events["kind"].str.startswith("meeting_") & wide.events["day"].map(
        lambda day: (DEMO_TODAY - day).days <= 365)).sum())  # fmt: skip
    expect(figures.filter(has_text="この1年の会議")).to_contain_text(str(meetings))
    top = str(wide.collaborators["name"].iloc[0])
    expect(executive.locator(".js-plotly-plot").get_by_text(top[:14]).first).to_be_visible()
    expect(executive.get_by_role("heading", name="これまでの歩み（新しい順）")).to_be_visible()
    shot(executive, "partnerships-history-ja")
    executive.context.close()
