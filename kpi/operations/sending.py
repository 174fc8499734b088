"""Sending the reminder digests (SPEC section 9): `python -m kpi remind --send` and the reminders
page's "send now" (administrators).

A contact sent a digest (status `sent`) on a day later than today − reminder_repeat_days is skipped,
so a weekly run with the default 7 days sends once a week and a second run the same day sends
nothing. Every attempt is recorded in reminder_sends with its audit row; a failed one (the server
refused or could not be reached, the reason kept) does not count as sent, so the next run tries
again. Without `send` nothing is sent or recorded: the run says what would be sent.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from kpi import clock, secrets
from kpi.access import Actor, Role, require_role
from kpi.i18n import t
from kpi.operations import mailer
from kpi.operations.digests import Digest, build_digests
from kpi.storage import Database
from kpi.storage import reminder_log as store
from kpi.storage.audit import write_audit

LOG_COLUMNS = [
    "attempted_at",
    "recipient",
    "organizations",
    "language",
    "subject",
    "items",
    "status",
    "error",
]


class MailNotConfigured(RuntimeError):
    """--send / "send now" without an [smtp] table in the secrets."""

    def message(self, lang: str) -> str:
        return t("reminder_mail.not_configured", lang, path=str(secrets.secrets_path()))


@dataclass
class ReminderRun:
    as_of: date
    sent_on: date  # today, as the product sees it
    repeat_days: int
    sending: bool  # False: a dry run (nothing sent or recorded)
    due: list[Digest] = field(default_factory=list)  # not sent within repeat_days: sent (or tried) now
    skipped: list[tuple[Digest, date]] = field(default_factory=list)  # with the day it was last sent
    sent: list[Digest] = field(default_factory=list)
    failed: list[tuple[Digest, str]] = field(default_factory=list)  # with the reason


def _require_admin(actor: Actor) -> None:
    require_role(actor, Role.ADMINISTRATOR)


def run_reminders(
    db: Database,
    as_of: date,
    *,
    actor: Actor,
    send: bool,
    config: mailer.SmtpConfig | None = None,
    lang: str = "ja",
    url: str | None = None,
) -> ReminderRun:
    """Build the digests for `as_of`, leave out those sent within reminder_repeat_days and, with
    `send`, send the rest through `config` one by one, recording each attempt as it ends.
    Administrators. MailNotConfigured when `send` and no config."""
    require_role(actor, Role.ADMINISTRATOR)
    if send and config is None:
        raise MailNotConfigured
    today = clock.today()
    with db.cursor() as cursor:
        days = store.repeat_days(cursor)
        recent = store.recently_sent(cursor, today - timedelta(days=days))
    run = ReminderRun(as_of=as_of, sent_on=today, repeat_days=days, sending=send)
    for digest in build_digests(db, as_of, actor=actor, url=url):
        last = recent.get(digest.recipient.lower())
        if last is None:
            run.due.append(digest)
        else:
            run.skipped.append((digest, last))
    if not send or config is None:
        return run
    for digest in run.due:
        message = mailer.build_message(digest.recipient, digest.subject, digest.body, config)
        try:
            mailer.send(message, config)
        except (smtplib.SMTPException, OSError) as error:  # refused, or no server there: tried again next run
            reason = mailer.failure_text(error)
            run.failed.append((digest, reason))
            _record(db, digest, run, actor=actor, status="failed", error=reason)
        else:
            run.sent.append(digest)
            _record(db, digest, run, actor=actor, status="sent", error="")
    return run


def _record(db: Database, digest: Digest, run: ReminderRun, *, actor: Actor, status: str, error: str) -> None:
    now = datetime.now()
    with db.transaction() as cursor:
        send_id = store.record_send(
            cursor,
            attempted_at=now,
            sent_on=run.sent_on,
            as_of=run.as_of,
            recipient=digest.recipient,
            organization_codes=digest.organization_codes,
            language=digest.language,
            subject=digest.subject,
            body=digest.body,
            items=len(digest.items),
            status=status,
            error=error,
            actor=actor.username,
        )
        write_audit(
            cursor,
            actor=actor.username,
            action="create",
            entity="reminder_sends",
            entity_key=str(send_id),
            after={
                "recipient": digest.recipient,
                "organization_codes": list(digest.organization_codes),
                "subject": digest.subject,
                "items": len(digest.items),
                "as_of": run.as_of,
                "status": status,
                "error": error,
            },
            at=now,
        )


def reminder_repeat_days(db: Database) -> int:
    """The setting reminder_repeat_days: a contact sent a digest gets no other for so many days."""
    with db.cursor() as cursor:
        return store.repeat_days(cursor)


def sent_log(db: Database, *, actor: Actor, limit: int = 200) -> pd.DataFrame:
    """The latest attempts, newest first, for the reminders page (administrators). Columns LOG_COLUMNS."""
    require_role(actor, Role.ADMINISTRATOR)
    with db.cursor() as cursor:
        log = store.send_log(cursor, limit)
    organizations = [", ".join(codes) for codes in log["organization_codes"]]
    return log.assign(organizations=pd.Series(organizations, index=log.index, dtype=object))[LOG_COLUMNS]
