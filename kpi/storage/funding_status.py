"""Funding arithmetic in SQL (SPEC section 7), set-based over every award at once.

Per award × 年度: eligible spend E (paid within the award period, not before the decision unless the
programme allows 事前着手, in a 費目 the programme allows); subsidy S = floor(E × rate), bounded by the
year's decided amount (交付決定額) and by the programme's cap (per fiscal year, or per award over the
years in order); own share = E − S, split among partners in proportion to their E (largest
remainder, so the partners' yen add up to S exactly); burn = E / budget beside the share of the
year's award period elapsed. Only expenditures paid on or before the as-of date count. Money is
whole yen throughout (BIGINT/HUGEINT); a rate is a fraction of integers, never a float.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

_FISCAL_YEAR = "(year({d}) - CASE WHEN month({d}) < $fy_start THEN 1 ELSE 0 END)"

# Awards that spend: decided or confirmed, with their programme's rules.
_ACTIVE = """
active AS (
    SELECT a.award_number, a.project_code, a.programme_code, a.decided_on, a.starts_on, a.ends_on,
           a.amounts, p.rate_numerator, p.rate_denominator, p.cap, p.cap_per,
           CAST(round(p.transfer_limit * 10000) AS BIGINT) AS transfer_bp,
           CAST(round(p.personnel_cap * 10000) AS BIGINT) AS personnel_bp, p.pre_award_spending,
           (SELECT count(*) FROM programme_categories pc WHERE pc.programme_code = a.programme_code)
               AS category_count
    FROM awards a JOIN programmes p USING (programme_code)
    WHERE a.stage IN ('awarded', 'confirmed')
)"""
# Every current expenditure up to the as-of date, with why it is not eligible (if it is not).
_CLASSIFIED = f"""
classified AS (
    SELECT x.version_id, x.award_number, x.category_code, x.organization_code, x.paid_on, x.evidence,
           x.amount, x.description, {_FISCAL_YEAR.format(d="x.paid_on")} AS fiscal_year,
           x.paid_on < a.starts_on OR x.paid_on > a.ends_on AS outside_period,
           NOT a.pre_award_spending AND a.decided_on IS NOT NULL AND x.paid_on < a.decided_on AS pre_award,
           a.category_count > 0 AND pc.category_code IS NULL AS not_allowed,
           c.personnel
    FROM expenditures x
    JOIN active a USING (award_number)
    LEFT JOIN programme_categories pc
           ON pc.programme_code = a.programme_code AND pc.category_code = x.category_code
    LEFT JOIN funding_categories c ON c.category_code = x.category_code
    WHERE x.paid_on <= $as_of
),
spend AS (
    SELECT *, NOT (outside_period OR pre_award OR not_allowed) AS eligible FROM classified
)"""
_YEARS = """
decided AS (
    SELECT award_number, (s).fiscal_year AS fiscal_year, sum((s).amount) AS decided  -- (s).: a struct's field
    FROM (SELECT award_number, unnest(amounts) AS s FROM active) GROUP BY ALL
),
budgets AS (
    SELECT b.award_number, b.fiscal_year, sum(b.amount) AS budget
    FROM budget_lines b JOIN active USING (award_number) GROUP BY ALL
),
spent AS (
    SELECT award_number, fiscal_year, sum(amount) AS spent,
           coalesce(sum(amount) FILTER (WHERE eligible), 0) AS eligible
    FROM spend GROUP BY ALL
),
grid AS (
    SELECT award_number, fiscal_year FROM decided UNION
    SELECT award_number, fiscal_year FROM budgets UNION
    SELECT award_number, fiscal_year FROM spent
),
years AS (
    SELECT g.award_number, g.fiscal_year, a.starts_on, a.ends_on, a.cap, a.cap_per,
           coalesce(b.budget, 0) AS budget, d.decided, coalesce(s.spent, 0) AS spent,
           coalesce(s.eligible, 0) AS eligible,
           greatest(coalesce(s.eligible, 0), 0) * a.rate_numerator // a.rate_denominator AS by_rate
    FROM grid g JOIN active a USING (award_number)
    LEFT JOIN decided d USING (award_number, fiscal_year)
    LEFT JOIN budgets b USING (award_number, fiscal_year)
    LEFT JOIN spent s USING (award_number, fiscal_year)
),
bounded AS (
    SELECT *, CASE WHEN decided IS NULL THEN by_rate ELSE least(by_rate, decided) END AS by_decision
    FROM years
),
subsidies AS (
    SELECT *, CASE
        WHEN cap IS NULL THEN by_decision
        WHEN cap_per = 'fiscal_year' THEN least(by_decision, cap)
        -- per award: what is left of the cap after the earlier years
        ELSE least(sum(by_decision) OVER w, cap) - least(sum(by_decision) OVER w - by_decision, cap)
    END AS subsidy
    FROM bounded
    WINDOW w AS (PARTITION BY award_number ORDER BY fiscal_year)
),
elapsed AS (
    SELECT *, greatest(starts_on, make_date(fiscal_year, $fy_start, 1)) AS year_from,
              least(ends_on, make_date(fiscal_year + 1, $fy_start, 1) - INTERVAL 1 DAY) AS year_to
    FROM subsidies
)"""

_AWARD_YEARS = f"""
WITH {_ACTIVE}, {_CLASSIFIED}, {_YEARS}
SELECT award_number, fiscal_year, CAST(budget AS BIGINT) AS budget, CAST(decided AS BIGINT) AS decided,
       CAST(spent AS BIGINT) AS spent, CAST(eligible AS BIGINT) AS eligible,
       CAST(subsidy AS BIGINT) AS subsidy, CAST(eligible - subsidy AS BIGINT) AS own_share,
       CASE WHEN budget > 0 THEN eligible / budget END AS burn,
       CASE WHEN CAST(year_to AS DATE) < year_from THEN NULL
            ELSE least(greatest((date_diff('day', year_from, $as_of) + 1)
                                / (date_diff('day', year_from, CAST(year_to AS DATE)) + 1), 0), 1)
       END AS time_elapsed
