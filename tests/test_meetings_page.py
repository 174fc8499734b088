"""The meetings page and the reminders page's action items (AppTest): a lead records a meeting with
two action items through the form; a partner records one for its own project and marks its own item
done, and cannot mark another organization's; a review past due shows; minutes read as typed; the
reminders page lists the open items by owner with a message to copy, in both languages; a Japanese
page says nothing in English.

Meetings are made here with save_meeting (the demo's own meetings are removed first), so these
tests do not depend on the demo's partnerships."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Forbidden, Role
from kpi.i18n import catalog
from kpi.partnerships.meetings import mark_item_done, meeting_table, save_meeting
from kpi.storage import Database
from tests.conftest import DEMO_EXECUTIVE, DEMO_LEAD, DEMO_PARTNER, DEMO_TODAY, signed_in
from tests.test_languages import ENGLISH_WORDS, JAPANESE, shown_text

ROOT = Path(__file__).parent.parent
LEAD = Actor("demo-lead", Role.LEAD, "CO-SAKURAGI")  # leads P03 (with RI-SANGI and GOV-SHIZUOKA)
PARTNER = Actor("demo-partner", Role.PARTNER, "UNI-SETOUCHI")  # a partner of P10, P18 and P20
OPERATOR = Actor.operator("tester")
AS_TYPED = "**bold** <b>x</b>\n# heading\n- not a list"


@pytest.fixture
def db_copy(demo_db_path: Path, tmp_path: Path) -> Path:
    """The demo without meetings or review cadences of its own."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    db = Database(copy)
    with db.transaction() as cursor:
        cursor.execute("DELETE FROM meeting_versions")
        cursor.execute("DELETE FROM review_cadence_versions")
    db.close()
    return copy


def meeting(project: str, held_on: date, items: list[tuple[str, str, date]], **fields: Any) -> dict[str, Any]:
    return {
        "project_code": project,
        "held_on": held_on,
        "kind": "regular",
        "title": "",
        "organizations": ["CO-SAKURAGI", "RI-SANGI"] if project == "P03" else ["UNI-SETOUCHI", "CO-NAGISA"],
        "minutes": "",
        "decisions": "",
        "kpi_codes": [],
        "action_items": [{"description": d, "owner": o, "due_on": due} for d, o, due in items],
        **fields,
    }


def record(path: Path, *meetings: dict[str, Any], actor: Actor = OPERATOR) -> list[str]:
    db = Database(path)
    codes = [save_meeting(db, m, actor=actor, lang="en", expected_version=None)[0] for m in meetings]
    db.close()
    return codes


def open_page(
    monkeypatch: pytest.MonkeyPatch, path: Path, lang: str, user: str, project: str, page: str = "meetings"
) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(path))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), user)
    app.query_params["lang"] = lang
    app.query_params["project"] = project
    app.switch_page(f"pages/{page}.py").run()
    assert not app.exception, app.exception
    return app


def keyed(elements: Any, ending: str) -> Any:
    return next(e for e in elements if e.key and e.key.endswith(ending))


def said(elements: Any) -> list[str]:
    """What messages say, without the Markdown escapes of plain()."""
    return [str(e.value).replace("\\", "") for e in elements]


def current(path: Path, project: str) -> pd.DataFrame:
    db = Database(path)
    frame = meeting_table(db, actor=OPERATOR, project_code=project)
    db.close()
    return frame


def fill_item(app: AppTest, number: int, description: str, owner: str, due: date) -> None:
    keyed(app.text_input, f"::item{number}::description").input(description)
    keyed(app.selectbox, f"::item{number}::owner").select(owner)
    keyed(app.date_input, f"::item{number}::due").set_value(due)


