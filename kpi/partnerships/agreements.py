"""Agreements (SPEC section 8): saving a version, reading them with their current term, the alerts
for ends and notice dates coming up, and the projects in 実証 or 社会実装 without a signed research
agreement.

A save checks the record's rules (kpi/partnerships/checks.py), refuses one made on an agreement
someone changed since the form was loaded (StaleWrite), and appends one version in one transaction,
audited; nothing changed, no version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from kpi.access import Actor, readable_projects, require_writer
from kpi.errors import Rejected, StaleWrite
from kpi.i18n import t
from kpi.intake.rows import ErrorSink
from kpi.partnerships.checks import MESSAGES, check_agreement
from kpi.partnerships.scope import references, require_agreement_writer, visible_agreements
from kpi.partnerships.terms import FLAGGED_PHASES, RESEARCH_AGREEMENT_KINDS, current_term
from kpi.storage import Database
from kpi.storage.locks import lock_keys
from kpi.storage.partnerships import (
    AGREEMENT_COLUMNS,
    MEETING_COLUMNS,
    append_versions,
    current_agreements,
    phase_exceptions,
    record_phase_exception,
    setting_value,
    versions_of,
)
from kpi.storage.registry import read_table

Record = dict[str, Any]
DEFAULT_ALERT_DAYS = 90
FIELDS = ("agreement_code", *AGREEMENT_COLUMNS)
# Every field a message may name: agreements' and meetings' (field_sink serves both saves).
LABELLED = (*FIELDS, "meeting_code", *(c for c in MEETING_COLUMNS if c not in FIELDS), "cadence_months")


def field_sink(lang: str) -> ErrorSink:
    """An ErrorSink whose messages name the form's fields (catalog [partnerships.field])."""
    return ErrorSink(
        lang, column_labels={f: t(f"partnerships.field.{f}", lang) for f in LABELLED}, messages=MESSAGES
    )


