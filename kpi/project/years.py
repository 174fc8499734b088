"""A project page's tables for one KPI: the plan's target points, and the year view (効果検証).

Both come out as display-ready text (numbers and dates as the language writes them), so the page
only lays them out. The point table's achievements follow SPEC section 3 (`point_achievement`, the
same formula the status query uses; the tagged and final points equal the status's). For a
`yearly` KPI a point in a year before the year in view is a level for that year, so it is measured
against that year's actual (its sum), not against this year's annualised value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from kpi.fiscal import fiscal_year, fiscal_year_end, fiscal_year_label
from kpi.formatting.numbers import format_date, format_number, format_percent
from kpi.grades import grade_label
from kpi.i18n import t
from kpi.model import Accumulation, Achievement, Settings
from kpi.plans import is_managed_decline, plain_points

POINT_COLUMNS = ["day", "tag", "value", "achievement", "forecast", "original"]
YEAR_TABLE_COLUMNS = [
    "year",
    "actual",
    "year_target",
    "final_target",
    "year_achievement",
    "final_achievement",
    "grade",
]
# What the chart draws (kpi.charts.kpi_chart): the plan's knots and the revised-away originals.
TARGET_FRAME_COLUMNS = ["day", "value", "horizon", "role"]  # role: baseline | point | original


def missing(value: Any) -> bool:
    return (
        value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))
    )


def number(value: Any) -> float | None:
    return None if missing(value) else float(value)


def _date(value: Any) -> date | None:
    return None if missing(value) else pd.Timestamp(value).date()


def plan_of(version: Mapping[Any, Any] | None) -> dict[str, Any] | None:
    """A target_history row as a plan dict: baseline_value, baseline_date, points (date order)."""
    if version is None:
        return None
    cell = version.get("points")
    points = [] if cell is None or (isinstance(cell, float) and math.isnan(cell)) else list(cell)
    return {
        "baseline_value": number(version.get("baseline_value")),
        "baseline_date": _date(version.get("baseline_date")),
        "points": plain_points([{**p, "day": _date(p["day"])} for p in points]),
    }


def point_achievement(
    v: float | None, target: float, plan: dict[str, Any], kpi: Mapping[Any, Any]
) -> float | None:
    """達成率 of V against a target (SPEC section 3, decisions D3/D4), in the status query's order."""
    if v is None:
        return None
    b, higher = plan["baseline_value"], kpi["direction"] == "higher"
    better = v >= target if higher else v <= target
    if is_managed_decline(plan, str(kpi["direction"])):
        if better:
            return 1.0
        if target == b:
            return 0.0
        return 1.0 - ((target - v) if higher else (v - target)) / abs(b - target)
    if kpi.get("achievement") == Achievement.RATIO:
        if target == 0:
            return 1.0 if v >= 0 else 0.0
        return v / target
    if b is None:
        return None
    if target == b:
        return 1.0 if better else 0.0
    return (v - b) / (target - b)


def day_label(day: date, lang: str, start_month: int, wareki: bool = False) -> str:
    """A plan date as people write it; a fiscal year's last day as its 年度 (2025年度 / FY2025)."""
    fy = fiscal_year(day, start_month)
    if day == fiscal_year_end(fy, start_month):
        return fiscal_year_label(fy, lang, wareki)
    return format_date(day, lang, wareki=wareki)


def _num(value: Any, lang: str) -> str:
    return format_number(number(value), lang)


def _estimate(value: float, lang: str) -> str:
    """A forecast: an estimate, so whole units once it is in the hundreds."""
    return format_number(value, lang, digits=0 if abs(value) >= 100 else 1)


def _tag(point: dict[str, Any], final: bool, lang: str) -> str:
    """短期 / 中期 / 長期 or blank; the final target marked: 長期（最終）, or 最終目標 when untagged."""
    if not point.get("horizon"):
        return t("project_years.final_target", lang) if final else ""
    return t(f"horizon.{point['horizon']}", lang) + (t("project_years.final_suffix", lang) if final else "")