FROM elapsed ORDER BY award_number, fiscal_year
"""

_PARTNER_SHARES = f"""
WITH {_ACTIVE}, {_CLASSIFIED}, {_YEARS},
per_partner AS (
    SELECT award_number, fiscal_year, organization_code, sum(amount) AS spent,
           coalesce(sum(amount) FILTER (WHERE eligible), 0) AS eligible
    FROM spend GROUP BY ALL
),
weighted AS (
    SELECT p.*, s.subsidy,
           sum(greatest(p.eligible, 0)) OVER (PARTITION BY p.award_number, p.fiscal_year) AS weight
    FROM per_partner p JOIN subsidies s USING (award_number, fiscal_year)
),
split AS (
    SELECT *,
           CASE WHEN weight > 0 THEN CAST(subsidy AS HUGEINT) * greatest(eligible, 0) // weight ELSE 0 END
               AS base,
           CASE WHEN weight > 0 THEN CAST(subsidy AS HUGEINT) * greatest(eligible, 0) % weight ELSE 0 END
               AS rest
    FROM weighted
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY award_number, fiscal_year ORDER BY rest DESC, organization_code)
                  AS place,
              subsidy - sum(base) OVER (PARTITION BY award_number, fiscal_year) AS left_over
    FROM split
)
SELECT r.award_number, r.fiscal_year, r.organization_code, o.sector, CAST(r.spent AS BIGINT) AS spent,
       CAST(r.eligible AS BIGINT) AS eligible,
       CAST(r.base + CASE WHEN r.place <= r.left_over THEN 1 ELSE 0 END AS BIGINT) AS subsidy,
       CAST(r.eligible - r.base - CASE WHEN r.place <= r.left_over THEN 1 ELSE 0 END AS BIGINT) AS own_share
FROM ranked r LEFT JOIN organizations o USING (organization_code)
ORDER BY r.award_number, r.fiscal_year, r.organization_code
"""

# Rows behind the per-expenditure flags.
_SPEND_FLAGS = f"""
WITH {_ACTIVE}, {_CLASSIFIED}
SELECT award_number, category_code, organization_code, paid_on, evidence, CAST(amount AS BIGINT) AS amount,
       description, fiscal_year, outside_period, pre_award, not_allowed
