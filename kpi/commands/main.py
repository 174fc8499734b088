"""python -m kpi: argument parsing and printing only; the work is done by kpi's core functions.

Exit codes: 0 done, 1 input rejected, 2 usage error or unreadable input (a missing database
included), 3 database busy, 4 failed for a reason that is not the input: the disk holding the database
is full, the database file is damaged, or an internal error (its message gives an incident id that
finds the traceback in `<database>.log`, see kpi/incidents.py); 130 interrupted (Ctrl-C).
No command prints a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only what builds the parser is imported here: `--help` loads no DuckDB, pandas, argon2 or plotly.
# Each command imports its own work inside the function that runs it (tests/test_cli_startup.py).
from kpi import clock
from kpi.commands.funding import FUNDING_COMMANDS, add_funding_parsers, run_funding_command
from kpi.commands.operations import (
    BACKUP_COMMANDS,
    RESTORE_COMMANDS,
    add_backup_parsers,
    run_backup_command,
)
from kpi.commands.partnerships import PARTNERSHIP_COMMANDS, add_partnership_parsers, run_partnership_command
from kpi.commands.purge import PURGE_COMMANDS, add_purge_parsers, run_purge_command
from kpi.commands.remind import REMIND_COMMANDS, add_remind_parsers, run_remind_command
from kpi.commands.reports import REPORT_COMMANDS, add_report_parsers, run_report_command
from kpi.commands.transfer import TRANSFER_COMMANDS, add_transfer_parsers, run_transfer_command
from kpi.commands.users import add_user_parsers, run_user_command
from kpi.i18n import cli_language, t

if TYPE_CHECKING:
    import pandas as pd

    from kpi.access import Actor
    from kpi.errors import ValidationError
    from kpi.storage import Database

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_BUSY, EXIT_FAILED = 0, 1, 2, 3, 4


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own exit code for usage is 2, as ours
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--db", help="database file (default: $KPI_DB or data/kpi.duckdb)")
    common.add_argument("--lang", choices=["ja", "en"], help="message language (default: $KPI_LANG)")
    parser = _Parser(prog="python -m kpi", description="産学官連携 KPI dashboard: command line")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    init = commands.add_parser("init", parents=[common], help="create or migrate the database")
    init.add_argument("--demo", action="store_true", help="load the sample portfolio")

    setup = commands.add_parser("setup", parents=[common], help="load a registry from CSV files")
    setup.add_argument("directory", type=Path)
    setup.add_argument("--json", action="store_true")

    intake = commands.add_parser("import", parents=[common], help="import a partner's CSV or .xlsx file")
    intake.add_argument("file", type=Path)
    intake.add_argument("--org", required=True, help="the uploading organization's code")
    intake.add_argument("--project", help="the project a file without a project column is for (a year table)")
    intake.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    intake.add_argument("--confirm-warnings", action="store_true", help="import even when soft checks warn")
    intake.add_argument("--json", action="store_true")

    batches = commands.add_parser("batches", parents=[common], help="list import batches")
    batches.add_argument("--org", help="only this organization's batches")
    batches.add_argument("--json", action="store_true")

    rollback = commands.add_parser("rollback", parents=[common], help="roll back an import batch")
    rollback.add_argument("batch_id", type=int)

    status = commands.add_parser("status", parents=[common], help="status of every project x KPI")
    status.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
    status.add_argument("--project", help="one project code")
    status.add_argument("--json", action="store_true")
    check = commands.add_parser(
        "check", parents=[common], help="read every table once: finds a damaged file (DuckDB's checksums)"
    )
    check.add_argument("--json", action="store_true")
    years = commands.add_parser("years", parents=[common], help="the year view (効果検証): KPI x 年度")
    years.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
    years.add_argument("--project", help="one project code")
    years.add_argument("--json", action="store_true")
    add_report_parsers(commands, common)
    add_user_parsers(commands, common)
    add_purge_parsers(commands, common)
    add_funding_parsers(commands, common)
    add_partnership_parsers(commands, common)
    add_backup_parsers(commands, common)
    add_remind_parsers(commands, common)
    add_transfer_parsers(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from kpi.storage import Database, DatabaseBusy, DatabaseMissing  # DuckDB: past --help only
    from kpi.storage.connection import database_path

    lang = cli_language(args.lang)
    db = Database(database_path(args.db))
    try:
        code = _run(db, args, lang)
        db.close()  # inside the try: closing writes the checkpoint, which a full disk can refuse
        return code
    except DatabaseMissing:
        print(t("app.no_database", lang, path=db.path), file=sys.stderr)
        return EXIT_USAGE
    except DatabaseBusy as busy:
        from kpi import incidents  # (DuckDB: past --help)

        print(incidents.busy_message(busy, lang), file=sys.stderr)
        return EXIT_BUSY
    except BrokenPipeError:
        raise  # the reader went away (`| head`): kpi/__main__.py ends quietly
    except Exception as error:  # anything else: a plain message and exit 4, never a traceback
        return _failed(error, db, args, lang)
    finally:
        with contextlib.suppress(Exception):  # after a failure, closing again must not add a traceback
            db.close()


def _run(db: Database, args: argparse.Namespace, lang: str) -> int:
    if args.command == "init":
        return _init(db, args.demo, lang)
    if args.command in RESTORE_COMMANDS:  # before ensure_ready: the file may be missing or damaged
        return run_backup_command(db, args, lang)
    if args.command in TRANSFER_COMMANDS:  # before ensure_ready: the source is copied as it is
        return run_transfer_command(db, args, lang)
    db.ensure_ready()  # never creates: only init makes a database file
    if args.command == "setup":
        return _setup(db, args.directory, args.json, lang)
    if args.command in ("import", "batches", "rollback"):
        from kpi.commands.intake import run_intake_command

        return run_intake_command(db, args, lang)
    if args.command == "user":
        return run_user_command(db, args, lang)
    if args.command in FUNDING_COMMANDS:
        return run_funding_command(db, args, lang)
    if args.command in PARTNERSHIP_COMMANDS:
        return run_partnership_command(db, args, lang)
    if args.command in BACKUP_COMMANDS:
        return run_backup_command(db, args, lang)
    if args.command in PURGE_COMMANDS:
        return run_purge_command(db, args, lang)
    if args.command in REPORT_COMMANDS:
        return run_report_command(db, args, lang)
    if args.command in REMIND_COMMANDS:
        return run_remind_command(db, args, lang)
    if args.command == "years":
        return _years(db, args, lang)
    if args.command == "check":
        return _check(db, args.json, lang)
    return _status(db, args, lang)


def _failed(error: Exception, db: Database, args: argparse.Namespace, lang: str) -> int:
    """Disk full, a damaged file or an internal error: said plainly; the traceback, under an incident
    id, goes to the log file beside the database (stderr is for the user)."""
    from kpi import incidents

    log = incidents.log_to(db.path, console_traceback=False)
    where = " ".join(["python -m kpi", args.command, getattr(args, "user_command", None) or ""]).strip()
    failure = incidents.describe(error, lang, where=where)
    if failure.kind == incidents.BUSY:  # raised from inside another error: still "busy"
        print(failure.message, file=sys.stderr)
        return EXIT_BUSY
    if failure.kind in (incidents.MISSING, incidents.NEWER):
        print(failure.message, file=sys.stderr)
        return EXIT_USAGE
    if failure.incident is not None and log is not None:
        print(t("cli.internal_error", lang, incident=failure.incident, log=log), file=sys.stderr)
    else:
        print(t("cli.usage_error", lang, message=failure.message), file=sys.stderr)
    return EXIT_FAILED


def operator() -> Actor:
    """The command line acts as an administrator named $KPI_USER (else the OS user): whoever can
    write the database file can change anything in it, so roles guard the dashboard's users."""
    from kpi.access import Actor

    return Actor.operator(clock.cli_actor())


