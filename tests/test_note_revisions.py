"""A changed note on an unchanged value (SPEC 2 `combine`): kept as a note revision of the current
version, audited and shown in the history, without a new version and without making the report
more recent; a rollback withdraws it. Issue 15, item 8."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd
import pytest

from kpi.access import Actor
from kpi.intake.service import layout_lines, rollback_import
from kpi.portfolio.status import portfolio_status
from kpi.progress.save import record_progress
from kpi.storage import Database
from kpi.storage.actuals import actual_history, recent_reports, record_actuals
from kpi.storage.batches import RollbackCounts
from kpi.storage.notes import current_notes
from tests.conftest import table_counts
from tests.test_intake import TODAY, csv_bytes, current_values, registry_db, run_import

HEADER = "project_code,kpi_code,period_end,value,note"
Q4, Q2 = "2026-03-31", "2026-09-30"
JS, TTI = "joint_studies", "time_to_implementation"
KEY = ("P1", JS, date(2026, 3, 31), "U1")
LEAD = Actor.operator("lead@example")


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    return registry_db(fresh_db, tmp_path / "registry")


def status(db: Database) -> list[tuple[Any, ...]]:
    frame = portfolio_status(db, TODAY, project_code="P1")[["kpi_code", "value", "status"]]
    frame = frame.astype(object).where(frame.notna(), None)  # no data: None, which compares equal
    return list(frame.itertuples(index=False, name=None))


def the_note(db: Database, key: tuple[Any, ...] = KEY) -> str:
    """The current note of a key as the reads give it: through current_notes."""
    with db.cursor() as cursor:
        found = cursor.execute(
            "SELECT version_id FROM actual_current WHERE project_code = ? AND kpi_code = ? AND period_end = ?"
            " AND organization_code = ?",
            list(key),
        ).fetchall()
        return current_notes(cursor, [int(found[0][0])])[int(found[0][0])]


def history(db: Database, kpi: str = JS) -> list[tuple[Any, ...]]:
    with db.cursor() as cursor:
        frame = actual_history(cursor, "P1", kpi)
    frame = frame.astype(object).where(frame.notna(), None)
    return list(frame[["kind", "value", "note", "source", "batch_id"]].itertuples(index=False, name=None))


def test_an_import_with_a_changed_note_keeps_it_as_a_revision(db: Database) -> None:
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2,㈱そらと締結"))
    before, shown = table_counts(db), status(db)
    preview = run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2,㈱そらと締結（2件目は交渉中）"), dry_run=True)
    assert (preview.inserted, preview.updated, preview.unchanged, preview.noted) == (0, 0, 1, 1)
    assert preview.changes is not None and preview.changes.empty  # no value changes
    assert table_counts(db) == before

    result = run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2,㈱そらと締結（2件目は交渉中）"))
    assert (result.status, result.batch_id, result.inserted, result.updated) == ("imported", 2, 0, 0)
    assert (result.noted, layout_lines(result, "en")[-1]) == (
        1,
        "Notes changed on unchanged values, kept as note revisions: 1.",
    )
    after = table_counts(db)
    assert after["actual_versions"] == before["actual_versions"]  # no new version
    assert after["actual_current"] == before["actual_current"]
    assert status(db) == shown
    assert the_note(db) == "㈱そらと締結（2件目は交渉中）"
    assert history(db) == [
        ("note", 2.0, "㈱そらと締結（2件目は交渉中）", "import", 2),
        ("value", 2.0, "㈱そらと締結", "import", 1),
    ]
    with db.cursor() as cursor:
        reports = recent_reports(cursor, "P1")
        audit = cursor.execute(
            "SELECT actor, entity_key, CAST(after AS VARCHAR) FROM audit_log WHERE action = 'revise_notes'"
        ).fetchall()
    assert list(reports["note"]) == ["㈱そらと締結（2件目は交渉中）", "㈱そらと締結"]
    assert list(reports["kind"]) == ["note", "value"]
    [(actor, entity_key, details)] = audit
    assert (actor, entity_key) == ("u1@example", "batch 2")
    assert '"noted": 1' in details and "P1/joint_studies/2026-03-31/U1" in details
    assert "交渉中" not in details  # sizes and ids, never a note's text


def test_counts_and_what_is_not_a_revision(db: Database) -> None:
    rows = pd.DataFrame([{"project_code": "P1", "kpi_code": JS, "period_end": date(2026, 3, 31),
                          "organization_code": "U1", "value": 2.0, "note": "初回"}])  # fmt: skip
    now = datetime(2026, 4, 10, 9, 0)
    with db.transaction() as cursor:
        first = record_actuals(cursor, rows, actor="a", source="form", now=now)
        revised = record_actuals(cursor, rows.assign(note="  改訂  "), actor="a", source="form", now=now)
        same = record_actuals(cursor, rows.assign(note="改訂"), actor="a", source="form", now=now)
        blank = record_actuals(cursor, rows.assign(note=""), actor="a", source="form", now=now)
        moved = record_actuals(cursor, rows.assign(value=3.0, note=None), actor="a", source="form", now=now)
    assert (first.inserted, first.noted) == (1, 0)
    assert (revised.updated, revised.unchanged, revised.noted) == (0, 1, 1)  # noted: among the unchanged
    assert (same.unchanged, same.noted) == (1, 0)  # the same note again (trimmed) is no revision
    assert (blank.unchanged, blank.noted) == (1, 0)  # no note: the note stays
    assert (moved.updated, moved.noted) == (1, 0)
    assert history(db) == [
        ("value", 3.0, "改訂", "form", None),  # a new value without a note keeps the revised note
        ("note", 2.0, "改訂", "form", None),
        ("value", 2.0, "初回", "form", None),
    ]


def test_a_revision_does_not_make_a_combine_latest_report_more_recent(db: Database) -> None:
    run_import(db, csv_bytes(HEADER, f"P1,{TTI},{Q2},40,"), org="U1")
    run_import(db, csv_bytes(HEADER, f"P1,{TTI},{Q2},30,"), org="C1")
    assert status(db)[-1][:2] == (TTI, 30.0)  # C1's report is the latest
    run_import(db, csv_bytes(HEADER, f"P1,{TTI},{Q2},40,工程表を更新"), org="U1")
    assert status(db)[-1][:2] == (TTI, 30.0)  # still C1's
    assert the_note(db, ("P1", TTI, date(2026, 9, 30), "U1")) == "工程表を更新"


def test_rolling_back_the_batch_withdraws_its_revision(db: Database) -> None:
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2,初回"))
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2,誤った備考"))
    assert rollback_import(db, 2, actor=LEAD) == RollbackCounts(restored=1, skipped=0)
    assert the_note(db) == "初回"
    assert current_values(db) == {("P1", JS, Q4, "U1"): 2.0}
    assert history(db) == [
        ("note", 2.0, "初回", "rollback", None),
        ("note", 2.0, "誤った備考", "import", 2),
        ("value", 2.0, "初回", "import", 1),
    ]


def test_a_rollback_leaves_a_note_revised_again_later(db: Database) -> None:
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2,初回"))
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2,二回目"))
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2,三回目"))
    assert rollback_import(db, 2, actor=LEAD) == RollbackCounts(restored=0, skipped=1)
    assert the_note(db) == "三回目"
    # Rolling back the value's own batch restores what was before it: nothing, here.
    assert rollback_import(db, 1, actor=LEAD) == RollbackCounts(restored=1, skipped=0)
    assert current_values(db) == {}


def test_record_progress_keeps_a_changed_note(db: Database) -> None:
    rows = pd.DataFrame([{"project_code": "P1", "kpi_code": JS, "period_end": date(2026, 3, 31),
                          "organization_code": "U1", "value": 4.0, "note": "初回"}])  # fmt: skip
    why = {("P1", JS): "契約締結が遅れた"}  # 4 studies by now is off track: a 要因分析 is required
    first = record_progress(db, rows, base_versions={KEY: None}, explanations=why, actor=LEAD, lang="en",
                            today=TODAY)  # fmt: skip
    assert (first.inserted, first.noted) == (1, 0)
    with db.cursor() as cursor:
        version = int(cursor.execute("SELECT version_id FROM actual_current").fetchall()[0][0])
    before, shown = table_counts(db), status(db)
    revised = rows.assign(note="共同研究2件目を含む")
    result = record_progress(db, revised, base_versions={KEY: version}, actor=LEAD, lang="en", today=TODAY)
    assert (result.inserted, result.updated, result.unchanged, result.noted) == (0, 0, 1, 1)
    assert table_counts(db)["actual_versions"] == before["actual_versions"]
    assert status(db) == shown
    assert the_note(db) == "共同研究2件目を含む"
    assert history(db)[0] == ("note", 4.0, "共同研究2件目を含む", "form", None)


def test_rolling_back_a_new_value_restores_the_revised_note(db: Database) -> None:
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2,初回"))
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},2,改訂"))
    run_import(db, csv_bytes(HEADER, f"P1,{JS},{Q4},5,訂正"))
    assert rollback_import(db, 3, actor=LEAD) == RollbackCounts(restored=1, skipped=0)
    assert (current_values(db)[("P1", JS, Q4, "U1")], the_note(db)) == (2.0, "改訂")
    assert history(db)[0] == ("value", 2.0, "改訂", "rollback", None)  # the note as it read before


class GridKeys(TypedDict):
    """The keyword arguments of `grid_changes` that name the grid's project, period and organization."""

    project_code: str
    period_end: date
    organization_code: str