FROM classified WHERE outside_period OR pre_award OR not_allowed
ORDER BY award_number, paid_on, organization_code, category_code, evidence
"""
# A 費目 whose eligible spend is over its budget by more than the transfer limit, per award × 年度
# (all partners together).
_OVER_BUDGET = f"""
WITH {_ACTIVE}, {_CLASSIFIED},
by_category AS (
    SELECT award_number, fiscal_year, category_code, sum(amount) AS spent
    FROM spend WHERE eligible GROUP BY ALL  -- spending flagged otherwise is not counted twice
),
budget_by_category AS (
    SELECT award_number, fiscal_year, category_code, sum(amount) AS budget FROM budget_lines GROUP BY ALL
)
SELECT c.award_number, c.fiscal_year, c.category_code, CAST(c.spent AS BIGINT) AS spent,
       CAST(coalesce(b.budget, 0) AS BIGINT) AS budget, a.transfer_bp / 10000 AS transfer_limit
FROM by_category c JOIN active a USING (award_number)
LEFT JOIN budget_by_category b USING (award_number, fiscal_year, category_code)
WHERE CAST(c.spent AS HUGEINT) * 10000 > CAST(coalesce(b.budget, 0) AS HUGEINT) * (10000 + a.transfer_bp)
ORDER BY c.award_number, c.fiscal_year, c.category_code
"""
# 人件費 over its cap, as a share of the award's eligible spend.
_PERSONNEL = f"""
WITH {_ACTIVE}, {_CLASSIFIED},
totals AS (
    SELECT award_number, coalesce(sum(amount) FILTER (WHERE personnel), 0) AS personnel,
           sum(amount) AS eligible
    FROM spend WHERE eligible GROUP BY ALL
)
SELECT t.award_number, CAST(t.personnel AS BIGINT) AS personnel, CAST(t.eligible AS BIGINT) AS eligible,
       a.personnel_bp / 10000 AS personnel_cap
FROM totals t JOIN active a USING (award_number)
WHERE a.personnel_bp IS NOT NULL AND t.eligible > 0
  AND CAST(t.personnel AS HUGEINT) * 10000 > CAST(t.eligible AS HUGEINT) * a.personnel_bp
ORDER BY t.award_number
"""
_RECEIVED = """
SELECT award_number, CAST(sum(amount) AS BIGINT) AS received FROM payments WHERE received_on <= $as_of
GROUP BY ALL ORDER BY award_number
"""
_AWARDS = """
SELECT a.award_number, a.version, a.project_code, a.programme_code, a.call_fiscal_year, a.call_round,
       a.decided_on, a.starts_on, a.ends_on, a.payment_mode, a.stage, a.amounts, a.confirmed_amount,
       p.kind, p.funder, p.name_ja AS programme_name_ja, p.name_en AS programme_name_en,
       p.rate_numerator, p.rate_denominator, p.cap, p.cap_per, p.report_days, p.follow_up_years,
       pr.lead_organization_code
FROM awards a JOIN programmes p USING (programme_code) LEFT JOIN projects pr USING (project_code)
ORDER BY a.award_number
"""
_CALLS = """
SELECT c.programme_code, c.fiscal_year, c.round, c.opens_on, c.closes_on, c.url, p.name_ja, p.name_en,
       p.funder
FROM funding_calls c JOIN programmes p USING (programme_code)
WHERE c.closes_on >= $as_of ORDER BY c.opens_on, c.programme_code, c.round
"""
_AWARD_KPIS = "SELECT award_number, kpi_code FROM award_kpis ORDER BY award_number, kpi_code"

_QUERIES = {
    "awards": (_AWARDS, ()),
    "years": (_AWARD_YEARS, ("as_of", "fy_start")),
    "partners": (_PARTNER_SHARES, ("as_of", "fy_start")),
    "spend_flags": (_SPEND_FLAGS, ("as_of", "fy_start")),
    "over_budget": (_OVER_BUDGET, ("as_of", "fy_start")),
    "personnel": (_PERSONNEL, ("as_of", "fy_start")),
    "received": (_RECEIVED, ("as_of",)),
    "calls": (_CALLS, ("as_of",)),
    "award_kpis": (_AWARD_KPIS, ()),
}
FUNDING_FRAMES = tuple(_QUERIES)


def funding_frames(cursor: duckdb.DuckDBPyConnection, as_of: date, fy_start: int) -> dict[str, pd.DataFrame]:
    """Every roll-up the funding status is assembled from, one query each (names: FUNDING_FRAMES)."""
    values: dict[str, Any] = {"as_of": as_of, "fy_start": fy_start}
    out = {}
    for name, (sql, params) in _QUERIES.items():
        out[name] = cursor.execute(sql, {p: values[p] for p in params}).df()
    return out