def _original_of(point: dict[str, Any], original: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The version-1 point this one revises: the one with its tag, else the one on its date."""
    if point.get("horizon"):
        return next((p for p in original if p.get("horizon") == point["horizon"]), None)
    return next((p for p in original if p["day"] == point["day"] and not p.get("horizon")), None)


def year_actuals(years: pd.DataFrame) -> dict[int, float]:
    """Complete fiscal years' sums of a yearly KPI (what its earlier points are measured with)."""
    rows = years[years["actual"].notna() & ~years["partial"].astype(bool)]
    return {int(y): float(a) for y, a in zip(rows["fiscal_year"], rows["actual"], strict=True)}


def points_table(
    plan: dict[str, Any] | None,
    original: dict[str, Any] | None,
    status: Mapping[Any, Any],
    kpi: Mapping[Any, Any],
    years: pd.DataFrame,
    *,
    lang: str,
    start_month: int,
    wareki: bool = False,
) -> pd.DataFrame:
    """The plan as a table: the baseline, then each point with its tag, 達成率, forecast and original.

    `original` is version 1 when the plan was revised (else None); the column is dropped when no
    point differs from it.
    """
    if plan is None:
        return pd.DataFrame(columns=[c for c in POINT_COLUMNS if c != "original"])
    v = number(status.get("value"))
    yearly = kpi["accumulation"] == Accumulation.YEARLY
    in_view = number(status.get("year_in_view"))
    past = year_actuals(years) if yearly else {}
    rows = []
    if plan["baseline_value"] is not None:
        day = plan["baseline_date"]
        rows.append(
            {
                "day": day_label(day, lang, start_month, wareki) if day else "—",
                "tag": t("project_years.baseline", lang),
                "value": _num(plan["baseline_value"], lang),
                "achievement": "",
                "forecast": "",
                "original": "",
            }
        )
    points = plan["points"]
    for index, point in enumerate(points):
        fy = fiscal_year(point["day"], start_month)
        against = past.get(fy) if yearly and (in_view is None or fy < in_view) else v
        tag = point.get("horizon")
        forecast = number(status.get(f"forecast_{tag}")) if tag else None
        first = _original_of(point, original["points"]) if original else None
        changed = first is not None and (first["value"], first["day"]) != (point["value"], point["day"])
        shown_first = ""
        if changed and first is not None:
            shown_first = _num(first["value"], lang)
            if first["day"] != point["day"]:
                shown_first += t(
                    "project_years.on_day", lang, day=day_label(first["day"], lang, start_month, wareki)
                )
        rows.append(
            {
                "day": day_label(point["day"], lang, start_month, wareki),
                "tag": _tag(point, index == len(points) - 1, lang),
                "value": _num(point["value"], lang),
                "achievement": format_percent(point_achievement(against, point["value"], plan, kpi), lang),
                "forecast": "" if forecast is None else _estimate(forecast, lang),
                "original": shown_first,
            }
        )
    frame = pd.DataFrame(rows, columns=POINT_COLUMNS)
    return frame if (frame["original"] != "").any() else frame.drop(columns="original")


def chart_targets(plan: dict[str, Any] | None, original: dict[str, Any] | None) -> pd.DataFrame:
    """TARGET_FRAME_COLUMNS for the chart: the baseline knot (when there is one), every current
    point, and the version-1 points that a revision changed or removed (role `original`)."""
    rows: list[dict[str, Any]] = []
    if plan is not None:
        if plan["baseline_value"] is not None and plan["baseline_date"] is not None:
            rows.append(
                {
                    "day": plan["baseline_date"],
                    "value": plan["baseline_value"],
                    "horizon": None,
                    "role": "baseline",
                }
            )
        rows += [{**p, "role": "point"} for p in plan["points"]]
        current = {(p["day"], p["value"]) for p in plan["points"]}
        if original is not None:
            rows += [
                {**p, "role": "original"} for p in original["points"] if (p["day"], p["value"]) not in current
            ]
    frame = pd.DataFrame(rows, columns=TARGET_FRAME_COLUMNS)
    frame["day"] = pd.to_datetime(frame["day"])
    frame["value"] = pd.to_numeric(frame["value"])
    return frame


def chart_years(
    years: pd.DataFrame, plan: dict[str, Any] | None, lang: str, start_month: int, wareki: bool = False
) -> pd.DataFrame:
    """A yearly KPI's bars for the chart: each 年度 of the year view (fiscal_year, label, day = its
    last day, actual, partial; tick: the label as the axis writes it), then the later years the plan
    has points in (actual empty)."""
    known = {int(y): row for y, row in zip(years["fiscal_year"], years.to_dict("records"), strict=True)}
    wanted = set(known) | {fiscal_year(p["day"], start_month) for p in (plan or {}).get("points", [])}
    if known:
        wanted = {y for y in wanted if y >= min(known)}
    rows = []
    for fy in sorted(wanted):
        row, label = known.get(fy, {}), fiscal_year_label(fy, lang, wareki)
        rows.append(
            {
                "fiscal_year": fy,
                "label": label,
                # 2025<br>年度: six or more years fit side by side on a phone
                "tick": f"{label[:-2]}<br>{label[-2:]}" if label.endswith("年度") else label,
                "day": pd.Timestamp(fiscal_year_end(fy, start_month)),
                "actual": number(row.get("actual")),
                "partial": bool(row.get("partial", False)),
            }
        )
    return pd.DataFrame(rows, columns=["fiscal_year", "label", "tick", "day", "actual", "partial"])


def year_table(years: pd.DataFrame, settings: Settings, lang: str, wareki: bool = False) -> pd.DataFrame:
    """The year view of one KPI (portfolio_years rows) as the page shows it: YEAR_TABLE_COLUMNS."""
    rows = []
    for row in years.sort_values("fiscal_year").to_dict("records"):
        actual = number(row["actual"])
        if actual is None:
            shown_actual = t("project_years.not_reported", lang)
        else:
            shown_actual = _num(actual, lang) + (
                t("project_years.partial_mark", lang) if row["partial"] else ""
            )
        target = _num(row["year_target"], lang)
        if row["interpolated"]:
            target += t("project_years.interpolated_mark", lang)
        rows.append(
            {
                "year": fiscal_year_label(int(row["fiscal_year"]), lang, wareki),
                "actual": shown_actual,
                "year_target": target,
                "final_target": _num(row["final_target"], lang),
                "year_achievement": format_percent(number(row["year_achievement"]), lang),
                "final_achievement": format_percent(number(row["final_achievement"]), lang),
                "grade": grade_label(None if missing(row["grade"]) else str(row["grade"]), settings, lang),
            }
        )
    return pd.DataFrame(rows, columns=YEAR_TABLE_COLUMNS)
