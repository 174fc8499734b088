"""python -m kpi agreements import FILE / meetings import FILE / partners timeline ORG: argument
parsing and printing only; kpi.partnerships does the work (the same functions the pages call).

Imports exit as `import` does (SPEC section 5): 0 imported or (dry run) valid, 1 rejected (nothing
written, every error listed with its row and column), 2 a file that cannot be opened. The timeline
exits 2 for an organization that is not registered.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from kpi.storage import Database

PARTNERSHIP_COMMANDS = ("agreements", "meetings", "partners")


def add_partnership_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    for name, what in (
        ("agreements", "agreements (契約・協定)"),
        ("meetings", "meetings and reviews (会議)"),
    ):
        group = commands.add_parser(name, parents=[common], help=what)
        actions = group.add_subparsers(dest="partnership_command", required=True, parser_class=type(group))
        intake = actions.add_parser(
            "import", parents=[common], help=f"import {name} from a CSV or .xlsx file"
        )
        intake.add_argument("file", type=Path)
        intake.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        intake.add_argument("--json", action="store_true")
    partners = commands.add_parser("partners", parents=[common], help="organizations' relationships")
    actions = partners.add_subparsers(dest="partnership_command", required=True, parser_class=type(partners))
    timeline = actions.add_parser(
        "timeline", parents=[common], help="one organization's history with the others"
    )
    timeline.add_argument("organization", help="the organization's code")
    timeline.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
    timeline.add_argument("--json", action="store_true")


def run_partnership_command(db: Database, args: argparse.Namespace, lang: str) -> int:
    if args.command == "partners":
        return _timeline(db, args, lang)
    return _import(db, args, lang)


def _import(db: Database, args: argparse.Namespace, lang: str) -> int:
    from kpi import clock
    from kpi.commands.main import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, operator, print_errors
    from kpi.i18n import t
    from kpi.intake.service import ImportResult, layout_lines
    from kpi.partnerships.imports import import_agreements, import_meetings

    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(t("cli.usage_error", lang, message=f"{args.file}: {error.strerror or error}"), file=sys.stderr)
        return EXIT_USAGE
    if args.command == "agreements":
        result = import_agreements(
            db, data, args.file.name, actor=operator(), lang=lang, today=clock.today(), dry_run=args.dry_run
        )
    else:
        result = import_meetings(db, data, args.file.name, actor=operator(), lang=lang, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        records = t(f"partnerships_import.records_{args.command}", lang, records=result.records)
        values = {**result.as_dict(), "file": args.file.name, "records": records, "count": len(result.errors)}
        print(t(f"partnerships_import.{result.status}", lang, **values))
        read = ImportResult(result.status, header_row=result.header_row, skipped_rows=result.skipped_rows,
                            ignored_columns=result.ignored_columns)  # fmt: skip
        for line in layout_lines(read, lang):
            print(line)
        print_errors(result.errors, lang)
    return EXIT_REJECTED if result.status == "rejected" else EXIT_OK


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON objects: dates as YYYY-MM-DD, NaN and NaT as null, numbers as numbers."""
    from kpi.partnerships.agreements import records

    def plain(value: Any) -> Any:
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return [plain(v) for v in value] if isinstance(value, list) else value

    return [{k: plain(v) for k, v in row.items()} for row in records(frame)]


def _timeline(db: Database, args: argparse.Namespace, lang: str) -> int:
    from kpi.commands.main import EXIT_OK, EXIT_USAGE, _as_of, _pad, operator
    from kpi.i18n import t
    from kpi.intake.cells import code
    from kpi.partnerships.timeline import UnknownOrganization, event_label, organization_timeline

    as_of = _as_of(args.as_of, lang)
    if as_of is None:
        return EXIT_USAGE
    organization = code(args.organization)
    try:
        timeline = organization_timeline(db, organization, as_of, lang, actor=operator())
    except UnknownOrganization:
        message = t("intake.unknown_uploader", lang, code=organization)
        print(t("cli.usage_error", lang, message=message), file=sys.stderr)
        return EXIT_USAGE
    events, projects, collaborators = (_records(f) for f in (timeline.events, timeline.projects,
                                                             timeline.collaborators))  # fmt: skip
    if args.json:
        document = {"organization_code": timeline.organization_code, "name": timeline.name,
                    "as_of": as_of.isoformat(), "events": events, "projects": projects,
                    "collaborators": collaborators}  # fmt: skip
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(t("partnerships_import.timeline_header", lang, name=timeline.name, code=organization,
            as_of=as_of.isoformat()))  # fmt: skip
    project_lines = [
        t("partnerships_import.project_line", lang, code=p["project_code"], name=p["project_name"],
          role=p["role"], phase=t(f"phase.{p['phase']}", lang), start=p["start_date"] or "",
          end=p["end_date"] or "", status=t(f"status.{p['status']}", lang) if p["status"] else "-")
        for p in projects
    ]  # fmt: skip
    event_lines = [
        f"  {e['day']}  {_pad(event_label(e['kind'], lang), 18)} {e['project_code'] or '-':<6} {e['title']}"
        + (f" ({e['detail']})" if e["detail"] else "")
        for e in events
    ]
    collaborator_lines = [
        t("partnerships_import.collaborator_line", lang, name=c["name"], code=c["organization_code"],
          projects=c["projects"], meetings=c["meetings"])
        for c in collaborators[:10]
    ]  # fmt: skip
    for heading, lines in (("projects", project_lines), ("events", event_lines),
                           ("collaborators", collaborator_lines)):  # fmt: skip
        print(t(f"partnerships_import.timeline_{heading}", lang))
        print("\n".join(lines) if lines else t("partnerships_import.timeline_none", lang))
    return EXIT_OK
