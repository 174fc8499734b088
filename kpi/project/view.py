"""What a project's page shows: partners, and for each KPI its chart, tables and how they were computed.

Every status number comes from `portfolio_status` (the same as `python -m kpi status --project CODE`)
and every year-view number from `portfolio_years` (`python -m kpi years`); the value-to-date series
only draws the line the status's value ends on. The per-KPI tables are kpi/project/years.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kpi.access import Actor, require_reader
from kpi.charts import kpi_chart
from kpi.formatting.names import display_name
from kpi.grades import grade_label
from kpi.i18n import t
from kpi.model import Accumulation, Settings
from kpi.portfolio.status import portfolio_status, portfolio_years
from kpi.progress.target_form import plan_text
from kpi.project.explain import explain, fmt, pct
from kpi.project.years import (
    chart_targets,
    chart_years,
    missing,
    plan_of,
    points_table,
    year_table,
)
from kpi.storage import Database
from kpi.storage.actuals import recent_reports
from kpi.storage.project import project_kpis, project_partners, project_record, value_series
from kpi.storage.registry import read_settings, target_history

# fmt and pct are the pages' number formats (kpi/project/explain.py), re-exported for them.
__all__ = ["KpiStory", "ProjectView", "build_project_view", "fmt", "pct"]


@dataclass(frozen=True)
class KpiStory:
    kpi_code: str
    name: str
    unit: str
    direction: str
    accumulation: str
    status: dict[str, Any]  # the portfolio_status row
    grade: str  # the grade as the page shows it (kpi.grades.grade_label)
    figure: go.Figure
    points: pd.DataFrame  # kpi.project_years.POINT_COLUMNS, display text
    years: pd.DataFrame  # kpi.project_years.YEAR_TABLE_COLUMNS, display text
    year_rows: pd.DataFrame  # this KPI's portfolio_years rows (numbers)
    explanation: list[str]
    versions: pd.DataFrame  # this KPI's target versions, oldest first (TARGET_VERSION_COLUMNS)
    revisions: pd.DataFrame  # version, plan (one line of text), reason, recorded_by, recorded_at


@dataclass(frozen=True)
class ProjectView:
    code: str
    name: str
    record: dict[str, Any]
    partners: pd.DataFrame  # sector, name, organization_code, prefecture, role (display values)
    kpis: list[KpiStory]
    reports: pd.DataFrame


def _name(row: Any, lang: str, prefix: str = "") -> str:
    return display_name(row.get(f"{prefix}name_ja"), row.get(f"{prefix}name_en"), lang)


def _revisions(versions: pd.DataFrame, settings: Settings, lang: str, wareki: bool) -> pd.DataFrame:
    start = settings.fiscal_year_start_month
    return pd.DataFrame(
        {
            "version": versions["version"],
            "plan": [plan_text(plan_of(v) or {}, lang, start, wareki) for v in versions.to_dict("records")],
            "reason": versions["reason"],
            "recorded_by": versions["recorded_by"],
            "recorded_at": versions["recorded_at"],
        }
    )


def _story(
    kpi: dict[Any, Any],
    status: dict[str, Any],
    versions: pd.DataFrame,
    series: pd.DataFrame,
    years: pd.DataFrame,
    settings: Settings,
    lang: str,
    wareki: bool,
) -> KpiStory:
    start = settings.fiscal_year_start_month
    records = versions.to_dict("records")
    plan = plan_of(records[-1]) if records else None
    original = plan_of(records[0]) if len(records) > 1 else None
    name, unit = _name(kpi, lang), str(kpi["unit_en"] if lang == "en" else kpi["unit_ja"])
    arrow = t("chart.lower_is_better" if kpi["direction"] == "lower" else "chart.higher_is_better", lang)
    yearly = kpi["accumulation"] == Accumulation.YEARLY
    figure = kpi_chart(
        series,
        chart_targets(plan, original),
        status,
        pd.Timestamp(status["as_of"]).date(),
        lang,
        title=f"{name} — {arrow}",
        unit=unit,
        years=chart_years(years, plan, lang, start, wareki) if yearly else None,
    )
    grade = status.get("grade")
    return KpiStory(
        kpi_code=str(kpi["kpi_code"]),
        name=name,
        unit=unit,
        direction=str(kpi["direction"]),
        accumulation=str(kpi["accumulation"]),
        status=status,
        grade=grade_label(None if missing(grade) else str(grade), settings, lang),
        figure=figure,
        points=points_table(plan, original, status, kpi, years, lang=lang, start_month=start, wareki=wareki),
        years=year_table(years, settings, lang, wareki),
        year_rows=years,
        explanation=explain(status, series, plan, years, kpi, settings, lang),
        versions=versions,
        revisions=_revisions(versions, settings, lang, wareki),
    )


def build_project_view(
    db: Database, project_code: str, as_of: date, lang: str, *, actor: Actor, wareki: bool = False
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
        reports = recent_reports(cursor, project_code)
    status = portfolio_status(db, as_of, project_code, settings).set_index("kpi_code")
    years = portfolio_years(db, as_of, project_code, settings)
    stories = []
    for kpi in kpis.to_dict("records"):
        code = kpi["kpi_code"]
        stories.append(
            _story(
                kpi,
                {"kpi_code": code, **status.loc[code].to_dict()},
                history[history["kpi_code"] == code].reset_index(drop=True),
                series[series["kpi_code"] == code].reset_index(drop=True),
                years[years["kpi_code"] == code].reset_index(drop=True),
                settings,
                lang,
                wareki,
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
