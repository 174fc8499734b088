"""`python -m kpi user ...`: accounts from the command line (the first administrator starts here).

Passwords are never command-line arguments (they would stay in the shell's history): they are asked
for without echo, or read from standard input with --password-stdin (for scripts).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

from kpi import clock
from kpi.access import ROLES, Actor, Forbidden
from kpi.errors import Rejected
from kpi.i18n import t

if TYPE_CHECKING:
    from kpi.storage import Database

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def add_user_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    user = commands.add_parser("user", help="accounts: add, list, change, password")
    actions = user.add_subparsers(dest="user_command", required=True, parser_class=type(user))
    add = actions.add_parser("add", parents=[common], help="add an account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--org", help="organization code (project leads and partners)")
    add.add_argument("--name", help="display name (default: the user name)")
    add.add_argument("--email", help="e-mail for sign-in through OpenID Connect")
    add.add_argument("--no-password", action="store_true", help="OpenID Connect only (needs --email)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    listing = actions.add_parser("list", parents=[common], help="list accounts")
    listing.add_argument("--json", action="store_true")
    change = actions.add_parser("set", parents=[common], help="change role, organization or state")
    change.add_argument("username")
    change.add_argument("--role", choices=ROLES)
    change.add_argument("--org")
    change.add_argument("--name")
    change.add_argument("--email")
    state = change.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_true", help="the account can no longer sign in")
    state.add_argument("--enable", action="store_true")
    password = actions.add_parser("password", parents=[common], help="set a new password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")


def _password(from_stdin: bool, lang: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(t("cli.password_prompt", lang))
    if getpass.getpass(t("cli.password_again", lang)) != first:
        raise ValueError(t("account.mismatch", lang))
    return first


def run_user_command(db: Database, args: argparse.Namespace, lang: str) -> int:
    # Here, not at the top: password hashing (argon2) and pandas are for these commands only.
    from kpi.accounts.manage import account_table, change_account, create_account, set_password

    operator = Actor.operator(clock.cli_actor())
    try:
        if args.user_command == "list":
            frame = account_table(db, actor=operator)
            if args.json:
                records = frame.to_dict("records")
                print(json.dumps(records, ensure_ascii=False, indent=2, default=str))
            else:
                for r in frame.to_dict("records"):
                    state = "" if r["active"] else f"  ({t('cli.user_disabled', lang)})"
                    org = r["organization_code"] if isinstance(r["organization_code"], str) else "-"
                    print(f"{r['username']:<24} {r['role']:<14} {org:<16}"
                          f" {r['display_name']}{state}")  # fmt: skip
            return EXIT_OK
        if args.user_command == "add":
            secret = None if args.no_password else _password(args.password_stdin, lang)
            record = {"username": args.username, "role": args.role, "organization_code": args.org,
                      "display_name": args.name or args.username, "email": args.email}  # fmt: skip
            create_account(db, record, password=secret, actor=operator, lang=lang)
            print(t("accounts.added", lang, username=args.username.strip().lower()))
            return EXIT_OK
        if args.user_command == "password":
            set_password(db, args.username, _password(args.password_stdin, lang), actor=operator, lang=lang)
            print(t("accounts.password_reset", lang, username=args.username))
            return EXIT_OK
        given = {"role": args.role, "organization_code": args.org, "display_name": args.name,
                 "email": args.email}  # fmt: skip
        changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
        if args.disable or args.enable:
            changes["active"] = bool(args.enable)
        change_account(db, args.username, changes, actor=operator, lang=lang)
        print(t("accounts.saved", lang, username=args.username))
        return EXIT_OK
    except Rejected as error:
        for problem in error.errors:
            print(t("cli.usage_error", lang, message=problem.message), file=sys.stderr)
        return EXIT_REJECTED
    except (Forbidden, ValueError) as error:
        message = error.message(lang) if isinstance(error, Forbidden) else str(error)
        print(t("cli.usage_error", lang, message=message), file=sys.stderr)
        return EXIT_USAGE
