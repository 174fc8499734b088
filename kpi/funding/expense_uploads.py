"""What the expenditure page shows, in the reader's language (the KPI upload page's counterpart is
kpi/intake/uploads.py, whose organization list, batch history and rollback facts are reused here
for batches of kind 'expenditures'): how a file was read, its errors, the payments an import would
add or change, and the organization's current expenditures. Amounts as kpi/formatting/yen.py
writes them (12,000円 / ¥12,000, ▲3,000円 for a correction); dates as the reader reads them.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

import pandas as pd

from kpi.access import Actor, require_organization
from kpi.errors import ValidationError
from kpi.formatting.numbers import format_date
from kpi.formatting.yen import format_yen
from kpi.funding.tables import names_of
from kpi.i18n import t
from kpi.intake.error_report import error_table
from kpi.intake.service import ImportResult, layout_lines
from kpi.intake.uploads import batch_history, live_batches
from kpi.storage import Database
from kpi.storage.expenditure_list import expenditure_awards, organization_expenditures
from kpi.storage.expenditures import KIND, organization_awards
from kpi.storage.funding_breakdown import category_names

LISTED = 200  # current expenditures listed at most; the caption gives the count and sum of all


def _day(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    return value if isinstance(value, date) else None


def _shown_date(value: Any, lang: str, wareki: bool) -> str:
    return format_date(_day(value), lang, wareki=wareki) or "—"


def _categories(db: Database, lang: str) -> dict[str, str]:
    with db.cursor() as cursor:
        return names_of(category_names(cursor), "category_code", lang)


def _header(column: str, lang: str) -> str:
    return t(f"funding_table.col_{column}", lang)


def money_headers(lang: str) -> frozenset[str]:
    """The headers of the columns that hold yen (right-aligned on the page, as figures are)."""
    return frozenset(
        {t("upload.change_before", lang), t("upload.change_after", lang), _header("amount", lang)}
    )


def read_facts(result: ImportResult, lang: str) -> list[str]:
    """How the file was read: the header row, the title, 単位 and 合計 rows read past, the columns
    not imported (kpi.intake.service.layout_lines), and the template rows left as they came (rows
    here, where the KPI files count cells)."""
    lines = layout_lines(dataclasses.replace(result, not_reported=0), lang)
    if result.not_reported:
        lines.append(t("expenses_page.not_reported", lang, count=f"{result.not_reported:,}"))
    return lines


def error_rows(errors: list[ValidationError], lang: str) -> pd.DataFrame:
    """Every error as row, column (as the file headed it) and message; the code stays in the file
    kpi.intake.error_report.error_table gives to take away."""
    frame = error_table(errors, lang).drop(columns=[t("upload.error_code", lang)]).astype(object)
    return frame.where(frame.notna(), "—")  # an error of the whole file has no row or column


def change_preview(db: Database, changes: pd.DataFrame, lang: str, *, wareki: bool = False) -> pd.DataFrame:
    """The payments an import would add or change (kpi.storage.expenditures.preview_expenditures'
    rows): award, 費目 in the reader's language, day paid, evidence, the amount now and after."""
    categories = _categories(db, lang)
    frame = pd.DataFrame(
        {
            _header("award_number", lang): changes["award_number"].astype(str),
            _header("category", lang): [categories.get(str(c), str(c)) for c in changes["category_code"]],
            _header("paid_on", lang): [_shown_date(d, lang, wareki) for d in changes["paid_on"]],
            _header("evidence", lang): [str(e or "") or "—" for e in changes["evidence"]],
            t("upload.change_before", lang): [_yen(a, lang) for a in changes["current_amount"]],
            t("upload.change_after", lang): [_yen(a, lang) for a in changes["amount"]],
            _header("description", lang): [str(d or "") for d in changes["description"]],
            t("upload.change_kind", lang): [t(f"upload.change_{c}", lang) for c in changes["change"]],
        }
    )
    return frame


def _yen(amount: Any, lang: str) -> str:
    if amount is None or pd.isna(amount):
        return "—"
    return format_yen(float(amount), lang)


def open_awards(db: Database, organization_code: str, *, actor: Actor) -> list[str]:
    """The awards the organization's template has a row for (open awards of its projects)."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        return organization_awards(cursor, organization_code)


def expense_history(db: Database, organization_code: str, lang: str, *, actor: Actor) -> pd.DataFrame:
    """The organization's expenditure batches, newest first, as the upload page's history shows them."""
    return batch_history(db, organization_code, lang, actor=actor, kind=KIND)


def live_expense_batches(db: Database, organization_code: str, *, actor: Actor) -> list[int]:
    """The organization's expenditure batches that can still be rolled back, newest first."""
    return live_batches(db, organization_code, actor=actor, kind=KIND)


def spending_awards(db: Database, organization_code: str, *, actor: Actor) -> list[str]:
    """The awards the organization has current expenditures on: the list's award choice."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        return expenditure_awards(cursor, organization_code)


@dataclasses.dataclass(frozen=True)
class CurrentExpenditures:
    table: pd.DataFrame  # headed in the reader's language, newest payment first, at most LISTED rows
    count: int  # every current expenditure matched
    total: str  # their sum, formatted


def current_expenditures(
    db: Database,
    organization_code: str,
    lang: str,
    *,
    actor: Actor,
    award_number: str | None = None,
    wareki: bool = False,
    limit: int = LISTED,
) -> CurrentExpenditures:
    """The organization's current expenditures (one award's when given), newest payment first."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        listed = organization_expenditures(cursor, organization_code, award_number=award_number, limit=limit)
    categories = _categories(db, lang)
    rows = listed.rows
    table = pd.DataFrame(
        {
            _header("award_number", lang): rows["award_number"].astype(str),
            _header("category", lang): [categories.get(str(c), str(c)) for c in rows["category_code"]],
            _header("paid_on", lang): [_shown_date(d, lang, wareki) for d in rows["paid_on"]],
            _header("evidence", lang): [str(e or "") or "—" for e in rows["evidence"]],
            _header("amount", lang): [_yen(a, lang) for a in rows["amount"]],
            _header("description", lang): [str(d or "") for d in rows["description"]],
        }
    )
    return CurrentExpenditures(table, listed.matched, format_yen(float(listed.total), lang))
