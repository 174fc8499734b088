"""Sample portfolios: the realistic demo of `python -m kpi init --demo` and large synthetic ones.

Both return a `Portfolio` of DataFrames that kpi/storage/bulk.py loads into a fresh database.
Dates are datetime64[ns] columns (NaT where absent). `actuals` may hold several versions of one
key (a later correction); the one recorded last is current. Everything is deterministic: the
only input besides the arguments is a fixed random seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from kpi import demo_names as names

ORGANIZATION_COLUMNS = ["organization_code", "name_ja", "name_en", "sector", "prefecture"]
PROJECT_COLUMNS = [
    "project_code", "name_ja", "name_en", "field", "prefecture", "phase", "start_date",
    "end_date", "lead_organization_code",
]  # fmt: skip
PARTNER_COLUMNS = ["project_code", "organization_code", "role"]
KPI_COLUMNS = [
    "kpi_code", "name_ja", "name_en", "unit_ja", "unit_en", "direction", "accumulation",
    "combine", "allow_negative", "builtin",
]  # fmt: skip
TARGET_COLUMNS = [
    "project_code", "kpi_code", "version", "baseline_value", "baseline_date",
    "short_value", "short_date", "mid_value", "mid_date", "long_value", "long_date",
    "reason", "recorded_by", "recorded_at",
]  # fmt: skip
ACTUAL_COLUMNS = [
    "project_code", "kpi_code", "period_end", "organization_code", "value", "note",
    "recorded_by", "recorded_at", "source",
]  # fmt: skip
_DATE_COLUMNS = {"start_date", "end_date", "baseline_date", "short_date", "mid_date",
                 "long_date", "period_end", "recorded_at"}  # fmt: skip

BUILTIN_KPIS = ("joint_studies", "time_to_implementation", "local_jobs")
DEMO_SEED = 20250401


@dataclass
class Portfolio:
    """One portfolio as DataFrames, columns as in the *_COLUMNS lists above."""

    organizations: pd.DataFrame
    projects: pd.DataFrame
    partners: pd.DataFrame
    kpis: pd.DataFrame
    targets: pd.DataFrame
    actuals: pd.DataFrame


def _frame(rows: list[Any], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for column in _DATE_COLUMNS.intersection(columns):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def last_quarter_end(today: date) -> date:
    """The last fiscal quarter end (3/31, 6/30, 9/30, 12/31) on or before `today`."""
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    if _add_months(quarter_start, 3) - timedelta(days=1) == today:
        return today
    return quarter_start - timedelta(days=1)


def _plan(points: list[tuple[date, float]], day: date) -> float:
    """SPEC section 3's plan: piecewise linear through the points, flat outside them."""
    if day <= points[0][0]:
        return points[0][1]
    for (d1, v1), (d2, v2) in pairwise(points):
        if day < d2:
            return v1 + (v2 - v1) * (day - d1).days / (d2 - d1).days
    return points[-1][1]


def _unit(kpi: str) -> float:
    """Targets are round numbers: whole units, or multiples of 5 for money."""
    return 5.0 if names.KPI_PLAN[kpi][2] < 1 else 1.0


def _target_values(kpi: str, quarters: list[int | None], scale: float) -> tuple[float, list[float]]:
    """Baseline and the value at each present horizon of an original target set."""
    present = [q for q in quarters if q is not None]
    if kpi == "time_to_implementation":  # months left until the last horizon
        return 3.0 * present[-1], [3.0 * (present[-1] - q) for q in present]
    rate, base, _resolution = names.KPI_PLAN[kpi]
    unit = _unit(kpi)
    baseline = round(base * scale / unit) * unit
    values: list[float] = []
    for q in present:
        value = round((baseline + rate * scale * q / 4) / unit) * unit
        values.append(max(value, (values[-1] if values else baseline) + unit))
    return baseline, values


def _revise(kpi: str, baseline: float, quarters: list[int | None], values: list[float],
            revision: tuple[int, float, int]) -> tuple[list[int | None], list[float]]:  # fmt: skip
    """A revision (at quarter, factor, shift): later increments times factor, last horizon moved."""
    at, factor, shift = revision
    last = max(q for q in quarters if q is not None)
    new_quarters = [q + shift if q == last else q for q in quarters]
    present = [q for q in new_quarters if q is not None]
    new_values = []
    for q, value in zip(present, values, strict=True):
        if q <= at:
            new_values.append(value)
        elif kpi == "time_to_implementation":
            new_values.append(3.0 * (present[-1] - q))
        else:
            unit = _unit(kpi)
            revised = round((baseline + (value - baseline) * factor) / unit) * unit
            new_values.append(max(revised, (new_values[-1] if new_values else baseline) + unit))
    return new_quarters, new_values


def _split(units: int, weights: list[float]) -> list[int]:
    """Split an integer over partners in proportion to weights (largest remainder)."""
    raw = [units * w / sum(weights) for w in weights]
    shares = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (shares[i] - raw[i], i))
    for i in order[: units - sum(shares)]:
        shares[i] += 1
    return shares


def _stamp(day: date, rng: random.Random, lag_days: int, today: date) -> datetime:
    at = datetime.combine(day, time(9)) + timedelta(days=lag_days, minutes=rng.randint(0, 540))
    return min(at, datetime.combine(today, time(8)))


