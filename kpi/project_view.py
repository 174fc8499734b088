"""What a project's page shows: partners, and for each KPI its chart, numbers and how they were computed.

Every number comes from `portfolio_status` (the same as `python -m kpi status --project CODE`); the
value-to-date series only draws the line the status's value ends on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kpi.access import Actor, require_reader
from kpi.charts import kpi_chart
from kpi.formatting import format_date
from kpi.i18n import t
from kpi.model import HORIZONS, Settings
from kpi.status import portfolio_status
from kpi.storage import Database
from kpi.storage.project import latest_reports, project_kpis, project_partners, project_record, value_series
from kpi.storage.registry import read_settings, target_history


@dataclass(frozen=True)
class KpiStory:
    kpi_code: str
    name: str
    unit: str
    direction: str
    status: dict[str, Any]  # the portfolio_status row
    figure: go.Figure
    horizons: pd.DataFrame  # horizon, target_date, target, original, achievement, forecast
    explanation: list[str]
    versions: pd.DataFrame  # target versions of this KPI, oldest first


@dataclass(frozen=True)
class ProjectView:
    code: str
    name: str
    record: dict[str, Any]
    partners: pd.DataFrame  # sector, name, organization_code, prefecture, role (display values)
    kpis: list[KpiStory]
    reports: pd.DataFrame


def fmt(value: Any, digits: int = 2) -> str:
    """A number as people read it: thousands separators, at most `digits` decimals, '—' for none."""
    if value is None or pd.isna(value):
        return "—"
    text = f"{float(value):,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def pct(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value) * 100:.0f}%"


def _day(value: Any, lang: str) -> str:
    """A date as the language writes it (2026年3月31日 / 31 Mar 2026)."""
    return "—" if value is None or pd.isna(value) else format_date(pd.Timestamp(value).date(), lang)


def _name(row: Any, lang: str, prefix: str = "") -> str:
    english = row.get(f"{prefix}name_en") if lang == "en" else None
    return str(english) if english and not pd.isna(english) else str(row.get(f"{prefix}name_ja") or "")


def explain(
    status: dict[str, Any],
    series: pd.DataFrame,
    current: pd.Series | None,
    accumulation: str,
    settings: Settings,
    lang: str,
) -> list[str]:
    """SPEC section 3 step by step, with this KPI's real numbers."""
    as_of = _day(status["as_of"], lang)
    if current is None:
        return [t("explain.no_target", lang)]
    b, v, p, r = status["baseline"], status["value"], status["expected"], status["plan_progress"]
    lines = [t("explain.baseline", lang, b=fmt(b), d=_day(current["baseline_date"], lang))]
    if v is None or pd.isna(v):
        return [*lines, t("explain.no_data", lang, as_of=as_of)]
    if accumulation == "sum":
        lines.append(
            t(
                "explain.value_sum",
                lang,
                n=len(series),
                b=fmt(b),
                total=fmt(series["amount"].sum()),
                v=fmt(v),
                last=_day(status["last_period_end"], lang),
            )
        )
    else:
        lines.append(t("explain.value_last", lang, v=fmt(v), last=_day(status["last_period_end"], lang)))
    lines.append(t("explain.plan", lang, as_of=as_of, p=fmt(p)))
    if p == b:
        lines.append(t("explain.progress_flat", lang, r=pct(r)))
    else:
        lines.append(t("explain.progress", lang, v=fmt(v), b=fmt(b), p=fmt(p), r=pct(r)))
    state = str(status["status"])
    label = t(f"status.{state}", lang)
    if state == "achieved":
        last = next(current[f"{h}_value"] for h in reversed(HORIZONS) if not pd.isna(current[f"{h}_value"]))
        lines.append(t("explain.status_achieved", lang, v=fmt(v), target=fmt(last), status=label))
    else:
        lines.append(
            t(
                "explain.status_rule",
                lang,
                r=pct(r),
                on_track=pct(settings.on_track_threshold),
                at_risk=pct(settings.at_risk_threshold),
                status=label,
            )
        )
    for h in HORIZONS:
        target = current[f"{h}_value"]
        if pd.isna(target):
            continue
        lines.append(
            t(
                "explain.achievement",
                lang,
                horizon=t(f"horizon.{h}", lang),
                v=fmt(v),
                b=fmt(b),
                target=fmt(target),
                a=pct(status[f"achievement_{h}"]),
            )
        )
    n_fit = min(len(series), 8)
    lines.append(t("explain.forecast", lang, n=n_fit) if n_fit >= 2 else t("explain.no_forecast", lang))
    return lines


