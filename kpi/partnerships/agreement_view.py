"""What the agreements page shows (pages/agreements.py): one project's agreements (or those between
organizations) with their parties by name, term, renewal, IP and ethics in words, each agreement's
versions with what changed, and the alerts and phase flags as sentences, in the reader's language.

Reading only; saving is kpi/partnerships/agreements.py. Who may read is decided there and in
kpi/partnerships/scope.py; `may_change` here only tells the page whether to offer the form (the save
checks again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kpi.access import Actor, Forbidden, Role, require_reader
from kpi.formatting.names import display_names, join_names
from kpi.formatting.numbers import format_date, format_number
from kpi.i18n import t
from kpi.partnerships.agreements import (
    AgreementAlert,
    PhaseFlag,
    _same,
    agreement_alerts,
    agreement_table,
    alert_days,
    phase_flags,
    records,
)
from kpi.partnerships.scope import require_agreement_writer
from kpi.storage import Database
from kpi.storage.accounts import led_project_codes
from kpi.storage.partnerships import AGREEMENT_COLUMNS
from kpi.storage.registry import read_table

Record = dict[str, Any]
TABLE_COLUMNS = (
    "agreement_code", "status", "kind", "title", "parties", "signed_on", "term", "renewal", "ip",
    "bayh_dole", "ethics", "version",
)  # fmt: skip


@dataclass(frozen=True)
class AgreementsView:
    """One project's agreements (project_code None: those between organizations) as the reader may
    read them, with the names and defaults the page's form needs."""

    project_code: str | None
    lang: str
    as_of: date
    organizations: dict[str, str]  # every registered organization: code → name
    partners: tuple[str, ...]  # the project's partners (a new agreement's parties to start with)
    may_change: bool
    agreements: list[Record]  # current versions with their term on `as_of`, by start date

    def agreement(self, code: str | None) -> Record | None:
        return next((a for a in self.agreements if a["agreement_code"] == code), None)

    def name(self, organization: str) -> str:
        return self.organizations.get(organization, organization)


def agreements_view(
    db: Database, project_code: str | None, as_of: date, *, actor: Actor, lang: str
) -> AgreementsView:
    with db.cursor() as cursor:
        if project_code:
            require_reader(cursor, actor, project_code)
        organizations = read_table(cursor, "organizations")
        partners = read_table(cursor, "partners")
        try:
            parties = [actor.organization_code or ""]
            require_agreement_writer(cursor, actor, project_code, parties)
            may_change = True
        except Forbidden:
            may_change = False
    table = records(agreement_table(db, as_of, actor=actor, project_code=project_code))
    if project_code is None:
        table = [a for a in table if not a["project_code"]]
        own = actor.organization_code if actor.role == Role.LEAD else None
        members: tuple[str, ...] = (own,) if own else ()
    else:
        members = tuple(
            partners.loc[partners["project_code"] == project_code, "organization_code"].astype(str)
        )
    return AgreementsView(
        project_code=project_code,
        lang=lang,
        as_of=as_of,
        organizations=dict(
            zip(organizations["organization_code"], display_names(organizations, lang), strict=True)
        ),
        partners=members,
        may_change=may_change,
        agreements=table,
    )


@dataclass(frozen=True)
class PageAlerts:
    """The top of the page: agreements falling due within `days`, and the phase flags."""

    days: int
    alerts: list[AgreementAlert]
    flags: list[PhaseFlag]
    changeable: frozenset[str]  # the flagged projects whose lead this reader is (a reason may be given)


def page_alerts(db: Database, as_of: date, *, actor: Actor, mine_only: bool = False) -> PageAlerts:
    """Alerts and flags as the reader may read them; `mine_only`: a lead's own projects and the
    agreements between organizations its organization is a party to."""
    alerts, flags = agreement_alerts(db, as_of, actor=actor), phase_flags(db, as_of, actor=actor)
    led: frozenset[str] | None = None
    if actor.role == Role.LEAD:
        with db.cursor() as cursor:
            led = frozenset(led_project_codes(cursor, actor.organization_code or ""))
    if mine_only and led is not None:
        own = actor.organization_code
        alerts = [a for a in alerts if (a.project_code in led) or (not a.project_code and own in a.parties)]
        flags = [f for f in flags if f.project_code in led]
    flagged = {f.project_code for f in flags}
    changeable = flagged if actor.is_admin else flagged & (led or frozenset())
    return PageAlerts(alert_days(db), alerts, flags, frozenset(changeable))


def _day(day: date | None, lang: str, era: bool) -> str:
    return format_date(day, lang, wareki=era) if day else "—"


def status_text(agreement: Record, as_of: date, lang: str) -> str:
    if agreement["expired"]:
        state = "expired"
    elif agreement["signed_on"] is None:
        state = "unsigned"
    elif agreement["starts_on"] > as_of:
        state = "upcoming"
    else:
        state = "in_force"
    return t(f"agreements_page.status_{state}", lang)


def term_text(agreement: Record, lang: str, era: bool = False) -> str:
    """Start – the current term's end, with the yearly renewals so far: "1 Apr 2024 – 30 Apr 2027
    (renewed twice)"."""
    start = _day(agreement["starts_on"], lang, era)
    if agreement["term_ends_on"] is None:
        return t("agreements_page.term_open", lang, start=start)
    text = t("agreements_page.term", lang, start=start, end=_day(agreement["term_ends_on"], lang, era))
    renewals = int(agreement["renewals"] or 0)
    if renewals:
        key = "renewed_once" if renewals == 1 else "renewed"
        text += t(f"agreements_page.{key}", lang, count=renewals)
    return text


