"""Migration 0007 carries a database forward unchanged in meaning.

tests/data/v6_demo holds tables of a demo database made by the product before target points
existed (schema version 6: short/mid/long columns, baseline required), exported as CSV, and the
status that product printed (`status --json`) at three dates. The test builds a version-6 database
from them, migrates it, and requires every old field of every row to be the same.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from kpi.portfolio.status import portfolio_status, status_records
from kpi.storage import Database
from kpi.storage.connection import migration_files
from kpi.storage.registry import current_targets

DATA = Path(__file__).parent / "data" / "v6_demo"
OLD_FIELDS = ("value", "baseline", "expected", "plan_progress", "status", "last_period_end", "achievement",
              "forecast")  # fmt: skip
TABLES = ("kpi_definitions", "target_versions", "actual_periods", "settings")


def _version_6_database(path: Path) -> Database:
    db = Database(path, create=True)
    with db.transaction() as cursor:
        cursor.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMP NOT NULL)"
        )
        for version, name, sql in migration_files():
            if version > 6:
                break
            cursor.execute(sql)
            cursor.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, datetime.now()])
        for table in TABLES:
            cursor.execute(f"DELETE FROM {table}")  # the migrations' own rows: the file has them all
            cursor.execute(
                f"COPY {table} FROM '{DATA / (table + '.csv.gz')}' (HEADER, allow_quoted_nulls false)"
            )
    return db


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = _version_6_database(tmp_path_factory.mktemp("v6") / "old.duckdb")
    with db.cursor() as cursor:
        columns = {r[0] for r in cursor.execute("DESCRIBE target_versions").fetchall()}
    assert "long_value" in columns and "points" not in columns  # really the old layout
    applied = db.migrate()
    assert applied[0] == "0007_real_kpi_plans.sql"  # and the migrations after it
    return db


def _old(day: str) -> list[dict[str, Any]]:
    with gzip.open(DATA / f"status_{day}.json.gz", "rt", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.mark.parametrize("day", ["2025-06-30", "2026-03-31", "2026-11-26"])
def test_status_is_unchanged_after_the_migration(migrated: Database, day: str) -> None:
    before = _old(day)
    after = status_records(portfolio_status(migrated, date.fromisoformat(day)))
    assert [(r["project_code"], r["kpi_code"]) for r in after] == [
        (r["project_code"], r["kpi_code"]) for r in before
    ]
    assert len(before) > 80
    for old, new in zip(before, after, strict=True):
        for name in OLD_FIELDS:
            if name == "forecast":  # least squares: the same formula, compared to the last bits
                for h, value in old[name].items():
                    # Since issue 16 a forecast never goes below 0 for a KPI that cannot be negative
                    # (the v6 demo's KPIs are all such); the old product printed the raw line.
                    line = None if value is None else max(value, 0.0)
                    expected = None if line is None else pytest.approx(line, rel=1e-12, abs=1e-12)
                    assert new[name][h] == expected, (old["project_code"], old["kpi_code"], h)
            else:
                assert new[name] == old[name], (old["project_code"], old["kpi_code"], name)
        # the new fields say the same as the old ones for a classic plan
        assert new["final_achievement"] == old["achievement"]["long"] or old["achievement"]["long"] is None
        assert new["grade"] == old["status"]  # the default scheme is `status`


def test_three_horizons_became_three_tagged_points(migrated: Database) -> None:
    with migrated.cursor() as cursor:
        targets = current_targets(cursor)
        kpis = dict(
            cursor.execute("SELECT kpi_code, achievement || '/' || frequency FROM kpi_definitions").fetchall()
        )
        scheme = cursor.execute("SELECT value FROM settings WHERE key = 'grade_scheme'").fetchone()
    row = targets[(targets["project_code"] == "P21") & (targets["kpi_code"] == "local_jobs")].iloc[0]
    points = [(p["day"], p["value"], p["horizon"]) for p in row["points"]]
    assert points == [
        (date(2020, 9, 30), 6.0, "short"),
        (date(2022, 9, 30), 13.0, "mid"),
        (date(2024, 9, 30), 21.0, "long"),
    ]  # version 2, the revision: 6 / 13 / 21
    assert row["baseline_value"] == 0.0 and row["baseline_date"].date() == date(2019, 10, 1)
    assert set(kpis.values()) == {"progress/quarter"}
    assert scheme == ("status",)
