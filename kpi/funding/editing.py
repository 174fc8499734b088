"""What a lead changes on the awards page (SPEC section 7): awards and their 変更承認, budget lines,
money received (入金) and submitted reports, for the projects their organization leads
(administrators: all).

Each save checks what `funding setup` checks (the shared rules of kpi/funding/references.py) plus
what a form adds, refuses a save made on an award someone changed since the form was loaded
(StaleWrite), and writes one set of versions in one transaction, audited; a refused save writes
nothing. Messages are in the user's language and name the form's fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kpi.access import Actor, require_writer
from kpi.errors import Rejected, StaleWrite
from kpi.formatting.numbers import format_date
from kpi.funding.edit_checks import (
    BUDGET_KEY,
    award_record,
    budget_lines,
    check_award,
    form_sink,
    read_yen_cell,
)
from kpi.funding.obligations import KINDS, OWING_STAGES, duties
from kpi.funding.references import changed_fields, is_amendment
from kpi.i18n import t
from kpi.storage import Database
from kpi.storage.funding import (
    append_versions,
    award_history,
    award_projects,
    award_rows,
    record_submission,
    submissions,
)
from kpi.storage.locks import lock_keys
from kpi.storage.registry import read_settings, read_table

Record = dict[str, Any]


def save_award(
    db: Database,
    award: Record,
    *,
    actor: Actor,
    lang: str,
    today: date,
    expected_version: int | None,
    now: datetime | None = None,
) -> int:
    """Create an award (`expected_version` None) or append its next version; returns the version
    now current (the same one when nothing changed). Forbidden unless the actor leads the project,
    Rejected for a broken rule, StaleWrite when the award's current version is not `expected_version`."""
    number = str(award.get("award_number") or "").strip()
    with db.cursor() as cursor:
        stored_project = award_projects(cursor).get(number)
        require_writer(cursor, actor, [p for p in (award.get("project_code"), stored_project) if p])

    def work(cursor: Any) -> int:
        lock_keys(cursor, "award", [number])  # from the stale check to the write
        sink = form_sink(lang)
        history = award_history(cursor, number) if number else []
        before = history[-1] if history else None
        current = int(before["version"]) if before else None
        if expected_version is None and before is not None:
            sink.add("award_exists", None, "award_number", award=number, project=before["project_code"])
            raise Rejected(sink.errors)
        if expected_version is not None and current != expected_version:
            raise StaleWrite(current or 0)
        record = award_record(award, sink)
        check_award(cursor, record, before, sink, lang=lang, today=today)
        record["amounts"] = [{k: a[k] for k in ("fiscal_year", "amount")} for a in record["amounts"]]
        differs = changed_fields(record, before) if before else []
        if before is not None and is_amendment(before, differs) and not record["reason"]:
            sink.add("amendment_reason", None, "reason", award=number)
        if sink.errors:
            raise Rejected(sink.errors)
        if before is not None and not differs:
            return int(before["version"])  # nothing changed: no version
        append_versions(cursor, "award_versions", [record], actor=actor.username, now=now or datetime.now())
        return (current or 0) + 1

    return db.write(work)


@dataclass(frozen=True)
class BudgetResult:
    inserted: int  # lines that had no version
    updated: int  # lines with a new amount
    removed: int  # lines set to 0 because the grid no longer holds them
    unchanged: int


def _award_of(cursor: Any, award_number: str, actor: Actor, lang: str) -> Record:
    """The current version of an award the actor may change (Forbidden, or Rejected when unknown)."""
    history = award_history(cursor, award_number)
    if not history:
        sink = form_sink(lang)
        sink.add("unknown_award", None, "award_number", code=award_number)
        raise Rejected(sink.errors)
    require_writer(cursor, actor, [history[-1]["project_code"]])
    return history[-1]


def _key(line: Record) -> tuple[Any, ...]:
    return tuple(line[k] for k in BUDGET_KEY)


def _owed(cursor: Any, award: Record) -> set[tuple[str, date]]:
    """(kind, due date) of every report the award owes (none before the decision)."""
    if award["stage"] not in OWING_STAGES:
        return set()
    programmes = read_table(cursor, "programmes")
    programme = programmes[programmes["programme_code"] == award["programme_code"]].iloc[0]
    owed = duties(
        award["starts_on"],
        award["ends_on"],
        report_days=int(str(programme["report_days"])),
        follow_up_years=int(str(programme["follow_up_years"])),
        fy_start=read_settings(cursor).fiscal_year_start_month,
    )
    return {(kind, due) for kind, _, due in owed}


