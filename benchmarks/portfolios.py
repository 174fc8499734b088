"""Benchmark databases: synthetic portfolios at three sizes, and a 100,000-row partner file.

Each size is generated and loaded once per benchmark run into a temporary folder; the import
benchmark copies that file before each run so every run imports into the same state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from benchmarks.synthetic import synthetic_portfolio
from kpi.access import Actor
from kpi.accounts.manage import create_account
from kpi.demo.portfolio import Portfolio
from kpi.storage import Database
from kpi.storage.bulk import load_portfolio

TODAY = date(2026, 11, 26)
BENCH_ORG = "BENCH-ORG"  # the organization that uploads the large partner file
BENCH_USER = "bench-executive"
BENCH_PASSWORD = "benchmark password"
IMPORT_ROWS = 100_000


@dataclass(frozen=True)
class Size:
    name: str
    projects: int
    kpis: int
    quarters: int
    partners: int

    @property
    def actual_rows(self) -> int:
        return self.projects * self.kpis * self.quarters * self.partners


SIZES = {
    "S": Size("S", 25, 5, 12, 3),
    "M": Size("M", 1_000, 5, 24, 3),
    "L": Size("L", 10_000, 6, 40, 3),
}


@dataclass(frozen=True)
class Built:
    size: Size
    path: Path
    build_seconds: float
    import_projects: list[str]  # projects BENCH_ORG is a partner of
    kpi_codes: list[str]
    period_ends: list[date]


def _with_bench_partner(portfolio: Portfolio, size: Size) -> tuple[Portfolio, list[str]]:
    """Make BENCH_ORG a partner of as many projects as a 100,000-row long file needs."""
    per_project = size.kpis * size.quarters
    wanted = min(size.projects, -(-IMPORT_ROWS // per_project))
    projects = portfolio.projects["project_code"].head(wanted).tolist()
    organization = pd.DataFrame(
        [{"organization_code": BENCH_ORG, "name_ja": "ベンチマーク機関", "name_en": "Benchmark org",
          "sector": "academia", "prefecture": portfolio.organizations["prefecture"].iloc[0]}]
    )  # fmt: skip
    partners = pd.DataFrame({"project_code": projects, "organization_code": BENCH_ORG, "role": "共同研究"})
    portfolio.organizations = pd.concat([portfolio.organizations, organization], ignore_index=True)
    portfolio.partners = pd.concat([portfolio.partners, partners], ignore_index=True)
    return portfolio, projects


def build(size: Size, folder: Path) -> Built:
    started = time.perf_counter()
    portfolio = synthetic_portfolio(size.projects, size.kpis, size.quarters, size.partners, TODAY)
    portfolio, projects = _with_bench_partner(portfolio, size)
    kpi_codes = sorted(portfolio.targets["kpi_code"].unique().tolist())
    periods = sorted({ts.date() for ts in pd.to_datetime(portfolio.actuals["period_end"].unique())})
    path = folder / f"{size.name}.duckdb"
    db = Database(path)
    db.migrate()
    with db.transaction() as cursor:
        load_portfolio(cursor, portfolio, actor="benchmark")
    # The pages are measured as an executive sees them: every project, behind sign-in.
    create_account(db, {"username": BENCH_USER, "display_name": "Benchmark", "role": "executive"},
                   password=BENCH_PASSWORD, actor=Actor.operator("benchmark"), lang="en")  # fmt: skip
    db.close()
    del portfolio
    return Built(size, path, time.perf_counter() - started, projects, kpi_codes, periods)


def partner_csv(built: Built, rows: int = IMPORT_ROWS) -> bytes:
    """A long-format UTF-8 file as a partner's Excel saves it: thousands separators, slashes."""
    lines = ["project_code,kpi_code,period_end,value,note"]
    count = 0
    for p_index, project in enumerate(built.import_projects):
        for k_index, kpi in enumerate(built.kpi_codes):
            for q_index, day in enumerate(built.period_ends):
                if count == rows:
                    break
                value = (p_index * 7 + k_index * 3 + q_index) % 1500 + 0.5 * (q_index % 2)
                text = f'"{value:,.1f}"' if value >= 1000 else f"{value:g}"
                note = "見直し" if count % 50 == 0 else ""
                lines.append(f"{project},{kpi},{day.year}/{day.month}/{day.day},{text},{note}")
                count += 1
    if count < rows:
        raise ValueError(f"size {built.size.name} has room for only {count} distinct rows")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
