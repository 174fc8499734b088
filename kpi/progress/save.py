"""What project leads change: targets (revised with a reason) and progress (recorded values).

Every write checks the input, refuses a stale save (someone else changed the same thing since the
form was loaded), writes in one transaction and is audited. A value that turns its KPI off track
needs a short explanation (要因分析), kept with the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from kpi.access import Actor, require_writer
from kpi.errors import Rejected, StaleWrite
from kpi.grades import grading
from kpi.intake.rows import ErrorSink
from kpi.plans import check_plan, plain_points
from kpi.progress.target_form import column_labels
from kpi.storage import Database
from kpi.storage.actuals import record_actuals
from kpi.storage.edits import current_target_version, current_versions, set_explanations
from kpi.storage.locks import lock_keys
from kpi.storage.project import project_kpis, project_partners, project_record
from kpi.storage.registry import append_target_version, read_settings, read_table
from kpi.storage.status_sql import query_status

KEY = ["project_code", "kpi_code", "period_end", "organization_code"]


@dataclass
class NeedsExplanation(Exception):
    """These project x KPI pairs would turn off track; an explanation is required for each."""

    pairs: list[tuple[str, str]] = field(default_factory=list)


def _kpi(db: Database, kpi_code: str) -> dict[str, Any]:
    with db.cursor() as cursor:
        kpis = read_table(cursor, "kpi_definitions").set_index("kpi_code")
    return {"kpi_code": kpi_code, **{str(k): v for k, v in kpis.loc[kpi_code].to_dict().items()}}


def check_target(target: dict[str, Any], kpi: dict[str, Any], sink: ErrorSink) -> None:
    """The plan's rules (kpi/plans.py); a form must give at least one target point."""
    check_plan(target, kpi, sink, require_points=True)


def save_target(
    db: Database,
    target: dict[str, Any],
    *,
    reason: str,
    base_version: int,
    actor: Actor,
    lang: str,
    now: datetime | None = None,
) -> int:
    """Set (version 1) or revise a project x KPI target set. Returns the new version number.

    `base_version` is the version the form showed (0 when there was none); a revision needs a reason.
    Only the project's lead (or an administrator) may: Forbidden otherwise.
    """
    with db.cursor() as cursor:
        require_writer(cursor, actor, [target["project_code"]])
    sink = ErrorSink(lang, column_labels=column_labels(lang))  # messages name the form's fields
    kpi = _kpi(db, target["kpi_code"])
    check_target(target, kpi, sink)
    if base_version > 0 and not reason.strip():
        sink.add("reason_required", None, "reason")
    if sink.errors:
        raise Rejected(sink.errors)
    with db.transaction() as cursor:
        lock_keys(cursor, "project", [target["project_code"]])  # from the check to the write
        current = current_target_version(cursor, target["project_code"], target["kpi_code"])
        if current != base_version:
            raise StaleWrite(current)
        fields = {k: target.get(k) for k in ("project_code", "kpi_code", "baseline_value", "baseline_date")}
        fields["points"] = plain_points(target.get("points") or [])
        return append_target_version(cursor, {**fields, "reason": reason.strip()}, actor=actor.username,
                                     now=now or datetime.now())  # fmt: skip


@dataclass(frozen=True)
class RecordResult:
    inserted: int
    updated: int
    unchanged: int
    off_track: list[tuple[str, str]]  # pairs now off track (with their explanation kept)
    noted: int = 0  # of the unchanged, those whose changed note was kept as a note revision


