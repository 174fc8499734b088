"""Import batches (SPEC section 4): duplicates, counts of changed values, rollback, combine=latest."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import cast

import pytest

from kpi.access import Actor
from kpi.intake.service import ImportResult, ImportUsageError, rollback_import
from kpi.portfolio.status import portfolio_status
from kpi.storage import Database
from kpi.storage.actuals import actual_history
from kpi.storage.batches import RollbackCounts, list_batches
from tests.conftest import table_counts
from tests.pg_support import both_engines
from tests.test_intake import (
    TODAY,
    csv_bytes,
    current_notes,
    current_values,
    registry_db,
    rejected,
    run_import,
)

pytestmark = both_engines
HEADER = "project_code,kpi_code,period_end,value"
Q4, Q1, Q2 = "2026-03-31", "2026-06-30", "2026-09-30"  # FY2025 Q4, FY2026 Q1 and Q2
JS, LJ, TTI = "joint_studies", "local_jobs", "time_to_implementation"


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    return registry_db(fresh_db, tmp_path / "registry")


def outcome(result: ImportResult) -> tuple[str, int | None, int, int, int, int]:
    """(status, batch_id, rows, inserted, updated, unchanged)"""
    r = result
    return (r.status, r.batch_id, r.rows, r.inserted, r.updated, r.unchanged)


def value_to_date(db: Database, kpi: str) -> float | None:
    frame = portfolio_status(db, TODAY, project_code="P1").set_index("kpi_code")
    value = cast(float, frame.loc[kpi, "value"])  # the float "value" column
    return None if value != value else float(value)  # NaN: no data


def batches(db: Database) -> list[tuple[int, str, int, int, int, int, str | None]]:
    """Oldest first: (batch_id, organization, rows, inserted, updated, unchanged, rolled_back_by)."""
    with db.cursor() as cursor:
        frame = list_batches(cursor)
    return [
        (
            int(b["batch_id"]),
            b["organization_code"],
            int(b["rows"]),
            int(b["inserted"]),
            int(b["updated"]),
            int(b["unchanged"]),
            b["rolled_back_by"] if isinstance(b["rolled_back_by"], str) else None,
        )
        for b in reversed(frame.to_dict("records"))
    ]


FIRST = csv_bytes(HEADER, f"P1,{JS},{Q4},2", f"P1,{LJ},{Q4},5", f"P1,{TTI},{Q4},48")


# -- duplicates -------------------------------------------------------------------------------------


def test_identical_reupload_is_a_duplicate_also_as_a_dry_run(db: Database) -> None:
    assert outcome(run_import(db, FIRST)) == ("imported", 1, 3, 3, 0, 0)
    before = table_counts(db)
    for dry_run in (False, True):
        again = run_import(db, FIRST, dry_run=dry_run, name="renamed.csv")
        assert outcome(again) == ("duplicate", 1, 0, 0, 0, 0)
        assert again.errors == []
    assert table_counts(db) == before
    assert len(batches(db)) == 1


def test_same_bytes_from_another_organization_are_its_own_report(db: Database) -> None:
    run_import(db, FIRST, org="U1")
    other = run_import(db, FIRST, org="C1")
    assert outcome(other) == ("imported", 2, 3, 3, 0, 0)
    assert {key[3] for key in current_values(db)} == {"U1", "C1"}
    assert run_import(db, FIRST, org="C1").status == "duplicate"
    # The same file read as G1's report is rejected: G1 is not a partner of P1.
    rejected(db, FIRST, [(2, "project_code", "not_a_partner"), (3, "project_code", "not_a_partner"),
                         (4, "project_code", "not_a_partner")], org="G1")  # fmt: skip
    assert value_to_date(db, JS) == 4.0  # combine=sum: 2 from U1 + 2 from C1


def test_a_rejected_file_is_not_remembered(db: Database) -> None:
    bad = csv_bytes(HEADER, f"P1,{JS},{Q4},x")
    rejected(db, bad, [(2, "value", "invalid_number")])
    rejected(db, bad, [(2, "value", "invalid_number")])
    assert batches(db) == []


# -- counts -----------------------------------------------------------------------------------------


def test_a_new_file_that_repeats_keys_writes_only_changed_values(db: Database) -> None:
    run_import(db, FIRST)
    second = csv_bytes(
        HEADER, f"P1,{JS},{Q4},2", f"P1,{LJ},R8.3.31,6", f"P1,{JS},FY2026Q1,1", "", f"P1,{JS},2026/3/31,2"
    )
    before = table_counts(db)
    preview = run_import(db, second, dry_run=True)
    assert outcome(preview) == ("valid", None, 4, 1, 1, 1)
    assert preview.changes is not None
    changes = preview.changes.astype(object).where(preview.changes.notna(), None)
    assert changes[["kpi_code", "current_value", "value", "change"]].values.tolist() == [
        [JS, None, 1.0, "inserted"],
        [LJ, 5.0, 6.0, "updated"],
    ]
    assert table_counts(db) == before  # a dry run writes nothing

    result = run_import(db, second)
    assert outcome(result) == ("imported", 2, 4, 1, 1, 1)
    after = table_counts(db)
    assert after["actual_versions"] == before["actual_versions"] + 2
    assert after["actual_current"] == before["actual_current"] + 1
    assert current_values(db) == {
        ("P1", JS, Q4, "U1"): 2.0,
        ("P1", LJ, Q4, "U1"): 6.0,
        ("P1", TTI, Q4, "U1"): 48.0,
        ("P1", JS, Q1, "U1"): 1.0,
    }
    assert batches(db) == [(1, "U1", 3, 3, 0, 0, None), (2, "U1", 4, 1, 1, 1, None)]


def test_wide_format_counts_values_one_per_cell(db: Database) -> None:
    header = f"project_code,period_end,{JS},{LJ},{TTI}"
    first = run_import(db, csv_bytes(header, f"P1,{Q4},2,5,", f"P1,{Q1},1,3,40"))
    assert outcome(first) == ("imported", 1, 2, 5, 0, 0)
    second = run_import(db, csv_bytes(header, f"P1,{Q4},2,6,45", f"P1,{Q1},1,,40", f"P1,{Q2},,,"))
    assert outcome(second) == ("imported", 2, 3, 1, 1, 3)
    # An empty cell is "not reported": the value sent before stays.
    assert current_values(db)[("P1", LJ, Q1, "U1")] == 3.0
    assert current_values(db)[("P1", LJ, Q4, "U1")] == 6.0


def test_a_resent_value_without_a_note_keeps_the_note(db: Database) -> None:
    run_import(db, csv_bytes(HEADER + ",note", f"P1,{JS},{Q4},2,㈱そらと締結"))
    same = run_import(db, csv_bytes(HEADER + ",note", f"P1,{JS},{Q4},2,"))
    assert (same.inserted, same.updated, same.unchanged) == (0, 0, 1)
    changed = run_import(db, csv_bytes(HEADER + ",note", f"P1,{JS},{Q4},3,"))
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 0)
    assert current_notes(db)[("P1", JS, Q4, "U1")] == "㈱そらと締結"
    assert current_values(db)[("P1", JS, Q4, "U1")] == 3.0


# -- rollback ---------------------------------------------------------------------------------------


def test_rollback_restores_previous_values_and_the_file_can_be_sent_again(db: Database) -> None:
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2", f"P1,{LJ},{Q4},5"))
    assert value_to_date(db, JS) == 2.0
    second = csv_bytes(HEADER, f"P1,{JS},{Q4},4", f"P1,{JS},{Q1},1", f"P1,{LJ},{Q4},5")
    assert run_import(db, second).batch_id == 2
    assert value_to_date(db, JS) == 5.0

    counts = rollback_import(db, 2, actor=Actor.operator("lead@example"), organization_code="U1")
    assert counts == RollbackCounts(restored=2, skipped=0)
    assert current_values(db) == {("P1", JS, Q4, "U1"): 2.0, ("P1", LJ, Q4, "U1"): 5.0}
    assert value_to_date(db, JS) == 2.0
    assert batches(db) == [(1, "U1", 2, 2, 0, 0, None), (2, "U1", 3, 1, 1, 1, "lead@example")]
    with db.cursor() as cursor:
        history = actual_history(cursor, "P1", JS)
        audit = cursor.execute(
            "SELECT actor, action, entity_key FROM audit_log ORDER BY id DESC LIMIT 1"
        ).fetchall()
    # Nothing is deleted: the rolled-back versions stay, superseded by rollback versions.
    # The restored value stays tied to the version that reported it (batch 1), so that for
    # combine = latest a rollback does not make it more recent than it was.
    history = history.assign(period_end=history["period_end"].dt.date)
    history = history.astype(object).where(history.notna(), None)
    assert history[["period_end", "value", "source", "batch_id", "is_current"]].values.tolist() == [
        [date(2026, 6, 30), None, "rollback", None, False],
        [date(2026, 3, 31), 2.0, "rollback", None, False],
        [date(2026, 6, 30), 1.0, "import", 2, False],
        [date(2026, 3, 31), 4.0, "import", 2, False],
        [date(2026, 3, 31), 2.0, "import", 1, True],
    ]
    assert audit == [("lead@example", "rollback_batch", "2")]

    # Rolling back twice changes nothing.
    before = table_counts(db)
    assert rollback_import(db, 2, actor=Actor.operator("lead@example")) == RollbackCounts(
        restored=0, skipped=0
    )
    assert table_counts(db) == before

    # The rolled-back bytes are no longer a duplicate.
    again = run_import(db, second)
    assert outcome(again) == ("imported", 3, 3, 1, 1, 1)
    assert value_to_date(db, JS) == 5.0


def test_rollback_of_the_first_report_leaves_no_data(db: Database) -> None:
    run_import(db, FIRST)
    assert rollback_import(db, 1, actor=Actor.operator("lead@example")) == RollbackCounts(
        restored=3, skipped=0
    )
    assert current_values(db) == {}
    assert value_to_date(db, JS) is None
    assert portfolio_status(db, TODAY, project_code="P1").set_index("kpi_code").loc[JS, "status"] == "no_data"


def test_rollback_leaves_a_key_changed_again_later(db: Database) -> None:
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2"))
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},4", f"P1,{LJ},{Q4},5"))
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},7"))
    assert rollback_import(db, 2, actor=Actor.operator("lead@example")) == RollbackCounts(
        restored=1, skipped=1
    )
    assert current_values(db) == {("P1", JS, Q4, "U1"): 7.0}
    assert value_to_date(db, JS) == 7.0


def test_rolling_back_the_newest_and_then_the_older_batch_undoes_both(db: Database) -> None:
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2"))
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},4"))
    assert rollback_import(db, 2, actor=Actor.operator("lead@example")) == RollbackCounts(
        restored=1, skipped=0
    )
    assert current_values(db) == {("P1", JS, Q4, "U1"): 2.0}
    assert rollback_import(db, 1, actor=Actor.operator("lead@example")) == RollbackCounts(
        restored=1, skipped=0
    )
    assert current_values(db) == {}


def test_rollback_of_a_batch_that_changed_nothing(db: Database) -> None:
    run_import(db, FIRST)
    unchanged = run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2"))
    assert (unchanged.batch_id, unchanged.unchanged) == (2, 1)
    assert rollback_import(db, 2, actor=Actor.operator("lead@example")) == RollbackCounts(
        restored=0, skipped=0
    )
    assert current_values(db)[("P1", JS, Q4, "U1")] == 2.0  # batch 1's value, untouched


def test_only_an_existing_batch_of_ones_own_organization_can_be_rolled_back(db: Database) -> None:
    run_import(db, FIRST, org="C1")
    before = table_counts(db)
    with pytest.raises(ImportUsageError):
        rollback_import(db, 1, actor=Actor.operator("u1@example"), organization_code="U1")
    with pytest.raises(ImportUsageError):
        rollback_import(db, 99, actor=Actor.operator("lead@example"))
    assert table_counts(db) == before


# -- combine = latest -------------------------------------------------------------------------------


def test_combine_latest_a_resent_unchanged_value_is_not_more_recent(db: Database) -> None:
    # time_to_implementation: accumulation last, combine latest.
    run_import(db, csv_bytes(HEADER, f"P1,{TTI},{Q2},40"), org="U1")
    assert value_to_date(db, TTI) == 40.0
    run_import(db, csv_bytes(HEADER, f"P1,{TTI},{Q2},30"), org="C1")
    assert value_to_date(db, TTI) == 30.0  # C1's report is the more recent one
    # U1 sends its unchanged value again in a new file: no new version, C1's stays the latest.
    resent = run_import(db, csv_bytes(HEADER, f"P1,{TTI},{Q2},40", f"P1,{JS},{Q2},1"), org="U1")
    assert (resent.inserted, resent.updated, resent.unchanged) == (1, 0, 1)
    assert value_to_date(db, TTI) == 30.0
    # A changed value is a new version, so it is the latest now.
    changed = run_import(db, csv_bytes(HEADER, f"P1,{TTI},{Q2},35"), org="U1")
    assert (changed.batch_id, changed.updated) == (4, 1)
    assert value_to_date(db, TTI) == 35.0
    # Rolling it back restores the situation before it: C1's 30 was the latest then.
    assert rollback_import(db, 4, actor=Actor.operator("lead@example")) == RollbackCounts(
        restored=1, skipped=0
    )
    assert current_values(db)[("P1", TTI, Q2, "U1")] == 40.0
    assert value_to_date(db, TTI) == 30.0
