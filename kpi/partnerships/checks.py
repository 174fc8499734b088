"""The rules of an agreement and a meeting record (SPEC section 8), shared by the pages' forms and
`python -m kpi agreements|meetings import`: each check adds to an ErrorSink whose messages say what
to change (catalog [partnerships.error]); `row` is the file's line, None for a form.

Records arrive typed (dates as dates, codes as lists); what the file reader could not type it has
already reported. A record that passes is ready for kpi.storage.partnerships.append_versions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from kpi.formatting.names import join_names
from kpi.formatting.numbers import format_date
from kpi.i18n import t
from kpi.intake.rows import ErrorSink
from kpi.partnerships.terms import AGREEMENT_KINDS, ETHICS, IP_OWNERSHIPS, MEETING_KINDS, RENEWALS

Record = dict[str, Any]
MESSAGES = "partnerships.error"
MAX_TEXT = 20_000  # minutes, decisions and IP terms: a long record, not a pasted file
MAX_NOTICE_DAYS = 365


@dataclass(frozen=True)
class References:
    """What records may name: organizations, projects with their partners, KPI codes."""

    organizations: frozenset[str]
    partners: dict[str, frozenset[str]]  # project → its partner organizations
    kpis: frozenset[str]

    @property
    def projects(self) -> frozenset[str]:
        return frozenset(self.partners)


def _choices(sink: ErrorSink, table: str, codes: tuple[str, ...]) -> str:
    """The allowed values as the user's language names them, each with the code a file may use."""
    return join_names((f"{t(f'partnerships.{table}.{c}', sink.lang)} ({c})" for c in codes), sink.lang)


def _text(record: Record, name: str) -> str:
    value = record.get(name)
    return "" if value is None else str(value).strip()


def _unknown_organizations(codes: list[str], refs: References) -> list[str]:
    return [c for c in codes if c not in refs.organizations]


def check_agreement(
    record: Record, refs: References, sink: ErrorSink, *, today: date, row: int | None = None
) -> None:
    """An agreement's rules: known codes, dates in order, renewal, IP shares and ethics consistent."""
    if not _text(record, "agreement_code"):
        sink.add("required", row, "agreement_code")
    if record.get("kind") not in AGREEMENT_KINDS:
        sink.add(
            "choice",
            row,
            "kind",
            value=record.get("kind") or "",
            choices=_choices(sink, "kind", AGREEMENT_KINDS),
        )
    project = record.get("project_code")
    if project and project not in refs.projects:
        sink.add("unknown_project", row, "project_code", code=project)
    parties = list(record.get("parties") or [])
    unknown = _unknown_organizations(parties, refs)
    if unknown:
        sink.add("unknown_organization", row, "parties", codes=join_names(unknown, sink.lang))
    elif len(set(parties)) < 2:
        sink.add("two_parties", row, "parties")
    starts, ends, signed = record.get("starts_on"), record.get("ends_on"), record.get("signed_on")
    if starts is None:
        sink.add("required", row, "starts_on")
    elif ends is not None and ends < starts:
        sink.add(
            "end_before_start",
            row,
            "ends_on",
            start=format_date(starts, sink.lang),
            end=format_date(ends, sink.lang),
        )
    if signed is not None and signed > today:
        sink.add("signed_future", row, "signed_on", day=format_date(signed, sink.lang))
    _check_renewal(record, sink, row)
    _check_ip(record, parties, sink, row)
    ethics = record.get("ethics")
    if ethics not in ETHICS:
        sink.add("choice", row, "ethics", value=ethics or "", choices=_choices(sink, "ethics", ETHICS))
    elif ethics == "approved" and record.get("ethics_approved_on") is None:
        sink.add("ethics_date", row, "ethics_approved_on")
    elif ethics != "approved" and record.get("ethics_approved_on") is not None:
        sink.add("ethics_not_approved", row, "ethics_approved_on")
    _check_length(record, ("title", "ip_terms", "reason"), sink, row)


