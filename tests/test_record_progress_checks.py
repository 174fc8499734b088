"""The core's record_progress refuses what the update page never offers (issue 15, item 8): a KPI the
project does not track, an organization that is not its partner, codes nobody registered. Nothing is
written, and the message names what was sent, in the user's language."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.errors import Rejected
from kpi.progress.save import record_progress, save_target
from kpi.storage import Database
from tests.conftest import table_counts
from tests.test_intake import registry_db

TODAY = date(2026, 11, 26)
PERIOD = date(2026, 9, 30)
ADMIN = Actor.operator("admin@example")
LEAD = Actor("u1-lead", Role.LEAD, organization_code="U1")  # U1 leads P1; C1 is its other partner


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    # P1 tracks joint_studies, time_to_implementation and balance (targets); local_jobs and patents
    # are in the catalog without a target for P1; G1 is registered and takes part in no project.
    return registry_db(fresh_db, tmp_path / "registry")


def frame(*rows: tuple[str, str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"project_code": p, "kpi_code": k, "period_end": PERIOD, "organization_code": o, "value": v,
          "note": ""} for p, k, o, v in rows]
    )  # fmt: skip


def record(db: Database, rows: pd.DataFrame, *, actor: Actor = LEAD, lang: str = "en") -> Any:
    base: dict[tuple[Any, ...], int | None] = {
        (r["project_code"], r["kpi_code"], PERIOD, r["organization_code"]): None
        for r in rows.to_dict("records")
    }
    explanations = {(r["project_code"], r["kpi_code"]): "遅れの理由" for r in rows.to_dict("records")}
    return record_progress(db, rows, base_versions=base, explanations=explanations, actor=actor, lang=lang,
                           today=TODAY)  # fmt: skip


def refused(
    db: Database, rows: pd.DataFrame, *, actor: Actor = LEAD, lang: str = "en"
) -> list[tuple[Any, ...]]:
    before = table_counts(db)
    with pytest.raises(Rejected) as error:
        record(db, rows, actor=actor, lang=lang)
    assert table_counts(db) == before  # nothing written, not even an audit row
    return [(e.row, e.column, e.code, e.message) for e in error.value.errors]


def test_a_kpi_the_project_does_not_track_is_refused(db: Database) -> None:
    # One good row and one for local_jobs, which P1 has no target for: the whole save is refused.
    errors = refused(db, frame(("P1", "joint_studies", "U1", 2.0), ("P1", "local_jobs", "U1", 3.0)))
    assert errors == [
        (2, "kpi_code", "not_tracked",
         "Row 2: project “P1” does not track KPI “local_jobs” (it has no target for it). Set a target on"
         " the Targets tab first, or choose one of the project’s KPIs."),
    ]  # fmt: skip


def test_the_message_is_in_the_users_language(db: Database) -> None:
    [(_, _, code, message)] = refused(db, frame(("P1", "patents", "C1", 1.0)), lang="ja")
    assert code == "not_tracked"
    assert message.startswith("1 行目: プロジェクト「P1」は KPI「patents」を対象にしていません")


def test_an_organization_that_is_not_a_partner_is_refused(db: Database) -> None:
    errors = refused(db, frame(("P1", "joint_studies", "G1", 2.0), ("P1", "joint_studies", "X9", 1.0)))
    assert errors == [
        (1, "organization_code", "not_a_partner",
         "Row 1: organization “G1” is not a partner of project “P1”."),
        (2, "organization_code", "unknown_organization", "Row 2: organization “X9” is not registered."),
    ]  # fmt: skip


def test_an_administrator_is_refused_unknown_codes_too(db: Database) -> None:
    # An administrator passes the writer check for any project, so the rules alone stop these.
    errors = refused(db, frame(("P9", "joint_studies", "U1", 1.0), ("P1", "no_such_kpi", "U1", 1.0)),
                     actor=ADMIN)  # fmt: skip
    assert [e[:3] for e in errors] == [(1, "project_code", "unknown_project"), (2, "kpi_code", "unknown_kpi")]
    assert errors[0][3] == "Row 1: project “P9” is not registered."


def test_a_lead_of_another_project_is_still_forbidden_first(db: Database) -> None:
    other = Actor("c1-lead", Role.LEAD, organization_code="C1")
    with pytest.raises(Forbidden):
        record(db, frame(("P1", "local_jobs", "G1", 3.0)), actor=other)


def test_tracked_kpis_and_partners_are_recorded(db: Database) -> None:
    result = record(db, frame(("P1", "joint_studies", "U1", 2.0), ("P1", "balance", "C1", -3.0)))
    assert (result.inserted, result.updated, result.unchanged) == (2, 0, 0)
    # Once P1 has a target for local_jobs, it tracks it and the same row is accepted.
    plan = {"project_code": "P1", "kpi_code": "local_jobs", "baseline_value": 0.0,
            "baseline_date": date(2024, 3, 31), "points": [{"day": date(2029, 3, 31), "value": 30.0,
                                                            "horizon": "long"}]}  # fmt: skip
    assert save_target(db, plan, reason="", base_version=0, actor=LEAD, lang="en") == 1
    assert record(db, frame(("P1", "local_jobs", "C1", 3.0))).inserted == 1
