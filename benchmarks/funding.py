"""The funding overview at L (issue 19): every project with an award, 5 years × 7 費目 × 3 partners of
budget lines, and 50,000 expenditures, added to a built benchmark database.

    .venv/bin/python -m benchmarks.funding [--size L] [--runs 5]

Prints funding_status's median time beside a floor measured in the same run: one GROUP BY over the
same expenditures and budget lines. Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.figures import _clear_caches, _run_page, median_seconds
from benchmarks.portfolios import SIZES, TODAY, Built, build
from kpi.access import Actor
from kpi.funding.status import funding_status
from kpi.storage import Database
from kpi.storage.funding import insert_frames
from kpi.storage.registry import read_table

CATEGORIES = ("personnel", "equipment", "supplies", "travel", "outsourcing", "other", "indirect")
YEARS = 5
EXPENDITURES = 50_000
FLOOR_SQL = """
SELECT e.award_number, year(e.paid_on) AS y, sum(e.amount) AS spent,
       (SELECT sum(amount) FROM budget_versions b WHERE b.award_number = e.award_number) AS budget
FROM expenditure_versions e GROUP BY ALL
"""


def add_funding(built: Built, seed: int = 19) -> dict[str, int]:
    """One award per project (a 2/3 subsidy over YEARS fiscal years ending after TODAY), its budget
    lines for three partners, EXPENDITURES expenditures spread over the awards; set-based."""
    rng = np.random.default_rng(seed)
    db = Database(built.path)
    with db.cursor() as cursor:
        table = read_table(cursor, "partners")
    partners = table.groupby("project_code")["organization_code"].apply(lambda s: list(s)[:3])
    projects = list(partners.index)
    first_year = TODAY.year - 2
    starts, ends = date(first_year, 4, 1), date(first_year + YEARS, 3, 31)
    now = datetime(2026, 1, 1)
    numbers = [f"BENCH-{i:05d}" for i in range(len(projects))]
    awards = pd.DataFrame(
        {
            "award_number": numbers,
            "version": 1,
            "project_code": projects,
            "programme_code": "BENCH",
            "decided_on": starts,
            "starts_on": starts,
            "ends_on": ends,
            "payment_mode": "settlement",
            "stage": "awarded",
            "amounts": [
                [{"fiscal_year": first_year + k, "amount": 20_000_000} for k in range(YEARS)] for _ in numbers
            ],
            "recorded_by": "benchmark",
            "recorded_at": now,
        }
    )
    lines = [
        (n, first_year + y, c, o)
        for n, p in zip(numbers, projects, strict=True)
        for y in range(YEARS)
        for c in CATEGORIES
        for o in partners[p]
    ]
    budgets = pd.DataFrame(
        lines, columns=["award_number", "fiscal_year", "category_code", "organization_code"]
    )
    budgets = budgets.assign(amount=1_000_000, recorded_by="benchmark", recorded_at=now)
    picks = rng.integers(0, len(lines), EXPENDITURES)
    days = rng.integers(0, (TODAY - starts).days, EXPENDITURES)
    spent = pd.DataFrame(
        {
            "award_number": [lines[i][0] for i in picks],
            "category_code": [lines[i][2] for i in picks],
            "organization_code": [lines[i][3] for i in picks],
            "paid_on": [starts + timedelta(days=int(d)) for d in days],
            "evidence": [f"E{i}" for i in range(EXPENDITURES)],
            "amount": rng.integers(1, 2_000, EXPENDITURES) * 1_000,
            "recorded_by": "benchmark",
            "recorded_at": now,
            "source": "benchmark",
        }
    )
    programme = pd.DataFrame(
        [
            {
                "programme_code": "BENCH",
                "name_ja": "ベンチマーク補助金",
                "name_en": "Benchmark subsidy",
                "funder": "国",
                "kind": "subsidy",
                "rate_numerator": 2,
                "rate_denominator": 3,
                "cap": 90_000_000,
                "cap_per": "award",
                "transfer_limit": 0.2,
                "personnel_cap": 0.5,
                "pre_award_spending": False,
                "report_days": 30,
                "follow_up_years": 5,
            }
        ]
    )
    allowed = pd.DataFrame({"programme_code": "BENCH", "category_code": list(CATEGORIES[:-1])})
    with db.transaction() as cursor:
        counts = insert_frames(
            cursor,
            {
                "programmes": programme,
                "programme_categories": allowed,
                "award_versions": awards,
                "budget_versions": budgets,
                "expenditure_versions": spent,
            },
        )
    db.close()
    return counts


def funding_figures(built: Built, runs: int) -> dict[str, float]:
    """funding_status and its floor on one open handle; the funding page (AppTest, as an executive)."""
    db = Database(built.path)
    operator = Actor.operator("benchmark")
    with db.cursor() as cursor:
        funding_status(db, TODAY, operator)  # warm-up
        figures = {
            "funding_status": median_seconds(lambda: funding_status(db, TODAY, operator), runs),
            "group_by": median_seconds(lambda: cursor.execute(FLOOR_SQL).df(), runs),
        }
    db.close()

    def page() -> None:
        _run_page(built, "pages/funding.py")

    page()  # warms imports
    figures["page first"] = median_seconds(page, runs, before=_clear_caches)
    figures["page cached"] = median_seconds(page, runs)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="L", choices=list(SIZES))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as tmp:
        built = build(SIZES[args.size], Path(tmp))
        counts = add_funding(built)
        print(f"{args.size}: {counts}")
        f = funding_figures(built, args.runs)
    ratio = f["funding_status"] / f["group_by"]
    print(
        f"funding status at {args.size}: {f['funding_status']:.3f} s;"
        f" floor (one GROUP BY) {f['group_by']:.3f} s;"
        f" ratio {ratio:.1f}×"
    )
    print(
        f"funding page at {args.size}: first view {f['page first']:.3f} s,"
        f" cached rerun {f['page cached']:.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
