"""The leads' and administrators' pages render real data in both languages (AppTest)."""

from __future__ import annotations

import functools
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from kpi.access import Actor
from kpi.i18n import t
from kpi.intake.service import import_file
from kpi.progress.forms import target_form
from kpi.storage import Database
from tests.conftest import DEMO_LEAD, DEMO_TODAY, OPERATOR, signed_in, table_counts
from tests.test_languages import ENGLISH_WORDS, JAPANESE, QUOTED_JAPANESE, registry_words, shown_text
from ui.drafts import discard_all

ROOT = Path(__file__).parent.parent


@pytest.fixture
def db_copy(demo_db_path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    return copy


def open_page(monkeypatch: pytest.MonkeyPatch, db: Path, page: str, lang: str, **params: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    app.query_params["lang"] = lang
    for key, value in params.items():
        app.query_params[key] = value
    return app.switch_page(page).run()


@pytest.mark.parametrize("lang, title", [("ja", "進捗の更新"), ("en", "Progress updates")])
def test_update_page_shows_the_grid_of_a_project(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str, title: str
) -> None:
    app = open_page(monkeypatch, db_copy, "pages/update.py", lang, project="P03")
    assert not app.exception
    assert app.title[0].value == title
    grid = app.dataframe[0].value  # the editable grid of this period's values
    assert set(grid["kpi_code"]) >= {"joint_studies", "local_jobs"}
    assert "P03" in str(app.selectbox(key="project").value)


def edit_table(app: AppTest, edits: dict[str, Any]) -> AppTest:
    """Run with the target points editor edited as a browser would send it: AppTest cannot type
    into st.data_editor (a canvas), so its widget state (the JSON the frontend sends: edited_rows
    by row position, added_rows, deleted_rows) is added to the next run's widget states."""
    editor = next(d for d in app.dataframe if d.key and "::editor::" in d.key)
    states = app._tree.get_widget_states()
    states.widgets.append(WidgetState(id=editor.proto.id, string_value=json.dumps(edits)))
    return app._run(states)


def open_targets(monkeypatch: pytest.MonkeyPatch, db: Path, lang: str, kpi: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), DEMO_LEAD)
    app.query_params["lang"] = lang
    app.query_params["project"] = "P03"
    app.switch_page("pages/update.py").run()
    app.button_group[0].set_value("targets").run()
    app.selectbox(key="target_kpi").select(kpi).run()
    assert not app.exception
    return app


def button(app: AppTest, ending: str) -> Any:
    return next(b for b in app.button if b.key and b.key.endswith(ending))


def test_a_lead_revises_a_target_with_a_fiscal_year_typed(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    # 利用者満足度 of P03: 2024年度 70 · 2025年度 75 · … · 2028年度 90 (long), a ratio KPI without a baseline.
    app = open_targets(monkeypatch, db_copy, "ja", "satisfaction_rate")
    editor = next(d for d in app.dataframe if d.key and "::editor::" in d.key)
    assert list(editor.value["period"]) == ["2024年度", "2025年度", "2026年度", "2027年度", "2028年度"]
    assert list(editor.value["value"]) == ["70", "75", "80", "85", "90"]  # text cells, typed as written
    baseline = next(i for i in app.text_input if i.key and i.key.endswith("::baseline"))
    assert baseline.value == ""  # none, none needed
    # The lead types the 年度 as 令和7年度 (= 2025年度) with a new value, and one unreadable row.
    edits = {"edited_rows": {"1": {"period": "令和7年度", "value": "77%"}},
             "added_rows": [{"period": "来年度", "value": "95"}], "deleted_rows": []}  # fmt: skip
    button(app, "::save").click()
    app = edit_table(app, edits)
    assert len(app.error) == 1 and app.error[0].value.startswith(
        "「来年度」は日付として読めません（6 行目）。"
    )
    edits["added_rows"] = []
    button(app, "::save").click()
    app = edit_table(app, edits)  # no reason: a revision needs one
    assert [e.value for e in app.error] == ["目標を見直す理由を入力してください（必須）。"]
    app.text_area[0].input("利用者調査の結果を反映")
    button(app, "::save").click()
    app = edit_table(app, edits)
    assert not app.exception and not app.error
    assert app.success[0].value == "目標を版 2 として保存しました。"
    target, version, history = target_form(Database(db_copy), "P03", "satisfaction_rate", actor=OPERATOR)
    assert version == 2 and target is not None
    assert target["points"][1] == {"day": date(2026, 3, 31), "value": 77.0, "horizon": None}
    assert [p["value"] for p in target["points"]] == [70.0, 77.0, 80.0, 85.0, 90.0]
    assert history["reason"].iloc[-1] == "利用者調査の結果を反映"
    # The form now shows version 2, and the history says what changed.
    # The history, newest first: who, when, why, from → to, and the whole plan of the version.
    shown = [m.value.replace("\\", "") for m in [*app.markdown, *app.caption]]  # without Markdown escapes
    newest = [m for m in shown if m.startswith(("**版 ", "理由", "変更"))][:3]
    assert newest[0].startswith("**版 2** · 20") and newest[0].endswith(" · demo-lead")
    assert newest[1:] == ["理由: 利用者調査の結果を反映", "変更（前 → 後）: 2025年度: 75 → 77"]
    plans = [m for m in shown if m.startswith("この版の目標")]
    assert plans[0] == (
        "この版の目標: 基準値なし · 2024年度: 70 · 2025年度: 77 · 2026年度: 80 · 2027年度: 85"
        " · 2028年度: 90（長期）"
    )


def test_a_row_per_fiscal_year_and_a_managed_decline(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    app = open_targets(monkeypatch, db_copy, "en", "joint_studies")
    add = button(app, "::add_years")
    assert add.label == "Add a row per fiscal year (FY2024–FY2029)"
    add.click().run()
    editor = next(d for d in app.dataframe if d.key and "::editor::" in d.key)
    # Points at 2025-12-31, 2027-12-31, 2029-12-31 (FY2025, 2027, 2029); a row for each other 年度.
    assert list(editor.value["period"]) == [
        "FY2024", "2025-12-31", "FY2026", "2027-12-31", "FY2028", "2029-12-31"
    ]  # fmt: skip
    assert button(app, "::add_years").disabled
    assert "Rows without a target value are not saved: FY2024, FY2026, FY2028" in [
        c.value for c in app.caption
    ]
    # A final target below the baseline (2) is a managed decline: said, not refused.
    app = edit_table(app, {"edited_rows": {"5": {"value": "1"}}, "added_rows": [], "deleted_rows": []})
    assert not app.error
    assert app.info[0].value.startswith(
        "This is a managed decline: the final target (1 studies) is below the baseline (2 studies)"
    )


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_target_form_speaks_one_language(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str
) -> None:
    app = open_targets(monkeypatch, db_copy, lang, "satisfaction_rate")
    texts = shown_text(app)
    if lang == "en":
        data = registry_words(Database(db_copy)) | QUOTED_JAPANESE
        leftovers = [
            x for x in texts if JAPANESE.search(functools.reduce(lambda s, w: s.replace(w, ""), data, x))
        ]
        assert leftovers == []
    else:
        assert [x for x in texts if ENGLISH_WORDS.search(x) and not JAPANESE.search(x)] == []


@pytest.mark.parametrize("lang, title", [("ja", "プロジェクト登録"), ("en", "Projects and partners")])
def test_projects_page(monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str, title: str) -> None:
    app = open_page(monkeypatch, db_copy, "pages/registry.py", lang)
    assert not app.exception
    assert app.title[0].value == title
    app.selectbox(key="admin_project").select("P03").run()
    assert not app.exception
    assert any(t.value == "P03" for t in app.text_input)


@pytest.mark.parametrize("lang, title", [("ja", "監査ログ"), ("en", "Audit log")])
def test_audit_page_lists_and_filters(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str, title: str
) -> None:
    data = b"project_code,kpi_code,period_end,value\nP01,joint_studies,2026-09-30,7\n"
    result = import_file(
        Database(db_copy),
        data,
        file_name="p01-audit.csv",
        organization_code="UNI-HOKUTO",
        actor=Actor.operator("t"),
        lang="en",
        today=DEMO_TODAY,
    )
    assert result.status == "imported"
    app = open_page(monkeypatch, db_copy, "pages/audit.py", lang)
    assert not app.exception
    assert app.title[0].value == title
    everything = len(app.dataframe[0].value)
    assert everything > 0
    app.text_input[0].input("p01-audit.csv").run()
    found = app.dataframe[0].value
    assert 0 < len(found) < everything
    assert set(found["action"]) == {t("audit.action_import", lang)}  # the action in the reader's words


def test_a_draft_comes_back_after_a_reload_and_goes_at_save(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    """Typed and not saved: a new session of the same account (a reload) gets it back, said so on the
    page; saving records it and forgets the draft (ui/drafts.py)."""
    discard_all(DEMO_LEAD)  # drafts live in this process: none left by another test
    app = open_targets(monkeypatch, db_copy, "ja", "external_funding")
    app.text_area[0].input("年度末の見直し")
    app = edit_table(app, {"edited_rows": {"2": {"value": "250"}}, "added_rows": [], "deleted_rows": []})
    assert not app.caption or not any("下書き" in c.value for c in app.caption)  # nothing restored yet

    app = open_targets(monkeypatch, db_copy, "ja", "external_funding")  # the reload: a new session
    editor = next(d for d in app.dataframe if d.key and "::editor::" in d.key)
    assert list(editor.value["value"]) == ["50", "130", "250"]
    assert app.text_area[0].value == "年度末の見直し"
    restored = [c.value for c in app.caption if "下書き" in c.value]
    assert len(restored) == 1 and restored[0].startswith("保存していない下書き（")
    button(app, "::save").click().run()
    assert app.success[0].value == "目標を版 2 として保存しました。"
    target, version, _ = target_form(Database(db_copy), "P03", "external_funding", actor=OPERATOR)
    assert version == 2 and target is not None and target["points"][-1]["value"] == 250.0

    app = open_targets(monkeypatch, db_copy, "ja", "external_funding")  # saved: nothing to restore
    assert not any("下書き" in c.value for c in app.caption) and app.text_area[0].value == ""
    discard_all(DEMO_LEAD)


def edit_grid(app: AppTest, edits: dict[str, Any]) -> AppTest:
    """As edit_table, for the progress grid (key editor::grid::…)."""
    grid = next(d for d in app.dataframe if d.key and d.key.startswith("editor::grid::"))
    states = app._tree.get_widget_states()
    states.widgets.append(WidgetState(id=grid.proto.id, string_value=json.dumps(edits)))
    return app._run(states)


def test_a_note_changed_on_an_unchanged_value_is_saved_and_said(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    """SPEC 2 `combine`: a changed note (要因分析) on an unchanged value is kept as a note revision,
    never dropped silently — written, cleared, and left alone when the row is sent back as it is."""
    from kpi.storage.actuals import actual_history

    monkeypatch.setenv("KPI_DB", str(db_copy))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), DEMO_LEAD)
    app.query_params["lang"] = "en"
    app.query_params["project"] = "P03"
    app.switch_page("pages/update.py").run()
    grid = next(d for d in app.dataframe if d.key and d.key.startswith("editor::grid::")).value
    row = list(grid["kpi_code"]).index("local_jobs")
    value = grid["value"].iloc[row]  # the stored value, as text

    def notes() -> list[tuple[Any, ...]]:
        with Database(db_copy).cursor() as cursor:
            frame = actual_history(cursor, "P03", "local_jobs")
        return [(k, n) for k, n in zip(frame["kind"], frame["note"], strict=True) if k == "note"]

    def note_edit(note: str) -> dict[str, Any]:
        cells = {str(row): {"value": value, "note": note}}
        return {"edited_rows": cells, "added_rows": [], "deleted_rows": []}

    assert notes() == []
    button(app, "save_progress").click()
    app = edit_grid(app, note_edit("Recruiting slowed in Q2"))
    assert not app.exception and not app.error
    assert [s.value.replace("\\", "") for s in app.success] == [
        "Saved: 1 note(s) revised; the values stay as they were."
    ]
    assert notes() == [("note", "Recruiting slowed in Q2")]
    shown = next(d for d in app.dataframe if d.key and d.key.startswith("editor::grid::")).value
    assert (shown["value"].iloc[row], shown["note"].iloc[row]) == (value, "Recruiting slowed in Q2")
    # The one-value form does not show the note: its value sent again without a note keeps it.
    before = table_counts(Database(db_copy))
    app.selectbox[[s.label for s in app.selectbox].index("KPI")].select("local_jobs")
    next(i for i in app.text_input if i.key and i.key.startswith("one_value_v::")).input(value)
    app = next(b for b in app.button if b.label == "Save this value").click().run()
    assert not app.exception and not app.error
    assert table_counts(Database(db_copy)) == before
    assert notes() == [("note", "Recruiting slowed in Q2")]
    # Emptying the note on the grid is a change too: kept as a revision to an empty note, and said.
    button(app, "save_progress").click()
    app = edit_grid(app, note_edit(""))
    assert [s.value.replace("\\", "") for s in app.success] == [
        "Saved: 1 note(s) revised; the values stay as they were."
    ]
    assert notes() == [("note", ""), ("note", "Recruiting slowed in Q2")]
    # The row sent back as it is stored now: unchanged, nothing written.
    before = table_counts(Database(db_copy))
    button(app, "save_progress").click()
    app = edit_grid(app, note_edit(""))
    assert not app.exception and not app.error
    assert table_counts(Database(db_copy)) == before