def _check(db: Database, as_json: bool, lang: str) -> int:
    """A damaged block raises DuckDB's error: main() says "damaged" and how to restore (exit 4)."""
    from kpi.admin.file_check import check_file
    from kpi.formatting.numbers import format_number

    found = check_file(db)
    if as_json:
        print(json.dumps({"status": "ok", "schema_version": found.schema_version, "rows": found.rows}))
    else:
        tables, rows = format_number(len(found.rows), lang), format_number(found.total_rows, lang)
        print(t("cli.check_ok", lang, path=db.path, version=found.schema_version, tables=tables, rows=rows))
    return EXIT_OK


def _init(db: Database, demo: bool, lang: str) -> int:
    applied = db.migrate()  # the one command that may create the database file
    print(t("cli.initialized", lang, path=db.path, applied=", ".join(applied) or "-"))
    if demo:
        from kpi.demo.load import load_demo  # the demo generator is only needed here

        loaded = load_demo(db, clock.today(), actor=operator())
        if loaded is None:
            print(t("cli.demo_refused", lang, path=db.path), file=sys.stderr)
            return EXIT_OK
        print(t("cli.demo_loaded", lang, **loaded))
    return EXIT_OK


def print_errors(errors: list[ValidationError], lang: str) -> None:
    for error in errors:
        where = f"{error.file}: " if error.file else ""
        if error.row is None:
            print(t("cli.error_file", lang, file=where, code=error.code, message=error.message))
        else:
            print(
                t(
                    "cli.error_line",
                    lang,
                    file=where,
                    row=error.row,
                    column=error.column,
                    code=error.code,
                    message=error.message,
                )
            )


