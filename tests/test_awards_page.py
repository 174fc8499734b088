"""The awards page (AppTest): a lead enters an award with its amounts and budget for one of its
projects and sees it listed with its numbers; an administrator sees every project; a Japanese page
says nothing in English."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Role
from kpi.funding.award_forms import award_detail
from kpi.i18n import catalog
from kpi.storage import Database
from tests.conftest import DEMO_ADMIN, DEMO_LEAD, DEMO_TODAY, signed_in
from tests.test_languages import ENGLISH_WORDS, JAPANESE, shown_text

ROOT = Path(__file__).parent.parent
SAKURAGI = Actor("demo-lead", Role.LEAD, "CO-SAKURAGI")  # leads P03


@pytest.fixture
def db_copy(demo_db_path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    return copy


def open_awards(monkeypatch: pytest.MonkeyPatch, db: Path, lang: str, user: str = DEMO_LEAD) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), user)
    app.query_params["lang"] = lang
    app.query_params["project"] = "P03"
    app.switch_page("pages/awards.py").run()
    assert not app.exception, app.exception
    return app


def with_edits(app: AppTest, key_part: str, edits: dict[str, Any]) -> AppTest:
    """Run with a data editor edited as a browser sends it (AppTest cannot type into the canvas):
    its widget state, the JSON of edited_rows, added_rows and deleted_rows, joins the next run's."""
    editor = next(d for d in app.dataframe if d.key and key_part in d.key)
    states = app._tree.get_widget_states()
    states.widgets.append(WidgetState(id=editor.proto.id, string_value=json.dumps(edits)))
    return app._run(states)


def said(elements: Any) -> list[str]:
    """What a list of messages says, without the Markdown escapes of plain()."""
    return [str(e.value).replace("\\", "") for e in elements]


def keyed(elements: Any, ending: str) -> Any:
    return next(e for e in elements if e.key and e.key.endswith(ending))


def test_a_lead_enters_an_award_with_its_amounts_and_budget(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    app = open_awards(monkeypatch, db_copy, "en")
    listed = app.dataframe[0].value
    assert "METI-2025-002" in set(listed["award_number"])  # the demo's award of P03
    app.selectbox(key="award_choice::P03").select("").run()  # a new award
    assert app.subheader[1].value == "Enter a new award"
    keyed(app.selectbox, "::programme").select("PREF-SANGAKU").run()
    keyed(app.text_input, "::number").input("PREF-2026-120")
    keyed(app.selectbox, "::stage").select("awarded")
    keyed(app.date_input, "::starts_on").set_value(date(2026, 6, 1))
    keyed(app.date_input, "::ends_on").set_value(date(2027, 3, 31))
    keyed(app.date_input, "::decided_on").set_value(date(2026, 5, 20))
    keyed(app.selectbox, "::mode").select("settlement").run()
    # No amount yet: a decided award needs one, said next to the form, and nothing is saved.
    keyed(app.button, "::save").click().run()
    assert said(app.error) == [
        "A decided award needs its decided amount for at least one fiscal year: add a row to the amounts."
    ]
    keyed(app.button, "::save").click()
    amounts = [{"fiscal_year": 2026, "amount": "3,600,000"}]
    app = with_edits(app, "::amounts", {"edited_rows": {}, "deleted_rows": [], "added_rows": amounts})
    assert not app.exception and not app.error
    assert said(app.success) == ["Award PREF-2026-120 saved."]
    row = app.dataframe[0].value.set_index("award_number").loc["PREF-2026-120"]
    assert (row["programme"], row["stage"], row["decided"], row["budget"], row["version"]) == (
        "Prefectural industry-academia-government collaboration grant", "awarded", "¥3,600,000", "—", 1
    )  # fmt: skip
    assert app.selectbox(key="award_choice::P03").value == "PREF-2026-120"  # the saved award is chosen
    # Its budget: two lines, a 費目 and a partner each chosen from the grid's lists.
    app.button_group[0].set_value("budget").run()
    assert not app.exception
    keyed(app.button, "::save").click()
    added = [
        {
            "fiscal_year": 2026,
            "category_code": "supplies",
            "organization_code": "CO-SAKURAGI",
            "amount": "5,000,000",
        },
        {
            "fiscal_year": 2026,
            "category_code": "travel",
            "organization_code": "RI-SANGI",
            "amount": "200万円",
        },
    ]
    app = with_edits(app, "::editor", {"edited_rows": {}, "deleted_rows": [], "added_rows": added})
    assert not app.exception and not app.error
    assert said(app.success) == ["Budget saved: 2 new, 0 changed, 0 removed, 0 unchanged."]
    row = app.dataframe[0].value.set_index("award_number").loc["PREF-2026-120"]
    assert row["budget"] == "¥7,000,000"
    grid = next(d for d in app.dataframe if d.key and "::editor" in d.key).value
    assert list(grid["amount"]) == ["5,000,000", "2,000,000"]
    detail = award_detail(Database(db_copy), "PREF-2026-120", actor=SAKURAGI, today=DEMO_TODAY)
    assert detail is not None
    assert [(r["category_code"], r["organization_code"], r["amount"]) for r in detail.budget] == [
        ("supplies", "CO-SAKURAGI", 5_000_000), ("travel", "RI-SANGI", 2_000_000)
    ]  # fmt: skip
    assert detail.history[0]["recorded_by"] == "demo-lead"


def test_a_budget_line_the_programme_does_not_allow_is_said_next_to_the_grid(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    app = open_awards(monkeypatch, db_copy, "ja")
    app.selectbox(key="award_choice::P03").select("METI-2025-002").run()
    app.button_group[0].set_value("budget").run()
    keyed(app.button, "::save").click()
    added = [
        {"fiscal_year": 2026, "category_code": "indirect", "organization_code": "RI-SANGI", "amount": "1,000"}
    ]
    app = with_edits(app, "::editor", {"edited_rows": {}, "deleted_rows": [], "added_rows": added})
    assert said(app.error) == [
        "19 行目: 制度 METI-GX では費目「間接経費」は対象外です。次のいずれかを選んでください: "
        "人件費、設備備品費、消耗品費、旅費、外注費・委託費"
    ]  # the grid's 18 lines, then the one added


def test_an_administrator_works_on_any_project(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    app = open_awards(monkeypatch, db_copy, "en", DEMO_ADMIN)
    assert app.caption[0].value.startswith("Every project's awards")
    choices = app.selectbox(key="project").options
    assert len(choices) == 24  # every project of the demo
    app.selectbox(key="project").select_index(0).run()  # P01
    assert not app.exception
    assert "METI-2025-001" in set(app.dataframe[0].value["award_number"])
    for part in ("budget", "payments", "duties"):
        app.button_group[0].set_value(part).run()
        assert not app.exception and not app.error


@pytest.mark.parametrize("part", ["award", "budget", "payments", "duties"])
def test_the_japanese_page_says_nothing_in_english(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, part: str
) -> None:
    app = open_awards(monkeypatch, db_copy, "ja")
    app.button_group[0].set_value(part).run()
    assert not app.exception
    en, ja = catalog("en"), catalog("ja")
    english_only = {v for k, v in en.items() if v != ja[k] and len(v) > 3 and "{" not in v}
    texts = shown_text(app)
    assert [t for t in texts if t in english_only] == []
    assert [t for t in texts if ENGLISH_WORDS.search(t) and not JAPANESE.search(t)] == []
    assert any(JAPANESE.search(t) for t in texts)