def test_a_lead_records_a_meeting_with_two_action_items(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    app = open_page(monkeypatch, db_copy, "en", DEMO_LEAD, "P03")
    app.button_group[0].set_value("new").run()
    assert not app.exception
    assert "Record a meeting" in [s.value for s in app.subheader]
    present = keyed(app.multiselect, "::organizations")
    assert sorted(present.value) == ["CO-SAKURAGI", "GOV-SHIZUOKA", "RI-SANGI"]  # the project's partners
    kpis = keyed(app.multiselect, "::kpis")
    kpi = kpis.options[0].split(" ")[0]
    keyed(app.date_input, "::held_on").set_value(date(2026, 11, 20))
    keyed(app.selectbox, "::kind").select("results")
    keyed(app.text_input, "::title").input("Pilot results briefing")
    present.unselect("GOV-SHIZUOKA")
    kpis.select(kpi)
    keyed(app.text_area, "::minutes").input("Yield up 4%.\nShade nets stay.")
    keyed(app.text_area, "::decisions").input("Extend the pilot to field B.")
    fill_item(app, 1, "Send the yield data", "RI-SANGI", date(2026, 12, 15))
    fill_item(app, 3, "Book field B", "CO-SAKURAGI", date(2027, 1, 31))  # row 2 left blank
    keyed(app.button, "::save").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert said(app.success) == ["Meeting P03-20261120-results saved."]
    stored = current(db_copy, "P03").iloc[0]
    assert (stored["meeting_code"], stored["version"], stored["kind"], stored["title"]) == (
        "P03-20261120-results", 1, "results", "Pilot results briefing"
    )  # fmt: skip
    assert list(stored["organizations"]) == ["CO-SAKURAGI", "RI-SANGI"]
    assert list(stored["kpi_codes"]) == [kpi]
    assert stored["minutes"] == "Yield up 4%.\nShade nets stay."
    assert stored["decisions"] == "Extend the pilot to field B."
    assert [dict(i) for i in stored["action_items"]] == [
        {
            "description": "Send the yield data",
            "owner": "RI-SANGI",
            "due_on": date(2026, 12, 15),
            "done_on": None,
        },
        {"description": "Book field B", "owner": "CO-SAKURAGI", "due_on": date(2027, 1, 31), "done_on": None},
    ]
    # The page now shows it: listed, chosen, and its items with their owners' names.
    assert app.button_group[0].value == "details"
    listed = app.dataframe[1].value
    assert list(listed["title"]) == ["Pilot results briefing"]
    assert list(listed["items"]) == ["2 (0 done)"]
    items = next(d.value for d in app.dataframe if "owner_name" in d.value.columns)
    assert list(items["description"]) == ["Send the yield data", "Book field B"]
    assert list(items["state"]) == ["open", "open"]
    # Its own item: in "my organization's open action items" at the top.
    assert any("Book field B" in m for m in said(app.markdown))


def test_a_rejected_meeting_says_what_to_change_in_the_fields_words(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    app = open_page(monkeypatch, db_copy, "en", DEMO_LEAD, "P03")
    app.button_group[0].set_value("new").run()
    keyed(app.multiselect, "::organizations").set_value([])
    keyed(app.text_input, "::item2::description").input("Call the city")
    keyed(app.button, "::save").click().run()
    assert said(app.error) == [
        "“Organizations present” is empty but required.",
        "Action item 1: choose the organization responsible.",
        "Action item 1: give its due date.",
    ]
    assert current(db_copy, "P03").empty


def test_a_partner_records_a_meeting_and_marks_its_own_item_done(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    app = open_page(monkeypatch, db_copy, "en", DEMO_PARTNER, "P18")
    assert [o.split("  ")[0] for o in app.selectbox(key="project").options] == ["P10", "P18", "P20"]
    assert app.button_group[0].options == ["Details", "Record a meeting"]  # no change: not the lead
    app.button_group[0].set_value("new").run()
    keyed(app.date_input, "::held_on").set_value(date(2026, 11, 10))
    fill_item(app, 1, "Share the buoy readings", "UNI-SETOUCHI", date(2026, 12, 1))
    fill_item(app, 2, "Order the sensors", "CO-NAGISA", date(2026, 11, 20))
    keyed(app.button, "::save").click().run()
    assert not app.error, [e.value for e in app.error]
    code = "P18-20261110-regular"
    assert said(app.success) == [f"Meeting {code} saved."]
    # The partner's own item has its "done" button; the other organization's has none.
    labels = [b.label for b in app.button]
    assert "Mark item 1 done" in labels and "Mark item 2 done" not in labels
    mine = keyed(app.button, f"mine_done::{code}::1")  # at the top, among its open items
    assert not any(b.key and b.key.startswith(f"mine_done::{code}::2") for b in app.button)
    mine.click().run()
    assert not app.exception and not app.error
    assert said(app.success) == [f"Action item 1 of {code} marked done."]
    stored = current(db_copy, "P18").iloc[0]
    assert stored["version"] == 2
    assert [i["done_on"] for i in stored["action_items"]] == [DEMO_TODAY, None]
    assert [s.value for s in app.info if "no open action item" in s.value] == [
        "Your organization has no open action item."
    ]
    # The core refuses the other organization's item, whatever the page shows.
    db = Database(db_copy)
    with pytest.raises(Forbidden):
        mark_item_done(db, code, 2, DEMO_TODAY, actor=PARTNER, lang="en", expected_version=2)
    db.close()
    assert current(db_copy, "P18").iloc[0]["version"] == 2


def test_a_partner_reads_only_and_an_executive_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    record(db_copy, meeting("P03", date(2026, 10, 1), [("Draft the report", "RI-SANGI", date(2026, 11, 1))]))
    app = open_page(monkeypatch, db_copy, "en", DEMO_EXECUTIVE, "P03")
    assert not app.button_group  # one part: the details
    assert not [b for b in app.button if b.key and ("done" in b.key or "save" in b.key)]
    assert not app.text_area and not app.number_input
    assert app.subheader[1].value == "Open action items"
    everyone = app.dataframe[1].value  # every open item, in a table
    assert list(everyone["description"]) == ["Draft the report"]


def test_a_review_past_due_is_flagged(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    # P03's last review was more than three months before the app's today (26 Nov 2026); P18's not.
    record(
        db_copy,
        meeting("P03", date(2026, 7, 1), []),
        meeting("P03", date(2026, 9, 1), [], kind="results"),  # not a review
        meeting("P18", date(2026, 10, 1), []),
    )
    app = open_page(monkeypatch, db_copy, "en", DEMO_LEAD, "P03")
    late = app.dataframe[0].value.set_index("project_code")
    assert late.loc["P03", "last_review"] == date(2026, 7, 1)
    assert late.loc["P03", "due_on"] == date(2026, 10, 1)
    assert late.loc["P03", "days_overdue"] == (DEMO_TODAY - date(2026, 10, 1)).days == 56
    assert "P18" not in late.index
    assert [w.value for w in app.warning] == [
        "A review (regular review or midterm evaluation) every 3 months. Last review: 1 Jul 2026. "
        "Next due: 1 Oct 2026. The review is 56 days overdue."
    ]
    # The lead sets P03's cadence to 6 months, with a reason: no longer past due.
    with_cadence = keyed(app.number_input, "::months")
    with_cadence.set_value(6)
    keyed(app.button, "cadence::P03::apply").click().run()
    assert said(app.error) == ["Say why it is changed: the reason is required."]
    keyed(app.text_input, "cadence::P03::reason").input("Field season: reviews every half year")
    keyed(app.button, "cadence::P03::apply").click().run()
    assert said(app.success) == ["Project P03: a review every 6 months from now on."]
    assert "P03" not in set(app.dataframe[0].value["project_code"])
    assert any(m.endswith("Last review: 1 Jul 2026. Next due: 1 Jan 2027.") for m in said(app.markdown))


def test_minutes_and_decisions_show_as_typed(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    record(db_copy, meeting("P03", date(2026, 11, 2), [], minutes=AS_TYPED, decisions="# heading"))
    app = open_page(monkeypatch, db_copy, "en", DEMO_LEAD, "P03")
    texts = [t.value for t in app.text]
    assert AS_TYPED in texts and "# heading" in texts  # st.text: no Markdown, no HTML
    # Nothing of them reaches Markdown: neither the details nor the list's title and decisions.
    markdown = [m.value for m in app.markdown] + [c.value for c in app.caption]
    assert not [m for m in markdown if "bold" in m or "# heading" in m]
    assert list(app.dataframe[1].value["decisions"]) == ["# heading"]  # a table cell: text


def test_a_lead_changes_and_withdraws_a_meeting(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    (code,) = record(
        db_copy, meeting("P03", date(2026, 11, 2), [("Book the hall", "RI-SANGI", date(2026, 12, 1))])
    )
    app = open_page(monkeypatch, db_copy, "en", DEMO_LEAD, "P03")
    app.button_group[0].set_value("change").run()
    assert keyed(app.text_input, "::item1::description").value == "Book the hall"
    keyed(app.text_input, "::item1::description").input("Book the hall for 40")
    keyed(app.button, "::save").click().run()
    assert said(app.error) == ["Say why it is changed: “Reason” is required for a change."]
    keyed(app.text_area, "::reason").input("More guests")
    keyed(app.button, "::save").click().run()
    assert said(app.success) == [f"Meeting {code} saved as version 2."]
    stored = current(db_copy, "P03").iloc[0]
    assert (stored["version"], stored["reason"], stored["action_items"][0]["description"]) == (
        2, "More guests", "Book the hall for 40"
    )  # fmt: skip
    app.button_group[0].set_value("change").run()
    keyed(app.checkbox, "::withdraw").check()
    keyed(app.text_area, "::reason").input("Recorded twice")
    keyed(app.button, "::save").click().run()
    assert said(app.success) == [f"Meeting {code} withdrawn."]
    assert current(db_copy, "P03").empty


def reminders_items(path: Path) -> None:
    soon = DEMO_TODAY + timedelta(days=10)
    record(
        path,
        meeting(
            "P03",
            date(2026, 10, 1),
            [("Send the yield data", "RI-SANGI", date(2026, 11, 16)), ("Book field B", "CO-SAKURAGI", soon)],
        ),
        meeting(
            "P18",
            date(2026, 11, 2),
            [("Share the buoy readings", "RI-SANGI", soon)],
            organizations=["UNI-SETOUCHI"],
        ),
    )


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_reminders_page_lists_open_items_by_owner_with_a_message(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str
) -> None:
    reminders_items(db_copy)
    app = open_page(monkeypatch, db_copy, lang, DEMO_LEAD, "P03", page="reminders")
    heading = catalog(lang)["reminder_actions.heading"]
    assert heading in [s.value for s in app.subheader]
    owners = next(d.value for d in app.dataframe if "late" in d.value.columns)
    assert list(owners["owner"]) == ["RI-SANGI", "CO-SAKURAGI"]  # the latest item's owner first
    assert list(owners["items"]) == [2, 1] and list(owners["late"]) == [1, 0]
    assert list(owners["days_late"]) == [10, 0]
    name = owners["owner_name"].iloc[0]
    assert name != "RI-SANGI" and bool(JAPANESE.search(name)) == (lang == "ja")
    if lang == "ja":  # the section's words are Japanese (the items' descriptions are data)
        texts = [t for t in shown_text(app) if "Send the yield data" not in t]
        assert [t for t in texts if ENGLISH_WORDS.search(t) and not JAPANESE.search(t)] == []
    app.selectbox(key="reminder_actions_owner").select("RI-SANGI").run()
    for message_lang in ("ja", "en"):
        app.selectbox(key="reminder_actions_lang").select(message_lang).run()
        message = app.code[-1].value
        if message_lang == "en":
            assert message.startswith("Dear ")
            assert "- Send the yield data (P03 " in message
            assert "Regular review of 1 Oct 2026): due 16 Nov 2026, 10 days late" in message
            assert "- Share the buoy readings (P18 " in message
            assert "due 6 Dec 2026, due in 10 days" in message
            assert not JAPANESE.search(message.replace(message.split("\n")[0], "").split("(P03 ")[0])
        else:
            assert "ご担当者様" in message
            assert "・Send the yield data（P03 " in message
            assert "2026年10月1日の定例会・振り返り）：期限 2026年11月16日、10 日超過" in message
            assert "期限 2026年12月6日、あと 10 日" in message
        assert "Book field B" not in message  # another owner's


def test_the_action_items_show_when_every_partner_has_reported(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    import kpi.portfolio.freshness as freshness

    reminders_items(db_copy)
    reported = freshness.freshness_frame
    monkeypatch.setattr(freshness, "freshness_frame", lambda *a, **k: reported(*a, **k).iloc[0:0])
    app = open_page(monkeypatch, db_copy, "en", DEMO_LEAD, "P03", page="reminders")
    assert "Every partner has reported the period due, or it is not overdue yet." in [
        i.value for i in app.info
    ]
    assert "Action items from meetings" in [s.value for s in app.subheader]
    owners = next(d.value for d in app.dataframe if "late" in d.value.columns)
    assert list(owners["owner"]) == ["RI-SANGI", "CO-SAKURAGI"]


@pytest.mark.parametrize(
    ("user", "project", "part"),
    [(DEMO_LEAD, "P03", p) for p in ("details", "new", "change")]
    + [(DEMO_PARTNER, "P18", p) for p in ("details", "new")],  # a partner changes no meeting
)
def test_the_japanese_page_says_nothing_in_english(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, user: str, project: str, part: str
) -> None:
    record(
        db_copy,
        meeting("P03", date(2026, 7, 1), [("報告書の作成", "RI-SANGI", date(2026, 8, 1))], minutes="議事録"),
        meeting(
            "P18", date(2026, 11, 2), [("ブイの点検", "UNI-SETOUCHI", date(2026, 11, 25))], kind="midterm"
        ),
    )
    app = open_page(monkeypatch, db_copy, "ja", user, project)
    app.button_group[0].set_value(part).run()
    assert not app.exception
    en, ja = catalog("en"), catalog("ja")
    english_only = {v for k, v in en.items() if v != ja[k] and len(v) > 3 and "{" not in v}
    texts = shown_text(app) + [t.value for t in app.text]
    assert [t for t in texts if t in english_only] == []
    assert [t for t in texts if ENGLISH_WORDS.search(t) and not JAPANESE.search(t)] == []
    assert any(JAPANESE.search(t) for t in texts)
