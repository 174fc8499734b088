"""`python -m kpi purge-note VERSION_ID --reason TEXT` and `python -m kpi oversized-notes [--json]`.

The command line acts as an administrator (kpi/commands/main.py operator()); the work and the audit row are
kpi.purge's. Sizes are printed, never a note's text: it is what makes pages fail.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from kpi import clock
from kpi.access import Actor, Forbidden
from kpi.errors import Rejected
from kpi.formatting.numbers import format_number
from kpi.i18n import t

if TYPE_CHECKING:
    from kpi.storage import Database

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
PURGE_COMMANDS = ("purge-note", "oversized-notes")


def add_purge_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    purge = commands.add_parser(
        "purge-note", parents=[common], help="blank the note of one recorded value (administrators; audited)"
    )
    purge.add_argument("version_id", type=int, help="the version number (see oversized-notes)")
    purge.add_argument("--reason", required=True, help="why the note is purged (kept in the audit log)")
    listing = commands.add_parser(
        "oversized-notes", parents=[common], help="recorded values whose note is too long"
    )
    # No default here: kpi.admin.purge's NOTE_LIMIT would load pandas and DuckDB for every --help.
    listing.add_argument("--limit", type=int, help="characters (default: the longest note a form accepts)")
    listing.add_argument("--json", action="store_true")


def run_purge_command(db: Database, args: argparse.Namespace, lang: str) -> int:
    from kpi.admin.purge import NOTE_LIMIT, oversized_notes, purge_note  # pandas: these commands only

    operator = Actor.operator(clock.cli_actor())
    limit = NOTE_LIMIT if getattr(args, "limit", None) is None else args.limit
    try:
        if args.command == "purge-note":
            result = purge_note(db, args.version_id, reason=args.reason, actor=operator, lang=lang)
            chars = format_number(result.chars, lang)
            print(t("admin.purge_done", lang, version=result.version_id, chars=chars))
            return EXIT_OK
        frame = oversized_notes(db, actor=operator, limit=limit)
        if args.json:
            records = frame.assign(period_end=frame["period_end"].astype(str)).to_dict("records")
            print(json.dumps(records, ensure_ascii=False, indent=2, default=str))
        elif frame.empty:
            print(t("admin.purge_none", lang, limit=format_number(limit, lang)))
        else:
            for r in frame.to_dict("records"):
                key = (
                    f"{r['project_code']}/{r['kpi_code']}/{r['period_end']:%Y-%m-%d}/{r['organization_code']}"
                )
                print(f"{r['version_id']:>10}  {key}  {format_number(r['note_chars'], lang)}")
        return EXIT_OK
    except Rejected as error:
        for problem in error.errors:
            print(t("cli.usage_error", lang, message=problem.message), file=sys.stderr)
        return EXIT_REJECTED
    except Forbidden as error:
        print(t("cli.usage_error", lang, message=error.message(lang)), file=sys.stderr)
        return EXIT_USAGE
