"""`python -m kpi status --json` on the demo database agrees with the pure-Python reference."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kpi.cli import main
from kpi.storage import Database
from kpi.storage.registry import current_targets, read_table
from tests.conftest import DEMO_TODAY
from tests.reference import KpiRule, Report, TargetSet, reference_status


def _day(value: Any) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _horizon(row: dict[str, Any], name: str) -> tuple[float, date] | None:
    when = _day(row[f"{name}_date"])
    return None if when is None else (float(row[f"{name}_value"]), when)


def reference_for_database(db: Database, as_of: date) -> dict[tuple[str, str], dict[str, Any]]:
    """The reference arithmetic over the database's current targets and current reports."""
    with db.cursor() as cursor:
        kpis = read_table(cursor, "kpi_definitions").set_index("kpi_code")
        targets = current_targets(cursor)
        reports = cursor.execute(
            "SELECT project_code, kpi_code, period_end, organization_code, value, version_id"
            " FROM actual_current"
        ).df()
    target_sets = {
        (r["project_code"], r["kpi_code"]): TargetSet(
            float(r["baseline_value"]), _day(r["baseline_date"]),  # type: ignore[arg-type]
            _horizon(r, "short"), _horizon(r, "mid"), _horizon(r, "long"),
        )
        for r in targets.to_dict("records")
    }  # fmt: skip
    grouped: dict[tuple[str, str], list[Report]] = {key: [] for key in target_sets}
    for r in reports.to_dict("records"):
        grouped.setdefault((r["project_code"], r["kpi_code"]), []).append(
            Report(_day(r["period_end"]), r["organization_code"], float(r["value"]), int(r["version_id"]))  # type: ignore[arg-type]
        )
    results = {}
    for (project, kpi), project_reports in grouped.items():
        definition = kpis.loc[kpi]
        rule = KpiRule(definition["direction"], definition["accumulation"], definition["combine"])
        results[(project, kpi)] = reference_status(
            rule, target_sets.get((project, kpi)), project_reports, as_of
        )
    return results


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
