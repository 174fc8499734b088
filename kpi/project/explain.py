"""A KPI's "how computed" (SPEC section 3 step by step) with its real numbers, in the page's language.

The numbers are the status row's (portfolio_status) and the year view's (portfolio_years); the
lines name the formula that applies: progress ② (V − B) / (P − B), ratio ① V / P, a managed
decline's 1 − s(P) / G, and a yearly KPI's annualisation S × days in the year / days elapsed.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kpi.fiscal import days_in_fiscal_year, fiscal_year_bounds, fiscal_year_label
from kpi.formatting.numbers import DECIMALS, format_date, format_number, format_percent
from kpi.i18n import t
from kpi.model import Accumulation, Achievement, Settings, Status
from kpi.plans import is_managed_decline
from kpi.project.years import missing, number, point_achievement


def fmt(value: Any, digits: int = DECIMALS) -> str:
    """A number on a page: format_number (thousands separators, at most `digits` decimals, the same
    digits in ja and en) for any value a frame holds; '—' for none."""
    return "—" if missing(value) else format_number(float(value), "en", at_most=digits)


def pct(value: Any) -> str:
    return format_percent(number(value), "en")


def _day(value: Any, lang: str) -> str:
    """A date as the language writes it (2026年3月31日 / 31 Mar 2026)."""
    return "—" if missing(value) else format_date(pd.Timestamp(value).date(), lang)


def _value_lines(
    status: dict[str, Any],
    series: pd.DataFrame,
    years: pd.DataFrame,
    kpi: dict[str, Any],
    settings: Settings,
    lang: str,
) -> list[str]:
    """How V was reached: B + Σ, the latest report, or a yearly sum (annualised when partial)."""
    v, b, last = status["value"], status["baseline"], _day(status["last_period_end"], lang)
    if kpi["accumulation"] == Accumulation.SUM:
        total = series["amount"].sum()
        return [
            t(
                "explain.value_sum",
                lang,
                n=len(series),
                b=fmt(b if not missing(b) else 0),
                total=fmt(total),
                v=fmt(v),
                last=last,
            )
        ]
    if kpi["accumulation"] != Accumulation.YEARLY:
        return [t("explain.value_last", lang, v=fmt(v), last=last)]
    fy = int(status["year_in_view"])
    label = fiscal_year_label(fy, lang)
    row = years[years["fiscal_year"] == fy]
    s = number(row["actual"].iloc[0]) if len(row) else None
    first, end = fiscal_year_bounds(fy, settings.fiscal_year_start_month)
    e = pd.Timestamp(status["last_period_end"]).date()
    if e == end:
        return [t("project_years.value_yearly_complete", lang, year=label, v=fmt(v))]
    return [
        t(
            "project_years.value_yearly",
            lang,
            year=label,
            first=_day(first, lang),
            last=_day(e, lang),
            s=fmt(s),
            dy=days_in_fiscal_year(fy, settings.fiscal_year_start_month),
            de=(e - first).days + 1,
            v=fmt(v),
        ),
        t("project_years.yearly_not_achieved", lang),
    ]


def _progress_line(status: dict[str, Any], plan: dict[str, Any], kpi: dict[str, Any], lang: str) -> list[str]:
    v, b, p, r = status["value"], status["baseline"], status["expected"], status["plan_progress"]
    if is_managed_decline(plan, str(kpi["direction"])):
        tn = plan["points"][-1]["value"]
        higher = kpi["direction"] == "higher"
        shortfall = (p - v) if higher else (v - p)
        sdef = f"{fmt(p)} − {fmt(v)}" if higher else f"{fmt(v)} − {fmt(p)}"
        return [
            t(
                "project_years.decline_intro",
                lang,
                b=fmt(b),
                tn=fmt(tn),
                d=_day(plan["points"][-1]["day"], lang),
            ),
            t(
                "project_years.decline_progress",
                lang,
                b=fmt(b),
                tn=fmt(tn),
                g=fmt(abs(b - tn)),
                sdef=sdef,
                s=fmt(shortfall),
                r=pct(r),
            ),
        ]
    if kpi.get("achievement") == Achievement.RATIO:
        return [t("project_years.progress_ratio", lang, v=fmt(v), p=fmt(p), r=pct(r))]
    if p == b:
        return [t("explain.progress_flat", lang, r=pct(r))]
    return [t("explain.progress", lang, v=fmt(v), b=fmt(b), p=fmt(p), r=pct(r))]


def _achievement_line(
    label: str, v: float, target: float, plan: dict[str, Any], kpi: dict[str, Any], lang: str
) -> str:
    b = plan["baseline_value"]
    a = pct(point_achievement(v, target, plan, kpi))
    higher = kpi["direction"] == "higher"
    values = {"label": label, "v": fmt(v), "target": fmt(target), "a": a}
    if is_managed_decline(plan, str(kpi["direction"])):
        if (v >= target) if higher else (v <= target):
            return t("project_years.achievement_met", lang, **values)
        s = (target - v) if higher else (v - target)
        return t("project_years.achievement_decline", lang, **values, s=fmt(s), gap=fmt(abs(b - target)))
    if kpi.get("achievement") == Achievement.RATIO:
        return t("project_years.achievement_ratio", lang, **values)
    if target == b:
        return t("project_years.achievement_flat", lang, **values)
    return t("explain.achievement", lang, horizon=label, v=fmt(v), b=fmt(b), target=fmt(target), a=a)


def explain(
    status: dict[str, Any],
    series: pd.DataFrame,
    plan: dict[str, Any] | None,
    years: pd.DataFrame,
    kpi: dict[str, Any],
    settings: Settings,
    lang: str,
) -> list[str]:
    """SPEC section 3 step by step, with this KPI's real numbers."""
    as_of = _day(status["as_of"], lang)
    if plan is None:
        return [t("explain.no_target", lang)]
    yearly = kpi["accumulation"] == Accumulation.YEARLY
    b, v = plan["baseline_value"], status["value"]
    if b is not None:
        lines = [t("explain.baseline", lang, b=fmt(b), d=_day(plan["baseline_date"], lang))]
    elif plan["points"]:
        first = plan["points"][0]
        lines = [t("project_years.no_baseline", lang, d=_day(first["day"], lang), t=fmt(first["value"]))]
    else:
        lines = []
    if missing(v):
        return [*lines, t("explain.no_data", lang, as_of=as_of)]
    lines += _value_lines(status, series, years, kpi, settings, lang)
    if yearly:
        _first, end = fiscal_year_bounds(int(status["year_in_view"]), settings.fiscal_year_start_month)
        lines.append(
            t(
                "project_years.plan_yearly",
                lang,
                year=fiscal_year_label(int(status["year_in_view"]), lang),
                d=_day(end, lang),
                p=fmt(status["expected"]),
            )
        )
    elif b is None:
        lines.append(t("project_years.plan_points", lang, as_of=as_of, p=fmt(status["expected"])))
    else:
        lines.append(t("explain.plan", lang, as_of=as_of, p=fmt(status["expected"])))
    lines += _progress_line(status, plan, kpi, lang)
    state = str(status["status"])
    label = t(f"status.{state}", lang)
    final = plan["points"][-1] if plan["points"] else None
    if state == Status.ACHIEVED and final is not None:
        lines.append(t("explain.status_achieved", lang, v=fmt(v), target=fmt(final["value"]), status=label))
    else:
        lines.append(
            t(
                "explain.status_rule",
                lang,
                r=pct(status["plan_progress"]),
                on_track=pct(settings.on_track_threshold),
                at_risk=pct(settings.at_risk_threshold),
                status=label,
            )
        )
    for index, point in enumerate(plan["points"]):
        is_final = index == len(plan["points"]) - 1
        if not point.get("horizon") and not is_final:
            continue
        name = (
            t(f"horizon.{point['horizon']}", lang)
            if point.get("horizon")
            else t("project_years.final_target", lang)
        )
        lines.append(_achievement_line(name, float(v), point["value"], plan, kpi, lang))
    if yearly:
        lines.append(t("project_years.yearly_points", lang))
        complete = int((years["actual"].notna() & ~years["partial"].astype(bool)).sum())
        n_fit = min(complete, 8)
        lines.append(
            t("project_years.forecast_yearly", lang, n=n_fit)
            if n_fit >= 2
            else t("project_years.no_forecast_yearly", lang)
        )
    else:
        n_fit = min(len(series), 8)
        lines.append(t("explain.forecast", lang, n=n_fit) if n_fit >= 2 else t("explain.no_forecast", lang))
    return lines
