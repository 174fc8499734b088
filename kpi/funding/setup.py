"""`python -m kpi funding setup DIR`: programmes, calls, awards, decided amounts, budget lines,
payments and award KPIs from CSV files, in one transaction, or nothing.

Every file is read and checked, across files and against the database, before anything is written;
a rejected setup lists every error and leaves the database untouched. Loading the same files again
changes nothing; a changed award, budget line or payment becomes a new version (an award's changed
amounts or period, a 変更承認, needs a reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kpi.access import Actor, require_role
from kpi.errors import ValidationError
from kpi.funding.files import PARSERS, REQUIRED, Record
from kpi.funding.references import check_references
from kpi.intake.rows import ErrorSink, dedupe_records, read_refusing
from kpi.storage import Database
from kpi.storage.funding import (
    append_versions,
    current_rows,
    drop_programme_categories,
    programme_category_sets,
)
from kpi.storage.registry import read_settings, read_table, upsert_rows

Rows = list[tuple[int, Record]]
# The key of each file's rows: the same key twice with other values is a duplicate_row.
KEYS = {
    "programmes.csv": ("programme_code",),
    "calls.csv": ("programme_code", "fiscal_year", "round"),
    "awards.csv": ("award_number",),
    "award_amounts.csv": ("award_number", "fiscal_year"),
    "budgets.csv": ("award_number", "fiscal_year", "category", "organization_code"),
    "payments.csv": ("award_number", "received_on"),
    "award_kpis.csv": ("award_number", "kpi_code"),
}


class FundingSetupUsageError(Exception):
    """The folder or a required file is missing or unreadable (exit code 2)."""


@dataclass
class FundingSetupResult:
    status: str  # "loaded" or "rejected"
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[ValidationError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, **self.counts, "errors": [e.as_dict() for e in self.errors]}


def _read_files(folder: Path, lang: str, fy_start: int) -> tuple[dict[str, Rows], dict[str, ErrorSink]]:
    loaded: dict[str, Rows] = {}
    sinks: dict[str, ErrorSink] = {}
    for name, parse in PARSERS.items():
        path = folder / name
        if name not in REQUIRED and not path.exists():
            loaded[name] = []
            continue
        sink = sinks.setdefault(name, ErrorSink(lang, file=name))
        try:
            data = path.read_bytes()
        except OSError as error:
            raise FundingSetupUsageError(f"{path}: {error.strerror or error}") from error
        table = read_refusing(data, sink)
        if table is not None and not table.rows:
            sink.add("empty_file")
        loaded[name] = (
            []
            if table is None or not table.rows
            else dedupe_records(parse(table, sink, fy_start), KEYS[name], sink)
        )
    return loaded, sinks


def setup_funding(
    db: Database, folder: Path, *, actor: Actor, lang: str, now: datetime | None = None
) -> FundingSetupResult:
    require_role(actor)  # programmes and their rules are the administrators'
    now = now or datetime.now()
    if not folder.is_dir():
        raise FundingSetupUsageError(f"{folder}: not a directory")
    with db.cursor() as cursor:
        fy_start = read_settings(cursor).fiscal_year_start_month
        known = _known(cursor)
    loaded, sinks = _read_files(folder, lang, fy_start)
    plan = check_references(loaded, known, sinks, fy_start)
    errors = [e for name in PARSERS if name in sinks for e in sinks[name].errors]
    if errors:
        return FundingSetupResult("rejected", errors=errors)
    return _write(db, plan, known, actor=actor.username, now=now)


def _known(cursor: Any) -> dict[str, Any]:
    """What the files are checked and compared against."""
    categories = read_table(cursor, "funding_categories").to_dict("records")
    return {
        "projects": {r["project_code"]: r for r in read_table(cursor, "projects").to_dict("records")},
        "partners": {
            (r["project_code"], r["organization_code"])
            for r in read_table(cursor, "partners").to_dict("records")
        },
        "kpis": set(read_table(cursor, "kpi_definitions")["kpi_code"]),
        "categories": categories,
        "programmes": set(read_table(cursor, "programmes")["programme_code"]),
        "programme_categories": programme_category_sets(cursor),
        "calls": {
            (r["programme_code"], int(r["fiscal_year"]), int(r["round"]))
            for r in read_table(cursor, "funding_calls").to_dict("records")
        },
        "awards": {r["award_number"]: r for r in current_rows(cursor, "award_versions")},
        "budgets": {
            (r["award_number"], r["fiscal_year"], r["category_code"], r["organization_code"]): r
            for r in current_rows(cursor, "budget_versions")
        },
        "payments": {
            (r["award_number"], r["received_on"]): r for r in current_rows(cursor, "payment_versions")
        },
    }


def _count(
    counts: dict[str, dict[str, int]], label: str, inserted: int, updated: int, unchanged: int
) -> None:
    counts[label] = {"inserted": inserted, "updated": updated, "unchanged": unchanged}


def _write(
    db: Database, plan: dict[str, Any], known: dict[str, Any], *, actor: str, now: datetime
) -> FundingSetupResult:
    counts: dict[str, dict[str, int]] = {}
    with db.transaction() as cursor:
        _count(
            counts, "programmes", *upsert_rows(cursor, "programmes", plan["programmes"], actor=actor, now=now)
        )
        _count(
            counts,
            "programme_categories",
            *upsert_rows(cursor, "programme_categories", plan["allowed"], actor=actor, now=now),
        )
        counts["programme_categories"]["deleted"] = drop_programme_categories(
            cursor, plan["disallowed"], actor=actor, now=now
        )
        _count(counts, "calls", *upsert_rows(cursor, "funding_calls", plan["calls"], actor=actor, now=now))
        for label, table in (
            ("awards", "award_versions"),
            ("budgets", "budget_versions"),
            ("payments", "payment_versions"),
        ):
            new, changed, same = plan[label]
            append_versions(cursor, table, new + changed, actor=actor, now=now)
            _count(counts, label, len(new), len(changed), same)
        _count(
            counts, "award_kpis", *upsert_rows(cursor, "award_kpis", plan["award_kpis"], actor=actor, now=now)
        )
    return FundingSetupResult("loaded", counts=counts)