def _check_renewal(record: Record, sink: ErrorSink, row: int | None) -> None:
    renewal, notice = record.get("renewal"), record.get("notice_days")
    if renewal not in RENEWALS:
        sink.add("choice", row, "renewal", value=renewal or "", choices=_choices(sink, "renewal", RENEWALS))
    elif renewal == "auto":
        if record.get("ends_on") is None:
            sink.add("renewal_needs_end", row, "ends_on")
        if notice is None or not 0 <= int(notice) <= MAX_NOTICE_DAYS:
            sink.add("notice_days", row, "notice_days", maximum=MAX_NOTICE_DAYS)
    elif notice is not None:
        sink.add("notice_without_renewal", row, "notice_days")


def _check_ip(record: Record, parties: list[str], sink: ErrorSink, row: int | None) -> None:
    ownership = record.get("ip_ownership")
    shares = list(record.get("ip_shares") or [])
    if ownership not in IP_OWNERSHIPS:
        sink.add(
            "choice", row, "ip_ownership", value=ownership or "", choices=_choices(sink, "ip", IP_OWNERSHIPS)
        )
        return
    owners = [s["organization_code"] for s in shares]
    if ownership == "none":
        if shares:
            sink.add("shares_without_ip", row, "ip_shares")
        return
    if any(o not in parties for o in owners):
        sink.add(
            "owner_not_party",
            row,
            "ip_shares",
            codes=join_names((o for o in owners if o not in parties), sink.lang),
        )
        return
    if len(set(owners)) != len(owners):
        sink.add("owner_twice", row, "ip_shares")
        return
    percents = [float(s["percent"]) for s in shares]
    if ownership == "sole" and (len(shares) != 1 or not math.isclose(percents[0], 100)):
        sink.add("sole_owner", row, "ip_shares")
    elif ownership == "joint" and (
        len(shares) < 2 or any(p <= 0 for p in percents) or not math.isclose(sum(percents), 100)
    ):
        sink.add("joint_shares", row, "ip_shares", total=f"{sum(percents):g}")


def check_meeting(record: Record, refs: References, sink: ErrorSink, *, row: int | None = None) -> None:
    """A meeting's rules: a known project, its participants and KPIs known, action items complete."""
    project = record.get("project_code")
    if not project:
        sink.add("required", row, "project_code")
    elif project not in refs.projects:
        sink.add("unknown_project", row, "project_code", code=project)
    if record.get("held_on") is None:
        sink.add("required", row, "held_on")
    if record.get("kind") not in MEETING_KINDS:
        sink.add(
            "choice",
            row,
            "kind",
            value=record.get("kind") or "",
            choices=_choices(sink, "meeting_kind", MEETING_KINDS),
        )
    present = list(record.get("organizations") or [])
    unknown = _unknown_organizations(present, refs)
    if unknown:
        sink.add("unknown_organization", row, "organizations", codes=join_names(unknown, sink.lang))
    elif not present:
        sink.add("required", row, "organizations")
    kpis = [k for k in record.get("kpi_codes") or [] if k not in refs.kpis]
    if kpis:
        sink.add("unknown_kpi", row, "kpi_codes", codes=join_names(kpis, sink.lang))
    for number, item in enumerate(record.get("action_items") or [], start=1):
        check_action_item(item, number, refs, sink, row, record.get("held_on"))
    _check_length(record, ("title", "minutes", "decisions", "reason"), sink, row)


def check_action_item(
    item: Record, number: int, refs: References, sink: ErrorSink, row: int | None, held_on: date | None
) -> None:
    if not str(item.get("description") or "").strip():
        sink.add("item_description", row, "action_items", item=number)
    owner = item.get("owner")
    if not owner:
        sink.add("item_owner", row, "action_items", item=number)
    elif owner not in refs.organizations:
        sink.add("unknown_organization", row, "action_items", codes=owner)
    due, done = item.get("due_on"), item.get("done_on")
    if due is None:
        sink.add("item_due", row, "action_items", item=number)
    elif held_on is not None and due < held_on:
        sink.add("item_due_before", row, "action_items", item=number, due=format_date(due, sink.lang))
    if done is not None and held_on is not None and done < held_on:
        sink.add("item_done_before", row, "action_items", item=number, done=format_date(done, sink.lang))


def _check_length(record: Record, names: tuple[str, ...], sink: ErrorSink, row: int | None) -> None:
    for name in names:
        if len(_text(record, name)) > MAX_TEXT:
            sink.add("too_long", row, name, maximum=MAX_TEXT)
