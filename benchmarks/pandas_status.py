"""Baseline: SPEC section 3 the way a typical dashboard does it, with pandas over whole tables.

Load the current actuals and targets into DataFrames, then groupby / merge / cumsum. Vectorised
(no per-project Python loop), so it is a fair baseline, not a straw man. bench.py checks at the
smallest size that it agrees with kpi.status.portfolio_status.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from kpi.storage import Database

PAIR = ["project_code", "kpi_code"]
HORIZONS = ("short", "mid", "long")


def _load(db: Database) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    with db.cursor() as cursor:
        actuals = cursor.execute("SELECT * FROM actual_current").df()
        # The synthetic portfolios have classic plans: the tagged points as the three horizon columns.
        targets = cursor.execute(
            "SELECT project_code, kpi_code, version, baseline_value, baseline_date,"
            " list_filter(points, lambda p: p.horizon = 'short')[1].value AS short_value,"
            " list_filter(points, lambda p: p.horizon = 'short')[1].day AS short_date,"
            " list_filter(points, lambda p: p.horizon = 'mid')[1].value AS mid_value,"
            " list_filter(points, lambda p: p.horizon = 'mid')[1].day AS mid_date,"
            " list_filter(points, lambda p: p.horizon = 'long')[1].value AS long_value,"
            " list_filter(points, lambda p: p.horizon = 'long')[1].day AS long_date"
            " FROM target_versions"
        ).df()
        kpis = cursor.execute("SELECT kpi_code, direction, accumulation, combine FROM kpi_definitions").df()
    return actuals, targets, kpis


def _days(column: pd.Series) -> np.ndarray:
    return (pd.to_datetime(column) - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)


def _plan(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Piecewise linear through baseline and the present horizons, flat outside."""
    points = [("baseline_date", "baseline_value")] + [(f"{h}_date", f"{h}_value") for h in HORIZONS]
    plan = pd.Series(np.nan, index=frame.index)
    prev_d, prev_v = frame["baseline_date"], frame["baseline_value"]
    done = frame["baseline_date"].isna() | (as_of <= frame["baseline_date"])
    plan[frame["baseline_date"].notna() & done] = frame["baseline_value"]
    for d_col, v_col in points[1:]:
        present = frame[d_col].notna()
        here = present & ~done & (as_of < frame[d_col])
        span = (frame[d_col] - prev_d).dt.days.astype(float)
        since = (as_of - prev_d).dt.days.astype(float)
        plan[here] = (prev_v + (frame[v_col] - prev_v) * since / span)[here]
        done = done | here
        prev_d = prev_d.where(~present, frame[d_col])
        prev_v = prev_v.where(~present, frame[v_col])
    plan[~done] = prev_v[~done]
    return plan


def pandas_status(db: Database, as_of: date, on_track: float = 0.9, at_risk: float = 0.7) -> pd.DataFrame:
    actuals, targets, kpis = _load(db)
    day = pd.Timestamp(as_of)
    targets = targets.sort_values("version").drop_duplicates(PAIR, keep="last")
    counted = actuals.merge(targets[[*PAIR, "baseline_date"]], on=PAIR, how="left")
    counted = counted[
        (counted["period_end"] <= day)
        & (counted["baseline_date"].isna() | (counted["period_end"] > counted["baseline_date"]))
    ].merge(kpis, on="kpi_code")
    # Rule combine: partners' reports for one period add up, or the latest recorded wins.
    keys = [*PAIR, "period_end"]
    summed = counted.groupby(keys, observed=True)["value"].sum()
    latest = counted.sort_values("version_id").groupby(keys, observed=True)["value"].last()
    periods = counted.groupby(keys, observed=True)[["combine", "accumulation"]].first()
    periods["amount"] = np.where(periods["combine"] == "sum", summed, latest)
    periods = periods.reset_index().sort_values(keys)
    # Rule accumulation: value to date at each period end.
    periods = periods.merge(targets[[*PAIR, "baseline_value"]], on=PAIR, how="left")
    running = periods.groupby(PAIR, observed=True)["amount"].cumsum()
    periods["v"] = np.where(
        periods["accumulation"] == "sum", periods["baseline_value"].fillna(0.0) + running, periods["amount"]
    )
    by_pair = periods.groupby(PAIR, observed=True)
    last = by_pair.agg(value=("v", "last"), last_period_end=("period_end", "last"))
    # Least squares over the last eight periods.
    fit = periods.groupby(PAIR, observed=True).tail(8).assign(x=lambda f: _days(f["period_end"]))
    fit = fit.assign(xx=fit["x"] * fit["x"], xy=fit["x"] * fit["v"])
    sums = fit.groupby(PAIR, observed=True).agg(
        n=("x", "size"), sx=("x", "sum"), sy=("v", "sum"), sxx=("xx", "sum"), sxy=("xy", "sum")
    )
    slope = (sums["n"] * sums["sxy"] - sums["sx"] * sums["sy"]) / (sums["n"] * sums["sxx"] - sums["sx"] ** 2)
    last["slope"] = slope.where(sums["n"] >= 2)
    last["intercept"] = ((sums["sy"] - slope * sums["sx"]) / sums["n"]).where(sums["n"] >= 2)
    last = last.reset_index()

    pairs = pd.concat([targets[PAIR], actuals[PAIR].drop_duplicates()]).drop_duplicates()
    pairs = pairs.astype(str)
    frame = (
        pairs.merge(kpis, on="kpi_code")
        .merge(targets.astype({"project_code": str, "kpi_code": str}), on=PAIR, how="left")
        .merge(last.astype({"project_code": str, "kpi_code": str}), on=PAIR, how="left")
    )
    higher = frame["direction"] == "higher"

    def better(v: pd.Series, x: pd.Series) -> pd.Series:
        return (higher & (v >= x)) | (~higher & (v <= x))

    frame["expected"] = _plan(frame, day)
    base = frame["baseline_value"]
    has_target = frame["version"].notna()
    progress = (frame["value"] - base) / (frame["expected"] - base)
    flat = np.where(better(frame["value"], base), 1.0, 0.0)
    progress = progress.where(frame["expected"] != base, flat)
    frame["plan_progress"] = progress.where(has_target & frame["value"].notna())
    last_target = frame["long_value"].fillna(frame["mid_value"]).fillna(frame["short_value"])
    frame["status"] = np.select(
        [~has_target, frame["value"].isna(), last_target.notna() & better(frame["value"], last_target),
         frame["plan_progress"] >= on_track, frame["plan_progress"] >= at_risk],
        ["no_target", "no_data", "achieved", "on_track", "at_risk"],
        "off_track",
    )  # fmt: skip
    for h in HORIZONS:
        target = frame[f"{h}_value"]
        ratio = ((frame["value"] - base) / (target - base)).where(
            target != base, np.where(better(frame["value"], target), 1.0, 0.0)
        )
        frame[f"achievement_{h}"] = ratio.where(frame["value"].notna() & target.notna())
        frame[f"forecast_{h}"] = frame["intercept"] + frame["slope"] * _days(frame[f"{h}_date"])
    frame["as_of"] = day
    frame = frame.rename(columns={"baseline_value": "baseline"})
    return frame.sort_values(PAIR, ignore_index=True)
