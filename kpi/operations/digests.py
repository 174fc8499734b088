"""Reminder digests (SPEC section 9): for each contact (kpi/operations/contacts.py), in its language,
one e-mail of everything its organizations owe on a date, helpful in tone.

What is owed is what the reminders page shows, from the same functions: KPI reports overdue by the
KPI's frequency (kpi/portfolio/freshness.py: the period owed and its deadline), reports to funders
late or due soon (kpi/funding/duties.py) and meetings' action items late or due soon
(kpi/partnerships/reminders.py). A contact whose organizations owe nothing gets no digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kpi.access import Actor, Role, require_role
from kpi.formatting.numbers import format_date, format_number
from kpi.funding.duties import owed_reports
from kpi.i18n import t
from kpi.operations.contacts import Contact, reminder_contacts
from kpi.operations.mailer import app_url
from kpi.partnerships.reminders import open_action_items
from kpi.portfolio.freshness import freshness_frame
from kpi.registry.edits import organization_names
from kpi.storage import Database
from kpi.storage.registry import read_table

KINDS = ("kpi_report", "funder_report", "action_item")  # the digest's sections, in this order


@dataclass(frozen=True)
class DigestItem:
    kind: str  # one of KINDS
    organization_code: str
    project_code: str
    due_on: date  # the deadline
    text: str  # the item's line(s) in the digest's language


@dataclass(frozen=True)
class Digest:
    recipient: str
    organization_codes: tuple[str, ...]
    language: str
    subject: str
    body: str
    items: tuple[DigestItem, ...]


def _when(days_late: int, lang: str) -> str:
    if days_late in (1, -1):
        return t("reminder_mail.when_late_one" if days_late == 1 else "reminder_mail.when_due_one", lang)
    if days_late > 0:
        return t("reminder_mail.when_late", lang, days=format_number(days_late, lang))
    if days_late == 0:
        return t("reminder_mail.when_today", lang)
    return t("reminder_mail.when_due", lang, days=format_number(-days_late, lang))


class _Owed:
    """What every organization owes on `as_of`, read once per language."""

    def __init__(self, db: Database, as_of: date, actor: Actor) -> None:
        self.db, self.as_of, self.actor = db, as_of, actor
        self._items: dict[str, dict[str, list[DigestItem]]] = {}

    def items(self, organization_code: str, lang: str) -> list[DigestItem]:
        if lang not in self._items:
            self._items[lang] = self._read(lang)
        return self._items[lang].get(organization_code, [])

    def _read(self, lang: str) -> dict[str, list[DigestItem]]:
        found: dict[str, list[DigestItem]] = {}

        def add(kind: str, organization: str, project: str, due: date, text: str) -> None:
            found.setdefault(organization, []).append(DigestItem(kind, organization, project, due, text))

        frame = freshness_frame(self.db, self.as_of, lang, actor=self.actor)
        for row in frame[frame["overdue"]].to_dict("records"):
            text = t(
                "reminder_mail.kpi_item",
                lang,
                project=row["project_code"],
                name=row["project_name"],
                period=row["owed_label"],
                deadline=format_date(row["owed_deadline"], lang),
            )
            if row["kpis"]:
                text += "\n" + t("reminder_mail.kpi_names", lang, kpis=row["kpis"])
            add("kpi_report", row["organization_code"], row["project_code"], row["owed_deadline"], text)
        for row in owed_reports(self.db, self.as_of, lang, actor=self.actor).to_dict("records"):
            text = t(
                "reminder_mail.duty_item",
                lang,
                kind=row["kind"],
                award=row["award_number"],
                project=row["project_code"],
                name=row["project_name"],
                due=format_date(row["due_on"], lang),
                when=_when((self.as_of - row["due_on"]).days, lang),
            )
            add("funder_report", row["owner"], row["project_code"], row["due_on"], text)
        for row in open_action_items(self.db, self.as_of, lang, actor=self.actor).to_dict("records"):
            text = t(
                "reminder_mail.action_item",
                lang,
                description=" ".join(str(row["description"]).split()),  # one line, whatever was typed
                project=row["project_code"],
                name=row["project_name"],
                kind=row["kind"],
                held=format_date(row["held_on"], lang),
                due=format_date(row["due_on"], lang),
                when=_when((self.as_of - row["due_on"]).days, lang),
            )
            add("action_item", row["owner"], row["project_code"], row["due_on"], text)
        return found


def build_digests(db: Database, as_of: date, *, actor: Actor, url: str | None = None) -> list[Digest]:
    """One digest per contact whose organizations owe something on `as_of`, in the contact's
    language, in the order contacts are found. Administrators. `url`: the dashboard's address
    (default: secrets' [app] url)."""
    require_role(actor, Role.ADMINISTRATOR)
    base = (url or app_url()).rstrip("/")
    owed = _Owed(db, as_of, actor)
    with db.cursor() as cursor:
        organizations = read_table(cursor, "organizations")
    names = {lang: organization_names(organizations, lang) for lang in ("ja", "en")}
    digests = []
    for contact in reminder_contacts(db, actor=actor):
        digest = _digest(contact, owed, as_of, base, names[contact.language])
        if digest is not None:
            digests.append(digest)
    return digests


def _digest(contact: Contact, owed: _Owed, as_of: date, url: str, names: dict[str, str]) -> Digest | None:
    lang = contact.language
    per_organization = {code: owed.items(code, lang) for code in contact.organization_codes}
    items = tuple(item for code in contact.organization_codes for item in per_organization[code])
    if not items:
        return None
    owing = [code for code in contact.organization_codes if per_organization[code]]
    lines: list[str] = []
    for code in owing:
        if len(owing) > 1:
            lines += [t("reminder_mail.organization_heading", lang, organization=names.get(code, code)), ""]
        for kind in KINDS:
            mine = [item for item in per_organization[code] if item.kind == kind]
            if mine:
                lines += [t(f"reminder_mail.section_{kind}", lang), *(item.text for item in mine), ""]
    kinds = {item.kind for item in items}
    guidance = [t("reminder_mail.upload", lang, url=f"{url}/upload")] if "kpi_report" in kinds else []
    if "funder_report" in kinds:
        guidance.append(t("reminder_mail.funder", lang, url=f"{url}/awards"))
    if "action_item" in kinds:
        guidance.append(t("reminder_mail.actions", lang, url=f"{url}/meetings"))
    count = len(items)
    body = t(
        "reminder_mail.body",
        lang,
        organizations=t("reminder_mail.name_separator", lang).join(names.get(code, code) for code in owing),
        as_of=format_date(as_of, lang),
        count=format_number(count, lang),
        items="\n".join(lines).rstrip(),
        guidance="\n\n".join(guidance),
    )
    subject = t("reminder_mail.subject_one" if count == 1 else "reminder_mail.subject", lang, count=count)
    return Digest(contact.address, contact.organization_codes, lang, subject, body, items)


def digest_records(digests: list[Digest]) -> list[dict[str, Any]]:
    """The digests as plain records (the command line's --json)."""
    return [
        {
            "recipient": d.recipient,
            "organization_codes": list(d.organization_codes),
            "language": d.language,
            "subject": d.subject,
            "items": len(d.items),
            "body": d.body,
        }
        for d in digests
    ]
