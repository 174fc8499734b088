"""Editing the registry from the dashboard: projects and partners, the KPI catalog, settings.

The same rules as `python -m kpi setup` (kpi/registry/files.py's lists), one transaction per save,
every change audited by kpi/storage/registry.upsert_rows, and a stale project save refused.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import pandas as pd

from kpi.access import Actor, Forbidden, Role, require_role, require_writer
from kpi.errors import Rejected, StaleWrite
from kpi.formatting.names import display_names
from kpi.formatting.numbers import format_percent
from kpi.grades import PRESETS, parse_bands
from kpi.intake.rows import ErrorSink
from kpi.model import Accumulation, Achievement, Combine, Direction, Frequency, Phase
from kpi.storage import Database
from kpi.storage.edits import project_row, remove_partner
from kpi.storage.freshness import grace_days
from kpi.storage.locks import lock_keys
from kpi.storage.registry import read_settings, read_table, upsert_rows, write_setting

PROJECT_FIELDS = (
    "project_code",
    "name_ja",
    "name_en",
    "field",
    "prefecture",
    "phase",
    "start_date",
    "end_date",
    "lead_organization_code",
)
KPI_RULES = ("direction", "accumulation", "combine")


def _require(record: dict[str, Any], fields: tuple[str, ...], sink: ErrorSink) -> None:
    for name in fields:
        value = record.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            sink.add("missing_value", None, name)


def save_project(
    db: Database,
    record: dict[str, Any],
    partners: list[dict[str, str]],
    *,
    base: dict[str, Any] | None,
    actor: Actor,
    lang: str,
    now: datetime | None = None,
) -> None:
    """Create (base None) or update a project and set its partners; the lead is always one.

    Administrators change any project; a lead registers and changes projects led by their own
    organization (and cannot hand one to another organization)."""
    with db.cursor() as cursor:
        _require_author(cursor, actor, record)
    sink = ErrorSink(lang)
    _require(
        record,
        ("project_code", "name_ja", "field", "prefecture", "phase", "start_date", "lead_organization_code"),
        sink,
    )
    if record.get("phase") and record["phase"] not in {p.value for p in Phase}:
        sink.add(
            "invalid_value", None, "phase", value=record["phase"], choices=", ".join(p.value for p in Phase)
        )
    if record.get("start_date") and record.get("end_date") and record["end_date"] < record["start_date"]:
        sink.add("end_before_start", None, "end_date", start=record["start_date"], end=record["end_date"])
    with db.cursor() as cursor:
        organizations = set(read_table(cursor, "organizations")["organization_code"])
        existing = project_row(cursor, record.get("project_code") or "")
    for code in {record.get("lead_organization_code"), *(p["organization_code"] for p in partners)} - {None}:
        if code not in organizations:
            sink.add("unknown_organization", None, "organization_code", code=code)
    if base is None and existing is not None:
        sink.add("duplicate_row", None, "project_code", key=record["project_code"])
    if sink.errors:
        raise Rejected(sink.errors)
    now = now or datetime.now()
    with db.transaction() as cursor:
        lock_keys(cursor, "project", [record["project_code"]])  # from the stale check to the write
        if base is not None:
            current = project_row(cursor, record["project_code"])
            if current != base:
                raise StaleWrite(current)
        upsert_rows(cursor, "projects", [{f: record.get(f) for f in PROJECT_FIELDS}], actor=actor.username,
                    now=now)  # fmt: skip
        wanted = {p["organization_code"]: p.get("role", "") for p in partners}
        wanted.setdefault(record["lead_organization_code"], "lead")
        upsert_rows(
            cursor,
            "partners",
            [
                {"project_code": record["project_code"], "organization_code": code, "role": role}
                for code, role in wanted.items()
            ],
            actor=actor.username,
            now=now,
        )
        members = read_table(cursor, "partners")
        for code in members.loc[members["project_code"] == record["project_code"], "organization_code"]:
            if code not in wanted:
                remove_partner(cursor, record["project_code"], code, actor=actor.username, now=now)


def _require_author(cursor: Any, actor: Actor, record: dict[str, Any]) -> None:
    if actor.is_admin:
        return
    require_role(actor, Role.LEAD)
    code = record.get("project_code") or ""
    if project_row(cursor, code) is not None:
        require_writer(cursor, actor, [code])
    if record.get("lead_organization_code") != actor.organization_code:
        raise Forbidden("lead_own_organization", organization=actor.organization_code or "")


def save_kpi(
    db: Database, record: dict[str, Any], *, actor: Actor, lang: str, now: datetime | None = None
) -> None:
    """Add a custom KPI or change one. The direction, accumulation and combine rules of a built-in
    KPI never change; its 達成率 formula and reporting frequency may (SPEC section 2). Administrators."""
    require_role(actor)
    sink = ErrorSink(lang)
    record = {"achievement": Achievement.PROGRESS.value, "frequency": Frequency.QUARTER.value, **record}
    _require(record, ("kpi_code", "name_ja", "name_en", "unit_ja", "unit_en", *KPI_RULES), sink)
    allowed: dict[str, type[StrEnum]] = {
        "direction": Direction, "accumulation": Accumulation, "combine": Combine,
        "achievement": Achievement, "frequency": Frequency,
    }  # fmt: skip
    for rule, kind in allowed.items():
        if record.get(rule) and record[rule] not in {k.value for k in kind}:
            sink.add(
                "invalid_value", None, rule, value=record[rule], choices=", ".join(k.value for k in kind)
            )
    with db.cursor() as cursor:
        kpis = read_table(cursor, "kpi_definitions").set_index("kpi_code")
    code = str(record.get("kpi_code") or "")
    if code in kpis.index and kpis.loc[code, "builtin"]:
        for rule in KPI_RULES:
            if record.get(rule) != kpis.loc[code, rule]:
                sink.add("builtin_rule", None, rule, kpi=code)
    if record.get("achievement") == Achievement.RATIO and record.get("direction") == Direction.LOWER:
        sink.add("ratio_direction", None, "achievement")
    if sink.errors:
        raise Rejected(sink.errors)
    columns = ("kpi_code", "name_ja", "name_en", "unit_ja", "unit_en", *KPI_RULES, "achievement", "frequency")
    row = {k: record.get(k) for k in columns}
    row["allow_negative"] = bool(record.get("allow_negative", False))
    with db.transaction() as cursor:
        upsert_rows(cursor, "kpi_definitions", [row], actor=actor.username, now=now or datetime.now())


def percent(ratio: float) -> float:
    """A stored threshold (0.9) as the settings form shows it (90), without float noise."""
    return round(ratio * 100, 4)


def ratio(percent: float) -> float:
    """A threshold typed in percent (90) as it is stored (0.9)."""
    return round(percent / 100, 6)


def save_settings(
    db: Database,
    *,
    on_track: float,
    at_risk: float,
    fiscal_year_start_month: int,
    reminder_grace_days: int | None = None,
    actor: Actor,
    lang: str,
) -> None:
    """Status thresholds (0 < at risk < on track), the fiscal year's first month and the days after
    a quarter's end before a missing report is overdue. Administrators."""
    require_role(actor)
    sink = ErrorSink(lang)
    if not 0 < at_risk < on_track:
        sink.add("threshold_order", None, "at_risk_threshold", at_risk=format_percent(at_risk, lang),
                 on_track=format_percent(on_track, lang))  # fmt: skip
    if not 1 <= fiscal_year_start_month <= 12:
        sink.add(
            "invalid_value", None, "fiscal_year_start_month", value=fiscal_year_start_month, choices="1-12"
        )
    if reminder_grace_days is not None and not 0 <= reminder_grace_days <= 365:
        sink.add("invalid_value", None, "reminder_grace_days", value=reminder_grace_days, choices="0-365")
    if sink.errors:
        raise Rejected(sink.errors)
    now = datetime.now()
    with db.transaction() as cursor:
        current = read_settings(cursor)
        if reminder_grace_days is not None and reminder_grace_days != grace_days(cursor):
            write_setting(
                cursor, "reminder_grace_days", str(reminder_grace_days), actor=actor.username, now=now
            )
        wanted = {
            "on_track_threshold": on_track,
            "at_risk_threshold": at_risk,
            "fiscal_year_start_month": fiscal_year_start_month,
        }
        for key, value in wanted.items():
            if getattr(current, key) != value:  # only real changes reach the audit log
                write_setting(cursor, key, str(value), actor=actor.username, now=now)


