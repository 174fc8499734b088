"""Every role x action that matters, at the function level, on a copy of the demo database.

Each case names the roles allowed; for every other role the function must raise Forbidden and leave
every table as it was. Removing any check in kpi/ makes a "refused" cell of this table fail.
The demo lead's organization (CO-SAKURAGI) leads P03 only; the demo partner (UNI-SETOUCHI) takes
part in P10, P18 and P20.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.accounts.manage import account_table, change_account, create_account, set_password
from kpi.admin.audit_log import audit_entries, audit_options
from kpi.intake.service import import_file, rollback_import
from kpi.intake.templates import template_frame
from kpi.intake.uploads import batch_history, live_batches, organizations_for_upload
from kpi.portfolio.freshness import freshness_frame
from kpi.portfolio.overview import build_overview, filter_options, project_choices
from kpi.progress.forms import progress_grid, project_setup, target_form
from kpi.progress.save import record_progress, save_target
from kpi.project.view import build_project_view
from kpi.registry.edits import (
    project_for_editing,
    registry_for_editing,
    save_kpi,
    save_project,
    save_settings,
)
from kpi.registry.setup import setup_registry
from kpi.reports.evaluation import evaluation_table
from kpi.reports.executive import report_html
from kpi.storage import Database
from kpi.storage.audit_query import AuditFilter
from kpi.storage.edits import project_row
from kpi.storage.registry import read_table
from tests.conftest import DEMO_TODAY, OPERATOR, table_counts
from tests.pg_support import both_engines
from tests.test_setup import write_registry

pytestmark = both_engines

ADMIN = Actor("demo-admin", Role.ADMINISTRATOR)
EXECUTIVE = Actor("demo-executive", Role.EXECUTIVE)
LEAD = Actor("demo-lead", Role.LEAD, "CO-SAKURAGI")
PARTNER = Actor("demo-partner", Role.PARTNER, "UNI-SETOUCHI")
ACTORS = {"administrator": ADMIN, "executive": EXECUTIVE, "lead": LEAD, "partner": PARTNER}
PARTNER_PROJECTS = {"P10", "P18", "P20"}
PERIOD = date(2026, 9, 30)


@pytest.fixture
def db(demo_db_path: Path, tmp_path: Path) -> Iterator[Database]:
    copy = tmp_path / "access.duckdb"
    shutil.copy(demo_db_path, copy)
    database = Database(copy)
    _import(database, "UNI-SETOUCHI", "P20", OPERATOR, value=6)  # batch 1, for the rollback case
    create_account(database, {"username": "someone", "display_name": "S", "role": "executive"},
                   password="someone's password", actor=OPERATOR, lang="en")  # fmt: skip
    yield database
    database.close()


def _target(db: Database, project: str, actor: Actor) -> int:
    target, version, _ = target_form(db, project, "joint_studies", actor=OPERATOR)
    assert target is not None
    points = [dict(p) for p in target["points"]]
    points[-1]["value"] += 1  # the final target, one more
    changed = {**target, "points": points}
    return save_target(db, changed, reason="access test", base_version=version, actor=actor, lang="en")


def _progress(db: Database, project: str, org: str, actor: Actor) -> Any:
    grid = progress_grid(db, project, PERIOD, org, "en", actor=OPERATOR)
    row = grid[grid["kpi_code"] == "joint_studies"].iloc[0]
    version = None if pd.isna(row["version_id"]) else int(row["version_id"])
    rows = pd.DataFrame([{"project_code": project, "kpi_code": "joint_studies", "period_end": PERIOD,
                          "organization_code": org, "value": 99.0, "note": "access test"}])  # fmt: skip
    key = (project, "joint_studies", PERIOD, org)
    return record_progress(db, rows, base_versions={key: version}, actor=actor, lang="en", today=DEMO_TODAY,
                           explanations={(project, "joint_studies"): "access test"})  # fmt: skip


def _edit_project(db: Database, project: str, actor: Actor) -> None:
    with db.cursor() as cursor:
        base = project_row(cursor, project)
    assert base is not None
    record = {**base, "name_en": "Renamed in the access test"}
    save_project(db, record, [{"organization_code": base["lead_organization_code"], "role": "lead"}],
                 base=base, actor=actor, lang="en")  # fmt: skip


def _new_project(db: Database, lead: str, actor: Actor) -> None:
    record = {"project_code": "P99", "name_ja": "新規", "name_en": None, "field": "AI",
              "prefecture": "静岡県", "phase": "planning", "start_date": date(2026, 4, 1), "end_date": None,
              "lead_organization_code": lead}  # fmt: skip
    save_project(db, record, [], base=None, actor=actor, lang="en")


def _import(db: Database, org: str, project: str, actor: Actor, value: int = 7) -> Any:
    data = f"project_code,kpi_code,period_end,value\n{project},joint_studies,2026-09-30,{value}\n".encode()
    result = import_file(db, data, file_name="a.csv", organization_code=org, actor=actor, lang="en",
                         today=DEMO_TODAY)  # fmt: skip
    assert result.status == "imported", result.errors
    return result


def _rollback(db: Database, actor: Actor) -> None:
    rollback_import(db, 1, actor=actor)


def _registry(tmp: Path) -> Path:
    return write_registry(tmp)  # a small valid registry (tests/test_setup.py)


# name → (action, roles allowed). The action raises Forbidden for a refused role.
WRITES: dict[str, tuple[Callable[[Database, Actor], Any], set[str]]] = {
    "revise a target of the lead's project": (lambda db, a: _target(db, "P03", a), {"administrator", "lead"}),
    "revise a target of another lead's project": (lambda db, a: _target(db, "P01", a), {"administrator"}),
    "record progress on the lead's project": (
        lambda db, a: _progress(db, "P03", "CO-SAKURAGI", a),
        {"administrator", "lead"},
    ),
    "record progress on another lead's project": (
        lambda db, a: _progress(db, "P01", "CO-HOKUSEI", a),
        {"administrator"},
    ),
    "edit the lead's project": (lambda db, a: _edit_project(db, "P03", a), {"administrator", "lead"}),
    "edit another lead's project": (lambda db, a: _edit_project(db, "P01", a), {"administrator"}),
    "register a project led by the lead's organization": (
        lambda db, a: _new_project(db, "CO-SAKURAGI", a),
        {"administrator", "lead"},
    ),
    "register a project led by another organization": (
        lambda db, a: _new_project(db, "CO-HOKUSEI", a),
        {"administrator"},
    ),
    "upload for the partner's own organization": (
        lambda db, a: _import(db, "UNI-SETOUCHI", "P20", a),
        {"administrator", "partner"},
    ),
    "upload for another organization": (lambda db, a: _import(db, "UNI-HOKUTO", "P01", a), {"administrator"}),
    "upload for the lead's own organization": (
        lambda db, a: _import(db, "CO-SAKURAGI", "P03", a),
        {"administrator", "lead"},
    ),
    "roll back the partner's import": (_rollback, {"administrator", "partner"}),
    "add a KPI to the catalog": (
        lambda db, a: save_kpi(
            db,
            {
                "kpi_code": "startups",
                "name_ja": "起業数",
                "name_en": "Start-ups",
                "unit_ja": "社",
                "unit_en": "companies",
                "direction": "higher",
                "accumulation": "sum",
                "combine": "sum",
            },
            actor=a,
            lang="en",
        ),
        {"administrator"},
    ),
    "change the thresholds": (
        lambda db, a: save_settings(
            db, on_track=0.95, at_risk=0.6, fiscal_year_start_month=4, actor=a, lang="en"
        ),
        {"administrator"},
    ),
    "add an account": (
        lambda db, a: create_account(
            db,
            {"username": "new-user", "display_name": "N", "role": "executive"},
            password="long enough secret",
            actor=a,
            lang="en",
        ),
        {"administrator"},
    ),
    "change another account's role": (
        lambda db, a: change_account(
            db, "demo-partner", {"role": "executive", "organization_code": None}, actor=a, lang="en"
        ),
        {"administrator"},
    ),
    "reset another account's password": (
        lambda db, a: set_password(db, "someone", "another long secret", actor=a, lang="en"),
        {"administrator"},
    ),
}


def refusal(case: str, role: str) -> str:
    """Why a role is refused (Forbidden.reason): the check that must have stopped it, so a removed
    check is noticed even where a later one would still refuse."""
    if role == "executive":
        return "role"
    if "upload" in case or "roll back" in case:
        return "other_organization"
    if role == "lead" and "another lead's" in case:
        return "not_lead"
    if role == "lead" and "led by another organization" in case:
        return "lead_own_organization"
    return "role"


@pytest.mark.parametrize("role", list(ACTORS))
@pytest.mark.parametrize("case", list(WRITES))
def test_writes(db: Database, case: str, role: str, tmp_path: Path) -> None:
    action, allowed = WRITES[case]
    before = table_counts(db)
    if role in allowed:
        action(db, ACTORS[role])
        assert table_counts(db) != before  # it really wrote (and was audited)
    else:
        with pytest.raises(Forbidden) as refused:
            action(db, ACTORS[role])
        assert refused.value.reason == refusal(case, role)
        assert table_counts(db) == before


@pytest.mark.parametrize("role", list(ACTORS))
def test_loading_a_registry_is_for_administrators(db: Database, role: str, tmp_path: Path) -> None:
    folder = _registry(tmp_path / "reg")
    if role == "administrator":
        assert setup_registry(db, folder, actor=ADMIN, lang="en").status == "loaded"
    else:
        before = table_counts(db)
        with pytest.raises(Forbidden):
            setup_registry(db, folder, actor=ACTORS[role], lang="en")
        assert table_counts(db) == before


READS: dict[str, tuple[Callable[[Database, Actor], Any], set[str]]] = {
    "another organization's project page": (
        lambda db, a: build_project_view(db, "P01", DEMO_TODAY, "en", actor=a),
        {"administrator", "executive", "lead"},
    ),
    "the partner's own project page": (
        lambda db, a: build_project_view(db, "P20", DEMO_TODAY, "en", actor=a),
        set(ACTORS),
    ),
    "the progress grid of another organization's project": (
        lambda db, a: progress_grid(db, "P01", PERIOD, "CO-HOKUSEI", "en", actor=a),
        {"administrator", "executive", "lead"},
    ),
    "a target of another organization's project": (
        lambda db, a: target_form(db, "P01", "joint_studies", actor=a),
        {"administrator", "executive", "lead"},
    ),
    "the update page of the lead's project": (
        lambda db, a: project_setup(db, "P03", actor=a),
        {"administrator", "lead"},
    ),
    "the update page of another lead's project": (
        lambda db, a: project_setup(db, "P01", actor=a),
        {"administrator"},
    ),
    "the lead's project for editing": (
        lambda db, a: project_for_editing(db, "P03", actor=a),
        {"administrator", "lead"},
    ),
    "the registry for editing": (lambda db, a: registry_for_editing(db, actor=a), {"administrator", "lead"}),
    "reporting freshness": (
        lambda db, a: freshness_frame(db, DEMO_TODAY, actor=a),
        {"administrator", "executive", "lead"},
    ),
    "the audit log": (
        lambda db, a: audit_entries(db, AuditFilter(), actor=a),
        {"administrator", "executive"},
    ),
    "the audit log's filters": (lambda db, a: audit_options(db, actor=a), {"administrator", "executive"}),
    "the accounts": (lambda db, a: account_table(db, actor=a), {"administrator"}),
    "another organization's upload template": (
        lambda db, a: template_frame(db, "UNI-HOKUTO", "en", DEMO_TODAY, actor=a),
        {"administrator"},
    ),
    "the partner's own upload template": (
        lambda db, a: template_frame(db, "UNI-SETOUCHI", "en", DEMO_TODAY, actor=a),
        {"administrator", "partner"},
    ),
    "another organization's import history": (
        lambda db, a: batch_history(db, "UNI-HOKUTO", "en", actor=a),
        {"administrator"},
    ),
    "another organization's live batches": (
        lambda db, a: live_batches(db, "UNI-HOKUTO", actor=a),
        {"administrator"},
    ),
}


@pytest.mark.parametrize("role", list(ACTORS))
@pytest.mark.parametrize("case", list(READS))
def test_reads(demo_db: Database, case: str, role: str) -> None:
    action, allowed = READS[case]
    if role in allowed:
        assert action(demo_db, ACTORS[role]) is not None
    else:
        with pytest.raises(Forbidden):
            action(demo_db, ACTORS[role])


@pytest.mark.parametrize("role", list(ACTORS))
def test_the_portfolio_a_role_reads(demo_db: Database, role: str) -> None:
    """Overview, filters, project picker, exports and the report: a partner's own projects only."""
    actor = ACTORS[role]
    expected = PARTNER_PROJECTS if role == "partner" else None
    overview = build_overview(demo_db, DEMO_TODAY, "en", page_size=100, actor=actor)
    choices = set(project_choices(demo_db, "en", actor=actor))
    exported = set(evaluation_table(demo_db, DEMO_TODAY, "en", actor=actor)["project_code"])
    if expected is None:
        assert overview.project_count == 24 and len(choices) == 24 and len(exported) > len(PARTNER_PROJECTS)
    else:
        assert set(overview.table["project_code"]) == expected and overview.project_count == 3
        assert choices == expected and exported <= expected
        with demo_db.cursor() as cursor:
            own = read_table(cursor, "projects").set_index("project_code").loc[sorted(expected), "prefecture"]
        assert filter_options(demo_db, actor=actor)["prefectures"] == sorted(set(own))
        html = report_html(demo_db, DEMO_TODAY, "en", actor=actor)
        assert "P20" in html and "P01" not in html and "P03" not in html


