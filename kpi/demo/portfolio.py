"""The realistic demo portfolio of `python -m kpi init --demo` (large ones: benchmarks/synthetic.py).

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

import pandas as pd

from kpi.demo import names
from kpi.demo.real import REAL_KPIS, real_kpi_rows
from kpi.fiscal import DEFAULT_START_MONTH, last_closed_quarter_end

ORGANIZATION_COLUMNS = ["organization_code", "name_ja", "name_en", "sector", "prefecture"]
PROJECT_COLUMNS = [
    "project_code", "name_ja", "name_en", "field", "prefecture", "phase", "start_date",
    "end_date", "lead_organization_code",
]  # fmt: skip
PARTNER_COLUMNS = ["project_code", "organization_code", "role"]
KPI_COLUMNS = [
    "kpi_code", "name_ja", "name_en", "unit_ja", "unit_en", "direction", "accumulation",
    "combine", "allow_negative", "builtin", "achievement", "frequency",
]  # fmt: skip
CLASSIC_TARGET_COLUMNS = [
    "project_code", "kpi_code", "version", "baseline_value", "baseline_date",
    "short_value", "short_date", "mid_value", "mid_date", "long_value", "long_date",
    "reason", "recorded_by", "recorded_at",
]  # fmt: skip
# Generators write the classic three horizons as columns; split_horizons() turns them into points.
VERSION_COLUMNS = [c for c in CLASSIC_TARGET_COLUMNS if not c.startswith(("short_", "mid_", "long_"))]
POINT_COLUMNS = ["project_code", "kpi_code", "version", "day", "value", "horizon"]
ACTUAL_COLUMNS = [
    "project_code", "kpi_code", "period_end", "organization_code", "value", "note",
    "recorded_by", "recorded_at", "source",
]  # fmt: skip
_DATE_COLUMNS = {"start_date", "end_date", "baseline_date", "short_date", "mid_date",
                 "long_date", "period_end", "recorded_at", "day"}  # fmt: skip
_HORIZON_NAMES = ("short", "mid", "long")

BUILTIN_KPIS = ("joint_studies", "time_to_implementation", "local_jobs")
DEMO_SEED = 20250401


@dataclass
class Portfolio:
    """One portfolio as DataFrames, columns as in the *_COLUMNS lists above."""

    organizations: pd.DataFrame
    projects: pd.DataFrame
    partners: pd.DataFrame
    kpis: pd.DataFrame
    targets: pd.DataFrame  # one row per target version, without its points
    actuals: pd.DataFrame
    target_points: pd.DataFrame  # POINT_COLUMNS: the points of each version


def split_horizons(wide: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Target versions with short/mid/long columns → (versions, points in POINT_COLUMNS)."""
    keys = ["project_code", "kpi_code", "version"]
    parts = []
    for h in _HORIZON_NAMES:
        part = wide.loc[wide[f"{h}_date"].notna(), [*keys, f"{h}_date", f"{h}_value"]]
        part = part.set_axis([*keys, "day", "value"], axis=1).assign(horizon=h)
        parts.append(part)
    points = pd.concat(parts, ignore_index=True)[POINT_COLUMNS]
    points["day"] = points["day"].astype("datetime64[ns]")
    horizon_columns = [f"{h}_{f}" for h in _HORIZON_NAMES for f in ("value", "date")]
    return wide.drop(columns=horizon_columns), points


def _frame(rows: list[Any], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for column in _DATE_COLUMNS.intersection(columns):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


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


def demo_portfolio(today: date, start_month: int = DEFAULT_START_MONTH) -> Portfolio:
    """The realistic sample portfolio, with its reports up to the last fiscal quarter end ≤ today
    (the anchor) for fiscal years starting in `start_month` (the setting fiscal_year_start_month):
    projects start on a quarter's first day and report at its end, yearly KPIs per fiscal year."""
    rng = random.Random(DEMO_SEED)
    anchor = last_closed_quarter_end(today, start_month)
    this_quarter = anchor + timedelta(days=1)
    org_rows = [row[:5] for row in names.ORGANIZATIONS]
    sectors = {row[0]: row[3] for row in names.ORGANIZATIONS}
    contact = {row[0]: f"{row[5]}@{row[0].lower()}" for row in names.ORGANIZATIONS}
    kpi_rows = [(*k, "higher", "sum", "sum", False, False, "progress", "quarter") for k in names.CUSTOM_KPIS]
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
    classic_versions, classic_points = split_horizons(_frame(targets, CLASSIC_TARGET_COLUMNS))
    dates = {row[0]: (row[6], row[7], row[8]) for row in projects}
    real_targets, real_points, real_actuals = real_kpi_rows(dates, contact, anchor, today, start_month)
    kpi_rows += list(REAL_KPIS)
    actuals += real_actuals
    target_versions = pd.concat([classic_versions, _frame(real_targets, VERSION_COLUMNS)], ignore_index=True)
    target_points = pd.concat([classic_points, _frame(real_points, POINT_COLUMNS)], ignore_index=True)
    return Portfolio(
        organizations=_frame(org_rows, ORGANIZATION_COLUMNS),
        projects=_frame(projects, PROJECT_COLUMNS),
        partners=_frame(partners, PARTNER_COLUMNS),
        kpis=_frame(kpi_rows, KPI_COLUMNS),
        targets=target_versions,
        actuals=_frame(actuals, ACTUAL_COLUMNS),
        target_points=target_points,
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