def test_the_grid_clears_a_note_as_a_revision_and_leaves_an_unchanged_row_alone(db: Database) -> None:
    """The update grid shows each note and sends it back (kpi/progress/forms.py grid_changes): a note
    emptied on an unchanged value is a revision to an empty note, audited like any write, and said as
    saved; a row sent back as it was stays unchanged, with no revision and no audit row."""
    from kpi.progress.forms import grid_changes
    from kpi.progress.grid_edits import saved_text

    rows = pd.DataFrame([{"project_code": "P1", "kpi_code": JS, "period_end": date(2026, 3, 31),
                          "organization_code": "U1", "value": 4.0, "note": "要因: 契約の遅れ"}])  # fmt: skip
    why = {("P1", JS): "契約締結が遅れた"}
    record_progress(db, rows, base_versions={KEY: None}, explanations=why, actor=LEAD, lang="en", today=TODAY)
    with db.cursor() as cursor:
        version = int(cursor.execute("SELECT version_id FROM actual_current").fetchall()[0][0])
    shown = pd.DataFrame({"kpi_code": [JS], "kpi_name": ["Joint studies"], "unit": ["件"], "value": [4.0],
                          "note": ["要因: 契約の遅れ"], "version_id": [version]})  # fmt: skip
    keys: GridKeys = {"project_code": "P1", "period_end": date(2026, 3, 31), "organization_code": "U1"}
    # The same value with its note emptied: the grid sends it, and it is kept as a revision.
    sent, base = grid_changes(shown, shown.assign(note=""), **keys)
    assert sent[["kpi_code", "value", "note"]].values.tolist() == [[JS, 4.0, ""]]
    before, status_before = table_counts(db), status(db)
    cleared = record_progress(db, sent, base_versions=base, actor=LEAD, lang="en", today=TODAY)
    assert (cleared.inserted, cleared.updated, cleared.unchanged, cleared.noted) == (0, 0, 1, 1)
    assert the_note(db) == ""
    assert history(db)[0] == ("note", 4.0, "", "form", None)
    after = table_counts(db)
    assert after["actual_versions"] == before["actual_versions"]  # no new version: not more recent
    assert len(history(db)) == 2  # the version and its one revision
    assert status(db) == status_before
    with db.cursor() as cursor:
        audit = cursor.execute(
            "SELECT actor, action, after FROM audit_log WHERE action = 'revise_notes'"
            " ORDER BY id DESC LIMIT 1"
        ).fetchall()
    assert audit[0][:2] == ("lead@example", "revise_notes") and '"noted": 1' in audit[0][2]
    assert saved_text(cleared, "en") == "Saved: 1 note(s) revised; the values stay as they were."
    assert saved_text(cleared, "ja") == "保存しました: 値はそのままで、備考（要因分析）を 1 件改めました。"
    # Sent back exactly as stored (as a second click would): unchanged, nothing written.
    now_shown = shown.assign(note="")
    resent, base = grid_changes(now_shown, now_shown, **keys)
    assert resent.empty
    again = record_progress(db, sent, base_versions=base | {KEY: version}, actor=LEAD, lang="en",
                            today=TODAY)  # fmt: skip
    assert (again.inserted, again.updated, again.unchanged, again.noted) == (0, 0, 1, 0)
    assert table_counts(db) == after