def test_projects_a_role_may_change(demo_db: Database) -> None:
    assert set(project_choices(demo_db, "en", actor=LEAD, to_change=True)) == {"P03"}
    assert project_choices(demo_db, "en", actor=EXECUTIVE, to_change=True) == {}
    assert project_choices(demo_db, "en", actor=PARTNER, to_change=True) == {}
    assert len(project_choices(demo_db, "en", actor=ADMIN, to_change=True)) == 24


def test_upload_organizations_per_role(demo_db: Database) -> None:
    assert set(organizations_for_upload(demo_db, "en", actor=PARTNER)) == {"UNI-SETOUCHI"}
    assert set(organizations_for_upload(demo_db, "en", actor=LEAD)) == {"CO-SAKURAGI"}
    assert organizations_for_upload(demo_db, "en", actor=EXECUTIVE) == {}
    assert len(organizations_for_upload(demo_db, "en", actor=ADMIN)) > 30


def test_freshness_a_lead_sees_is_their_projects_only(demo_db: Database) -> None:
    mine = freshness_frame(demo_db, DEMO_TODAY, actor=LEAD)
    assert set(mine["project_code"]) == {"P03"}
    assert len(freshness_frame(demo_db, DEMO_TODAY, actor=EXECUTIVE)) > len(mine)