def save_budget(
    db: Database,
    award_number: str,
    lines: list[Record],
    *,
    actor: Actor,
    lang: str,
    reason: str,
    years: list[int] | None = None,
    expected: list[Record] | None = None,
    now: datetime | None = None,
) -> BudgetResult:
    """Replace an award's budget lines for the 年度 in `years` (default: those the lines name): a new
    version for each new or changed line, amount 0 for a stored line no longer given. A line's 費目 is
    a code or a name. Changing a stored line needs a reason. `expected` is what the grid was opened on
    (年度, 費目 code, partner, amount): when the stored lines of those years differ, StaleWrite."""

    def work(cursor: Any) -> BudgetResult:
        lock_keys(cursor, "award", [award_number])
        award = _award_of(cursor, award_number, actor, lang)
        sink = form_sink(lang, "error.budget_form")
        sink.column_labels["reason"] = t("award_form.budget_reason", lang)
        wanted = budget_lines(cursor, award, lines, sink)
        scope = set(years or []) | {k[0] for k in wanted}
        lines_now = award_rows(cursor, "budget_versions", award_number)
        stored = {_key(r): int(r["amount"]) for r in lines_now if r["fiscal_year"] in scope}
        if expected is not None:
            shown = {_key(r): int(r["amount"]) for r in expected if r["fiscal_year"] in scope}
            if {k: a for k, a in shown.items() if a} != {k: a for k, a in stored.items() if a}:
                raise StaleWrite([r for r in lines_now if r["amount"]])
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []
        same = 0
        for key, line in wanted.items():
            before = stored.get(key, 0)
            if before == line["amount"]:
                same += 1
            else:
                (changed if before else new).append(key)
        gone = [k for k, amount in stored.items() if k not in wanted and amount]
        if (changed or gone) and not reason.strip():
            sink.add("budget_reason", None, "reason", award=award_number)
        if sink.errors:
            raise Rejected(sink.errors)
        rows = [
            {
                "award_number": award_number,
                **dict(zip(BUDGET_KEY, key, strict=True)),
                "amount": wanted[key]["amount"] if key in wanted else 0,
                "reason": reason.strip(),
            }
            for key in [*new, *changed, *gone]
        ]
        append_versions(cursor, "budget_versions", rows, actor=actor.username, now=now or datetime.now())
        return BudgetResult(len(new), len(changed), len(gone), same)

    return db.write(work)


def record_payment(
    db: Database,
    award_number: str,
    received_on: date | None,
    amount: object,
    *,
    actor: Actor,
    lang: str,
    today: date,
    now: datetime | None = None,
) -> int | None:
    """Money received (入金) on a day, as whole yen; a second entry for the same day replaces it (a new
    version). Returns the yen recorded, None when the day already held that amount."""

    def work(cursor: Any) -> int | None:
        _award_of(cursor, award_number, actor, lang)
        sink = form_sink(lang)
        yen = read_yen_cell(sink, None, "amount", amount, required=True)
        if received_on is None:
            sink.add("missing_value", None, "received_on")
        elif received_on > today:
            sink.add(
                "received_in_future",
                None,
                "received_on",
                day=format_date(received_on, lang),
                today=format_date(today, lang),
            )
        if sink.errors:
            raise Rejected(sink.errors)
        stored = {r["received_on"]: r["amount"] for r in award_rows(cursor, "payment_versions", award_number)}
        if stored.get(received_on) == yen:
            return None
        row = {"award_number": award_number, "received_on": received_on, "amount": yen}
        append_versions(cursor, "payment_versions", [row], actor=actor.username, now=now or datetime.now())
        return yen

    return db.write(work)


def mark_submitted(
    db: Database,
    award_number: str,
    kind: str,
    due_on: date,
    submitted_on: date | None,
    *,
    actor: Actor,
    lang: str,
    today: date,
    now: datetime | None = None,
) -> bool:
    """A report the award owes (kpi/funding/obligations.py) marked as submitted on a day, audited;
    False when it was already marked (the first date is kept)."""

    def work(cursor: Any) -> bool:
        award = _award_of(cursor, award_number, actor, lang)
        sink = form_sink(lang)
        if kind not in KINDS or (kind, due_on) not in _owed(cursor, award):
            sink.add("unknown_duty", None, "submitted_on", award=award_number, due=format_date(due_on, lang))
        if submitted_on is None:
            sink.add("missing_value", None, "submitted_on")
        elif submitted_on > today:
            sink.add(
                "submitted_in_future",
                None,
                "submitted_on",
                day=format_date(submitted_on, lang),
                today=format_date(today, lang),
            )
        if sink.errors:
            raise Rejected(sink.errors)
        if (award_number, kind, due_on) in submissions(cursor):
            return False
        assert submitted_on is not None
        record_submission(
            cursor, award_number, kind, due_on, submitted_on, actor=actor.username, now=now or datetime.now()
        )
        return True

    return db.write(work)
