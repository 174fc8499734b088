"""python -m kpi funding setup / status: printing only; kpi.funding.setup and kpi.funding.status work."""

from __future__ import annotations

import argparse
import json
import sys

from kpi.commands.main import (
    EXIT_OK,
    EXIT_USAGE,
    _as_of,
    _number,
    _pad,
    operator,
    print_setup,
)
from kpi.i18n import t
from kpi.storage import Database

DUE_SOON_DAYS = 180  # the text output lists late reports and those due within this; --json lists all


def run_funding_setup(db: Database, args: argparse.Namespace, lang: str) -> int:
    from kpi.funding.setup import FundingSetupUsageError, setup_funding

    try:
        result = setup_funding(db, args.directory, actor=operator(), lang=lang)
    except FundingSetupUsageError as error:
        print(t("cli.usage_error", lang, message=str(error)), file=sys.stderr)
        return EXIT_USAGE
    return print_setup(
        result, args.json, lang, loaded="funding_cli.setup_loaded", rejected="funding_cli.setup_rejected"
    )


def _percent(value: float | None, lang: str) -> str:
    from kpi.formatting.numbers import format_percent

    return "" if value is None else format_percent(value, lang)


def run_funding_status(db: Database, args: argparse.Namespace, lang: str) -> int:
    from kpi.funding.status import funding_status

    as_of = _as_of(args.as_of, lang)
    if as_of is None:
        return EXIT_USAGE
    status = funding_status(db, as_of, operator())
    if args.json:
        print(json.dumps(status.as_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(t("funding_cli.status_header", lang, as_of=as_of.isoformat()))
    print(t("funding_cli.status_columns", lang))
    for award in status.as_dict()["awards"]:
        stage = _pad(t(f"funding.stage.{award['stage']}", lang), 10)
        print(
            f"{award['award_number']:<14} {award['project_code']:<8} {stage}"
            f" {_number(award['budget'], lang):>14} {_number(award['eligible'], lang):>14}"
            f" {_number(award['subsidy'], lang):>14} {_number(award['own_share'], lang):>14}"
            f" {_percent(award['burn'], lang):>6} {_number(award['cash_gap'], lang):>14}"
        )
    for flag in status.flags:
        print(
            t(
                "funding_cli.flag_line",
                lang,
                award=flag.award_number,
                flag=t(f"funding.flag.{flag.code}", lang),
                amount=_number(flag.amount, lang),
                rows=len(flag.rows),
            )
        )
    for duty in status.obligations:
        if duty.state == "late" or (duty.state == "due" and (duty.due_on - as_of).days <= DUE_SOON_DAYS):
            print(
                t(
                    "funding_cli.duty_line",
                    lang,
                    award=duty.award_number,
                    kind=t(f"funding.duty.{duty.kind}", lang),
                    due=duty.due_on.isoformat(),
                    state=t(f"funding.duty_state.{duty.state}", lang),
                )
            )
    return EXIT_OK
