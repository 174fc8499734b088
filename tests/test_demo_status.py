"""`python -m kpi status --json` on the demo database agrees with the pure-Python reference."""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kpi.commands.main import main
from kpi.storage import Database
from kpi.storage.registry import current_targets, read_table
from tests.conftest import DEMO_TODAY
from tests.reference import KpiRule, Report, TargetSet, reference_status, reference_years


def _day(value: Any) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _point(point: dict[str, Any]) -> tuple[float, date, str | None]:
    day = _day(point["day"])
    assert day is not None  # a target point always has its day
    return float(point["value"]), day, point["horizon"]


def _target_set(row: Mapping[Hashable, Any]) -> TargetSet:
    baseline = row["baseline_value"]
    points = tuple(_point(p) for p in row["points"])
    return TargetSet(None if pd.isna(baseline) else float(baseline), _day(row["baseline_date"]),
                     points=points)  # fmt: skip


def database_inputs(
    db: Database,
) -> tuple[
    dict[tuple[str, str], KpiRule], dict[tuple[str, str], TargetSet], dict[tuple[str, str], list[Report]]
]:
    """What the reference needs, read from the database: each pair's rule, current target set and
    current reports (every pair with a target or a report)."""
    with db.cursor() as cursor:
        kpis = read_table(cursor, "kpi_definitions").set_index("kpi_code")
        targets = current_targets(cursor)
        reports = cursor.execute(
            "SELECT project_code, kpi_code, period_end, organization_code, value, version_id"
            " FROM actual_current"
        ).df()
    target_sets = {(r["project_code"], r["kpi_code"]): _target_set(r) for r in targets.to_dict("records")}
    grouped: dict[tuple[str, str], list[Report]] = {key: [] for key in target_sets}
    for r in reports.to_dict("records"):
        grouped.setdefault((r["project_code"], r["kpi_code"]), []).append(
            Report(_day(r["period_end"]), r["organization_code"], float(r["value"]), int(r["version_id"]))  # type: ignore[arg-type]
        )
    rules = {}
    for pair in grouped:
        definition = kpis.loc[pair[1]]
        assert isinstance(definition, pd.Series)  # kpi_code is the unique index: one row
        rules[pair] = KpiRule(definition["direction"], definition["accumulation"], definition["combine"],
                              definition["achievement"])  # fmt: skip
    return rules, target_sets, grouped


def reference_for_database(db: Database, as_of: date) -> dict[tuple[str, str], dict[str, Any]]:
    """The reference arithmetic over the database's current targets and current reports."""
    rules, target_sets, grouped = database_inputs(db)
    return {
        pair: reference_status(rules[pair], target_sets.get(pair), reports, as_of)
        for pair, reports in grouped.items()
    }


def _close(got: Any, expected: Any) -> bool:
    if expected is None or got is None:
        return got is None and expected is None
    if isinstance(expected, date):
        return got == expected.isoformat()
    if isinstance(expected, float):
        return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9)
    return bool(got == expected)


@pytest.mark.parametrize("as_of", [DEMO_TODAY, date(2025, 3, 31), date(2026, 4, 1)])
def test_demo_status_json_matches_the_reference(
    capsys: pytest.CaptureFixture[str], demo_db_path: Path, as_of: date
) -> None:
    code = main(["status", "--json", "--db", str(demo_db_path), "--as-of", as_of.isoformat()])
    records = json.loads(capsys.readouterr().out)
    assert code == 0
    expected = reference_for_database(Database(demo_db_path), as_of)
    assert {(r["project_code"], r["kpi_code"]) for r in records} == set(expected)
    mismatches = []
    for record in records:
        want = expected[(record["project_code"], record["kpi_code"])]
        flat = {**record, **{f"achievement_{h}": v for h, v in record["achievement"].items()},
                **{f"forecast_{h}": v for h, v in record["forecast"].items()}}  # fmt: skip
        for field, value in want.items():
            if not _close(flat[field], value):
                mismatches.append((record["project_code"], record["kpi_code"], field, flat[field], value))
    assert mismatches == []
    if as_of == DEMO_TODAY:
        statuses = {r["status"] for r in records}
        assert {"achieved", "on_track", "at_risk", "off_track", "no_data"} <= statuses


@pytest.mark.parametrize("as_of", [DEMO_TODAY, date(2026, 4, 1)])
def test_demo_years_json_matches_the_reference(
    capsys: pytest.CaptureFixture[str], demo_db_path: Path, as_of: date
) -> None:
    """`years --json`: each project x KPI x 年度 as the reference's year view reads it."""
    code = main(["years", "--json", "--db", str(demo_db_path), "--as-of", as_of.isoformat()])
    records = json.loads(capsys.readouterr().out)
    assert code == 0
    rules, target_sets, grouped = database_inputs(Database(demo_db_path))
    expected: list[dict[str, Any]] = []
    for pair in sorted(target_sets):
        for year in reference_years(rules[pair], target_sets[pair], grouped[pair], as_of):
            expected.append({"project_code": pair[0], "kpi_code": pair[1], **year})
    assert [(r["project_code"], r["kpi_code"], r["fiscal_year"]) for r in records] == [
        (e["project_code"], e["kpi_code"], e["fiscal_year"]) for e in expected
    ]
    for got, want in zip(records, expected, strict=True):
        assert {k: v for k, v in got.items() if not _close(v, want[k])} == {}, (want["project_code"], want)
    visitors = [r for r in records if r["kpi_code"] == "tourist_visitors"]
    if as_of == DEMO_TODAY:  # each 年度 row shows its own year's total (SPEC 3), never the latest
        assert [(r["fiscal_year"], r["actual"], r["partial"]) for r in visitors] == [
            (2022, None, False), (2023, 193_000.0, False), (2024, 198_500.0, False),
            (2025, 204_000.0, False), (2026, 106_500.0, True),
        ]  # fmt: skip
