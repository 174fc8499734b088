"""`python -m kpi setup DIR`: load a registry from CSV files in one transaction, or nothing.

Every file is read and checked, across files and against the database, before anything is
written; a rejected setup lists every error found and leaves the database untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kpi.access import Actor, require_role
from kpi.errors import ValidationError
from kpi.intake.rows import ErrorSink, dedupe_records, read_refusing
from kpi.intake.table import RawTable
from kpi.registry import files
from kpi.registry.checks import check_corporate_numbers, check_references, merge_targets
from kpi.registry.organizations import MESSAGES as IDENTIFIER_MESSAGES
from kpi.storage import Database
from kpi.storage.registry import (
    append_target_versions,
    current_targets,
    read_settings,
    upsert_rows,
)
from kpi.storage.registry import (
    read_table as read_registry_table,
)

REQUIRED_FILES = ("organizations.csv", "projects.csv", "partners.csv", "targets.csv")
OPTIONAL_FILES = ("kpis.csv",)
# A file whose errors have wordings of their own, looked up before error.*: the identifiers' checks.
MESSAGES = {"organizations.csv": IDENTIFIER_MESSAGES}
Record = dict[str, Any]


class SetupUsageError(Exception):
    """The folder or a required file is missing or unreadable (exit code 2)."""


@dataclass
class SetupResult:
    status: str  # "loaded" or "rejected"
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[ValidationError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, **self.counts, "errors": [e.as_dict() for e in self.errors]}


@dataclass
class _Loaded:
    kpis: list[tuple[int, Record]] = field(default_factory=list)
    organizations: list[tuple[int, Record]] = field(default_factory=list)
    projects: list[tuple[int, Record]] = field(default_factory=list)
    partners: list[tuple[int, Record]] = field(default_factory=list)
    targets: list[tuple[int, Record]] = field(default_factory=list)


def _read(folder: Path, name: str, sinks: dict[str, ErrorSink], lang: str) -> RawTable | None:
    sink = sinks.setdefault(name, ErrorSink(lang, file=name, messages=MESSAGES.get(name, "error")))
    try:
        data = (folder / name).read_bytes()
    except OSError as error:
        raise SetupUsageError(f"{folder / name}: {error.strerror or error}") from error
    table = read_refusing(data, sink)
    if table is None:
        return None
    if not table.rows:
        sink.add("empty_file")
        return None
    return table


def setup_registry(
    db: Database, folder: Path, *, actor: Actor, lang: str, now: datetime | None = None
) -> SetupResult:
    require_role(actor)  # the registry is the administrators'
    now = now or datetime.now()
    if not folder.is_dir():
        raise SetupUsageError(f"{folder}: not a directory")
    sinks: dict[str, ErrorSink] = {}
    with db.cursor() as cursor:
        settings = read_settings(cursor)
        known = {
            name: read_registry_table(cursor, name)
            for name in ("organizations", "projects", "kpi_definitions")
        }
        targets_now = current_targets(cursor)
    fy = settings.fiscal_year_start_month
    loaded = _Loaded()
    parsers: dict[str, Callable[[RawTable, ErrorSink], list[tuple[int, Record]]]] = {
        "kpis.csv": files.parse_kpis,
        "organizations.csv": files.parse_organizations,
        "projects.csv": lambda t, s: files.parse_projects(t, s, fy),
        "partners.csv": files.parse_partners,
        # kpis.csv is read first: its units apply to the values in targets.csv
        "targets.csv": lambda t, s: files.parse_targets(t, s, fy, _kpi_units(known, loaded)),
    }
    keys = {
        "kpis.csv": ("kpi_code",),
        "organizations.csv": ("organization_code",),
        "projects.csv": ("project_code",),
        "partners.csv": ("project_code", "organization_code"),
        "targets.csv": ("project_code", "kpi_code", "horizon"),
    }
    for name in (*OPTIONAL_FILES, *REQUIRED_FILES):
        if name in OPTIONAL_FILES and not (folder / name).exists():
            continue
        table = _read(folder, name, sinks, lang)
        if table is None:
            continue
        records = parsers[name](table, sinks[name])
        if name != "targets.csv":
            records = dedupe_records(records, keys[name], sinks[name])
        setattr(loaded, name.removesuffix(".csv"), records)

    kpi_rules = check_references(loaded, known, sinks, lang)
    if loaded.organizations:
        check_corporate_numbers(
            loaded.organizations, known["organizations"], sinks["organizations.csv"], lang
        )
    new_targets = merge_targets(loaded.targets, targets_now, kpi_rules, sinks["targets.csv"])
    errors = [e for name in (*OPTIONAL_FILES, *REQUIRED_FILES) if name in sinks for e in sinks[name].errors]
    if errors:
        return SetupResult("rejected", errors=errors)
    return _write(db, loaded, new_targets, actor=actor.username, now=now)


def _kpi_units(known: dict[str, Any], loaded: _Loaded) -> dict[str, Record]:
    """Unit and name of every KPI by code: the catalog's, then kpis.csv's (which may change it)."""
    fields = ("kpi_code", "unit_ja", "unit_en", "name_ja", "name_en")
    units: dict[str, Record] = {
        str(row["kpi_code"]): {f: row.get(f) for f in fields}
        for row in known["kpi_definitions"].to_dict("records")
    }
    for _, record in loaded.kpis:
        if record["kpi_code"] is not None:
            units[record["kpi_code"]] = {f: record.get(f) for f in fields}
    return units


def _write(
    db: Database, loaded: _Loaded, new_targets: list[Record], *, actor: str, now: datetime
) -> SetupResult:
    counts: dict[str, dict[str, int]] = {}
    with db.transaction() as cursor:
        for table, records in (
            ("kpi_definitions", loaded.kpis),
            ("organizations", loaded.organizations),
            ("projects", loaded.projects),
            ("partners", loaded.partners + _lead_partners(loaded, cursor)),
        ):
            rows = [record for _, record in records]
            ins, upd, same = upsert_rows(cursor, table, rows, actor=actor, now=now)
            label = "kpis" if table == "kpi_definitions" else table
            counts[label] = {"inserted": ins, "updated": upd, "unchanged": same}
        versions = append_target_versions(cursor, new_targets, actor=actor, now=now)
        created = sum(version == 1 for version in versions)
        revised = len(versions) - created
        unchanged = len({(r["project_code"], r["kpi_code"]) for _, r in loaded.targets}) - len(new_targets)
        counts["targets"] = {"inserted": created, "updated": revised, "unchanged": unchanged}
    return SetupResult("loaded", counts=counts)


def _lead_partners(loaded: _Loaded, cursor: Any) -> list[tuple[int, Record]]:
    """The lead organization is always a partner of its project."""
    listed = {(r["project_code"], r["organization_code"]) for _, r in loaded.partners}
    existing = {
        (row.project_code, row.organization_code)
        for row in read_registry_table(cursor, "partners").itertuples()
    }
    extra = []
    for row, project in loaded.projects:
        key = (project["project_code"], project["lead_organization_code"])
        if key not in listed and key not in existing:
            extra.append((row, {"project_code": key[0], "organization_code": key[1], "role": "lead"}))
    return extra