def save_grade_scheme(db: Database, scheme: str, *, actor: Actor, lang: str) -> None:
    """The 評価 scheme: a preset name or edited bands (kpi.grades.bands_json). Administrators."""
    require_role(actor)
    value = scheme.strip()
    if value not in PRESETS:
        try:
            parse_bands(value)
        except ValueError as error:
            sink = ErrorSink(lang)
            sink.add("invalid_grade_scheme", None, "grade_scheme", reason=str(error))
            raise Rejected(sink.errors) from None
    with db.transaction() as cursor:
        if read_settings(cursor).grade_scheme != value:
            write_setting(cursor, "grade_scheme", value, actor=actor.username, now=datetime.now())


def registry_for_editing(db: Database, *, actor: Actor) -> dict[str, Any]:
    """What the projects and administration pages edit: projects (a lead's own only), organizations,
    partners, KPIs and settings. Administrators and leads."""
    require_role(actor, Role.LEAD)
    with db.cursor() as cursor:
        tables = {name: read_table(cursor, name) for name in ("projects", "organizations", "partners",
                                                             "kpi_definitions")}  # fmt: skip
        settings = read_settings(cursor)
        grace = grace_days(cursor)
    if not actor.is_admin:
        projects = tables["projects"]
        tables["projects"] = projects[projects["lead_organization_code"] == actor.organization_code]
    return {**tables, "settings": settings, "reminder_grace_days": grace}


def organization_names(organizations: pd.DataFrame, lang: str) -> dict[str, str]:
    """Organization code → name in the user's language (the Japanese one when no English is kept)."""
    names = display_names(organizations, lang)
    return dict(zip(organizations["organization_code"], names, strict=True))


def project_for_editing(db: Database, project_code: str, *, actor: Actor) -> dict[str, Any] | None:
    """The stored project as the edit form starts from (its base for the stale-save check)."""
    with db.cursor() as cursor:
        require_writer(cursor, actor, [project_code])
        return project_row(cursor, project_code)