def renewal_text(agreement: Record, lang: str, era: bool = False) -> str:
    if agreement["renewal"] != "auto":
        return t("partnerships.renewal.none", lang)
    return t(
        "agreements_page.renewal_auto",
        lang,
        day=_day(agreement["notice_by"], lang, era),
        days=int(agreement["notice_days"] or 0),
    )


def ip_text(agreement: Record, names: dict[str, str], lang: str) -> str:
    """The IP ownership with its owners: "Joint: A 60%, B 40%", "Sole: A", "Not set"."""
    shares = agreement["ip_shares"] or []
    ownership = agreement["ip_ownership"]
    if ownership == "sole" and shares:
        owner = str(shares[0]["organization_code"])
        return t("agreements_page.ip_sole", lang, owner=names.get(owner, owner))
    if ownership == "joint" and shares:
        parts = [
            t(
                "agreements_page.share",
                lang,
                name=names.get(str(s["organization_code"]), str(s["organization_code"])),
                percent=format_number(float(s["percent"]), lang),
            )
            for s in shares
        ]
        return t("agreements_page.ip_joint", lang, shares=join_names(parts, lang))
    return t(f"partnerships.ip.{ownership}", lang)


def ethics_text(agreement: Record, lang: str, era: bool = False) -> str:
    if agreement["ethics"] == "approved" and agreement["ethics_approved_on"]:
        return t(
            "agreements_page.ethics_approved", lang, day=_day(agreement["ethics_approved_on"], lang, era)
        )
    return t(f"partnerships.ethics.{agreement['ethics']}", lang)


def yes_no(value: object, lang: str) -> str:
    return t("agreements_page.yes" if value else "agreements_page.no", lang)


def agreement_row(agreement: Record, view: AgreementsView, era: bool = False) -> Record:
    """One row of the list (columns TABLE_COLUMNS, named by agreements_page.col_*), in words."""
    a, lang = agreement, view.lang
    return {
        "agreement_code": a["agreement_code"],
        "status": status_text(a, view.as_of, lang),
        "kind": t(f"partnerships.kind.{a['kind']}", lang),
        "title": a["title"],
        "parties": join_names((view.name(p) for p in a["parties"]), lang),
        "signed_on": _day(a["signed_on"], lang, era),
        "term": term_text(a, lang, era),
        "renewal": renewal_text(a, lang, era),
        "ip": ip_text(a, view.organizations, lang),
        "bayh_dole": yes_no(a["bayh_dole"], lang),
        "ethics": ethics_text(a, lang, era),
        "version": int(a["version"]),
    }


def detail_lines(agreement: Record, view: AgreementsView, era: bool = False) -> list[tuple[str, str]]:
    """One agreement's facts as (label, value) pairs, labelled as the form's fields are."""
    row, lang = agreement_row(agreement, view, era), view.lang
    names = ("status", "kind", "parties", "signed_on", "term", "renewal", "ip", "bayh_dole", "ethics")
    fields = {"ip": "ip_ownership", "status": None, "term": None}
    return [
        (
            t(f"partnerships.field.{fields.get(n, n)}", lang)
            if fields.get(n, n)
            else t(f"agreements_page.col_{n}", lang),
            str(row[n]),
        )
        for n in names
    ]


def changed_fields(before: Record | None, after: Record, lang: str) -> list[str]:
    """The fields one version changed from the one before, by their form labels."""
    if before is None:
        return []
    return [
        t(f"partnerships.field.{c}", lang)
        for c in AGREEMENT_COLUMNS
        if c not in ("reason", "withdrawn") and not _same(after.get(c), before.get(c))
    ]


def history_entries(history: list[Record], lang: str) -> list[Record]:
    """Each version, newest first: number, when and by whom, what it did, and its reason as typed."""
    out = []
    for index, version in enumerate(history):
        before = history[index - 1] if index else None
        if version["withdrawn"]:
            what = t("agreements_page.history_withdrawn", lang)
        elif before is None:
            what = t("agreements_page.history_created", lang)
        else:
            fields = changed_fields(before, version, lang)
            what = (
                t("agreements_page.history_changed", lang, fields=join_names(fields, lang))
                if fields
                else t("agreements_page.history_same", lang)
            )
        at = version["recorded_at"]
        out.append(
            {
                "version": int(version["version"]),
                "recorded_at": f"{at:%Y-%m-%d %H:%M}" if hasattr(at, "hour") else str(at),
                "recorded_by": str(version["recorded_by"]),
                "what": what,
                "reason": str(version["reason"] or ""),
            }
        )
    return list(reversed(out))


def days_left_text(days: int, lang: str) -> str:
    if days == 0:
        return t("agreements_page.left_today", lang)
    if days == 1:
        return t("agreements_page.left_one", lang)
    return t("agreements_page.left_many", lang, days=days)


def alert_text(alert: AgreementAlert, projects: dict[str, str], lang: str, era: bool = False) -> str:
    """An alert in a sentence: which agreement, of which project, what falls due on which day."""
    where = (
        f"{alert.project_code} {projects.get(alert.project_code, '')}".strip()
        if alert.project_code
        else t("agreements_page.where_none", lang)
    )
    return t(
        f"agreements_page.alert_{alert.what}",
        lang,
        kind=t(f"partnerships.kind.{alert.kind}", lang),
        code=alert.agreement_code,
        title=alert.title,
        where=where,
        day=_day(alert.on, lang, era),
        left=days_left_text(alert.days_left, lang),
    )


def flag_text(flag: PhaseFlag, projects: dict[str, str], lang: str) -> str:
    project = f"{flag.project_code} {projects.get(flag.project_code, '')}".strip()
    key = "agreements_page.flag" if flag.reason is None else "agreements_page.flag_reason"
    return t(key, lang, project=project, phase=t(f"phase.{flag.phase}", lang))
