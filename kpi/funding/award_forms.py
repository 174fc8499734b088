"""What the awards page shows and edits (pages/awards.py): a project's awards with their numbers,
the choices of the award form and the budget grid in the reader's language, one award's versions,
budget lines, money received and the reports it owes, and the grid's rows back as budget lines.

Only for a project the reader may change (kpi/access.py require_writer): the page is where awards
are kept; the funding overview is where they are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from kpi.access import Actor, require_writer
from kpi.fiscal import fiscal_year, fiscal_year_label
from kpi.formatting.names import display_name, display_names
from kpi.formatting.numbers import format_date
from kpi.formatting.yen import format_yen
from kpi.funding.obligations import Obligation, obligations
from kpi.i18n import t
from kpi.storage import Database
from kpi.storage.funding import award_history, award_rows, current_rows, programme_category_sets, submissions
from kpi.storage.project import project_partners, project_record
from kpi.storage.registry import read_settings, read_table

Record = dict[str, Any]
GRID_COLUMNS = ["fiscal_year", "category_code", "organization_code", "amount"]  # the budget grid
AMOUNT_COLUMNS = ["fiscal_year", "amount"]  # the award form's decided amounts


@dataclass(frozen=True)
class AwardsSetup:
    """One project's awards and the choices its forms offer, names in the reader's language."""

    project_code: str
    lang: str
    fy_start: int
    programmes: dict[str, str]  # code → name
    allowed: dict[str, list[str]]  # programme → the 費目 codes it allows, in the list's order
    calls: dict[str, list[tuple[int, int]]]  # programme → (fiscal year, round) of its calls
    categories: dict[str, str]  # 費目 code → name, in the list's order
    partners: dict[str, str]  # organization code → name
    awards: list[Record]  # the current version of each award of the project, by number
    budgets: dict[str, int]  # award number → its budget lines' total

    def award(self, number: str | None) -> Record | None:
        return next((a for a in self.awards if a["award_number"] == number), None)


def awards_setup(db: Database, project_code: str, *, actor: Actor, lang: str) -> AwardsSetup:
    with db.cursor() as cursor:
        require_writer(cursor, actor, [project_code])
        fy_start = read_settings(cursor).fiscal_year_start_month
        programmes = read_table(cursor, "programmes")
        categories = read_table(cursor, "funding_categories").sort_values("sort_order")
        calls = read_table(cursor, "funding_calls")
        allowed = programme_category_sets(cursor)
        partners = project_partners(cursor, project_code)
        awards = [a for a in current_rows(cursor, "award_versions") if a["project_code"] == project_code]
        numbers = {a["award_number"] for a in awards}
        budgets: dict[str, int] = {}
        for line in current_rows(cursor, "budget_versions"):
            if line["award_number"] in numbers:
                budgets[line["award_number"]] = budgets.get(line["award_number"], 0) + int(line["amount"])
    order = list(categories["category_code"])
    return AwardsSetup(
        project_code=project_code,
        lang=lang,
        fy_start=fy_start,
        programmes=dict(zip(programmes["programme_code"], display_names(programmes, lang), strict=True)),
        allowed={p: [c for c in order if c in codes] for p, codes in allowed.items()},
        calls={
            str(p): sorted(
                (int(y), int(r)) for y, r in zip(group["fiscal_year"], group["round"], strict=True)
            )
            for p, group in calls.groupby("programme_code")
        },
        categories=dict(zip(categories["category_code"], display_names(categories, lang), strict=True)),
        partners=dict(zip(partners["organization_code"], display_names(partners, lang), strict=True)),
        awards=awards,
        budgets=budgets,
    )


def yen(amount: object, lang: str) -> str:
    """An amount in whole yen as the funding pages write money (kpi/formatting/yen.py): 4,000,000円 or
    ¥4,000,000; a blank (NULL, NA) as —."""
    if amount is None or amount is pd.NA or (isinstance(amount, float) and amount != amount):
        return "—"
    return format_yen(float(str(amount)), lang)


def period_text(award: Record, lang: str, era: bool = False) -> str:
    return t(
        "awards_page.period",
        lang,
        start=format_date(_day(award["starts_on"]), lang, wareki=era),
        end=format_date(_day(award["ends_on"]), lang, wareki=era),
    )


def amounts_text(amounts: Any, lang: str, era: bool = False) -> str:
    """Decided amounts per 年度 in one line: 2025年度 4,000,000円 · 2026年度 4,000,000円."""
    parts = [
        f"{fiscal_year_label(int(a['fiscal_year']), lang, era)} {yen(a['amount'], lang)}"
        for a in sorted(amounts or [], key=lambda a: int(a["fiscal_year"]))
    ]
    return " · ".join(parts) if parts else t("awards_page.no_amounts", lang)


def awards_table(setup: AwardsSetup, era: bool = False) -> pd.DataFrame:
    """The project's awards with their numbers, one row each (columns named by awards_page.col_*)."""
    lang = setup.lang
    rows = [
        {
            "award_number": a["award_number"],
            "programme": setup.programmes.get(a["programme_code"], a["programme_code"]),
            "stage": t(f"funding.stage.{a['stage']}", lang),
            "period": period_text(a, lang, era),
            "decided": yen(sum(int(x["amount"]) for x in a["amounts"]), lang) if a["amounts"] else "—",
            "confirmed": yen(a["confirmed_amount"], lang),
            "budget": yen(setup.budgets[a["award_number"]], lang)
            if a["award_number"] in setup.budgets
            else "—",
            "version": int(a["version"]),
        }
        for a in setup.awards
    ]
    columns = ["award_number", "programme", "stage", "period", "decided", "confirmed", "budget", "version"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class AwardDetail:
    award: Record  # the current version
    history: list[Record]  # every version, oldest first
    budget: list[Record]  # current budget lines with an amount
    payments: list[Record]  # money received, by day
    duties: list[Obligation]  # the reports it owes, by due date


def award_detail(db: Database, award_number: str, *, actor: Actor, today: date) -> AwardDetail | None:
    with db.cursor() as cursor:
        history = award_history(cursor, award_number)
        if not history:
            return None
        award = history[-1]
        require_writer(cursor, actor, [award["project_code"]])
        budget = [r for r in award_rows(cursor, "budget_versions", award_number) if r["amount"]]
        payments = award_rows(cursor, "payment_versions", award_number)
        programmes = read_table(cursor, "programmes").set_index("programme_code")
        project = project_record(cursor, award["project_code"]) or {}
        fy_start = read_settings(cursor).fiscal_year_start_month
        done = submissions(cursor)
    rules = programmes.loc[award["programme_code"]]
    owing = {
        **award,
        "report_days": rules["report_days"],
        "follow_up_years": rules["follow_up_years"],
        "lead_organization_code": project.get("lead_organization_code"),
    }
    duties = obligations([owing], done, as_of=today, fy_start=fy_start)
    return AwardDetail(award, history, budget, payments, duties)


def _day(value: Any) -> date:
    return value.date() if isinstance(value, pd.Timestamp) else value


def period_years(award: Record | None, fy_start: int) -> list[int]:
    """The 年度 of an award's period."""
    if award is None or award.get("starts_on") is None or award.get("ends_on") is None:
        return []
    first, last = (
        fiscal_year(_day(award["starts_on"]), fy_start),
        fiscal_year(_day(award["ends_on"]), fy_start),
    )
    return list(range(first, last + 1))


def amount_rows(award: Record | None) -> pd.DataFrame:
    """The award form's decided amounts: a row per 年度, the amount as text (typed as written)."""
    amounts = sorted((award or {}).get("amounts") or [], key=lambda a: int(a["fiscal_year"]))
    return pd.DataFrame(
        {
            "fiscal_year": pd.Series([int(a["fiscal_year"]) for a in amounts], dtype="Int64"),
            "amount": pd.Series([f"{int(a['amount']):,}" for a in amounts], dtype=object),
        }
    )


def budget_grid(lines: list[Record]) -> pd.DataFrame:
    """The budget grid: 年度 × 費目 × partner → amount as text, in the stored order."""
    return pd.DataFrame(
        {
            "fiscal_year": pd.Series([int(r["fiscal_year"]) for r in lines], dtype="Int64"),
            "category_code": pd.Series([r["category_code"] for r in lines], dtype=object),
            "organization_code": pd.Series([r["organization_code"] for r in lines], dtype=object),
            "amount": pd.Series([f"{int(r['amount']):,}" for r in lines], dtype=object),
        }
    )


def frame_records(frame: pd.DataFrame) -> list[Record]:
    """An edited table's rows as plain values (a blank cell None), for the core's saves."""
    out = []
    for row in frame.astype(object).to_dict("records"):
        out.append({str(k): None if v is None or v is pd.NA or v != v else v for k, v in row.items()})
    return out


def history_entries(detail: AwardDetail, setup: AwardsSetup, era: bool = False) -> list[dict[str, Any]]:
    """Each version, newest first: its heading and the lines that say what it holds."""
    lang = setup.lang
    out = []
    for version in reversed(detail.history):
        lines = [
            t(
                "awards_page.history_stage",
                lang,
                stage=t(f"funding.stage.{version['stage']}", lang),
                period=period_text(version, lang, era),
                mode=t(f"funding.payment_mode.{version['payment_mode']}", lang),
            ),
            t("awards_page.history_amounts", lang, amounts=amounts_text(version["amounts"], lang, era)),
        ]
        if version["confirmed_amount"] is not None:
            lines.append(
                t("awards_page.history_confirmed", lang, amount=yen(version["confirmed_amount"], lang))
            )
        if version["reason"]:
            lines.append(t("awards_page.history_reason", lang, reason=version["reason"]))
        if version["approver"]:
            lines.append(t("awards_page.history_approver", lang, approver=version["approver"]))
        out.append(
            {
                "version": int(version["version"]),
                "recorded_at": f"{version['recorded_at']:%Y-%m-%d %H:%M}",
                "recorded_by": version["recorded_by"],
                "lines": lines,
            }
        )
    return out


def payments_table(detail: AwardDetail, lang: str, era: bool = False) -> pd.DataFrame:
    rows = [
        {
            "received_on": format_date(_day(p["received_on"]), lang, wareki=era),
            "amount": yen(p["amount"], lang),
        }
        for p in detail.payments
    ]
    return pd.DataFrame(rows, columns=["received_on", "amount"])


def duties_table(detail: AwardDetail, setup: AwardsSetup, era: bool = False) -> pd.DataFrame:
    lang = setup.lang
    rows = [
        {
            "kind": t(f"funding.duty.{d.kind}", lang),
            "fiscal_year": fiscal_year_label(d.fiscal_year, lang, era) if d.fiscal_year else "",
            "due_on": format_date(d.due_on, lang, wareki=era),
            "state": t(f"funding.duty_state.{d.state}", lang),
            "submitted_on": format_date(d.submitted_on, lang, wareki=era),
            "owner": setup.partners.get(d.owner, display_name(d.owner, None, lang)),
        }
        for d in detail.duties
    ]
    return pd.DataFrame(rows, columns=["kind", "fiscal_year", "due_on", "state", "submitted_on", "owner"])
