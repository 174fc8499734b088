"""The update page takes values as people type them (SPEC section 4): a lead pastes 4,107人, ▲2 or
2,720千円 from an officer's sheet into the target plan editor, the baseline or the progress grid,
and the stored numbers are exactly those figures; 約4100 is refused and nothing is written."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from kpi.progress.forms import read_grid, target_form, typed_grid
from kpi.progress.save import save_target
from kpi.progress.typed_values import plan_rows, value_text, with_fiscal_year_rows
from kpi.storage import Database
from kpi.storage.edits import current_versions
from tests.conftest import DEMO_LEAD, OPERATOR, signed_in, table_counts

ROOT = Path(__file__).parent.parent
PERIOD = date(2026, 9, 30)  # the grid's first period on the demo's today (2026-11-26)


@pytest.fixture
def db_copy(demo_db_path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    return copy


def open_update(monkeypatch: pytest.MonkeyPatch, db: Path, lang: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), DEMO_LEAD)
    app.query_params["lang"] = lang
    app.query_params["project"] = "P03"
    app.switch_page("pages/update.py").run()
    assert not app.exception
    return app


def open_targets(monkeypatch: pytest.MonkeyPatch, db: Path, lang: str, kpi: str) -> AppTest:
    app = open_update(monkeypatch, db, lang)
    app.button_group[0].set_value("targets").run()
    app.selectbox(key="target_kpi").select(kpi).run()
    assert not app.exception
    return app


def editor(app: AppTest, part: str) -> Any:
    return next(d for d in app.dataframe if d.key and part in d.key)


def edit(app: AppTest, part: str, edits: dict[str, Any]) -> AppTest:
    """Run with a data_editor edited as the browser sends it (AppTest cannot type into the
    canvas): its widget state, edited_rows by row position, added to the next run's states."""
    states = app._tree.get_widget_states()
    states.widgets.append(WidgetState(id=editor(app, part).proto.id, string_value=json.dumps(edits)))
    return app._run(states)


def by_key(widgets: Any, ending: str) -> Any:
    return next(w for w in widgets if w.key and w.key.endswith(ending))


def save_plan(app: AppTest, edits: dict[str, Any], reason: str = "") -> AppTest:
    if reason:
        app.text_area[0].input(reason)
    by_key(app.button, "::save").click()
    return edit(app, "::editor::", edits)


def rows_edited(
    *cells: tuple[int, dict[str, Any]], added: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"edited_rows": {str(i): c for i, c in cells}, "added_rows": added or [], "deleted_rows": []}


