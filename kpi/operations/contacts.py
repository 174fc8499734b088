"""Who receives a reminder digest (SPEC section 9) and the contact address an organization keeps.

A contact is an e-mail address. Each organization's own contact address (its language, else
Japanese) and the address of each active lead or partner account of the organization (the
account's language, else Japanese) are contacts of that organization. Addresses are compared
without regard to case: an address serving two organizations is one contact for both, and gets
one digest. Its language is that of the first place it was found, an organization's own address
before an account's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from kpi.access import Actor, Forbidden, Role, require_role
from kpi.errors import Rejected, ValidationError
from kpi.i18n import LANGUAGES, t
from kpi.storage import Database
from kpi.storage import contacts as store
from kpi.storage.audit import write_audit

MAX_ADDRESS = 254  # RFC 5321's limit on a path
_LOCAL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+")
_DOMAIN = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


@dataclass(frozen=True)
class Contact:
    address: str  # as first written
    language: str
    organization_codes: tuple[str, ...]


def address_problem(text: str) -> str | None:
    """Why `text` is not an address a reminder can go to (a catalog key under contacts.), or None.
    A plain syntax check: one @, something before it, a dotted domain after it, no spaces."""
    if any(ch.isspace() for ch in text):
        return "address_space"
    if len(text) > MAX_ADDRESS:
        return "address_long"
    if text.count("@") != 1:
        return "address_at"
    local, domain = text.split("@")
    if not local or not _LOCAL.fullmatch(local) or local.startswith(".") or ".." in local:
        return "address_local"
    if "." not in domain or not _DOMAIN.fullmatch(domain):
        return "address_domain"
    return None


def normalize_language(value: object) -> str | None:
    """'ja' / 'en', also 日本語 / 英語 / Japanese / English in any case; None for a blank; else ValueError."""
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return None
    names = {
        "ja": "ja",
        "jp": "ja",
        "日本語": "ja",
        "japanese": "ja",
        "en": "en",
        "英語": "en",
        "english": "en",
    }
    if text not in names:
        raise ValueError(text)
    return names[text]


def reminder_contacts(db: Database, *, actor: Actor) -> list[Contact]:
    """Every contact, in the order found (organizations' own addresses first). Administrators."""
    require_role(actor, Role.ADMINISTRATOR)
    with db.cursor() as cursor:
        rows = store.reminder_contacts(cursor).to_dict("records")
    found: dict[str, tuple[str, str, list[str]]] = {}
    for row in rows:
        key = str(row["email"]).lower()
        language = row["language"] if row["language"] in LANGUAGES else "ja"
        _, _, codes = found.setdefault(key, (str(row["email"]), language, []))
        if row["organization_code"] not in codes:
            codes.append(str(row["organization_code"]))
    return [Contact(address, lang, tuple(sorted(codes))) for address, lang, codes in found.values()]


def _may_edit(actor: Actor, organization_code: str) -> None:
    if actor.is_admin:
        return
    if actor.role not in (Role.LEAD, Role.PARTNER):
        raise Forbidden("role", role=actor.role.value)
    if actor.organization_code != organization_code:
        raise Forbidden("other_organization", organization=organization_code)


def organization_contact(db: Database, organization_code: str, *, actor: Actor) -> tuple[str, str]:
    """(address or "", language) an organization's reminders go to, for its form: administrators,
    and a lead or partner for its own organization."""
    _may_edit(actor, organization_code)
    with db.cursor() as cursor:
        found = store.organization_contact(cursor, organization_code)
    if found is None:
        return "", "ja"
    return found[0] or "", found[1] or "ja"


def save_organization_contact(
    db: Database,
    organization_code: str,
    email: str,
    language: str,
    *,
    actor: Actor,
    lang: str,
    now: datetime | None = None,
) -> tuple[str | None, str | None]:
    """Set (or, with an empty address, clear) where an organization's reminders go and in which
    language: administrators, and a lead or partner for its own organization. Audited. Returns
    what was stored; Rejected (the reason in `lang`) for an address that cannot be one."""
    _may_edit(actor, organization_code)
    address = (email or "").strip()
    if address:
        problem = address_problem(address)
        if problem is not None:
            message = t(f"contacts.{problem}", lang, address=address)
            raise Rejected([ValidationError(problem, message, None, "contact_email")])
    if language not in LANGUAGES:
        message = t("contacts.language_unknown", lang, value=language)
        raise Rejected([ValidationError("invalid_value", message, None, "contact_language")])
    stored = (address or None, language if address else None)
    with db.transaction() as cursor:
        before = store.organization_contact(cursor, organization_code)
        if before is None:
            message = t("contacts.unknown_organization", lang, code=organization_code)
            raise Rejected([ValidationError("unknown_organization", message, None, "organization_code")])
        if tuple(before) != stored:
            store.set_organization_contact(cursor, organization_code, *stored)
            write_audit(
                cursor,
                actor=actor.username,
                action="update",
                entity="organizations",
                entity_key=organization_code,
                before={"contact_email": before[0], "contact_language": before[1]},
                after={"contact_email": stored[0], "contact_language": stored[1]},
                at=now,
            )
    return stored
