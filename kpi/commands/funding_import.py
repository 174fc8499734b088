"""python -m kpi funding import FILE --org ORG [--dry-run] [--json]: printing only;
kpi.funding.expenditure_intake does the work. Output and exit codes as `import` (SPEC section 5):
0 imported, duplicate or (dry run) valid; 1 rejected; 2 an unknown organization or an unreadable file."""

from __future__ import annotations

import argparse
import json
import sys

from kpi import clock
from kpi.commands.main import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, operator, print_errors
from kpi.funding.expenditure_intake import import_expenditures
from kpi.i18n import t
from kpi.intake.service import ImportUsageError, layout_lines
from kpi.storage import Database


def run_funding_import(db: Database, args: argparse.Namespace, lang: str) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(t("cli.usage_error", lang, message=f"{args.file}: {error.strerror or error}"), file=sys.stderr)
        return EXIT_USAGE
    try:
        result = import_expenditures(
            db,
            data,
            file_name=args.file.name,
            organization_code=args.org,
            actor=operator(),
            lang=lang,
            today=clock.today(),
            dry_run=args.dry_run,
        )
    except ImportUsageError:
        print(
            t("cli.usage_error", lang, message=t("intake.unknown_uploader", lang, code=args.org)),
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(t(f"intake.outcome.{result.status}", lang, **result.as_dict()))
        for line in layout_lines(result, lang):
            print(line)
        if result.status in ("imported", "valid"):
            print(t("intake.counts", lang, **result.as_dict()))
        print_errors(result.errors, lang)
    return EXIT_REJECTED if result.status == "rejected" else EXIT_OK
