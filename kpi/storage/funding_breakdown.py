"""Budget against spend per award × 年度 × 費目 × partner, for the funding charts (SPEC section 7,
"budget vs spent by 年度 and 費目"), and the names the funding pages write organizations with.

Eligibility is kpi/storage/funding_status.py's own (its `active` and `classified` fragments), so a
yen counted eligible here is the yen counted there.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from kpi.storage.funding_status import _ACTIVE, _CLASSIFIED

_CATEGORY_LINES = f"""
WITH {_ACTIVE}, {_CLASSIFIED},
spent AS (
    SELECT award_number, fiscal_year, category_code, organization_code, sum(amount) AS spent,
           coalesce(sum(amount) FILTER (WHERE eligible), 0) AS eligible
    FROM spend GROUP BY ALL
),
budgets AS (
    SELECT b.award_number, b.fiscal_year, b.category_code, b.organization_code, sum(b.amount) AS budget
    FROM budget_lines b JOIN active USING (award_number) GROUP BY ALL
),
lines AS (
    SELECT award_number, fiscal_year, category_code, organization_code,
           coalesce(b.budget, 0) AS budget, coalesce(s.spent, 0) AS spent, coalesce(s.eligible, 0) AS eligible
    FROM budgets b FULL OUTER JOIN spent s USING (award_number, fiscal_year, category_code, organization_code)
)
SELECT l.award_number, a.project_code, a.programme_code, CAST(l.fiscal_year AS INTEGER) AS fiscal_year,
       l.category_code, coalesce(c.name_ja, l.category_code) AS category_name_ja,
       coalesce(c.name_en, l.category_code) AS category_name_en, coalesce(c.sort_order, 999) AS sort_order,
       l.organization_code, CAST(l.budget AS BIGINT) AS budget, CAST(l.spent AS BIGINT) AS spent,
       CAST(l.eligible AS BIGINT) AS eligible
FROM lines l JOIN active a USING (award_number)
LEFT JOIN funding_categories c USING (category_code)
ORDER BY l.award_number, l.fiscal_year, sort_order, l.category_code, l.organization_code
"""
_ORGANIZATIONS = (
    "SELECT organization_code, name_ja, name_en, sector FROM organizations ORDER BY organization_code"
)
_CATEGORIES = (
    "SELECT category_code, name_ja, name_en FROM funding_categories ORDER BY sort_order, category_code"
)


def category_lines(cursor: duckdb.DuckDBPyConnection, as_of: date, fy_start: int) -> pd.DataFrame:
    """One row per award × 年度 × 費目 × partner of a decided or confirmed award: budget, spent (paid on
    or before `as_of`) and eligible spend, whole yen."""
    return cursor.execute(_CATEGORY_LINES, {"as_of": as_of, "fy_start": fy_start}).df()


def organization_names(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return cursor.execute(_ORGANIZATIONS).df()


def category_names(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return cursor.execute(_CATEGORIES).df()