def test_a_lead_pastes_figures_as_written_into_the_plan(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    # 地域雇用の創出数 (人) of P03: baseline 0 (2025-01-01); 6 (short), 18 (mid), 30 (long).
    app = open_targets(monkeypatch, db_copy, "ja", "local_jobs")
    assert list(editor(app, "::editor::").value["value"]) == ["6", "18", "30"]
    baseline = by_key(app.text_input, "::baseline")
    assert baseline.value == "0"
    baseline.input("1,200人")
    edits = rows_edited(
        (0, {"value": "4,107人"}),
        (1, {"value": "４，２００"}),  # full-width, as some sheets have it
        (2, {"value": "5,000 people"}),  # the KPI's English unit
        added=[{"period": "令和12年度", "value": "－"}],  # 「－」: no target for that year
    )
    app = save_plan(app, edits, reason="県の実績表に合わせる")
    assert not app.exception and not app.error
    assert app.success[0].value == "目標を版 2 として保存しました。"
    target, version, _ = target_form(Database(db_copy), "P03", "local_jobs", actor=OPERATOR)
    assert version == 2 and target is not None
    assert target["baseline_value"] == 1200.0
    assert target["points"] == [
        {"day": date(2025, 12, 31), "value": 4107.0, "horizon": "short"},
        {"day": date(2027, 12, 31), "value": 4200.0, "horizon": "mid"},
        {"day": date(2029, 12, 31), "value": 5000.0, "horizon": "long"},
    ]
    # The form opens on version 2 with the stored numbers as text that reads back the same.
    assert list(editor(app, "::editor::").value["value"]) == ["4,107", "4,200", "5,000"]
    assert by_key(app.text_input, "::baseline").value == "1,200"


def add_net_balance(db: Path) -> None:
    """A custom KPI in 百万円 that may be negative (net balance), with a version 1 plan for P03."""
    database = Database(db)
    with database.transaction() as cursor:
        cursor.execute(
            "INSERT INTO kpi_definitions (kpi_code, name_ja, name_en, unit_ja, unit_en, direction,"
            " accumulation, combine, allow_negative, builtin, achievement, frequency) VALUES ("
            " 'net_balance', '収支', 'Net balance', '百万円', 'million JPY', 'higher', 'last', 'latest',"
            " true, false, 'progress', 'quarter')"
        )
    plan = {"project_code": "P03", "kpi_code": "net_balance", "baseline_value": -10.0,
            "baseline_date": date(2025, 1, 1),
            "points": [{"day": date(2027, 12, 31), "value": 0.0, "horizon": "long"}]}  # fmt: skip
    assert save_target(database, plan, reason="", base_version=0, actor=OPERATOR, lang="en") == 1
    database.close()


def test_japanese_minus_and_scale_words_are_stored_in_the_kpis_unit(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    add_net_balance(db_copy)
    app = open_targets(monkeypatch, db_copy, "en", "net_balance")
    assert by_key(app.text_input, "::baseline").value == "-10"
    by_key(app.text_input, "::baseline").input("▲2")
    edits = rows_edited(
        (0, {"value": "△1.5億円"}),  # −150 million yen
        added=[
            {"period": "FY2028", "value": "2,720千円"},
            {"period": "2029/12/31", "value": "−484億3600万円"},
        ],
    )
    app = save_plan(app, edits, reason="Figures from the FY2025 settlement")
    assert not app.exception and not app.error
    # −150 → 2.72 → −48,436 against a higher-is-better KPI: asked about, then saved as confirmed.
    assert target_form(Database(db_copy), "P03", "net_balance", actor=OPERATOR)[1] == 1
    assert [w.value for w in app.warning] == ["Please check before saving"]
    assert any("goes the wrong way" in m.value for m in app.markdown)
    app = by_key(app.button, "::save_anyway").click().run()
    assert not app.exception and not app.error
    target, version, _ = target_form(Database(db_copy), "P03", "net_balance", actor=OPERATOR)
    assert version == 2 and target is not None
    assert target["baseline_value"] == -2.0
    assert [(p["day"], p["value"]) for p in target["points"]] == [
        (date(2027, 12, 31), -150.0),
        (date(2029, 3, 31), 2.72),
        (date(2029, 12, 31), -48_436.0),
    ]


@pytest.mark.parametrize(
    ("lang", "messages"),
    [
        (
            "ja",
            [
                "「基準値」の「約1200」は概数です。"
                "「約」を付けずに数値そのもの（例: 1200）を入力してください。",
                "1 行目: 「目標値」の「約4100」は概数です。"
                "「約」を付けずに数値そのもの（例: 4100）を入力してください。",
                "2 行目: 「目標値」の「12件」は単位が「件」ですが、"
                "指標「地域雇用の創出数」の単位は「人」です。「人」で書くか、数値だけを入力してください。",
                "3 行目: 「目標値」の「12,34」は数値ではありません。",
            ],
        ),
        (
            "en",
            [
                "“約1200” in “Baseline” is an approximate figure. Enter the figure itself, without 約"
                " (for example 1200).",
                "Row 1: “約4100” in “Target” is an approximate figure. Enter the figure itself, without 約"
                " (for example 4100).",
                "Row 2: “12件” in “Target” is written in 件, but KPI “Local jobs created” is counted in 人."
                " Write the figure in 人, or the number alone.",
                "Row 3: “12,34” in “Target” is not a number.",
            ],
        ),
    ],
)
def test_unreadable_figures_are_refused_and_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str, messages: list[str]
) -> None:
    before = table_counts(Database(db_copy))
    app = open_targets(monkeypatch, db_copy, lang, "local_jobs")
    by_key(app.text_input, "::baseline").input("約1200")
    edits = rows_edited((0, {"value": "約4100"}), (1, {"value": "12件"}), (2, {"value": "12,34"}))
    app = save_plan(app, edits, reason="typed from a sheet")
    assert not app.exception and not app.success
    assert [e.value.replace("\\", "") for e in app.error] == messages
    assert table_counts(Database(db_copy)) == before
    _, version, _ = target_form(Database(db_copy), "P03", "local_jobs", actor=OPERATOR)
    assert version == 1


def test_added_fiscal_year_rows_keep_what_was_typed(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    app = open_targets(monkeypatch, db_copy, "ja", "local_jobs")
    app = edit(app, "::editor::", rows_edited((2, {"value": "4,107人"})))
    by_key(app.button, "::add_years").click()
    app = edit(app, "::editor::", rows_edited((2, {"value": "4,107人"})))
    shown = editor(app, "::editor::").value
    assert list(shown["period"]) == [
        "2024年度",
        "2025-12-31",
        "2026年度",
        "2027-12-31",
        "2028年度",
        "2029-12-31",
    ]
    assert [None if pd.isna(v) else v for v in shown["value"]] == [None, "6", None, "18", None, "4,107人"]


def grid_row(app: AppTest, kpi: str) -> int:
    return list(editor(app, "editor::grid::").value["kpi_code"]).index(kpi)


def stored(db: Path, kpi: str, org: str) -> float | None:
    keys = pd.DataFrame(
        {"project_code": ["P03"], "kpi_code": [kpi], "period_end": [PERIOD], "organization_code": [org]}
    )
    with Database(db).cursor() as cursor:
        value = current_versions(cursor, keys)["value"].iloc[0]
    return None if pd.isna(value) else float(value)


def test_the_progress_grid_takes_typed_values(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    app = open_update(monkeypatch, db_copy, "ja")
    org = app.selectbox(key="update_org").value
    assert org is not None
    assert app.selectbox(key="update_period").value == PERIOD
    row = grid_row(app, "local_jobs")
    # One unreadable cell: the whole grid is refused, with the catalog's message naming the row.
    before = table_counts(Database(db_copy))
    by_key(app.button, "save_progress").click()
    app = edit(app, "editor::grid::", rows_edited((row, {"value": "約4100"})))
    assert [e.value.replace("\\", "") for e in app.error] == [
        f"{row + 1} 行目: 「期間の値」の「約4100」は概数です。"
        "「約」を付けずに数値そのもの（例: 4100）を入力してください。"
    ]
    assert table_counts(Database(db_copy)) == before
    by_key(app.button, "save_progress").click()
    app = edit(app, "editor::grid::", rows_edited((row, {"value": "4,107人"})))
    assert not app.exception and not app.error
    assert app.success[0].value.replace("\\", "") == "保存しました: 新規 0 件、変更 1 件。"  # one was stored
    assert stored(db_copy, "local_jobs", org) == 4107.0
    assert editor(app, "editor::grid::").value["value"].iloc[row] == "4,107"  # shown back as text


def test_the_one_value_form_takes_a_typed_value(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    app = open_update(monkeypatch, db_copy, "en")
    org = app.selectbox(key="update_org").value
    assert org is not None
    form = app.selectbox[[s.label for s in app.selectbox].index("KPI")]
    form.select("external_funding")
    value = next(i for i in app.text_input if i.key and i.key.startswith("one_value_v::"))
    before = table_counts(Database(db_copy))
    value.input("12件")
    app = next(b for b in app.button if b.label == "Save this value").click().run()
    assert [e.value.replace("\\", "") for e in app.error] == [
        "“12件” in “Value for the period” is written in 件, but KPI “External funding” is counted in"
        " 百万円. Write the figure in 百万円, or the number alone."
    ]
    assert table_counts(Database(db_copy)) == before
    value = next(i for i in app.text_input if i.key and i.key.startswith("one_value_v::"))
    value.input("2,720千円")
    app = next(b for b in app.button if b.label == "Save this value").click().run()
    assert not app.error
    assert stored(db_copy, "external_funding", org) == 4.0  # not yet: a scale word is asked about first
    assert [w.value for w in app.warning] == ["Please check before saving"]
    assert "“2,720千円” was read as 2\\.72 million JPY for External funding" in app.markdown[0].value
    app = by_key(app.button, "save_progress_anyway").click().run()
    assert not app.error
    assert stored(db_copy, "external_funding", org) == 2.72  # 2,720千円 in 百万円


def test_stored_numbers_read_back_from_their_text() -> None:
    from kpi.quantities import plain_figure

    for number in (4107.0, 52.2, 0.1 + 0.2, -1577.0, 2.72, 1e16, 1e-5, 123456.789):
        assert plain_figure(value_text(number)) == number
    assert [value_text(v) for v in (4107.0, 52.2, -1577.0, 1e-5, None, float("nan"), -0.0)] == [
        "4,107", "52.2", "-1,577", "0.00001", "", "", "0"
    ]  # fmt: skip


def test_grid_and_plan_rows_as_text() -> None:
    grid = pd.DataFrame(
        {"kpi_code": ["local_jobs", "external_funding"], "kpi_name": ["A", "B"], "unit": ["人", "百万円"],
         "value": [4107.0, None], "note": ["", ""], "version_id": [3, None]}
    )  # fmt: skip
    shown = typed_grid(grid)
    assert [None if pd.isna(v) else v for v in shown["value"]] == ["4,107", None]
    kpis = pd.DataFrame(
        {"kpi_code": ["local_jobs", "external_funding"], "unit_ja": ["人", "百万円"],
         "unit_en": ["people", "million JPY"], "name_ja": ["地域雇用", "外部資金"],
         "name_en": ["Jobs", "Funding"]}
    )  # fmt: skip
    typed, errors = read_grid(shown.assign(value=["4,108人", "2,720千円"]), kpis, "en")
    assert errors == [] and list(typed["value"]) == [4108.0, 2.72]
    typed, errors = read_grid(shown.assign(value=["－", "2,720人"]), kpis, "en")
    assert pd.isna(typed["value"].iloc[0]) and [(e.code, e.row) for e in errors] == [("unit_mismatch", 2)]
    rows = plan_rows([{"day": date(2026, 3, 31), "value": 4107.0, "horizon": "long"}], "ja", 4)
    assert rows.to_dict("records") == [{"period": "2025年度", "value": "4,107", "horizon": "long"}]
    grown = with_fiscal_year_rows(rows.assign(value=["4,107人"]), [2024, 2025], "ja", 4)
    assert [None if pd.isna(v) else v for v in grown["value"]] == [None, "4,107人"]
    assert list(grown["period"]) == ["2024年度", "2025年度"]
