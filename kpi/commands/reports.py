"""python -m kpi export / report: argument parsing and printing only; kpi.evaluation, kpi.report and
kpi.report_pdf work (the same functions the overview's download buttons call)."""

from __future__ import annotations

import argparse
import contextlib
import errno
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpi import clock
from kpi.access import Actor
from kpi.i18n import t

if TYPE_CHECKING:
    from kpi.storage import Database

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 4  # as kpi/commands/main.py
REPORT_COMMANDS = ("export", "report")


def add_report_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    export = commands.add_parser("export", parents=[common], help="効果検証 table to .xlsx or .csv")
    export.add_argument("--out", required=True, type=Path, help="FILE.xlsx or FILE.csv")
    export.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
    report = commands.add_parser("report", parents=[common], help="executive one-pager as HTML or PDF")
    report.add_argument("--out", required=True, type=Path, help="FILE.html or FILE.pdf (by its suffix)")
    report.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")


def _write(path: Path, data: bytes, lang: str) -> int:
    """EXIT_OK; EXIT_USAGE for an --out that cannot be written; EXIT_FAILED when the disk is full."""
    try:
        path.write_bytes(data)
    except OSError as error:
        print(t("cli.usage_error", lang, message=f"{path}: {error.strerror or error}"), file=sys.stderr)
        if error.errno != errno.ENOSPC:
            return EXIT_USAGE
        with contextlib.suppress(OSError):  # no half-written export left behind
            path.unlink()
        return EXIT_FAILED
    return EXIT_OK


def run_report_command(db: Database, args: argparse.Namespace, lang: str) -> int:
    from kpi.commands.main import _as_of  # (main imports this module: a late import, no cycle)

    as_of = _as_of(args.as_of, lang)  # None: the usage error is printed
    if as_of is None:
        return EXIT_USAGE
    out: Path = args.out
    suffix = out.suffix.lower()
    if args.command == "export":
        from kpi.reports.evaluation import export_bytes

        if suffix not in (".xlsx", ".csv"):
            print(
                t("cli.usage_error", lang, message=t("export.unknown_format", lang, path=out)),
                file=sys.stderr,
            )
            return EXIT_USAGE
        data, rows = export_bytes(db, as_of, lang, suffix[1:], actor=Actor.operator(clock.cli_actor()))
    else:
        from kpi.reports.executive import report_html

        if suffix not in (".html", ".htm", ".pdf"):
            print(
                t("cli.usage_error", lang, message=t("report.unknown_format", lang, path=out)),
                file=sys.stderr,
            )
            return EXIT_USAGE
        html = report_html(db, as_of, lang, actor=Actor.operator(clock.cli_actor()))
        data, rows = html.encode("utf-8"), 1
        if suffix == ".pdf":
            from kpi.reports.pdf import html_to_pdf

            data = html_to_pdf(html)[0]
    written = _write(out, data, lang)
    if written != EXIT_OK:
        return written
    if args.command == "report":
        print(t("report.written", lang, path=out))
    else:
        print(t("export.written", lang, path=out, rows=rows))
    return EXIT_OK
