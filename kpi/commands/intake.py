"""python -m kpi import / batches / rollback: printing only; kpi.intake.service does the work.

`import` checks the file first (a dry run) and lists kpi.soft_checks' warnings with the status
change each would cause; a real import with warnings needs --confirm-warnings, else it writes
nothing and exits EXIT_UNCONFIRMED (5). `--dry-run` lists the warnings and exits as before."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from kpi import clock
from kpi.commands.main import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, operator, print_errors
from kpi.i18n import t
from kpi.intake.service import ImportResult, ImportUsageError, import_file, layout_lines, rollback_import
from kpi.progress.soft_checks import SoftCheck, change_text, check_values
from kpi.storage import Database
from kpi.storage.batches import list_batches

# A valid file with soft checks (kpi/progress/soft_checks.py) not confirmed with --confirm-warnings: nothing
# written. Its own code, so that a script tells "look at these values" from "the file is wrong" (1).
EXIT_UNCONFIRMED = 5


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
    confirmed = bool(getattr(args, "confirm_warnings", False))
    try:
        check = import_file(
            db, data, file_name=args.file.name, organization_code=args.org, actor=operator(),
            lang=lang, today=clock.today(), dry_run=True, project_code=args.project,
        )  # fmt: skip
        warnings = _warnings(db, check, lang)
        if warnings and not confirmed and not args.dry_run:
            return _unconfirmed(check, warnings, args.json, lang)
        warnings = warnings if args.dry_run else []  # confirmed: the import's outcome alone
        result = check if args.dry_run or check.status != "valid" else import_file(
            db, data, file_name=args.file.name, organization_code=args.org, actor=operator(),
            lang=lang, today=clock.today(), project_code=args.project,
        )  # fmt: skip
    except ImportUsageError as usage:
        message = (t("intake.unknown_uploader", lang, code=args.org) if usage.project_code is None
                   else t("intake.unknown_project_choice", lang, code=usage.project_code))  # fmt: skip
        print(t("cli.usage_error", lang, message=message), file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        listed = {"warnings": [_warning_object(w) for w in warnings]} if warnings else {}
        print(json.dumps(result.as_dict() | listed, ensure_ascii=False, indent=2))
    else:
        print(t(f"intake.outcome.{result.status}", lang, **result.as_dict()))
        for line in layout_lines(result, lang):
            print(line)
        if result.status in ("imported", "valid"):
            print(t("intake.counts", lang, **result.as_dict()))
        print_errors(result.errors, lang)
        _print_warnings(warnings, lang, file=sys.stdout)
    return EXIT_REJECTED if result.status == "rejected" else EXIT_OK


def _warnings(db: Database, check: ImportResult, lang: str) -> list[SoftCheck]:
    """kpi.soft_checks on a valid file's rows (the command line acts as an administrator)."""
    if check.status != "valid" or check.checked is None:
        return []
    return check_values(db, check.checked, clock.today(), lang, operator())


def _warning_object(check: SoftCheck) -> dict[str, object]:
    return {"code": check.code, "row": check.row, "project_code": check.project_code,
            "kpi_code": check.kpi_code, "message": check.message, "status_before": check.status_before,
            "status_after": check.status_after, "achievement_before": check.achievement_before,
            "achievement_after": check.achievement_after}  # fmt: skip


def _print_warnings(warnings: list[SoftCheck], lang: str, *, file: TextIO) -> None:
    for check in warnings:
        message = (
            t("softcheck.row", lang, row=check.row, message=check.message) if check.row else check.message
        )
        print(t("intake.warning_line", lang, message=message, change=change_text(check, lang)), file=file)


def _unconfirmed(check: ImportResult, warnings: list[SoftCheck], as_json: bool, lang: str) -> int:
    """Warnings not confirmed: nothing written, each warning listed, exit EXIT_UNCONFIRMED."""
    if as_json:
        body = check.as_dict() | {"status": "unconfirmed", "warnings": [_warning_object(w) for w in warnings]}
        print(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        _print_warnings(warnings, lang, file=sys.stdout)
    print(t("intake.unconfirmed", lang, count=len(warnings)), file=sys.stderr)
    return EXIT_UNCONFIRMED


def _batches(db: Database, args: argparse.Namespace, lang: str) -> int:
    with db.cursor() as cursor:
        frame = list_batches(cursor, args.org)
    if args.json:
        print(frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=2))
        return EXIT_OK
    for b in frame.to_dict("records"):
        state = t("intake.rolled_back_mark", lang) if b["rolled_back_by"] else ""
        if b.get("kind") == "expenditures":  # funding's expenditure files share the batch list
            state = f"{t('funding_intake.kind_mark', lang)} {state}".rstrip()
        print(f"#{b['batch_id']:<5} {b['uploaded_at']:%Y-%m-%d %H:%M} {b['organization_code']:<14} "
              f"{b['file_name']}  +{b['inserted']} ~{b['updated']} ={b['unchanged']} {state}")  # fmt: skip
    return EXIT_OK
