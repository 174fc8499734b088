"""The agreements page (AppTest): a lead adds an agreement through the form and changes it (a reason,
version 2, a stale save, a withdrawal), a refused record says what to correct, partners and
executives read without a form, an agreement ending within 90 days and a notice date show at the
top, a lead's reason lifts a phase flag, IP terms show as typed, and each language says nothing in
the other. The demo's own agreements are removed: every agreement here is made by the test."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Role
from kpi.i18n import catalog
from kpi.partnerships.agreement_view import ip_text, renewal_text, term_text
from kpi.partnerships.agreements import agreement_history, agreement_table, phase_flags, save_agreement
from kpi.storage import Database
from tests.conftest import (
    DEMO_EXECUTIVE,
    DEMO_LEAD,
    DEMO_PARTNER,
    DEMO_TODAY,
    OPERATOR,
    signed_in,
    without_demo_partnerships,
)
from tests.test_languages import ENGLISH_WORDS, JAPANESE, QUOTED_JAPANESE, registry_words, shown_text

ROOT = Path(__file__).parent.parent
SAKURAGI = Actor("demo-lead", Role.LEAD, "CO-SAKURAGI")  # leads P03 (in demonstration)
P03 = "P03 Solar sharing over tea fields"
TYPED = "**bold** <b>x</b>"


@pytest.fixture
def db_copy(demo_db_path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "agreements.duckdb"
    shutil.copy(demo_db_path, copy)
    db = Database(copy)
    without_demo_partnerships(db)
    db.close()
    return copy


def agreement(**changes: Any) -> dict[str, Any]:
    return {
        "agreement_code": "JR-T-01",
        "project_code": "P03",
        "kind": "joint_research",
        "title": "Field trial on the tea terraces",
        "parties": ["CO-SAKURAGI", "RI-SANGI"],
        "signed_on": date(2026, 3, 1),
        "starts_on": date(2026, 4, 1),
        "ends_on": DEMO_TODAY + timedelta(days=45),
        "renewal": "none",
        "notice_days": None,
        "ip_ownership": "joint",
        "ip_shares": [
            {"organization_code": "CO-SAKURAGI", "percent": 70.0},
            {"organization_code": "RI-SANGI", "percent": 30.0},
        ],
        "bayh_dole": False,
        "ethics": "not_needed",
        "ethics_approved_on": None,
        "ip_terms": "Inventions are owned by the parties that made them.",
        **changes,
    }


def seed(db: Path, **changes: Any) -> None:
    save_agreement(
        Database(db), agreement(**changes), actor=OPERATOR, lang="en", today=DEMO_TODAY, expected_version=None
    )


def open_page(
    monkeypatch: pytest.MonkeyPatch, db: Path, lang: str = "en", user: str = DEMO_LEAD, project: str = "P03"
) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), user)
    app.query_params["lang"] = lang
    app.query_params["project"] = project
    app.switch_page("pages/agreements.py").run()
    assert not app.exception, app.exception
    return app


def said(elements: Any) -> list[str]:
    """What messages say, without the Markdown escapes of plain()."""
    return [str(e.value).replace("\\", "") for e in elements]


def form_errors(app: AppTest) -> list[str]:
    """The errors a save showed (the phase flags at the top are errors too)."""
    return [e for e in said(app.error) if "(phase: " not in e]


def keyed(elements: Any, ending: str) -> Any:
    return next(e for e in elements if e.key and e.key.startswith("agr::") and e.key.endswith(ending))


def current(db: Path, code: str) -> dict[str, Any]:
    table = agreement_table(Database(db), DEMO_TODAY, actor=SAKURAGI)
    return {str(k): v for k, v in table.set_index("agreement_code").loc[code].items()}


def test_a_lead_adds_an_agreement_and_a_refused_one_says_what_to_correct(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    app = open_page(monkeypatch, db_copy)
    assert said(app.info) == ["No agreement is recorded here yet."]
    assert app.selectbox(key="agr_choice::P03").value == ""  # nothing recorded: the new-agreement form
    assert app.subheader[-1].value == "Add an agreement"
    # The project's partners are the parties to start with.
    assert set(keyed(app.multiselect, "::parties").value) == {"CO-SAKURAGI", "RI-SANGI", "GOV-SHIZUOKA"}
    keyed(app.text_input, "::code").input("JR-P03-02")
    keyed(app.text_input, "::title").input("Second-phase joint research")
    keyed(app.multiselect, "::parties").unselect("GOV-SHIZUOKA")
    keyed(app.date_input, "::signed_on").set_value(date(2026, 11, 20))
    keyed(app.date_input, "::starts_on").set_value(date(2026, 12, 1))
    keyed(app.date_input, "::ends_on").set_value(date(2028, 3, 31))
    keyed(app.selectbox, "::renewal").select("auto").run()
    keyed(app.number_input, "::notice").set_value(60)
    keyed(app.selectbox, "::ip_ownership").select("joint").run()
    keyed(app.number_input, "::share::CO-SAKURAGI").set_value(60.0)
    keyed(app.number_input, "::share::RI-SANGI").set_value(30.0)
    keyed(app.checkbox, "::bayh").check()
    keyed(app.selectbox, "::ethics").select("approved").run()
    keyed(app.date_input, "::ethics_approved_on").set_value(date(2026, 11, 10))
    keyed(app.text_area, "::ip_terms").input("Joint inventions: 60/40.")
    keyed(app.button, "::save").click().run()
    assert form_errors(app) == [
        "Joint ownership needs two or more owners whose shares add up to 100% (now 90%): correct “IP shares”."
    ]
    assert agreement_table(Database(db_copy), DEMO_TODAY, actor=SAKURAGI).empty  # nothing saved
    keyed(app.number_input, "::share::RI-SANGI").set_value(40.0)
    keyed(app.button, "::save").click().run()
    assert not app.exception and not form_errors(app)
    assert said(app.success) == ["Agreement JR-P03-02 saved."]
    assert app.selectbox(key="agr_choice::P03").value == "JR-P03-02"  # the saved agreement is open
    stored = current(db_copy, "JR-P03-02")
    assert {k: stored[k] for k in ("project_code", "kind", "title", "parties", "renewal", "notice_days")} == {
        "project_code": "P03", "kind": "joint_research", "title": "Second-phase joint research",
        "parties": ["CO-SAKURAGI", "RI-SANGI"], "renewal": "auto", "notice_days": 60,
    }  # fmt: skip
    assert (stored["signed_on"], stored["starts_on"], stored["ends_on"]) == (
        date(2026, 11, 20), date(2026, 12, 1), date(2028, 3, 31)
    )  # fmt: skip
    assert [(s["organization_code"], s["percent"]) for s in stored["ip_shares"]] == [
        ("CO-SAKURAGI", 60.0), ("RI-SANGI", 40.0)
    ]  # fmt: skip
    assert (stored["bayh_dole"], stored["ethics"], stored["ethics_approved_on"]) == (
        True,
        "approved",
        date(2026, 11, 10),
    )
    assert (stored["ip_terms"], stored["version"], stored["notice_by"]) == (
        "Joint inventions: 60/40.",
        1,
        date(2028, 1, 31),
    )
    row = app.dataframe[0].value.iloc[0].to_dict()
    assert {
        k: row[k] for k in ("agreement_code", "status", "term", "renewal", "ip", "bayh_dole", "ethics")
    } == {
        "agreement_code": "JR-P03-02",
        "status": "Not started yet",
        "term": "1 Dec 2026 – 31 Mar 2028",
        "renewal": "Renews yearly; notice by 31 Jan 2028 (60 days before the end)",
        "ip": "Joint: Sakuragi Energy Co., Ltd. 60%, Regional Industrial Technology Research Center 40%",
        "bayh_dole": "Yes",
        "ethics": "Approved on 10 Nov 2026",
    }


def test_a_change_needs_a_reason_and_makes_version_2(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    seed(db_copy)
    app = open_page(monkeypatch, db_copy)
    assert app.selectbox(key="agr_choice::P03").value == "JR-T-01"
    assert app.subheader[-1].value == "Change agreement JR-T-01"
    keyed(app.date_input, "::ends_on").set_value(date(2027, 9, 30))
    keyed(app.button, "::save").click().run()
    assert form_errors(app) == ["Say why it is changed: “Reason” is required for a change."]
    assert current(db_copy, "JR-T-01")["version"] == 1
    keyed(app.text_area, "::reason").input("Extended by the amendment of 20 November.")
    keyed(app.button, "::save").click().run()
    assert not form_errors(app)
    assert said(app.success) == ["Agreement JR-T-01 saved as version 2."]
    stored = current(db_copy, "JR-T-01")
    assert (stored["version"], stored["ends_on"], stored["reason"]) == (
        2, date(2027, 9, 30), "Extended by the amendment of 20 November."
    )  # fmt: skip
    history = next(e for e in app.expander if e.label.startswith("Versions"))
    assert history.label == "Versions (2)"
    lines = said(history.markdown)
    assert lines[0].startswith("**Version 2** · ") and lines[0].endswith("· demo-lead  \nChanged: End.")
    assert [t.value for t in history.text] == ["Extended by the amendment of 20 November."]
    assert said(history.markdown)[1].endswith("· tester  \nRecorded.")
    # Saving again without a change keeps version 2.
    keyed(app.text_area, "::reason").input("No change.")
    keyed(app.button, "::save").click().run()
    assert said(app.success) == ["Nothing changed: agreement JR-T-01 stays at version 2."]


def test_a_save_over_someone_elses_reopens_on_the_stored_version(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    seed(db_copy)
    app = open_page(monkeypatch, db_copy)
    keyed(app.text_input, "::title").input("My title")
    keyed(app.text_area, "::reason").input("Mine.")
    theirs = agreement(title="Their title", reason="Theirs.")
    save_agreement(Database(db_copy), theirs, actor=OPERATOR, lang="en", today=DEMO_TODAY, expected_version=1)
    keyed(app.button, "::save").click().run()
    assert form_errors(app) == [
        "Someone saved agreement JR-T-01 after you opened it (now version 2). Nothing was saved: the form "
        "now shows the stored version; make your change again."
    ]
    app.run()
    assert keyed(app.text_input, "::title").value == "Their title"  # the stored version
    assert current(db_copy, "JR-T-01")["title"] == "Their title"


def test_an_agreement_recorded_by_mistake_is_withdrawn_with_a_reason(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    seed(db_copy)
    app = open_page(monkeypatch, db_copy)
    withdraw = next(b for b in app.button if b.key and b.key.endswith("::withdraw"))
    withdraw.click().run()
    assert form_errors(app) == ["Say why it is changed: “Reason” is required for a change."]
    reason = next(t for t in app.text_area if t.key and t.key.startswith("agr_wd::"))
    reason.input("Entered under the wrong project.")
    next(b for b in app.button if b.key and b.key.endswith("::withdraw")).click().run()
    assert said(app.success) == ["Agreement JR-T-01 withdrawn; its versions are kept."]
    assert agreement_table(Database(db_copy), DEMO_TODAY, actor=SAKURAGI).empty
    history = agreement_history(Database(db_copy), "JR-T-01", actor=SAKURAGI)
    assert [(v["version"], v["withdrawn"], v["reason"]) for v in history] == [
        (1, False, ""), (2, True, "Entered under the wrong project.")
    ]  # fmt: skip
    assert app.selectbox(key="agr_choice::P03").value == ""  # back to the new-agreement form


def test_a_lead_keeps_agreements_between_organizations_it_is_a_party_to(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    app = open_page(monkeypatch, db_copy)
    app.selectbox(key="agr_project").select("").run()  # between organizations
    assert app.subheader[1].value == "Agreements between organizations"
    assert keyed(app.selectbox, "::kind").value == "comprehensive"
    assert keyed(app.multiselect, "::parties").value == ["CO-SAKURAGI"]  # the lead's organization
    keyed(app.text_input, "::code").input("CP-T-01")
    keyed(app.text_input, "::title").input("Comprehensive partnership")
    keyed(app.multiselect, "::parties").set_value(["UNI-SETOUCHI", "GOV-SHIZUOKA"])
    keyed(app.date_input, "::starts_on").set_value(date(2026, 4, 1))
    keyed(app.button, "::save").click().run()
    assert form_errors(app) == [
        "Only a party to this agreement (or an administrator) can change it; your organization CO-SAKURAGI "
        "is not one."
    ]
    keyed(app.multiselect, "::parties").set_value(["CO-SAKURAGI", "UNI-SETOUCHI"])
    keyed(app.button, "::save").click().run()
    assert said(app.success) == ["Agreement CP-T-01 saved."]
    stored = current(db_copy, "CP-T-01")
    assert (stored["project_code"], stored["parties"], stored["ends_on"]) == (
        None,
        ["CO-SAKURAGI", "UNI-SETOUCHI"],
        None,
    )
    assert app.dataframe[0].value.iloc[0]["term"] == "From 1 Apr 2026, open-ended"


@pytest.mark.parametrize("user", [DEMO_PARTNER, DEMO_EXECUTIVE])
def test_partners_and_executives_read_without_a_form(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, user: str
) -> None:
    sole = [{"organization_code": "UNI-SETOUCHI", "percent": 100.0}]
    seed(db_copy, agreement_code="JR-T-18", project_code="P18", parties=["UNI-SETOUCHI", "CO-KOMOREBI"],
         ip_shares=sole, ip_ownership="sole")  # fmt: skip
    seed(db_copy)  # P03's, which the partner does not take part in
    app = open_page(monkeypatch, db_copy, user=user, project="P18")
    assert app.selectbox(key="agr_choice::P18").value == "JR-T-18"
    assert app.selectbox(key="agr_choice::P18").options == ["JR-T-18  Field trial on the tea terraces"]
    assert app.dataframe[0].value.iloc[0]["ip"] == "Sole: Setouchi Marine University"
    assert not [w for w in (*app.text_input, *app.text_area, *app.date_input) if w.key and "agr" in w.key]
    assert not [b for b in app.button if b.key and b.key.startswith(("agr::", "agr_wd::"))]
    assert "Read only: the lead of the project keeps its agreements." in said(app.caption)
    projects = app.selectbox(key="agr_project")
    if user == DEMO_PARTNER:  # its own projects only, and it never reads P03's agreement
        assert not any(o.startswith("P03") for o in projects.options)
        assert [b.key for b in app.button if b.key and b.key.startswith("agr_open::")] == [
            "agr_open::0::JR-T-18"
        ]
    else:
        assert any(o.startswith("P03") for o in projects.options)
        assert len([b for b in app.button if b.key and b.key.startswith("agr_open::")]) == 2


def test_alerts_for_an_end_and_a_notice_date_within_90_days(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    seed(db_copy)  # ends in 45 days, no renewal
    no_ip: dict[str, Any] = {"ip_ownership": "none", "ip_shares": []}
    seed(db_copy, agreement_code="MOU-T-02", kind="mou", title="Data sharing", starts_on=date(2024, 5, 1),
         ends_on=date(2025, 4, 30), renewal="auto", notice_days=90, **no_ip)  # fmt: skip
    seed(db_copy, agreement_code="NDA-T-03", kind="nda", title="Later",
         ends_on=DEMO_TODAY + timedelta(days=120), **no_ip)  # fmt: skip
    app = open_page(monkeypatch, db_copy)
    assert said(app.warning) == [
        f"Joint research agreement JR-T-01 “Field trial on the tea terraces” ({P03}) ends on 10 Jan 2027 "
        "(45 days left) and does not renew: agree an extension or a follow-on agreement before then.",
        f"Memorandum of understanding MOU-T-02 “Data sharing” ({P03}): the last day to give notice is "
        "30 Jan 2027 (65 days left). Unless a party objects by then, it renews for another year.",
    ]  # the one ending in 120 days is not yet an alert
    row = app.dataframe[0].value.set_index("agreement_code").loc["MOU-T-02"]
    assert row["term"] == "1 May 2024 – 30 Apr 2027 (renewed 2 times)"
    app.selectbox(key="agr_choice::P03").select("NDA-T-03").run()
    app.button(key="agr_open::1::MOU-T-02").click().run()  # the alert opens its agreement
    assert app.selectbox(key="agr_choice::P03").value == "MOU-T-02"
    assert app.subheader[2].value == "MOU\\-T\\-02  Data sharing"


def test_a_phase_flag_shows_and_the_leads_reason_lifts_it(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    app = open_page(monkeypatch, db_copy)
    assert said(app.error) == [
        f"{P03} (phase: Demonstration) has no signed joint research or commissioned agreement in force."
    ]  # only the lead's own projects, to start with
    app.toggle(key="agr_only_mine").set_value(False).run()
    assert len(app.error) > 1  # every project in demonstration or implementation: no agreement is left
    assert [k.key for k in app.button if k.key and k.key.startswith("agr_flag_save::")] == [
        "agr_flag_save::P03"
    ]
    app.toggle(key="agr_only_mine").set_value(True).run()
    app.text_area(key="agr_flag_reason::P03").input(TYPED)
    app.button(key="agr_flag_save::P03").click().run()
    assert said(app.success) == [f"Reason recorded for {P03}: the flag is lifted for this phase."]
    assert not app.error
    assert said(app.info)[0] == (
        f"{P03} (phase: Demonstration) goes on without a research agreement, "
        "for the reason its lead recorded:"
    )
    assert app.text[0].value == TYPED  # as typed
    flags = phase_flags(Database(db_copy), DEMO_TODAY, actor=SAKURAGI)
    assert next(f for f in flags if f.project_code == "P03").reason == TYPED
    # A signed research agreement in force lifts the flag itself.
    seed(db_copy)
    assert "P03" not in {f.project_code for f in phase_flags(Database(db_copy), DEMO_TODAY, actor=SAKURAGI)}


def test_an_executive_sees_flags_without_a_reason_form(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    app = open_page(monkeypatch, db_copy, user=DEMO_EXECUTIVE)
    assert any(e.startswith(P03) for e in said(app.error))
    assert not [b for b in app.button if b.key and b.key.startswith("agr_flag_save::")]


def test_ip_terms_titles_and_reasons_show_as_typed(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    seed(db_copy, title="*Trial* <i>x</i>", ip_terms=TYPED)
    changed = agreement(title="*Trial* <i>x</i>", ip_terms=TYPED, bayh_dole=True, reason=TYPED)
    save_agreement(
        Database(db_copy), changed, actor=OPERATOR, lang="en", today=DEMO_TODAY, expected_version=1
    )
    app = open_page(monkeypatch, db_copy)
    assert [t.value for t in app.text] == [TYPED, TYPED]  # the IP terms, and the version's reason
    assert app.subheader[2].value == "JR\\-T\\-01  \\*Trial\\* \\<i\\>x\\</i\\>"  # Markdown-inert
    assert not [m.value for m in app.markdown if "<b>" in str(m.value) or "**bold**" in str(m.value)]
    assert app.dataframe[0].value.iloc[0]["title"] == "*Trial* <i>x</i>"


def test_the_words_of_an_agreement_in_each_language() -> None:
    auto = {
        "starts_on": date(2024, 5, 1), "term_ends_on": date(2027, 4, 30), "renewals": 1, "renewal": "auto",
        "notice_by": date(2027, 1, 30), "notice_days": 90,
    }  # fmt: skip
    assert term_text(auto, "ja") == "2024年5月1日～2027年4月30日（1回更新）"
    assert term_text(auto, "en") == "1 May 2024 – 30 Apr 2027 (renewed once)"
    assert renewal_text(auto, "ja") == "1年ごとに自動更新。申し出期限 2027年1月30日（終了日の 90 日前）"
    joint = {"ip_ownership": "joint", "ip_shares": [{"organization_code": "A", "percent": 66.5},
             {"organization_code": "B", "percent": 33.5}]}  # fmt: skip
    assert ip_text(joint, {"A": "甲大学", "B": "乙株式会社"}, "ja") == "共有: 甲大学 66.5%、乙株式会社 33.5%"
    assert ip_text({"ip_ownership": "none", "ip_shares": []}, {}, "en") == "Not set"


WRITTEN = {  # an agreement as a user of each language writes it
    "en": {"title": "Field trial", "ip_terms": "Owned by the inventor's organization.", "reason": "Amended."},
    "ja": {
        "title": "茶園での実証試験",
        "ip_terms": "発明者の所属機関に帰属する。",
        "reason": "変更契約による。",
    },
}


def _filled_page(monkeypatch: pytest.MonkeyPatch, db: Path, lang: str) -> list[AppTest]:
    """The page with an alert, a flag, an agreement open with its versions, and the new-agreement
    form with joint shares, automatic renewal and an approved ethics review, and its errors."""
    written = WRITTEN[lang]
    seed(db, title=written["title"], ip_terms=written["ip_terms"])
    save_agreement(Database(db), agreement(**written), actor=OPERATOR, lang="en", today=DEMO_TODAY,
                   expected_version=1)  # fmt: skip
    seed(db, agreement_code="CP-T-02", project_code=None, kind="comprehensive", title=written["title"],
         parties=["CO-SAKURAGI", "UNI-SETOUCHI"], ip_ownership="none", ip_shares=[])  # fmt: skip
    app = open_page(monkeypatch, db, lang)
    opened = open_page(monkeypatch, db, lang)
    opened.selectbox(key="agr_choice::P03").select("").run()
    keyed(opened.selectbox, "::renewal").select("auto").run()
    keyed(opened.selectbox, "::ip_ownership").select("joint").run()
    keyed(opened.selectbox, "::ethics").select("approved").run()
    keyed(opened.button, "::save").click().run()  # its errors too
    assert form_errors(opened)
    return [app, opened]


def test_the_english_page_says_nothing_in_japanese_but_data(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    data = sorted(registry_words(Database(db_copy)) | QUOTED_JAPANESE, key=len, reverse=True)
    leftovers = []
    for app in _filled_page(monkeypatch, db_copy, "en"):
        assert not app.exception
        for text in shown_text(app):
            for word in data:
                text = text.replace(word, "")
            if JAPANESE.search(text):
                leftovers.append(text)
    assert leftovers == []


def test_the_japanese_page_says_nothing_in_english(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    en, ja = catalog("en"), catalog("ja")
    english_only = {v for k, v in en.items() if v != ja[k] and len(v) > 3 and "{" not in v}
    for app in _filled_page(monkeypatch, db_copy, "ja"):
        texts = shown_text(app)
        assert [t for t in texts if t in english_only] == []
        assert [t for t in texts if ENGLISH_WORDS.search(t) and not JAPANESE.search(t)] == []
        assert any("契約" in t for t in texts)