def _setup(db: Database, directory: Path, as_json: bool, lang: str) -> int:
    from kpi.registry.setup import SetupUsageError, setup_registry

    try:
        result = setup_registry(db, directory, actor=operator(), lang=lang)
    except SetupUsageError as error:
        print(t("cli.usage_error", lang, message=str(error)), file=sys.stderr)
        return EXIT_USAGE
    return print_setup(result, as_json, lang, loaded="cli.setup_loaded", rejected="cli.setup_rejected")


def print_setup(result: Any, as_json: bool, lang: str, *, loaded: str, rejected: str) -> int:
    """A setup's outcome (the registry's or funding's): its JSON, or the errors, or the counts per table."""
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    elif result.status == "rejected":
        print(t(rejected, lang, count=len(result.errors)))
        print_errors(result.errors, lang)
    else:
        print(t(loaded, lang))
        for table, counts in result.counts.items():
            print(t("cli.setup_counts", lang, table=table, **counts))
    return EXIT_REJECTED if result.status == "rejected" else EXIT_OK


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where East Asian wide characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def _as_of(text: str | None, lang: str) -> date | None:
    """--as-of as typed (2026-03-31, 2026/3/31, 令和8年3月31日 …); None after printing a usage error."""
    if not text:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        from kpi.values import parse_date

        parsed = None
        with contextlib.suppress(ValueError):
            parsed = parse_date(text)
        if parsed is None:
            print(t("cli.usage_error", lang, message=f"--as-of {text}"), file=sys.stderr)
        return parsed


def _number(value: float | None, lang: str) -> str:
    """Separators, never scientific notation: 48,436,000,000 and 237,908.2."""
    from kpi.formatting.numbers import format_number

    if value is None:
        return ""
    return format_number(value, lang, digits=0 if float(value).is_integer() else None)


def _printed_as_json_or_empty(records: list[dict[str, Any]], as_json: bool, lang: str) -> bool:
    """--json prints the records; no records prints that there are none. True when done."""
    if as_json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
    elif not records:
        print(t("cli.no_rows", lang))
    return as_json or not records


def portfolio_status(db: Database, as_of: date, project_code: str | None = None) -> pd.DataFrame:
    """kpi.portfolio.status's, imported when the status command runs (it brings pandas); a name of this
    module, so that tests/test_cli_failures.py can make the status command fail."""
    from kpi.portfolio import status

    return status.portfolio_status(db, as_of, project_code)


def _status(db: Database, args: argparse.Namespace, lang: str) -> int:
    from kpi.formatting.numbers import format_percent
    from kpi.portfolio.status import status_records

    as_of = _as_of(args.as_of, lang)
    if as_of is None:
        return EXIT_USAGE
    records = status_records(portfolio_status(db, as_of, project_code=args.project))
    if _printed_as_json_or_empty(records, args.json, lang):
        return EXIT_OK
    print(t("cli.status_header", lang, as_of=as_of.isoformat()))
    for r in records:
        progress = "" if r["plan_progress"] is None else format_percent(r["plan_progress"], lang)
        value = _number(r["value"], lang)
        status_label = _pad(t(f"status.{r['status']}", lang), 10)
        print(f"{r['project_code']:<10} {r['kpi_code']:<24} {status_label} {value:>16} {progress:>6}")
    return EXIT_OK


def _years(db: Database, args: argparse.Namespace, lang: str) -> int:
    from kpi.fiscal import fiscal_year_label
    from kpi.formatting.numbers import format_percent
    from kpi.grades import grade_label
    from kpi.portfolio.status import portfolio_years, read_db_settings, year_records

    as_of = _as_of(args.as_of, lang)
    if as_of is None:
        return EXIT_USAGE
    records = year_records(portfolio_years(db, as_of, project_code=args.project))
    if _printed_as_json_or_empty(records, args.json, lang):
        return EXIT_OK
    settings = read_db_settings(db)
    print(t("cli.years_header", lang, as_of=as_of.isoformat()))
    print(t("cli.years_columns", lang))
    for r in records:
        actual = _number(r["actual"], lang) + (t("cli.partial_mark", lang) if r["partial"] else "")
        target = _number(r["year_target"], lang) + (
            t("cli.interpolated_mark", lang) if r["interpolated"] else ""
        )
        year = _pad(fiscal_year_label(r["fiscal_year"], lang), 8)
        grade = grade_label(r["grade"], settings, lang)
        print(
            f"{r['project_code']:<10} {r['kpi_code']:<24} {year} {actual or t('cli.not_reported', lang):>16}"
            f" {target:>16} {_number(r['final_target'], lang):>14}"
            f" {format_percent(r['year_achievement'], lang):>7}"
            f" {format_percent(r['final_achievement'], lang):>7}"
            f"  {grade}"
        )
    return EXIT_OK
