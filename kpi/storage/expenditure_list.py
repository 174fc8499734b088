"""An organization's current expenditures as the expenditure page lists them: newest payment first,
optionally one award's, capped, with the count and the sum of every row the cap leaves out too.

Current means the `expenditures` view (migration 0013): the latest version of each key, withdrawn
keys (a NULL amount, what a rollback writes when nothing came before) left out.
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb
import pandas as pd

LIST_COLUMNS = ["award_number", "category_code", "paid_on", "evidence", "amount", "description"]
# `?::VARCHAR IS NULL OR …`: one statement for "every award" and "this award", the value bound.
_WHERE = "WHERE organization_code = ? AND (?::VARCHAR IS NULL OR award_number = ?::VARCHAR)"
_ROWS = (
    f"SELECT {', '.join(LIST_COLUMNS)} FROM expenditures {_WHERE}"
    " ORDER BY paid_on DESC, award_number, category_code, evidence LIMIT ?"
)
_TOTALS = f"SELECT count(*), coalesce(sum(amount), 0) FROM expenditures {_WHERE}"
_AWARDS = "SELECT DISTINCT award_number FROM expenditures WHERE organization_code = ? ORDER BY award_number"


class ExpenditureList(NamedTuple):
    rows: pd.DataFrame  # LIST_COLUMNS, at most `limit` rows, newest payment first
    matched: int  # every current expenditure matched, listed or not
    total: int  # their sum in yen


def organization_expenditures(
    cursor: duckdb.DuckDBPyConnection, organization_code: str, *, award_number: str | None, limit: int
) -> ExpenditureList:
    params = [organization_code, award_number, award_number]
    rows = cursor.execute(_ROWS, [*params, limit]).df()[LIST_COLUMNS]
    count, total = cursor.execute(_TOTALS, params).fetchall()[0]
    return ExpenditureList(rows, int(count), int(total))


def expenditure_awards(cursor: duckdb.DuckDBPyConnection, organization_code: str) -> list[str]:
    """The awards the organization has current expenditures on (closed awards too: spent before)."""
    return [str(a) for (a,) in cursor.execute(_AWARDS, [organization_code]).fetchall()]