@pytest.mark.parametrize("role", ["executive", "lead", "partner"])
def test_loading_the_demo_is_for_administrators(fresh_db: Database, role: str) -> None:
    from kpi.demo.load import load_demo

    before = table_counts(fresh_db)
    with pytest.raises(Forbidden):
        load_demo(fresh_db, DEMO_TODAY, actor=ACTORS[role])
    assert table_counts(fresh_db) == before


def test_an_openid_connect_identity_maps_to_an_active_account_by_email(fresh_db: Database) -> None:
    from kpi.accounts.manage import change_account
    from kpi.accounts.sign_in import SignInRefused, actor_for_identity, authenticate

    record = {"username": "sato", "display_name": "佐藤", "role": "executive", "email": "Sato@Example.org"}
    create_account(fresh_db, record, password=None, actor=OPERATOR, lang="en")  # OpenID Connect only
    found = actor_for_identity(fresh_db, "sato@example.org ")
    assert found is not None and (found.username, found.role) == ("sato", Role.EXECUTIVE)
    assert actor_for_identity(fresh_db, "someone@example.org") is None
    with pytest.raises(SignInRefused):  # no password: the local form cannot open it
        authenticate(fresh_db, "sato", "")
    change_account(fresh_db, "sato", {"active": False}, actor=OPERATOR, lang="en")
    assert actor_for_identity(fresh_db, "sato@example.org") is None
