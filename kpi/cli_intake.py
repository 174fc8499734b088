"""python -m kpi import / batches / rollback: printing only; kpi.intake.service does the work."""

from __future__ import annotations

import argparse
import json
import sys

from kpi import clock
from kpi.cli import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, operator, print_errors
from kpi.i18n import t
from kpi.intake.service import ImportUsageError, import_file, layout_lines, rollback_import
from kpi.storage import Database
from kpi.storage.batches import list_batches


def run_intake_command(db: Database, args: argparse.Namespace, lang: str) -> int:
    if args.command == "import":
        return _import(db, args, lang)
    if args.command == "batches":
        return _batches(db, args, lang)
    try:
        counts = rollback_import(db, args.batch_id, actor=operator())
    except ImportUsageError:
        print(t("cli.usage_error", lang, message=t("intake.unknown_batch", lang, batch=args.batch_id)),
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    print(
        t("intake.rolled_back", lang, batch=args.batch_id, restored=counts.restored, skipped=counts.skipped)
    )
    return EXIT_OK


def _import(db: Database, args: argparse.Namespace, lang: str) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(t("cli.usage_error", lang, message=f"{args.file}: {error.strerror or error}"), file=sys.stderr)
        return EXIT_USAGE
    try:
        result = import_file(
            db, data, file_name=args.file.name, organization_code=args.org, actor=operator(),
            lang=lang, today=clock.today(), dry_run=args.dry_run, project_code=args.project,
        )  # fmt: skip
    except ImportUsageError as usage:
        message = (t("intake.unknown_uploader", lang, code=args.org) if usage.project_code is None
                   else t("intake.unknown_project_choice", lang, code=usage.project_code))  # fmt: skip
        print(t("cli.usage_error", lang, message=message), file=sys.stderr)
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


def _batches(db: Database, args: argparse.Namespace, lang: str) -> int:
    with db.cursor() as cursor:
        frame = list_batches(cursor, args.org)
    if args.json:
        print(frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=2))
        return EXIT_OK
    for b in frame.to_dict("records"):
        state = t("intake.rolled_back_mark", lang) if b["rolled_back_by"] else ""
        print(f"#{b['batch_id']:<5} {b['uploaded_at']:%Y-%m-%d %H:%M} {b['organization_code']:<14} "
              f"{b['file_name']}  +{b['inserted']} ~{b['updated']} ={b['unchanged']} {state}")  # fmt: skip
    return EXIT_OK
