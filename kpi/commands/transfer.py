"""`python -m kpi migrate-to TARGET [--as-of DATE] [--json]`: copy the database (--db / $KPI_DB) into
TARGET, a `postgresql://…` URL or a DuckDB file path, and prove the copy (kpi/operations/transfer.py).

Runs before main.py readies the database: the source is read as it is, never migrated (an older one
is refused, with the `init` to run). Exit codes: 0 copied and verified; 1 refused (nothing written) or
the copy does not match the source; 2 the target cannot be reached (or usage).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from kpi.i18n import t

if TYPE_CHECKING:
    from kpi.storage import Database

EXIT_OK, EXIT_REJECTED, EXIT_UNREACHABLE = 0, 1, 2
TRANSFER_COMMANDS = ("migrate-to",)
SHOWN_TABLES = 5  # of a non-empty target's tables, in the message (--json gives them all)


def add_transfer_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    migrate = commands.add_parser(
        "migrate-to",
        parents=[common],
        help="copy the database into an empty PostgreSQL database or DuckDB file, then verify the copy",
    )
    migrate.add_argument("target", help="postgresql://user@host/name or a new .duckdb file")
    migrate.add_argument("--as-of", dest="as_of", help="the date the status is compared on (default: today)")
    migrate.add_argument("--json", action="store_true")


def run_transfer_command(db: Database, args: argparse.Namespace, lang: str) -> int:
    from kpi.commands.main import EXIT_USAGE, _as_of, operator  # main imports this module
    from kpi.operations.transfer import TargetUnreachable, TransferRefused, migrate_to
    from kpi.storage import Database

    as_of = _as_of(args.as_of, lang)
    if as_of is None:
        return EXIT_USAGE
    target = Database(args.target)
    try:
        migration = migrate_to(db, target, as_of=as_of, actor=operator())
    except TransferRefused as refused:
        message = _refusal(refused, db.path, target.path, lang)
        _said(args.json, "rejected", refused.code, message, target=target.path, **refused.details)
        return EXIT_REJECTED
    except TargetUnreachable as unreachable:
        message = t("migrate_to.unreachable", lang, target=target.path, reason=unreachable.reason)
        _said(args.json, "unreachable", "unreachable", message, target=target.path)
        return EXIT_UNREACHABLE
    finally:
        target.close()
    if args.json:
        print(json.dumps(migration.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_migration(migration, lang)
    return EXIT_OK if migration.verification.ok else EXIT_REJECTED


def _said(as_json: bool, status: str, code: str, message: str, **facts: Any) -> None:
    if as_json:
        print(json.dumps({"status": status, "code": code, "message": message, **facts}, ensure_ascii=False))
    else:
        print(message, file=sys.stderr)


def _refusal(refused: Any, source: str, target: str, lang: str) -> str:
    from kpi.formatting.numbers import format_number

    details = dict(refused.details)
    if refused.code == "not_empty":
        tables = details["tables"]
        shown = [f"{name} ({format_number(n, lang)})" for name, n in list(tables.items())[:SHOWN_TABLES]]
        details["tables"] = ", ".join(shown + (["…"] if len(tables) > SHOWN_TABLES else []))
    elif refused.code == "tables_differ":
        details["tables"] = ", ".join(details["tables"])
    return t(f"migrate_to.refused_{refused.code}", lang, source=source, target=target, **details)


def _print_migration(migration: Any, lang: str) -> None:
    from kpi.formatting.numbers import format_number
    from kpi.operations.transfer import SHOWN_DIFFERENCES

    checked = migration.verification
    tables, rows = format_number(len(migration.copied), lang), format_number(migration.rows, lang)
    print(
        t(
            "migrate_to.copied",
            lang,
            source=migration.source,
            target=migration.target,
            tables=tables,
            rows=rows,
        )
    )
    if migration.applied:
        print(t("migrate_to.applied", lang, applied=", ".join(migration.applied)))
    if checked.ok:
        count = format_number(checked.status_rows, lang)
        print(t("migrate_to.verified", lang, as_of=checked.as_of.isoformat(), count=count))
        return
    for table, (before, after) in checked.count_differences.items():
        print(t("migrate_to.count_differs", lang, table=table, source=before, target=after), file=sys.stderr)
    if checked.status_error is not None:
        print(t("migrate_to.status_failed", lang, error=checked.status_error), file=sys.stderr)
    for line in checked.status_differences[:SHOWN_DIFFERENCES]:
        print(t("migrate_to.status_differs", lang, difference=line), file=sys.stderr)
    if len(checked.status_differences) > SHOWN_DIFFERENCES:
        more = format_number(len(checked.status_differences) - SHOWN_DIFFERENCES, lang)
        print(t("migrate_to.status_more", lang, count=more), file=sys.stderr)
    print(t("migrate_to.unverified", lang, target=migration.target), file=sys.stderr)
