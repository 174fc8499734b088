"""Editing the registry from the dashboard: projects and partners, the KPI catalog, settings.

The same rules as `python -m kpi setup` (kpi/registry_files.py's lists), one transaction per save,
every change audited by kpi/storage/registry.upsert_rows, and a stale project save refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kpi.intake.rows import ErrorSink
from kpi.leads import Rejected, StaleWrite
from kpi.model import Accumulation, Combine, Direction, Phase
from kpi.storage import Database
from kpi.storage.edits import project_row, remove_partner
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
    actor: str,
    lang: str,
    now: datetime | None = None,
) -> None:
    """Create (base None) or update a project and set its partners; the lead is always one."""
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
        if base is not None:
            current = project_row(cursor, record["project_code"])
            if current != base:
                raise StaleWrite(current)
        upsert_rows(cursor, "projects", [{f: record.get(f) for f in PROJECT_FIELDS}], actor=actor, now=now)
        wanted = {p["organization_code"]: p.get("role", "") for p in partners}
        wanted.setdefault(record["lead_organization_code"], "lead")
        upsert_rows(
            cursor,
            "partners",
            [
                {"project_code": record["project_code"], "organization_code": code, "role": role}
                for code, role in wanted.items()
            ],
            actor=actor,
            now=now,
        )
        members = read_table(cursor, "partners")
        for code in members.loc[members["project_code"] == record["project_code"], "organization_code"]:
            if code not in wanted:
                remove_partner(cursor, record["project_code"], code, actor=actor, now=now)


def save_kpi(
    db: Database, record: dict[str, Any], *, actor: str, lang: str, now: datetime | None = None
) -> None:
    """Add a custom KPI or rename one; the rules of a built-in KPI never change."""
    sink = ErrorSink(lang)
    _require(record, ("kpi_code", "name_ja", "name_en", "unit_ja", "unit_en", *KPI_RULES), sink)
    allowed = {"direction": Direction, "accumulation": Accumulation, "combine": Combine}
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
    if sink.errors:
        raise Rejected(sink.errors)
    row = {k: record.get(k) for k in ("kpi_code", "name_ja", "name_en", "unit_ja", "unit_en", *KPI_RULES)}
    row["allow_negative"] = bool(record.get("allow_negative", False))
    with db.transaction() as cursor:
        upsert_rows(cursor, "kpi_definitions", [row], actor=actor, now=now or datetime.now())


def save_settings(
    db: Database, *, on_track: float, at_risk: float, fiscal_year_start_month: int, actor: str, lang: str
) -> None:
    """Status thresholds (0 < at risk < on track) and the fiscal year's first month."""
    sink = ErrorSink(lang)
    if not 0 < at_risk < on_track:
        sink.add("threshold_order", None, "at_risk_threshold", at_risk=at_risk, on_track=on_track)
    if not 1 <= fiscal_year_start_month <= 12:
        sink.add(
            "invalid_value", None, "fiscal_year_start_month", value=fiscal_year_start_month, choices="1-12"
        )
    if sink.errors:
        raise Rejected(sink.errors)
    now = datetime.now()
    with db.transaction() as cursor:
        current = read_settings(cursor)
        wanted = {
            "on_track_threshold": on_track,
            "at_risk_threshold": at_risk,
            "fiscal_year_start_month": fiscal_year_start_month,
        }
        for key, value in wanted.items():
            if getattr(current, key) != value:  # only real changes reach the audit log
                write_setting(cursor, key, str(value), actor=actor, now=now)
