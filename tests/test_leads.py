"""Project leads: targets revised with a reason, progress recorded, stale saves refused, 要因分析 kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kpi.access import Actor
from kpi.leads import NeedsExplanation, Rejected, StaleWrite, record_progress, save_target
from kpi.setup import setup_registry
from kpi.status import portfolio_status
from kpi.storage import Database
from kpi.storage.registry import target_history
from tests.conftest import table_counts
from tests.test_setup import write_registry

TODAY = date(2026, 11, 26)
TARGET = {
    "project_code": "P1",
    "kpi_code": "joint_studies",
    "baseline_value": 0.0,
    "baseline_date": date(2024, 3, 31),
    "short_value": 4.0,
    "short_date": date(2025, 3, 31),
    "mid_value": None,
    "mid_date": None,
    "long_value": 12.0,
    "long_date": date(2028, 3, 31),
}


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    result = setup_registry(
        fresh_db, write_registry(tmp_path / "reg"), actor=Actor.operator("admin"), lang="en"
    )
    assert result.status == "loaded"
    return fresh_db


def test_revision_needs_a_reason_and_keeps_the_original(db: Database) -> None:
    # The registry set version 1 of P1/joint_studies (short 3, long 15).
    with pytest.raises(Rejected) as refused:
        save_target(db, TARGET, reason=" ", base_version=1, actor=Actor.operator("lead"), lang="en")
    assert [e.code for e in refused.value.errors] == ["reason_required"]
    version = save_target(
        db, TARGET, reason="実証先の追加", base_version=1, actor=Actor.operator("lead"), lang="en"
    )
    assert version == 2
    with db.cursor() as cursor:
        history = target_history(cursor, "P1")
    assert list(history["long_value"]) == [15.0, 12.0]
    assert list(history["reason"]) == ["", "実証先の追加"]
    assert list(history["recorded_by"]) == ["admin", "lead"]


def test_a_stale_target_save_is_refused(db: Database) -> None:
    save_target(db, TARGET, reason="first", base_version=1, actor=Actor.operator("lead-a"), lang="en")
    before = table_counts(db)
    with pytest.raises(StaleWrite) as stale:
        save_target(
            db,
            {**TARGET, "long_value": 20.0},
            reason="second",
            base_version=1,
            actor=Actor.operator("lead-b"),
            lang="en",
        )
    assert stale.value.current == 2
    assert table_counts(db) == before


@pytest.mark.parametrize(
    "change, code",
    [
        ({"short_date": date(2024, 3, 1)}, "target_order"),
        ({"long_date": date(2025, 1, 1)}, "target_order"),
        ({"short_value": -1.0}, "negative_value"),
        ({"short_value": None}, "missing_value"),
        ({"baseline_value": None}, "missing_value"),
    ],
)
def test_target_rules(db: Database, change: dict[str, object], code: str) -> None:
    with pytest.raises(Rejected) as refused:
        save_target(
            db, {**TARGET, **change}, reason="x", base_version=1, actor=Actor.operator("lead"), lang="en"
        )
    assert code in [e.code for e in refused.value.errors]


def test_lower_is_better_targets_must_be_below_the_baseline(db: Database) -> None:
    target = {
        **TARGET,
        "kpi_code": "time_to_implementation",
        "baseline_value": 60.0,
        "short_value": 48.0,
        "long_value": 72.0,
    }
    with pytest.raises(Rejected) as refused:
        save_target(db, target, reason="", base_version=0, actor=Actor.operator("lead"), lang="ja")
    error = refused.value.errors[0]
    assert (error.code, error.column) == ("target_direction", "long_value")
    assert "基準値 60" in error.message
    assert (
        save_target(
            db,
            {**target, "long_value": 24.0},
            reason="",
            base_version=0,
            actor=Actor.operator("lead"),
            lang="en",
        )
        == 1
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
    from kpi.lead_forms import grid_changes

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
    edited = original.assign(value=[1.0, 5.0, 3.0, None], note=["", "", "y", ""])
    rows, base = grid_changes(
        original, edited, project_code="P", period_end=date(2026, 9, 30), organization_code="O"
    )
    assert rows[["kpi_code", "value", "note"]].values.tolist() == [["b", 5.0, ""], ["c", 3.0, "y"]]
    assert base == {("P", "b", date(2026, 9, 30), "O"): None, ("P", "c", date(2026, 9, 30), "O"): 12}
