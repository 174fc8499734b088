"""The storage layer: migrations, append-only actuals, settings, and short-lived file handles."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kpi.storage import Database, connection
from kpi.storage.actuals import actual_history, record_actuals
from kpi.storage.registry import read_settings, write_setting
from tests.conftest import table_counts
from tests.pg_support import both_engines

pytestmark = both_engines

NOW = datetime(2026, 4, 10, 9, 0)


def reports(*rows: tuple[str, str, date, str, float, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["project_code", "kpi_code", "period_end", "organization_code", "value", "note"]
    )


def test_migrations_are_recorded_and_applied_once(fresh_db: Database) -> None:
    shipped = [(version, name) for version, name, _ in connection.migration_files()]
    assert fresh_db.schema_version() == shipped[-1][0]
    assert fresh_db.migrate() == []
    with fresh_db.cursor() as cursor:
        rows = cursor.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
        kpis = cursor.execute("SELECT kpi_code FROM kpi_definitions WHERE builtin ORDER BY 1").fetchall()
    assert rows == shipped
    assert shipped[0] == (1, "0001_initial.sql")
    assert [k for (k,) in kpis] == ["joint_studies", "local_jobs", "time_to_implementation"]


def test_a_failing_migration_leaves_no_trace(fresh_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = connection.migration_files()
    broken = (999, "0999_broken.sql", "CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;")
    monkeypatch.setattr(connection, "migration_files", lambda: [*shipped, broken])
    with pytest.raises(duckdb.Error):
        fresh_db.migrate()
    assert fresh_db.schema_version() == shipped[-1][0]
    with fresh_db.cursor() as cursor:
        found = cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'"
        )
        assert found.fetchone() == (0,)


def test_actuals_are_versions_and_unchanged_values_record_nothing(fresh_db: Database) -> None:
    first = reports(
        ("P1", "joint_studies", date(2025, 6, 30), "U1", 2.0, "初回"),
        ("P1", "joint_studies", date(2025, 6, 30), "C1", 1.0, None),
    )
    with fresh_db.transaction() as cursor:
        counts = record_actuals(cursor, first, actor="a", source="form", now=NOW)
    assert (counts.inserted, counts.updated, counts.unchanged) == (2, 0, 0)

    corrected = reports(
        ("P1", "joint_studies", date(2025, 6, 30), "U1", 3.0, None),
        ("P1", "joint_studies", date(2025, 6, 30), "C1", 1.0, None),
    )
    with fresh_db.transaction() as cursor:
        counts = record_actuals(cursor, corrected, actor="b", source="form", now=NOW)
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 1)

    with fresh_db.cursor() as cursor:
        history = actual_history(cursor, "P1")
        current = cursor.execute("SELECT organization_code, value FROM actual_current ORDER BY 1").fetchall()
    assert len(history) == 3  # two originals and one correction; nothing overwritten
    u1 = history[history["organization_code"] == "U1"].sort_values("id")
    assert list(u1["value"]) == [2.0, 3.0]
    assert list(u1["is_current"]) == [False, True]
    assert u1["note"].iloc[1] == "初回"  # a correction without a note keeps the note
    assert list(u1["recorded_by"]) == ["a", "b"]
    assert current == [("C1", 1.0), ("U1", 3.0)]


def test_a_note_alone_records_no_new_version(fresh_db: Database) -> None:
    """SPEC: re-sending an unchanged value records no new version, whatever its note."""
    row = ("P1", "local_jobs", date(2025, 6, 30), "U1", 5.0, "")
    with fresh_db.transaction() as cursor:
        record_actuals(cursor, reports(row), actor="a", source="form", now=NOW)
        counts = record_actuals(
            cursor, reports((*row[:5], "採用2名を含む")), actor="a", source="form", now=NOW
        )
    assert (counts.updated, counts.unchanged) == (0, 1)


def test_record_actuals_is_audited(fresh_db: Database) -> None:
    with fresh_db.transaction() as cursor:
        record_actuals(
            cursor,
            reports(("P1", "local_jobs", date(2025, 6, 30), "U1", 5.0, None)),
            actor="lead",
            source="form",
            now=NOW,
        )
    with fresh_db.cursor() as cursor:
        actor, action, after = cursor.execute("SELECT actor, action, after FROM audit_log").fetchone()  # type: ignore[misc]
    assert (actor, action) == ("lead", "record_actuals")
    assert '"P1/local_jobs/2025-06-30/U1": 5.0' in after


def test_a_failed_transaction_writes_nothing(fresh_db: Database) -> None:
    before = table_counts(fresh_db)
    with pytest.raises(RuntimeError), fresh_db.transaction() as cursor:
        record_actuals(
            cursor,
            reports(("P1", "local_jobs", date(2025, 6, 30), "U1", 5.0, None)),
            actor="a",
            source="form",
            now=NOW,
        )
        raise RuntimeError("something went wrong after the write")
    assert table_counts(fresh_db) == before


def test_settings_have_spec_defaults_and_changes_are_audited(fresh_db: Database) -> None:
    with fresh_db.cursor() as cursor:
        settings = read_settings(cursor)
    assert (settings.on_track_threshold, settings.at_risk_threshold) == (0.9, 0.7)
    assert settings.fiscal_year_start_month == 4
    assert (settings.import_max_bytes, settings.import_max_rows) == (20 * 1024 * 1024, 200_000)
    with fresh_db.transaction() as cursor:
        write_setting(cursor, "on_track_threshold", "0.95", actor="admin", now=NOW)
    with fresh_db.cursor() as cursor:
        assert read_settings(cursor).on_track_threshold == 0.95
        assert cursor.execute("SELECT actor FROM audit_log WHERE entity = 'settings'").fetchone() == (
            "admin",
        )
    with pytest.raises(KeyError), fresh_db.transaction() as cursor:
        write_setting(cursor, "no_such_setting", "1", actor="admin", now=NOW)


def test_file_is_released_between_units_of_work(fresh_db: Database, db_path: Path) -> None:
    """Another process can open the file as soon as no unit of work is running here."""
    with fresh_db.cursor() as cursor:
        cursor.execute("SELECT 1")
    probe = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(db_path)!r}).close(); print('opened')"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.stdout.strip() == "opened", probe.stderr


def test_period_totals_follow_every_write(fresh_db: Database) -> None:
    """actual_periods is derived: after writes it equals a fresh grouping of actual_current."""
    from kpi.storage.periods import rebuild_periods

    def snapshot() -> list[tuple[object, ...]]:
        with fresh_db.cursor() as cursor:
            return cursor.execute("SELECT * FROM actual_periods ORDER BY ALL").fetchall()

    with fresh_db.transaction() as cursor:
        record_actuals(
            cursor,
            reports(
                ("P1", "joint_studies", date(2025, 6, 30), "U1", 2.0, None),
                ("P1", "joint_studies", date(2025, 6, 30), "C1", 1.0, None),
            ),
            actor="a",
            source="form",
            now=NOW,
        )
        record_actuals(
            cursor,
            reports(("P1", "joint_studies", date(2025, 6, 30), "U1", 5.0, None)),
            actor="a",
            source="form",
            now=NOW,
        )
    incremental = snapshot()
    assert incremental == [("P1", "joint_studies", date(2025, 6, 30), 6.0, 5.0)]
    with fresh_db.transaction() as cursor:
        rebuild_periods(cursor)
    assert snapshot() == incremental


def test_value_series_follow_every_write(fresh_db: Database) -> None:
    """actual_series is derived too: each pair's periods as one list in date order, as a rebuild
    from scratch would make them, after a first report, a second period and a revision."""
    from kpi.storage.periods import rebuild_periods

    def series() -> list[tuple[object, ...]]:
        with fresh_db.cursor() as cursor:
            return cursor.execute("SELECT * FROM actual_series ORDER BY project_code, kpi_code").fetchall()

    june, september = date(2025, 6, 30), date(2025, 9, 30)
    writes = [
        [("P1", "joint_studies", september, "U1", 3.0, None), ("P1", "local_jobs", june, "U1", 4.0, None)],
        [("P1", "joint_studies", june, "C1", 1.0, None)],
        [("P1", "joint_studies", june, "U1", 2.0, None)],
        [("P1", "joint_studies", september, "U1", 7.0, None)],
    ]
    for rows in writes:
        with fresh_db.transaction() as cursor:
            record_actuals(cursor, reports(*rows), actor="a", source="form", now=NOW)
    incremental = series()
    assert incremental == [
        ("P1", "joint_studies", [{"day": june, "summed": 3.0, "latest": 2.0},
                                 {"day": september, "summed": 7.0, "latest": 7.0}]),
        ("P1", "local_jobs", [{"day": june, "summed": 4.0, "latest": 4.0}]),
    ]  # fmt: skip
    with fresh_db.transaction() as cursor:
        rebuild_periods(cursor)
    assert series() == incremental