def demo_portfolio(today: date) -> Portfolio:
    """The realistic sample portfolio, with its reports up to the last quarter end ≤ today."""
    rng = random.Random(DEMO_SEED)
    anchor = last_quarter_end(today)
    this_quarter = anchor + timedelta(days=1)
    org_rows = [row[:5] for row in names.ORGANIZATIONS]
    sectors = {row[0]: row[3] for row in names.ORGANIZATIONS}
    contact = {row[0]: f"{row[5]}@{row[0].lower()}" for row in names.ORGANIZATIONS}
    kpi_rows = [(*k, "higher", "sum", "sum", False, False) for k in names.CUSTOM_KPIS]
    projects, partners, targets, actuals = [], [], [], []
    for (code, name_ja, name_en, field, pref, phase, age, duration, horizons, lead, others,
         profile, late, scale) in names.PROJECTS:  # fmt: skip
        start = _add_months(this_quarter, -3 * age)

        def quarter_end(q: int, start: date = start) -> date:
            return _add_months(start, 3 * q) - timedelta(days=1)

        projects.append((code, name_ja, name_en, field, pref, phase, start,
                         quarter_end(duration), lead))  # fmt: skip
        members = [lead, *others]
        partners += [(code, org, names.LEAD_ROLE if org == lead else names.SECTOR_ROLES[sectors[org]])
                     for org in members]  # fmt: skip
        for kpi, letter in zip(names.PROFILE_KPIS, profile, strict=True):
            if letter == "-":
                continue
            quarters: list[int | None] = list(horizons)
            baseline, values = _target_values(kpi, quarters, scale)
            versions = [(quarters, values, "", start)]
            for r_code, r_kpi, at, factor, shift, reason in names.REVISIONS:
                if (r_code, r_kpi) == (code, kpi):
                    quarters, values = _revise(kpi, baseline, quarters, values, (at, factor, shift))
                    versions.append((quarters, values, reason, quarter_end(at) + timedelta(20)))
            if letter != "T":
                for version, (qs, vs, reason, day) in enumerate(versions, start=1):
                    present_values = iter(vs)
                    horizon_cells: list[Any] = []
                    for q in qs:
                        cells = [None, None] if q is None else [next(present_values), quarter_end(q)]
                        horizon_cells += cells
                    targets.append((code, kpi, version, baseline, start, *horizon_cells, reason,
                                    contact[lead], _stamp(day, rng, 0, today)))  # fmt: skip
            if letter == "N":
                continue
            current_quarters, current_values = versions[-1][0], versions[-1][1]
            horizon_dates = [quarter_end(q) for q in current_quarters if q is not None]
            points = [(start, baseline), *zip(horizon_dates, current_values, strict=True)]
            reporters = [lead] if kpi == "time_to_implementation" else members
            weights = [2.0 if org == lead else rng.uniform(0.5, 1.5) for org in reporters]
            resolution = names.KPI_PLAN.get(kpi, (0, 0, 1.0))[2]
            reported = 0
            for q in range(1, min(age, duration) + 1):
                period_end = quarter_end(q)
                progress = names.PROFILE_FACTORS[letter] * (1 + rng.uniform(-0.04, 0.04))
                expected = progress * (_plan(points, period_end) - baseline)
                if kpi == "time_to_implementation":
                    shares = [max(0, round(baseline + expected))]
                else:
                    cumulative = max(reported, round(expected / resolution))
                    shares = _split(cumulative - reported, weights)
                    reported = cumulative
                for org, share in zip(reporters, shares, strict=True):
                    if org == late and period_end == anchor:
                        continue
                    note = rng.choice(names.NOTES[kpi]) if rng.random() < 0.07 else ""
                    actuals.append([code, kpi, period_end, org, round(share * resolution, 1), note,
                                    contact[org], _stamp(period_end, rng, rng.randint(8, 40), today),
                                    "demo"])  # fmt: skip
    _add_corrections(actuals, rng, anchor, today)
    return Portfolio(
        organizations=_frame(org_rows, ORGANIZATION_COLUMNS),
        projects=_frame(projects, PROJECT_COLUMNS),
        partners=_frame(partners, PARTNER_COLUMNS),
        kpis=_frame(kpi_rows, KPI_COLUMNS),
        targets=_frame(targets, TARGET_COLUMNS),
        actuals=_frame(actuals, ACTUAL_COLUMNS),
    )


def _add_corrections(actuals: list[list[Any]], rng: random.Random, anchor: date, today: date) -> None:
    """A few reports first sent one too low, then corrected: two versions of one key."""
    candidates = [row for row in actuals if row[1] in ("joint_studies", "local_jobs")
                  and row[4] >= 1 and row[2] < anchor - timedelta(days=200)]  # fmt: skip
    for row in rng.sample(candidates, 4):
        corrected = [*row[:5], names.CORRECTION_NOTE, row[6],
                     min(row[7] + timedelta(days=21), datetime.combine(today, time(8, 30))),
                     "demo"]  # fmt: skip
        row[4] -= 1
        actuals.append(corrected)


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
    first_month = np.datetime64(last_quarter_end(today), "M") + 1 - 3 * n_q
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
    return Portfolio(organizations, projects, partners, _frame(custom, KPI_COLUMNS), targets, actuals)
