"""`python -m kpi remind [--send] [--as-of DATE] [--json]`: the reminder digests (SPEC section 9).

Without --send it prints each digest it would send (To, Subject, body) and those skipped because
they were sent within reminder_repeat_days; nothing is sent or recorded. With --send it sends
through the [smtp] table of the secrets (kpi/operations/mailer.py) and prints how many were sent,
failed and skipped. Exit 0 when every digest was sent, 1 when one failed (said on stderr; the next
run tries it again), 2 for a usage error (no [smtp] configured, a date that cannot be read). The
command line acts as an administrator (kpi/commands/main.py operator()).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from kpi import clock, secrets
from kpi.access import Actor, Forbidden
from kpi.i18n import t

if TYPE_CHECKING:
    from kpi.operations.sending import ReminderRun
    from kpi.storage import Database

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
REMIND_COMMANDS = ("remind",)


def add_remind_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    remind = commands.add_parser(
        "remind", parents=[common], help="e-mail each partner contact one digest of what it owes"
    )
    remind.add_argument("--send", action="store_true", help="send (default: print what would be sent)")
    remind.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
    remind.add_argument("--json", action="store_true")


def run_remind_command(db: Database, args: argparse.Namespace, lang: str) -> int:
    from kpi.commands.main import _as_of  # (main imports this module: a late import, no cycle)
    from kpi.operations import mailer  # smtplib and the digests' pandas: this command only
    from kpi.operations.sending import MailNotConfigured, run_reminders

    as_of = _as_of(args.as_of, lang)  # None: the usage error is printed
    if as_of is None:
        return EXIT_USAGE
    operator = Actor.operator(clock.cli_actor())
    try:
        config = mailer.load_config() if args.send else None
        run = run_reminders(db, as_of, actor=operator, send=args.send, config=config, lang=lang)
    except mailer.MailConfigError as error:
        path = str(secrets.secrets_path())
        print(t("reminder_mail.config_invalid", lang, path=path, name=error.key), file=sys.stderr)
        return EXIT_USAGE
    except MailNotConfigured as error:
        print(error.message(lang), file=sys.stderr)
        return EXIT_USAGE
    except Forbidden as error:
        print(t("cli.usage_error", lang, message=error.message(lang)), file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(_record(run), ensure_ascii=False, indent=2, default=str))
    else:
        _print(run, lang)
    for digest, reason in run.failed:
        print(t("reminder_mail.cli_failed", lang, recipient=digest.recipient, error=reason), file=sys.stderr)
    return EXIT_FAILED if run.failed else EXIT_OK


def _record(run: ReminderRun) -> dict[str, Any]:
    from kpi.operations.digests import digest_records

    failed = {id(d): reason for d, reason in run.failed}
    sent = {id(d) for d in run.sent}
    digests = []
    for digest, record in zip(run.due, digest_records(run.due), strict=True):
        status = "would_send" if not run.sending else "sent" if id(digest) in sent else "failed"
        digests.append(record | {"status": status, "error": failed.get(id(digest), "")})
    return {
        "as_of": run.as_of.isoformat(),
        "sent_on": run.sent_on.isoformat(),
        "send": run.sending,
        "repeat_days": run.repeat_days,
        "counts": {"sent": len(run.sent), "failed": len(run.failed), "skipped": len(run.skipped)},
        "digests": digests,
        "skipped": [
            {"recipient": d.recipient, "organization_codes": list(d.organization_codes), "last_sent": day}
            for d, day in run.skipped
        ],
    }


def _print(run: ReminderRun, lang: str) -> None:
    if not run.sending:
        if not run.due and not run.skipped:
            print(t("reminder_mail.cli_none", lang, as_of=run.as_of.isoformat()))
        else:
            print(t("reminder_mail.cli_dry_run", lang, count=len(run.due)))
        for digest in run.due:
            print()
            print(t("reminder_mail.cli_to", lang, recipient=digest.recipient))
            print(t("reminder_mail.cli_subject", lang, subject=digest.subject))
            print()
            print(digest.body)
            print("-" * 72)
    for digest, day in run.skipped:
        print(
            t(
                "reminder_mail.cli_skipped",
                lang,
                day=day.isoformat(),
                days=run.repeat_days,
                recipient=digest.recipient,
            )
        )
    if run.sending:
        print(
            t(
                "reminder_mail.cli_counts",
                lang,
                sent=len(run.sent),
                failed=len(run.failed),
                skipped=len(run.skipped),
            )
        )