def _horizons(
    current: pd.Series | None, original: pd.Series | None, status: dict[str, Any], lang: str
) -> pd.DataFrame:
    rows = []
    for h in HORIZONS:
        if current is None or pd.isna(current[f"{h}_value"]):
            continue
        first = original[f"{h}_value"] if original is not None else None
        rows.append(
            {
                "horizon": t(f"horizon.{h}", lang),
                "target_date": _day(current[f"{h}_date"], lang),
                "target": float(current[f"{h}_value"]),
                "original": None
                if first is None or pd.isna(first) or first == current[f"{h}_value"]
                else float(first),
                "achievement": status[f"achievement_{h}"],
                "forecast": status[f"forecast_{h}"],
            }
        )
    frame = pd.DataFrame(
        rows, columns=["horizon", "target_date", "target", "original", "achievement", "forecast"]
    )
    frame["original"] = pd.to_numeric(frame["original"])
    return frame if frame["original"].notna().any() else frame.drop(columns="original")


def build_project_view(
    db: Database, project_code: str, as_of: date, lang: str, *, actor: Actor
) -> ProjectView | None:
    with db.cursor() as cursor:
        record = project_record(cursor, project_code)
        if record is None:
            return None
        require_reader(cursor, actor, project_code)
        settings = read_settings(cursor)
        partners = project_partners(cursor, project_code)
        kpis = project_kpis(cursor, project_code)
        history = target_history(cursor, project_code)
        series = value_series(cursor, project_code, as_of)
        reports = latest_reports(cursor, project_code)
    status = portfolio_status(db, as_of, project_code, settings).set_index("kpi_code")
    stories = []
    for kpi in kpis.to_dict("records"):
        code = kpi["kpi_code"]
        row = {"kpi_code": code, **status.loc[code].to_dict()}
        versions = history[history["kpi_code"] == code].reset_index(drop=True)
        current = versions.iloc[-1] if len(versions) else None
        original = versions.iloc[0] if len(versions) else None
        own = series[series["kpi_code"] == code].reset_index(drop=True)
        name = _name(kpi, lang)
        unit = str(kpi["unit_en"] if lang == "en" else kpi["unit_ja"])
        arrow = t("chart.lower_is_better" if kpi["direction"] == "lower" else "chart.higher_is_better", lang)
        figure = kpi_chart(own, versions, row, as_of, lang, title=f"{name} — {arrow}", unit=unit)
        stories.append(
            KpiStory(
                kpi_code=code,
                name=name,
                unit=unit,
                direction=str(kpi["direction"]),
                status=row,
                figure=figure,
                horizons=_horizons(current, original, row, lang),
                explanation=explain(row, own, current, str(kpi["accumulation"]), settings, lang),
                versions=versions,
            )
        )
    partners = partners.assign(
        sector=partners["sector"].map(lambda s: t(f"sector.{s}", lang)),
        name=[_name(r, lang) for r in partners.to_dict("records")],
    )[["sector", "name", "organization_code", "prefecture", "role"]]
    reports = reports.assign(
        organization=[_name(r, lang, "org_") for r in reports.to_dict("records")],
        kpi=reports["kpi_code"].map({k["kpi_code"]: _name(k, lang) for k in kpis.to_dict("records")}),
    )[["recorded_at", "kpi", "period_end", "value", "organization", "recorded_by", "source", "note"]]
    return ProjectView(
        code=project_code,
        name=_name(record, lang),
        record=record,
        partners=partners,
        kpis=stories,
        reports=reports,
    )
