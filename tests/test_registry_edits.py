"""Editing projects, partners, the KPI catalog and settings from the dashboard; the audit log's filters."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pytest

from kpi.access import Actor
from kpi.errors import Rejected, StaleWrite
from kpi.registry.edits import save_kpi, save_project, save_settings
from kpi.registry.setup import setup_registry
from kpi.storage import Database
from kpi.storage.audit_query import AuditFilter, audit_where, search_audit
from kpi.storage.edits import project_row
from kpi.storage.registry import read_settings, read_table
from tests.conftest import table_counts
from tests.test_setup import write_registry

NEW = {
    "project_code": "P2",
    "name_ja": "防災ドローン",
    "name_en": "Disaster drones",
    "field": "防災",
    "prefecture": "北海道",
    "phase": "planning",
    "start_date": date(2026, 4, 1),
    "end_date": None,
    "lead_organization_code": "C1",
}


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    assert (
        setup_registry(
            fresh_db, write_registry(tmp_path / "r"), actor=Actor.operator("admin"), lang="en"
        ).status
        == "loaded"
    )
    return fresh_db


def partners_of(db: Database, project: str) -> dict[str, str]:
    with db.cursor() as cursor:
        frame = read_table(cursor, "partners")
    rows = frame[frame["project_code"] == project]
    return dict(zip(rows["organization_code"], rows["role"], strict=True))


def test_create_a_project_with_partners_the_lead_always_one(db: Database) -> None:
    save_project(
        db,
        NEW,
        [{"organization_code": "G1", "role": "自治体"}],
        base=None,
        actor=Actor.operator("lead"),
        lang="en",
    )
    assert partners_of(db, "P2") == {"G1": "自治体", "C1": "lead"}


def test_edit_a_project_and_drop_a_partner(db: Database) -> None:
    save_project(
        db,
        NEW,
        [{"organization_code": "G1", "role": "自治体"}],
        base=None,
        actor=Actor.operator("lead"),
        lang="en",
    )
    with db.cursor() as cursor:
        base = project_row(cursor, "P2")
    save_project(
        db, {**NEW, "phase": "demonstration"}, [], base=base, actor=Actor.operator("lead"), lang="en"
    )
    with db.cursor() as cursor:
        assert project_row(cursor, "P2")["phase"] == "demonstration"  # type: ignore[index]
        actions = cursor.execute("SELECT action, entity FROM audit_log WHERE actor = 'lead'").fetchall()
    assert partners_of(db, "P2") == {"C1": "lead"}
    assert ("update", "projects") in actions and ("delete", "partners") in actions


def test_a_stale_project_save_is_refused(db: Database) -> None:
    save_project(db, NEW, [], base=None, actor=Actor.operator("a"), lang="en")
    with db.cursor() as cursor:
        base = project_row(cursor, "P2")
    save_project(db, {**NEW, "phase": "demonstration"}, [], base=base, actor=Actor.operator("a"), lang="en")
    before = table_counts(db)
    with pytest.raises(StaleWrite) as stale:
        save_project(db, {**NEW, "name_ja": "別名"}, [], base=base, actor=Actor.operator("b"), lang="en")
    assert stale.value.current["phase"] == "demonstration"
    assert table_counts(db) == before


@pytest.mark.parametrize(
    "change, code",
    [
        ({"phase": "dreaming"}, "invalid_value"),
        ({"end_date": date(2025, 1, 1)}, "end_before_start"),
        ({"lead_organization_code": "NOPE"}, "unknown_organization"),
        ({"name_ja": " "}, "missing_value"),
        ({"project_code": "P1"}, "duplicate_row"),
    ],
)
def test_project_rules(db: Database, change: dict[str, object], code: str) -> None:
    with pytest.raises(Rejected) as refused:
        save_project(db, {**NEW, **change}, [], base=None, actor=Actor.operator("a"), lang="en")
    assert code in [e.code for e in refused.value.errors]


def test_custom_kpi_and_builtin_rules(db: Database) -> None:
    custom = {
        "kpi_code": "startups",
        "name_ja": "大学発ベンチャー数",
        "name_en": "Start-ups",
        "unit_ja": "社",
        "unit_en": "companies",
        "direction": "higher",
        "accumulation": "sum",
        "combine": "sum",
    }
    save_kpi(db, custom, actor=Actor.operator("admin"), lang="en")
    with db.cursor() as cursor:
        kpis = read_table(cursor, "kpi_definitions").set_index("kpi_code")
    assert kpis.loc["startups", "unit_ja"] == "社" and not kpis.loc["startups", "builtin"]
    joint = kpis.loc["joint_studies"]
    assert isinstance(joint, pd.Series)
    builtin = {**cast(dict[str, Any], joint.to_dict()), "kpi_code": "joint_studies", "direction": "lower"}
    with pytest.raises(Rejected) as refused:
        save_kpi(db, builtin, actor=Actor.operator("admin"), lang="en")
    assert [e.code for e in refused.value.errors] == ["builtin_rule"]


def test_settings_are_checked_and_only_changes_audited(db: Database) -> None:
    with pytest.raises(Rejected):
        save_settings(
            db, on_track=0.6, at_risk=0.7, fiscal_year_start_month=4, actor=Actor.operator("admin"), lang="en"
        )
    save_settings(
        db, on_track=0.95, at_risk=0.7, fiscal_year_start_month=4, actor=Actor.operator("admin"), lang="en"
    )
    with db.cursor() as cursor:
        assert read_settings(cursor).on_track_threshold == 0.95
        changed = cursor.execute("SELECT entity_key FROM audit_log WHERE entity = 'settings'").fetchall()
    assert changed == [("on_track_threshold",)]


@pytest.mark.parametrize(
    "f, sql, params",
    [
        (AuditFilter(), "", []),
        (AuditFilter(actor="a"), " WHERE actor = ?", ["a"]),
        (
            AuditFilter(entity="targets", action="revise_target"),
            " WHERE entity = ? AND action = ?",
            ["targets", "revise_target"],
        ),
        (
            AuditFilter(since=date(2026, 1, 1), until=date(2026, 1, 31)),
            " WHERE recorded_at >= ? AND recorded_at < ?",
            [date(2026, 1, 1), date(2026, 2, 1)],
        ),
        (
            AuditFilter(text="50%_off"),
            " WHERE (entity_key ILIKE ? ESCAPE '\\' OR CAST(before AS VARCHAR) ILIKE ? ESCAPE '\\'"
            " OR CAST(after AS VARCHAR) ILIKE ? ESCAPE '\\')",
            ["%50\\%\\_off%"] * 3,
        ),
    ],
)
def test_audit_filters_are_bound_sql(f: AuditFilter, sql: str, params: list[object]) -> None:
    assert audit_where(f) == (sql, params)


def test_audit_search_finds_what_changed(db: Database) -> None:
    save_project(db, NEW, [], base=None, actor=Actor.operator("lead"), lang="en")
    with db.cursor() as cursor:
        by_actor = search_audit(cursor, AuditFilter(actor="lead"))
        by_text = search_audit(cursor, AuditFilter(text="防災ドローン"))
        nothing = search_audit(cursor, AuditFilter(text="'; DROP TABLE audit_log; --"))
    assert set(by_actor["entity"]) == {"projects", "partners"}
    assert list(by_text["entity_key"]) == ["P2"]
    assert nothing.empty


def test_thresholds_are_typed_in_percent_and_stored_as_ratios(db: Database) -> None:
    from kpi.registry.edits import percent, ratio

    assert (percent(0.9), percent(0.7), percent(0.85)) == (90, 70, 85)
    assert (ratio(90), ratio(70), ratio(85)) == (0.9, 0.7, 0.85)
    save_settings(db, on_track=ratio(85), at_risk=ratio(60), fiscal_year_start_month=4,
                  actor=Actor.operator("admin"), lang="en")  # fmt: skip
    with db.cursor() as cursor:
        stored = read_settings(cursor)
    assert (stored.on_track_threshold, stored.at_risk_threshold) == (0.85, 0.6)
    # A refusal names the thresholds as the form shows them.
    with pytest.raises(Rejected) as refused:
        save_settings(db, on_track=ratio(70), at_risk=ratio(90), fiscal_year_start_month=4,
                      actor=Actor.operator("admin"), lang="ja")  # fmt: skip
    message = refused.value.errors[0].message
    assert "90%" in message and "70%" in message and "0.9" not in message