def record_progress(
    db: Database,
    rows: pd.DataFrame,
    *,
    base_versions: dict[tuple[Any, ...], int | None],
    explanations: dict[tuple[str, str], str] | None = None,
    actor: Actor,
    lang: str,
    today: date,
    now: datetime | None = None,
) -> RecordResult:
    """Record values (columns: KEY + value, note) as new versions where they changed, and a changed
    note on an unchanged value as a note revision.

    A note is the note as the form shows it (kpi/storage/actuals.py, notes_as_given): an empty one
    clears the stored note (a revision too when the value is unchanged); None keeps the stored note.

    Only KPIs the project tracks (a target or a report, as the update page lists them) and the
    project's partners: Rejected otherwise, as for any broken rule. `base_versions` maps each key to
    the version id the form showed (None: nothing was reported); a key whose current version differs
    is a stale save and nothing is written. A pair that would be off track after the save needs an
    entry in `explanations`, else NeedsExplanation. Every project of the rows must be one the user
    leads (or the user an administrator): Forbidden.
    """
    with db.cursor() as cursor:
        require_writer(cursor, actor, rows["project_code"].astype(str).unique())
    explanations = explanations or {}
    rows = rows.assign(period_end=pd.to_datetime(rows["period_end"]).dt.date)
    now = now or datetime.now()
    with db.transaction() as cursor:
        lock_keys(cursor, "project", rows["project_code"].astype(str))  # from the check to the write
        _check_rows(cursor, rows, lang, today)  # in the transaction: the registry it checks stays put
        seen = current_versions(cursor, rows)
        stale = []
        for r in seen.to_dict("records"):
            key = (
                r["project_code"],
                r["kpi_code"],
                pd.Timestamp(r["period_end"]).date(),
                r["organization_code"],
            )
            shown = base_versions.get(key)
            now_version = None if pd.isna(r["version_id"]) else int(r["version_id"])
            if shown != now_version:
                stale.append({**dict(zip(KEY, key, strict=True)), "value": r["value"]})
        if stale:
            raise StaleWrite(pd.DataFrame(stale))
        before = _off_track_pairs(cursor, rows, today)
        counts = record_actuals(
            cursor, rows, actor=actor.username, source="form", now=now, notes_as_given=True
        )
        after = _off_track_pairs(cursor, rows, today)
        turned = sorted(after - before)
        missing = [pair for pair in turned if not explanations.get(pair, "").strip()]
        if missing:
            raise NeedsExplanation(missing)  # rolls the transaction back
        if turned:
            _keep_explanations(cursor, rows, turned, explanations, now)
    return RecordResult(counts.inserted, counts.updated, counts.unchanged, turned, counts.noted)


def _check_rows(cursor: Any, rows: pd.DataFrame, lang: str, today: date) -> None:
    sink = ErrorSink(lang)
    kpis = read_table(cursor, "kpi_definitions").set_index("kpi_code")
    registered: set[str] | None = None  # organizations, read only when one is not a partner
    projects: dict[str, tuple[set[str], set[str]] | None] = {}  # code → (tracked KPIs, partners)
    for code in rows["project_code"].astype(str).unique():
        projects[code] = None
        if project_record(cursor, code) is not None:
            partners = project_partners(cursor, code)["organization_code"]
            projects[code] = (set(project_kpis(cursor, code)["kpi_code"]), set(partners))
    for number, r in enumerate(rows.to_dict("records"), start=1):
        project, kpi, org = str(r["project_code"]), str(r["kpi_code"]), str(r["organization_code"])
        facts = projects[project]
        if facts is None:
            sink.add("unknown_project", number, "project_code", code=project)
        elif kpi not in kpis.index:
            sink.add("unknown_kpi", number, "kpi_code", code=kpi)
        elif kpi not in facts[0]:
            sink.add("not_tracked", number, "kpi_code", kpi=kpi, project=project)
        if facts is not None and org not in facts[1]:
            if registered is None:
                registered = set(read_table(cursor, "organizations")["organization_code"])
            if org in registered:
                sink.add("not_a_partner", number, "organization_code", organization=org, project=project)
            else:
                sink.add("unknown_organization", number, "organization_code", code=org)
        if r["value"] is None or pd.isna(r["value"]):
            sink.add("missing_value", number, "value")
        elif r["value"] < 0 and kpi in kpis.index and not kpis.loc[kpi, "allow_negative"]:
            sink.add("negative_value", number, "value", value=f"{r['value']:g}", kpi=kpi)
        if r["period_end"] > today:
            sink.add("future_period", number, "period_end", date=r["period_end"], today=today)
    if sink.errors:
        raise Rejected(sink.errors)


def _off_track_pairs(cursor: Any, rows: pd.DataFrame, today: date) -> set[tuple[str, str]]:
    settings = read_settings(cursor)
    pairs: set[tuple[str, str]] = set()
    for project in rows["project_code"].unique():
        status = query_status(cursor, today, settings, grading(settings), project)
        kpis = set(rows.loc[rows["project_code"] == project, "kpi_code"])
        pairs |= {(project, k) for k, s in zip(status["kpi_code"], status["status"], strict=True)
                  if s == "off_track" and k in kpis}  # fmt: skip
    return pairs


def _keep_explanations(
    cursor: Any, rows: pd.DataFrame, turned: list[tuple[str, str]], explanations: dict[tuple[str, str], str],
    now: datetime,
) -> None:  # fmt: skip
    written = current_versions(cursor, rows)
    written = written[
        [(p, k) in turned for p, k in zip(written["project_code"], written["kpi_code"], strict=True)]
    ]
    written = written.assign(
        explanation=[
            explanations[(p, k)].strip()
            for p, k in zip(written["project_code"], written["kpi_code"], strict=True)
        ]
    )
    set_explanations(cursor, written.dropna(subset=["version_id"]))