def _plain(value: Any) -> Any:
    """A stored cell as a Python value: dates as dates, lists as lists, NaN/NaT as None."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "tolist"):
        return value.tolist()
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[Record]:
    # recorded_at keeps its time of day: a version's "when" (two versions of one day told apart)
    return [
        {str(k): v.to_pydatetime() if k == "recorded_at" and isinstance(v, pd.Timestamp) else _plain(v)
         for k, v in row.items()}
        for row in frame.to_dict("records")
    ]  # fmt: skip


def agreement_history(db: Database, code: str, *, actor: Actor) -> list[Record]:
    """Every version of an agreement, oldest first, if the actor may read it."""
    with db.cursor() as cursor:
        history = versions_of(cursor, "agreement_versions", code)
        return records(visible_agreements(cursor, actor, history))


def save_agreement(
    db: Database,
    record: Record,
    *,
    actor: Actor,
    lang: str,
    today: date,
    expected_version: int | None,
    now: datetime | None = None,
) -> int:
    """Create an agreement (`expected_version` None) or append its next version; returns the version
    now current. Forbidden unless the actor may change it (before and after), Rejected for a broken
    rule, StaleWrite when its current version is not `expected_version`."""
    code = str(record.get("agreement_code") or "").strip()
    record = {**{c: None for c in AGREEMENT_COLUMNS}, **record, "agreement_code": code}
    record["withdrawn"] = bool(record.get("withdrawn"))
    record["reason"] = str(record.get("reason") or "").strip()

    def work(cursor: Any) -> int:
        lock_keys(cursor, "agreement", [code])  # from the stale check to the write
        history = records(versions_of(cursor, "agreement_versions", code)) if code else []
        before = history[-1] if history else None
        if before is not None:
            require_agreement_writer(cursor, actor, before["project_code"], before["parties"])
        require_agreement_writer(cursor, actor, record.get("project_code"), record.get("parties") or [])
        sink = field_sink(lang)
        if expected_version is None and before is not None:
            sink.add("agreement_exists", None, "agreement_code", code=code)
            raise Rejected(sink.errors)
        current = int(before["version"]) if before else None
        if expected_version is not None and current != expected_version:
            raise StaleWrite(current or 0)
        if not record["withdrawn"]:
            check_agreement(record, references(cursor), sink, today=today)
        if before is not None and not record["reason"]:
            sink.add("reason_needed", None, "reason")
        if sink.errors:
            raise Rejected(sink.errors)
        if before is not None and all(
            _same(record.get(c), before.get(c)) for c in AGREEMENT_COLUMNS if c != "reason"
        ):
            return int(before["version"])
        append_versions(
            cursor, "agreement_versions", [record], actor=actor.username, now=now or datetime.now()
        )
        return (current or 0) + 1

    return db.write(work)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return list(a or []) == list(b or [])
    return (a in (None, "") and b in (None, "")) or a == b


def agreement_table(
    db: Database, as_of: date, *, actor: Actor, project_code: str | None = None
) -> pd.DataFrame:
    """Current agreements the actor may read, with their current term (`term_ends_on`, `notice_by`,
    `renewals`, `expired`) on `as_of`; one project's, or all."""
    with db.cursor() as cursor:
        frame = visible_agreements(
            cursor, actor, current_agreements(cursor, [project_code] if project_code else None)
        )
    rows = records(frame)
    for row in rows:
        term = current_term(row["starts_on"], row["ends_on"], row["renewal"], row["notice_days"], as_of)
        row.update(
            term_ends_on=term.ends_on, notice_by=term.notice_by, renewals=term.renewals, expired=term.expired
        )
    columns = [*frame.columns, "term_ends_on", "notice_by", "renewals", "expired"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class AgreementAlert:
    agreement_code: str
    project_code: str | None
    kind: str
    title: str
    what: str  # "ends": the term ends and does not renew; "notice": the last day to object to renewal
    on: date
    days_left: int
    parties: tuple[str, ...] = ()


def agreement_alerts(
    db: Database, as_of: date, *, actor: Actor, within_days: int | None = None
) -> list[AgreementAlert]:
    """Agreements whose end (no renewal) or notice date (auto-renewal) falls within the setting's
    days (default 90) from `as_of`, soonest first."""
    days = within_days if within_days is not None else alert_days(db)
    alerts = []
    for row in records(agreement_table(db, as_of, actor=actor)):
        if row["expired"] or row["term_ends_on"] is None:
            continue
        what, on = ("notice", row["notice_by"]) if row["renewal"] == "auto" else ("ends", row["term_ends_on"])
        if on is not None and 0 <= (on - as_of).days <= days:
            alerts.append(
                AgreementAlert(
                    row["agreement_code"],
                    row["project_code"],
                    row["kind"],
                    row["title"],
                    what,
                    on,
                    (on - as_of).days,
                    tuple(row["parties"]),
                )
            )
    return sorted(alerts, key=lambda a: (a.on, a.agreement_code))


def alert_days(db: Database) -> int:
    with db.cursor() as cursor:
        value = cursor_setting(cursor, "agreement_alert_days", DEFAULT_ALERT_DAYS)
    return int(value)


def cursor_setting(cursor: Any, key: str, default: int) -> int:
    """A whole-number setting of migration 0014 (a mistyped value falls back to SPEC's default)."""
    value = setting_value(cursor, key)
    return int(value) if value is not None and str(value).strip().isdigit() else default


@dataclass(frozen=True)
class PhaseFlag:
    project_code: str
    phase: str
    reason: str | None  # the lead's recorded reason for going on without one; None: still flagged


def phase_flags(db: Database, as_of: date, *, actor: Actor) -> list[PhaseFlag]:
    """Projects in 実証 or 社会実装 without a signed joint-research or commissioned agreement in force on
    `as_of`, with the lead's reason where one was recorded for the current phase."""
    with db.cursor() as cursor:
        projects = read_table(cursor, "projects")
        agreements = records(current_agreements(cursor))
        reasons = phase_exceptions(cursor)
        allowed = readable_projects(cursor, actor)
    covered = set()
    for a in agreements:
        term = current_term(a["starts_on"], a["ends_on"], a["renewal"], a["notice_days"], as_of)
        signed = a["signed_on"] is not None and a["signed_on"] <= as_of
        if a["kind"] in RESEARCH_AGREEMENT_KINDS and signed and not term.expired and a["project_code"]:
            covered.add(a["project_code"])
    given = {
        (p, ph): r
        for p, ph, r in zip(reasons["project_code"], reasons["phase"], reasons["reason"], strict=True)
    }
    flags = []
    for code, phase in zip(projects["project_code"], projects["phase"], strict=True):
        if phase in FLAGGED_PHASES and code not in covered and (allowed is None or code in allowed):
            flags.append(PhaseFlag(str(code), str(phase), given.get((code, phase))))
    return flags


def record_phase_reason(
    db: Database, project_code: str, reason: str, *, actor: Actor, lang: str, now: datetime | None = None
) -> None:
    """The lead goes on in the project's current phase without a research agreement, for `reason`."""
    text = reason.strip()

    def work(cursor: Any) -> None:
        require_writer(cursor, actor, [project_code])
        projects = read_table(cursor, "projects")
        phase = projects.loc[projects["project_code"] == project_code, "phase"]
        sink = field_sink(lang)
        if phase.empty or phase.iloc[0] not in FLAGGED_PHASES:
            sink.add("phase_not_flagged", None, "project_code", code=project_code)
        if not text:
            sink.add("reason_needed", None, "reason")
        if sink.errors:
            raise Rejected(sink.errors)
        record_phase_exception(
            cursor, project_code, str(phase.iloc[0]), text, actor=actor.username, now=now or datetime.now()
        )

    db.write(work)