def test_a_new_value_with_its_note_emptied_on_the_grid_has_no_note(db: Database) -> None:
    rows = pd.DataFrame([{"project_code": "P1", "kpi_code": JS, "period_end": date(2026, 3, 31),
                          "organization_code": "U1", "value": 4.0, "note": "初回"}])  # fmt: skip
    why = {("P1", JS): "契約締結が遅れた"}
    record_progress(db, rows, base_versions={KEY: None}, explanations=why, actor=LEAD, lang="en", today=TODAY)
    with db.cursor() as cursor:
        version = int(cursor.execute("SELECT version_id FROM actual_current").fetchall()[0][0])
    result = record_progress(db, rows.assign(value=5.0, note=""), base_versions={KEY: version},
                             explanations=why, actor=LEAD, lang="en", today=TODAY)  # fmt: skip
    assert (result.updated, result.noted) == (1, 0)
    assert (current_values(db)[("P1", JS, Q4, "U1")], the_note(db)) == (5.0, "")
    # None (a form that does not show the note, such as the one-value form) keeps it.
    with db.cursor() as cursor:
        version = int(cursor.execute("SELECT version_id FROM actual_current").fetchall()[0][0])
    record_progress(db, rows.assign(value=5.0, note="改訂"), base_versions={KEY: version}, actor=LEAD,
                    lang="en", today=TODAY)  # fmt: skip
    kept = record_progress(db, rows.assign(value=6.0, note=None), base_versions={KEY: version},
                           explanations=why, actor=LEAD, lang="en", today=TODAY)  # fmt: skip
    assert (kept.updated, current_values(db)[("P1", JS, Q4, "U1")], the_note(db)) == (1, 6.0, "改訂")
