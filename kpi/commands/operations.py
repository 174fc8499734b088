"""`python -m kpi backup DIR [--keep N] [--json]` and `python -m kpi restore FILE [--json]`.

The command line acts as an administrator (kpi/commands/main.py operator()); the work is in
kpi/operations/ (backups.py, restore.py). `restore` runs before main.py readies the database: the live
file may be missing (a fresh machine) or damaged, and is replaced anyway. Exit codes: 0 done; 1 the backup was
refused (nothing replaced), with what to change; 2 usage, or a file that is not there.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpi import clock
from kpi.access import Actor
from kpi.i18n import t

if TYPE_CHECKING:
    from kpi.storage import Database

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
BACKUP_COMMANDS = ("backup", "restore")
RESTORE_COMMANDS = ("restore",)  # run before the database is opened and migrated (main.py)
_NOT_THERE = ("not_found",)  # a file that is not there: a usage error, not a refused backup


def _positive(text: str) -> int:
    value = int(text) if text.strip().isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a whole number of at least 1")
    return value


def add_backup_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    backup = commands.add_parser(
        "backup", parents=[common], help="write a consistent copy of the database and its manifest into DIR"
    )
    backup.add_argument("directory", type=Path, help="the backups folder (e.g. /srv/kpi/backups)")
    backup.add_argument("--keep", type=_positive, help="backups to keep in DIR (default: the setting, 14)")
    backup.add_argument("--json", action="store_true")
    restore = commands.add_parser(
        "restore",
        parents=[common],
        help="check a backup (.duckdb or .zip), then put it in place of the database",
    )
    restore.add_argument("file", type=Path, help="kpi-YYYYMMDD-HHMMSS.duckdb (its .json beside it) or a .zip")
    restore.add_argument("--json", action="store_true")


def run_backup_command(db: Database, args: argparse.Namespace, lang: str) -> int:
    from kpi.operations.backup_files import BackupRejected  # DuckDB: past --help
    from kpi.operations.backups import take_backup
    from kpi.operations.restore import restore_backup

    operator = Actor.operator(clock.cli_actor())
    try:
        if db.engine == "postgresql":  # restore would put a DuckDB file where no file is read
            raise BackupRejected("postgresql")
        if args.command == "restore":
            result = restore_backup(db.path, args.file, actor=operator, lang=lang)
            print(
                json.dumps(result.as_dict(), ensure_ascii=False, indent=2)
                if args.json
                else result.message(lang)
            )
            return EXIT_OK
        backup = take_backup(db, args.directory, actor=operator, keep=args.keep)
    except BackupRejected as refused:
        if args.json:
            said = {"status": "rejected", "code": refused.code, "message": refused.message(lang)}
            details = {k: str(v) for k, v in refused.details.items()}
            print(json.dumps({**said, **details}, ensure_ascii=False, indent=2))
        else:
            print(t("cli.usage_error", lang, message=refused.message(lang)), file=sys.stderr)
        return EXIT_USAGE if refused.code in _NOT_THERE else EXIT_REJECTED
    if args.json:
        print(json.dumps({"status": "ok", **backup.as_dict()}, ensure_ascii=False, indent=2))
        return EXIT_OK
    _print_backup(backup, lang)
    return EXIT_OK


def _print_backup(backup: Any, lang: str) -> None:
    from kpi.formatting.numbers import format_bytes, format_number

    manifest = backup.manifest
    print(
        t(
            "backups.taken",
            lang,
            file=backup.path,
            tables=format_number(len(manifest.row_counts), lang),
            rows=format_number(manifest.rows, lang),
            size=format_bytes(manifest.size, lang),
            schema=manifest.schema_version,
        )
    )
    print(t("backups.taken_checksum", lang, sha256=manifest.sha256))
    for name in backup.removed:
        print(t("backups.taken_removed", lang, file=name))
