"""Large synthetic portfolios for benchmarks: same column contract as kpi/demo/portfolio.py, vectorised."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import numpy as np
import pandas as pd

from kpi.demo import names
from kpi.demo.portfolio import (
    _DATE_COLUMNS,
    BUILTIN_KPIS,
    KPI_COLUMNS,
    Portfolio,
    _frame,
    split_horizons,
)
from kpi.fiscal import DEFAULT_START_MONTH, last_closed_quarter_end


def _categorical(codes: np.ndarray, categories: Any) -> pd.Categorical[str]:
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=str))


def synthetic_portfolio(
    n_projects: int, n_kpis: int, n_quarters: int, partners_per_project: int, today: date, seed: int = 0
) -> Portfolio:
    """A large generated portfolio for benchmarks: every partner reports every KPI each quarter.

    The built-in KPIs come first, then kpi_001 … when n_kpis > 3. Actual rows:
    n_projects × n_kpis × n_quarters × partners_per_project, up to the last quarter end ≤ today.
    """
    if min(n_projects, n_kpis, n_quarters, partners_per_project) < 1:
        raise ValueError("synthetic_portfolio needs at least one of everything")
    rng = np.random.default_rng(seed)
    n_p, n_k, n_q, n_r = n_projects, n_kpis, n_quarters, partners_per_project
    n_orgs = n_p // 2 + n_r
    sectors = np.array(["industry", "academia", "government"])[np.arange(n_orgs) % 3]
    prefectures = sorted({row[4] for row in names.ORGANIZATIONS})
    org_codes = [f"ORG{i:05d}" for i in range(n_orgs)]
    organizations = pd.DataFrame({
        "organization_code": org_codes, "name_ja": [f"合成機関{i:05d}" for i in range(n_orgs)],
        "name_en": [f"Synthetic organization {i:05d}" for i in range(n_orgs)], "sector": sectors,
        "prefecture": [prefectures[i % len(prefectures)] for i in range(n_orgs)]})  # fmt: skip
    # Partners: distinct organizations per project, the first one leads.
    stride = max(1, n_orgs // n_r)
    members = (rng.integers(0, n_orgs, n_p)[:, None] + stride * np.arange(n_r)) % n_orgs
    # Dates: reporting quarters end at the n_q last quarter ends; projects start 0-3 quarters
    # before the first of them; the long horizon lies after the last one (0-8 quarters).
    first_month = np.datetime64(last_closed_quarter_end(today, DEFAULT_START_MONTH), "M") + 1 - 3 * n_q
    period_ends = (first_month + 3 * (np.arange(n_q) + 1)).astype("datetime64[D]") - 1
    offset = rng.integers(0, 4, n_p)
    starts = (first_month - 3 * offset).astype("datetime64[D]")
    q_long = np.maximum(offset + n_q + rng.integers(0, 9, n_p), 6)
    q_mid = 4 + (q_long - 4) // 2

    def after(quarters: np.ndarray) -> np.ndarray:
        return (first_month - 3 * offset + 3 * quarters).astype("datetime64[D]") - 1

    codes = np.array([f"S{i:05d}" for i in range(n_p)])
    phase = np.array(["agreement", "planning", "demonstration", "implementation"])[
        np.clip((offset + n_q) * 4 // q_long, 0, 3)]  # fmt: skip
    projects = pd.DataFrame({
        "project_code": codes, "name_ja": [f"合成プロジェクト{i:05d}" for i in range(n_p)],
        "name_en": [f"Synthetic project {i:05d}" for i in range(n_p)],
        "field": [names.FIELDS[i % len(names.FIELDS)] for i in range(n_p)],
        "prefecture": [prefectures[i % len(prefectures)] for i in range(n_p)], "phase": phase,
        "start_date": starts, "end_date": after(q_long),
        "lead_organization_code": np.array(org_codes)[members[:, 0]]})  # fmt: skip
    member_sectors = sectors[members.ravel()]
    roles = np.where(
        np.tile(np.arange(n_r) == 0, n_p),
        names.LEAD_ROLE,
        np.vectorize(names.SECTOR_ROLES.__getitem__)(member_sectors),
    )
    partners = pd.DataFrame({"project_code": np.repeat(codes, n_r),
                             "organization_code": np.array(org_codes)[members.ravel()],
                             "role": roles})  # fmt: skip
    builtin = list(BUILTIN_KPIS[:n_k])
    custom = [names.synthetic_kpi(i) for i in range(1, n_k - len(builtin) + 1)]
    kpi_codes = builtin + [row[0] for row in custom]
    lower = np.array([k == "time_to_implementation" for k in builtin] + [c[5] == "lower" for c in custom])
    # Targets, one per project x KPI (index p * n_k + k); 5 % revised once.
    p_of, k_of = np.repeat(np.arange(n_p), n_k), np.tile(np.arange(n_k), n_p)
    low = lower[k_of]
    rate = rng.uniform(0.5, 3.0, n_p * n_k)
    base = np.where(low, 3.0 * q_long[p_of], rng.integers(0, 5, n_p * n_k).astype(float))

    def value_at(q: np.ndarray) -> np.ndarray:
        return np.where(low, 3.0 * (q_long[p_of] - q), np.round(base + rate * q, 1))

    has_mid = rng.random(n_p * n_k) > 0.1
    targets = pd.DataFrame({
        "project_code": codes[p_of], "kpi_code": np.array(kpi_codes)[k_of], "version": 1,
        "baseline_value": base, "baseline_date": starts[p_of],
        "short_value": value_at(np.full(n_p * n_k, 4)), "short_date": after(np.full(n_p, 4))[p_of],
        "mid_value": np.where(has_mid, value_at(q_mid[p_of]), np.nan),
        "mid_date": np.where(has_mid, after(q_mid)[p_of], np.datetime64("NaT")),
        "long_value": value_at(q_long[p_of]), "long_date": after(q_long)[p_of], "reason": "",
        "recorded_by": "synthetic", "recorded_at": starts[p_of]})  # fmt: skip
    revised = targets[rng.random(n_p * n_k) < 0.05].copy()
    revised["version"] = 2
    revised["long_value"] = np.where(
        low[revised.index], revised["long_value"], np.round(revised["long_value"] * 1.2, 1)
    )
    revised["reason"] = "目標の見直し / target revised"
    revised["recorded_at"] = revised["recorded_at"] + np.timedelta64(400, "D")
    targets = pd.concat([targets, revised], ignore_index=True)
    # Actuals: row i = ((p * n_k + k) * n_q + q) * n_r + r.
    n = n_p * n_k * n_q * n_r
    pair = np.repeat(np.arange(n_p * n_k), n_q * n_r)
    q_idx = np.tile(np.repeat(np.arange(n_q), n_r), n_p * n_k)
    org_idx = members[pair // n_k, np.tile(np.arange(n_r), n_p * n_k * n_q)]
    factor = rng.choice([1.3, 1.08, 0.8, 0.5], n_p * n_k, p=[0.2, 0.45, 0.2, 0.15])[pair]
    noise = rng.uniform(0.8, 1.2, n)
    elapsed = (offset[p_of][pair] + q_idx + 1).astype(float)
    value = np.where(
        low[pair],
        np.maximum(0.0, base[pair] - 3.0 * factor * elapsed * noise),
        rate[pair] * factor * noise / n_r,
    )
    lag = rng.integers(5 * 86400, 45 * 86400, n).astype("timedelta64[s]")
    recorded = np.minimum(
        period_ends[q_idx].astype("datetime64[s]") + lag, np.datetime64(datetime.combine(today, time(8)), "s")
    )
    actuals = pd.DataFrame({
        "project_code": _categorical(pair // n_k, codes),
        "kpi_code": _categorical(pair % n_k, kpi_codes),
        "period_end": period_ends[q_idx].astype("datetime64[ns]"),
        "organization_code": _categorical(org_idx, org_codes),
        "value": np.round(value, 1),
        "note": _categorical(np.zeros(n, dtype=np.int8), [""]),
        "recorded_by": _categorical(org_idx, [c.lower() for c in org_codes]),
        "recorded_at": recorded.astype("datetime64[ns]"),
        "source": _categorical(np.zeros(n, dtype=np.int8), ["synthetic"]),
    })  # fmt: skip
    for frame in (projects, targets):
        for column in _DATE_COLUMNS.intersection(frame.columns):
            frame[column] = frame[column].astype("datetime64[ns]")
    versions, points = split_horizons(targets)
    kpis = _frame([(*c, "progress", "quarter") for c in custom], KPI_COLUMNS)
    return Portfolio(organizations, projects, partners, kpis, versions, actuals, points)
