"""Project leads: target plans revised with a reason (the form's table read into a plan), progress
recorded, stale saves refused, 要因分析 kept."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kpi.access import Actor
from kpi.errors import Rejected, StaleWrite
from kpi.fiscal import fiscal_year_end
from kpi.intake.rows import ErrorSink
from kpi.plans import check_plan, is_managed_decline, plain_points
from kpi.portfolio.status import portfolio_status
from kpi.progress.forms import revision_table, stored_points, target_form
from kpi.progress.save import NeedsExplanation, record_progress, save_target
from kpi.progress.target_form import (
    column_labels,
    editor_rows,
    fiscal_year_span,
    missing_fiscal_years,
    read_plan,
    with_fiscal_years,
)
from kpi.registry.setup import setup_registry
from kpi.storage import Database
from kpi.storage.registry import target_history
from tests.conftest import OPERATOR, table_counts
from tests.test_setup import write_registry

TODAY = date(2026, 11, 26)
TARGET = {
    "project_code": "P1",
    "kpi_code": "joint_studies",
    "baseline_value": 0.0,
    "baseline_date": date(2024, 3, 31),
    "points": [
        {"day": date(2025, 3, 31), "value": 4.0, "horizon": "short"},
        {"day": date(2028, 3, 31), "value": 12.0, "horizon": "long"},
    ],
}
LEAD = Actor.operator("lead")


def with_points(*points: tuple[date, float, str | None], **fields: object) -> dict[str, object]:
    return {**TARGET, **fields, "points": [{"day": d, "value": v, "horizon": h} for d, v, h in points]}


def final_values(history: pd.DataFrame) -> list[float]:
    return [stored_points(p)[-1]["value"] for p in history["points"]]


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    result = setup_registry(
        fresh_db, write_registry(tmp_path / "reg"), actor=Actor.operator("admin"), lang="en"
    )
    assert result.status == "loaded"
    return fresh_db


@pytest.fixture
def demo_copy(demo_db_path: Path, tmp_path: Path) -> Iterator[Database]:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, copy)
    database = Database(copy)
    yield database
    database.close()


def test_revision_needs_a_reason_and_keeps_the_original(db: Database) -> None:
    # The registry set version 1 of P1/joint_studies (short 3, long 15).
    with pytest.raises(Rejected) as refused:
        save_target(db, TARGET, reason=" ", base_version=1, actor=LEAD, lang="en")
    assert [e.code for e in refused.value.errors] == ["reason_required"]
    version = save_target(db, TARGET, reason="実証先の追加", base_version=1, actor=LEAD, lang="en")
    assert version == 2
    with db.cursor() as cursor:
        history = target_history(cursor, "P1")
    assert final_values(history) == [15.0, 12.0]
    assert list(history["reason"]) == ["", "実証先の追加"]
    assert list(history["recorded_by"]) == ["admin", "lead"]


def test_a_stale_target_save_is_refused(db: Database) -> None:
    save_target(db, TARGET, reason="first", base_version=1, actor=Actor.operator("lead-a"), lang="en")
    before = table_counts(db)
    later = with_points((date(2025, 3, 31), 4.0, "short"), (date(2028, 3, 31), 20.0, "long"))
    with pytest.raises(StaleWrite) as stale:
        save_target(db, later, reason="second", base_version=1, actor=Actor.operator("lead-b"), lang="en")
    assert stale.value.current == 2
    assert table_counts(db) == before


def test_a_plan_per_fiscal_year_is_stored_point_by_point(demo_copy: Database) -> None:
    # 利用者満足度 of P03: a ratio KPI with no baseline, one target per 年度, the last one tagged long.
    plan = {
        "project_code": "P03",
        "kpi_code": "satisfaction_rate",
        "baseline_value": None,
        "baseline_date": None,
        "points": [
            {"day": fiscal_year_end(fy), "value": value, "horizon": "long" if fy == 2029 else None}
            for fy, value in zip(range(2024, 2030), (70.0, 76.0, 80.0, 84.0, 88.0, 92.0), strict=True)
        ],
    }
    version = save_target(
        demo_copy, plan, reason="年度ごとに見直し", base_version=1, actor=OPERATOR, lang="ja"
    )
    target, stored, _ = target_form(demo_copy, "P03", "satisfaction_rate", actor=OPERATOR)
    assert version == stored == 2
    assert target is not None and target["baseline_value"] is None and target["baseline_date"] is None
    assert target["points"] == plain_points(plan["points"])  # type: ignore[arg-type]
    assert target["points"][1] == {"day": date(2026, 3, 31), "value": 76.0, "horizon": None}


def test_a_progress_kpi_needs_a_baseline(demo_copy: Database) -> None:
    plan = {"project_code": "P03", "kpi_code": "joint_studies", "baseline_value": None, "baseline_date": None,
            "points": [{"day": date(2027, 3, 31), "value": 9.0, "horizon": None}]}  # fmt: skip
    with pytest.raises(Rejected) as refused:
        save_target(demo_copy, plan, reason="x", base_version=1, actor=OPERATOR, lang="ja")
    error = refused.value.errors[0]
    assert (error.code, error.column) == ("missing_value", "baseline_value")
    assert error.message == "「基準値」が空欄です（必須）。"  # the form's field, not the column name


@pytest.mark.parametrize(
    "plan, code",
    [
        # a point on or before the baseline date
        (with_points((date(2024, 3, 1), 4.0, None)), "target_order"),
        # two points on one date (one 年度 typed twice)
        (with_points((date(2026, 3, 31), 4.0, None), (date(2026, 3, 31), 6.0, None)), "target_order"),
        # tags out of order: the long-term point before the short-term one
        (with_points((date(2025, 3, 31), 4.0, "long"), (date(2027, 3, 31), 8.0, "short")), "target_order"),
        (with_points((date(2025, 3, 31), 4.0, "short"), (date(2027, 3, 31), 8.0, "short")), "duplicate_row"),
        (with_points((date(2025, 3, 31), -1.0, None)), "negative_value"),
        (with_points(), "missing_value"),
        (with_points((date(2025, 3, 31), 4.0, None), baseline_value=None), "missing_value"),
        (with_points((date(2025, 3, 31), 4.0, None), baseline_date=None), "missing_value"),
    ],
)
def test_target_rules(db: Database, plan: dict[str, object], code: str) -> None:
    before = table_counts(db)
    with pytest.raises(Rejected) as refused:
        save_target(db, plan, reason="x", base_version=1, actor=LEAD, lang="en")
    assert code in [e.code for e in refused.value.errors]
    assert table_counts(db) == before


def test_two_points_on_one_date_are_named_by_their_row() -> None:
    rows = pd.DataFrame({"period": ["令和7年度", "2026/3/31"], "value": [4.0, 6.0], "horizon": [None, None]})
    entered = read_plan("P1", "joint_studies", 0.0, date(2024, 3, 31), rows, lang="ja", start_month=4)
    assert entered.errors == []
    sink = ErrorSink("ja", column_labels=column_labels("ja"))
    check_plan(entered.plan, {"kpi_code": "joint_studies", "achievement": "progress"}, sink)
    assert [e.message for e in sink.errors] == [
        "2 行目: 目標期日 2026-03-31 の目標が 2 つあります。1 つの日付（年度）に目標は 1 つにしてください。"
    ]


@pytest.mark.parametrize(
    "kpi, baseline, final, direction",
    [("joint_studies", 10.0, 6.0, "higher"), ("time_to_implementation", 60.0, 72.0, "lower")],
)
def test_a_managed_decline_is_a_valid_plan(db: Database, kpi: str, baseline: float, final: float,
                                           direction: str) -> None:  # fmt: skip
    plan = with_points((date(2026, 3, 31), (baseline + final) / 2, "mid"), (date(2030, 3, 31), final, "long"),
                       kpi_code=kpi, baseline_value=baseline)  # fmt: skip
    assert is_managed_decline(plan, direction)
    base = 1 if kpi == "joint_studies" else 0
    assert (
        save_target(db, plan, reason="人口ビジョンに合わせる", base_version=base, actor=LEAD, lang="ja")
        == base + 1
    )


# -- the form's table, read into a plan (kpi/progress/target_form.py) ------------------------------------
@pytest.mark.parametrize(
    "label", ["2026-03-31", "2026/3/31", "令和7年度", "2025年度", "FY2025", "R7年度", " FY2025 "]
)
def test_period_labels_people_type_are_the_fiscal_years_last_day(label: str) -> None:
    rows = pd.DataFrame({"period": [label], "value": [75.0], "horizon": ["long"]})
    entered = read_plan("P03", "satisfaction_rate", None, None, rows, lang="ja", start_month=4)
    assert entered.errors == []
    assert plain_points(entered.plan["points"]) == [
        {"day": date(2026, 3, 31), "value": 75.0, "horizon": "long"}
    ]


def test_a_fiscal_year_follows_the_start_month_setting() -> None:
    rows = pd.DataFrame({"period": ["FY2025"], "value": [1.0], "horizon": [None]})
    entered = read_plan("P", "k", None, None, rows, lang="en", start_month=1)
    assert entered.plan["points"][0]["day"] == date(2025, 12, 31)


JA_HINT = "2026-03-31、2026/3/31、令和7年度、2025年度、FY2025 のように入力してください。"
EN_HINT = "Type a date such as 2026-03-31 or 2026/3/31, or a fiscal year such as FY2025."


@pytest.mark.parametrize(
    "lang, cell, message",
    [
        ("ja", "来年度", f"「来年度」は日付として読めません（2 行目）。{JA_HINT}"),
        ("en", "next year", f"“next year” is not a date (row 2). {EN_HINT}"),
        ("en", "2026-02-30", f"“2026-02-30” is not a date (row 2). {EN_HINT}"),
        (
            "ja",
            "R7",
            "「R7」が年度か暦年か分かりません（2 行目）。"
            "年度なら「R7年度」、暦年なら「R7年」と入力してください。",
        ),
    ],
)
def test_an_unreadable_date_is_quoted_in_the_users_language(lang: str, cell: str, message: str) -> None:
    rows = pd.DataFrame({"period": ["2025年度", cell], "value": [70.0, 75.0], "horizon": [None, None]})
    entered = read_plan("P03", "satisfaction_rate", None, None, rows, lang=lang, start_month=4)
    assert [(e.code, e.row, e.message) for e in entered.errors] == [("invalid_date", 2, message)]
    assert [p["day"] for p in entered.plan["points"]] == [date(2026, 3, 31)]


def test_blank_rows_are_ignored_and_rows_without_a_value_skipped() -> None:
    rows = pd.DataFrame(
        {
            "period": ["2024年度", None, "", "2026年度", None, "2027-03-31"],
            "value": [70.0, None, float("nan"), None, 80.0, 85.0],
            "horizon": [None, None, None, None, None, "long"],
        }
    )
    entered = read_plan("P03", "satisfaction_rate", None, None, rows, lang="en", start_month=4)
    assert entered.skipped == ["2026年度"]  # a 年度 row left empty (as the per-年度 button adds them)
    assert [(e.code, e.row, e.message) for e in entered.errors] == [
        ("missing_value", 5, "Row 5: “Date or FY” is empty but required.")
    ]
    assert plain_points(entered.plan["points"]) == [
        {"day": date(2025, 3, 31), "value": 70.0, "horizon": None},
        {"day": date(2027, 3, 31), "value": 85.0, "horizon": "long"},
    ]


def test_stored_points_show_as_fiscal_years_and_read_back_unchanged() -> None:
    points = [
        {"day": date(2025, 12, 31), "value": 5.0, "horizon": "short"},
        {"day": date(2026, 3, 31), "value": 75.5, "horizon": None},
        {"day": date(2029, 3, 31), "value": 90.0, "horizon": "long"},
    ]
    assert list(editor_rows(points, "ja", 4)["period"]) == ["2025-12-31", "2025年度", "2028年度"]
    assert list(editor_rows(points, "ja", 4, wareki=True)["period"]) == [
        "2025-12-31",
        "令和7年度",
        "令和10年度",
    ]
    rows = editor_rows(points, "en", 4)
    assert list(rows["period"]) == ["2025-12-31", "FY2025", "FY2028"]
    entered = read_plan("P03", "k", 2.0, date(2025, 1, 1), rows, lang="en", start_month=4)
    assert entered.errors == [] and plain_points(entered.plan["points"]) == points


def test_a_row_per_fiscal_year_through_the_projects_end() -> None:
    # P03 runs from 2025-01-01 (FY2024) to 2029-12-31 (FY2029); FY2025 already has a point.
    years = fiscal_year_span(date(2025, 1, 1), date(2029, 12, 31), 4)
    assert years == [2024, 2025, 2026, 2027, 2028, 2029]
    assert fiscal_year_span(date(2025, 1, 1), date(2029, 12, 31), 4, after=date(2025, 3, 31))[0] == 2025
    rows = pd.DataFrame(
        {"period": ["2025-12-31", "", "来年度"], "value": [5.0, None, 1.0], "horizon": ["short", None, None]}
    )
    assert missing_fiscal_years(rows, years, 4) == [2024, 2026, 2027, 2028, 2029]
    filled = with_fiscal_years(rows, years, "ja", 4, wareki=True)
    assert list(filled["period"]) == [
        "令和6年度",
        "2025-12-31",
        "令和8年度",
        "令和9年度",
        "令和10年度",
        "令和11年度",
        "来年度",  # unreadable: kept, at the end, for the user to fix
    ]
    assert filled["value"].isna().tolist() == [True, False, True, True, True, True, False]
    assert missing_fiscal_years(filled, years, 4) == []


def test_the_revision_history_reads_from_to(db: Database) -> None:
    revised = with_points((date(2025, 3, 31), 4.0, "short"), (date(2027, 3, 31), 9.0, None),
                          (date(2029, 3, 31), 18.0, "long"), baseline_value=1.0)  # fmt: skip
    save_target(db, revised, reason="二拠点目を追加", base_version=1, actor=LEAD, lang="ja")
    _, _, history = target_form(db, "P1", "joint_studies", actor=OPERATOR)
    table = revision_table(history, "ja", 4)
    assert list(table.columns) == ["version", "recorded_at", "recorded_by", "reason", "plan", "changes"]
    first, second = table.to_dict("records")
    assert first["plan"] == "基準値 0（2024-03-31） · 2024年度: 3（短期） · 2028年度: 15（長期）"
    assert first["changes"] == "最初の設定"
    assert (second["recorded_by"], second["reason"]) == ("lead", "二拠点目を追加")
    assert second["changes"] == (
        "基準値: 0 → 1; 2024年度: 3（短期） → 4（短期）; 2026年度: 9 を追加;"
        " 2028年度: 15（長期） → 18（長期）"
    )
    english = revision_table(history, "en", 4)
    assert english["changes"].iloc[1] == (
        "Baseline: 0 → 1; FY2024: 3 (Short term) → 4 (Short term); FY2026: 9 added;"
        " FY2028: 15 (Long term) → 18 (Long term)"
    )


def rows(
    value: float, period: date = date(2026, 9, 30), kpi: str = "joint_studies", note: str = ""
) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "project_code": "P1",
                "kpi_code": kpi,
                "period_end": period,
                "organization_code": "U1",
                "value": value,
                "note": note,
            }
        ]
    )


KEY = ("P1", "joint_studies", date(2026, 9, 30), "U1")


def test_recording_progress_and_a_stale_grid(db: Database) -> None:
    first = record_progress(
        db, rows(20), base_versions={KEY: None}, actor=Actor.operator("lead"), lang="en", today=TODAY
    )
    assert (first.inserted, first.updated) == (1, 0)
    with db.cursor() as cursor:
        version = cursor.execute("SELECT version_id FROM actual_current").fetchall()[0][0]
    # Two people loaded the grid when the value was 20; the first saves 21, the second is refused.
    record_progress(
        db, rows(21), base_versions={KEY: version}, actor=Actor.operator("lead-a"), lang="en", today=TODAY
    )
    before = table_counts(db)
    with pytest.raises(StaleWrite) as stale:
        record_progress(
            db, rows(25), base_versions={KEY: version}, actor=Actor.operator("lead-b"), lang="en", today=TODAY
        )
    assert stale.value.current["value"].tolist() == [21.0]
    assert table_counts(db) == before


def test_rules_for_recorded_values(db: Database) -> None:
    with pytest.raises(Rejected) as refused:
        record_progress(
            db,
            rows(-1, period=date(2026, 12, 31)),
            base_versions={},
            actor=Actor.operator("lead"),
            lang="en",
            today=TODAY,
        )
    assert sorted(e.code for e in refused.value.errors) == ["future_period", "negative_value"]


def test_a_value_that_turns_the_kpi_off_track_needs_an_explanation(db: Database) -> None:
    # joint_studies: 0 → 3 by 2025-03-31 → 15 by 2029-03-31; 1 study by 2026-09-30 is far behind plan.
    before = table_counts(db)
    with pytest.raises(NeedsExplanation) as needs:
        record_progress(
            db, rows(1), base_versions={KEY: None}, actor=Actor.operator("lead"), lang="en", today=TODAY
        )
    assert needs.value.pairs == [("P1", "joint_studies")]
    assert table_counts(db) == before
    result = record_progress(
        db,
        rows(1),
        base_versions={KEY: None},
        actor=Actor.operator("lead"),
        lang="en",
        today=TODAY,
        explanations={("P1", "joint_studies"): "契約締結が半年遅れた"},
    )
    assert result.off_track == [("P1", "joint_studies")]
    with db.cursor() as cursor:
        assert cursor.execute("SELECT value, explanation FROM actual_versions").fetchall() == [
            (1.0, "契約締結が半年遅れた")
        ]
    status = portfolio_status(db, TODAY, "P1").set_index("kpi_code")
    assert status.loc["joint_studies", "status"] == "off_track"


def test_progress_writes_are_audited(db: Database) -> None:
    record_progress(
        db, rows(9), base_versions={KEY: None}, actor=Actor.operator("lead@example"), lang="en", today=TODAY
    )
    with db.cursor() as cursor:
        audit = cursor.execute("SELECT actor, action FROM audit_log WHERE entity = 'actuals'").fetchall()
    assert audit == [("lead@example", "record_actuals")]


def test_the_grid_records_only_what_was_edited() -> None:
    from kpi.progress.forms import grid_changes

    original = pd.DataFrame(
        {
            "kpi_code": ["a", "b", "c", "d"],
            "kpi_name": ["A", "B", "C", "D"],
            "unit": ["件"] * 4,
            "value": [1.0, None, 3.0, None],
            "note": ["", "", "x", ""],
            "version_id": [10, None, 12, None],
        }
    )
    edited = original.assign(
        value=pd.Series([1.0, 5.0, 3.0, None], index=original.index), note=["", "", "y", ""]
    )
    rows, base = grid_changes(
        original, edited, project_code="P", period_end=date(2026, 9, 30), organization_code="O"
    )
    assert rows[["kpi_code", "value", "note"]].values.tolist() == [["b", 5.0, ""], ["c", 3.0, "y"]]
    assert base == {("P", "b", date(2026, 9, 30), "O"): None, ("P", "c", date(2026, 9, 30), "O"): 12}
