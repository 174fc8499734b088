"""A registry folder for `python -m kpi setup DIR`, written from a synthetic portfolio.

The files are the ones an administrator keeps (kpis, organizations, projects, partners and one
target row per point), so setup is measured on what it really reads.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from benchmarks.synthetic import synthetic_portfolio
from kpi.demo.portfolio import Portfolio


def write_registry(portfolio: Portfolio, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    kpis = portfolio.kpis.rename(columns={"unit_ja": "unit"})
    kpis = kpis[["kpi_code", "name_en", "name_ja", "unit", "unit_en", "direction", "accumulation",
                 "combine", "allow_negative", "achievement", "frequency"]]  # fmt: skip
    organizations = portfolio.organizations.rename(columns={"name_ja": "name"})
    projects = portfolio.projects.rename(columns={"name_ja": "name"})
    # The file holds today's targets: the latest version of each set, a horizon named once.
    latest = portfolio.targets.sort_values("version").groupby(["project_code", "kpi_code"]).tail(1)
    targets = latest[["project_code", "kpi_code", "version", "baseline_value", "baseline_date"]]
    rows = portfolio.target_points.merge(targets, on=["project_code", "kpi_code", "version"])
    repeated = rows.duplicated(["project_code", "kpi_code", "horizon"], keep="last")
    rows["horizon"] = rows["horizon"].where(~repeated, None)
    rows = rows.rename(columns={"value": "target_value", "day": "target_date"})
    rows = rows[["project_code", "kpi_code", "horizon", "target_value", "target_date", "baseline_value",
                 "baseline_date"]]  # fmt: skip
    frames = {"kpis": kpis, "organizations": organizations, "projects": projects,
              "partners": portfolio.partners, "targets": rows}  # fmt: skip
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def registry_rows(folder: Path) -> dict[str, int]:
    """Rows per file, for the benchmark's caption."""
    return {p.stem: len(pd.read_csv(p)) for p in sorted(folder.glob("*.csv"))}


def synthetic_registry(projects: int, kpis: int, partners: int, folder: Path, today: date) -> Path:
    portfolio = synthetic_portfolio(projects, kpis, 1, partners, today)
    return write_registry(portfolio, folder)
