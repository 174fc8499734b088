"""python -m kpi funding setup / import / status: argument parsing and printing only; kpi.funding
does the work (the same functions the funding pages call)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kpi.storage import Database

FUNDING_COMMANDS = ("funding",)


def add_funding_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    funding = commands.add_parser(
        "funding", parents=[common], help="subsidies, grants and commissions (補助金)"
    )
    actions = funding.add_subparsers(dest="funding_command", required=True, parser_class=type(funding))
    setup = actions.add_parser(
        "setup", parents=[common], help="load programmes, calls, awards, budgets (CSV)"
    )
    setup.add_argument("directory", type=Path)
    setup.add_argument("--json", action="store_true")
    intake = actions.add_parser("import", parents=[common], help="import a partner's expenditure file")
    intake.add_argument("file", type=Path)
    intake.add_argument("--org", required=True, help="the uploading organization's code")
    intake.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    intake.add_argument("--json", action="store_true")
    status = actions.add_parser("status", parents=[common], help="subsidy, own share, burn, cash gap, flags")
    status.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
    status.add_argument("--json", action="store_true")


def run_funding_command(db: Database, args: argparse.Namespace, lang: str) -> int:
    if args.funding_command == "import":
        from kpi.commands.funding_import import run_funding_import

        return run_funding_import(db, args, lang)
    from kpi.commands.funding_core import run_funding_setup, run_funding_status

    if args.funding_command == "setup":
        return run_funding_setup(db, args, lang)
    return run_funding_status(db, args, lang)
