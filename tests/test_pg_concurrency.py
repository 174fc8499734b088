"""Many writers on one PostgreSQL database: two partners of one project importing at the same moment.

Each import runs in its own thread and connection, as two dashboard servers' sessions would. Without
the per-project lock (kpi/storage/locks.py) the later one failed on a unique key of the kept period
totals; with it both land, one after the other, and no value is lost or counted twice.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pytest

from kpi.errors import StaleWrite
from kpi.progress.save import save_target
from kpi.registry.setup import setup_registry
from kpi.storage import Database
from kpi.storage.actuals import INCOMING_COLUMNS, WriteCounts, record_actuals
from tests.conftest import OPERATOR
from tests.pg_support import both_engines
from tests.test_leads import LEAD, TARGET
from tests.test_setup import write_registry

pytestmark = both_engines
NOW = datetime(2026, 4, 10, 9, 0)
PERIODS = [date(2025, m, 28) for m in range(1, 13)]


def reports(organization: str, value: float) -> pd.DataFrame:
    rows = [("P1", "local_jobs", day, organization, value + i, None) for i, day in enumerate(PERIODS)]
    return pd.DataFrame(rows, columns=INCOMING_COLUMNS)


@pytest.mark.parametrize("rounds", [6])
def test_two_partners_of_one_project_import_at_the_same_moment(fresh_db: Database, rounds: int) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def partner(organization: str, base: float) -> None:
        try:
            for n in range(rounds):
                start.wait()  # both imports begin together, every round
                frame = reports(organization, base + 100 * n)

                def work(cursor: Any, frame: pd.DataFrame = frame) -> WriteCounts:
                    return record_actuals(cursor, frame, actor=organization, source="import", now=NOW)

                fresh_db.write(work)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=partner, args=args) for args in (("U1", 0.0), ("U2", 1000.0))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with fresh_db.cursor() as cursor:
        versions = cursor.execute("SELECT count(*) FROM actual_versions").fetchone()
        current = cursor.execute(
            "SELECT organization_code, count(*), sum(value) FROM actual_current GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        periods = cursor.execute(
            "SELECT count(*), sum(summed) FROM actual_periods"
            " WHERE project_code = 'P1' AND kpi_code = 'local_jobs'"
        ).fetchone()
    last = 100 * (rounds - 1)
    one_year = sum(range(12))
    assert versions == (2 * 12 * rounds,)  # every round changed every value: a version each, none lost
    assert current == [("U1", 12, 12 * last + one_year), ("U2", 12, 12 * (1000 + last) + one_year)]
    # the kept period totals: each period is U1's + U2's latest value, counted once
    assert periods == (12, 12 * (1000 + 2 * last) + 2 * one_year)


def test_two_leads_saving_over_one_version_one_is_told_it_is_stale(
    fresh_db: Database, tmp_path: Path
) -> None:
    """Both forms showed version 1: the first save makes version 2, the other is a StaleWrite, never a
    second version 2 (a lost update). The check and the write hold the project's lock."""
    assert (
        setup_registry(fresh_db, write_registry(tmp_path / "reg"), actor=OPERATOR, lang="en").status
        == "loaded"
    )
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def lead(final: float) -> None:
        first, last = cast(list[dict[str, Any]], TARGET["points"])
        target = {**TARGET, "points": [first, {**last, "value": final}]}
        start.wait()
        try:
            outcomes.append(
                save_target(fresh_db, target, reason="both at once", base_version=1, actor=LEAD, lang="en")
            )
        except StaleWrite as stale:
            outcomes.append(stale)

    threads = [threading.Thread(target=lead, args=(value,)) for value in (20.0, 30.0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["StaleWrite", "int"], outcomes
    assert [o for o in outcomes if isinstance(o, int)] == [2]
    with fresh_db.cursor() as cursor:
        versions = cursor.execute(
            "SELECT version FROM target_versions"
            " WHERE project_code = 'P1' AND kpi_code = 'joint_studies' ORDER BY 1"
        ).fetchall()
    assert versions == [(1,), (2,)]
