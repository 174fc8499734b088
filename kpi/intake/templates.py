"""Upload templates pre-filled with a partner's projects, in two layouts.

- wide: one row per project for the latest closed quarter, one column per targeted KPI;
- year table (the 効果検証 layout officers keep): one row per project × KPI targeted for it, one
  column per fiscal year of the projects (2023年度 / FY2023) up to today's fiscal year.

Both import as they are once filled: the importer ignores the name and unit columns.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from kpi.access import Actor, require_organization
from kpi.exports import csv_bytes, xlsx_bytes
from kpi.fiscal import (
    fiscal_quarter,
    fiscal_year,
    fiscal_year_end,
    fiscal_year_label,
    quarter_bounds,
    quarter_end,
)
from kpi.intake.validate import takes_year_figures
from kpi.storage import Database
from kpi.storage.registry import partner_projects, read_settings, read_table, targeted_kpis

FORMATS = ("csv", "csv-cp932", "xlsx")
LAYOUTS = ("wide", "year_table")
_HEADERS = {
    "ja": {"project_code": "プロジェクトコード", "project_name": "プロジェクト名", "period_end": "期末日",
           "note": "備考", "kpi": "指標名", "unit": "単位"},
    "en": {"project_code": "project_code", "project_name": "project_name", "period_end": "period_end",
           "note": "note", "kpi": "kpi_code", "unit": "unit"},
}  # fmt: skip


def last_closed_quarter_end(today: date, start_month: int) -> date:
    """The end of the latest fiscal quarter that has ended by today."""
    fy, q = fiscal_year(today, start_month), fiscal_quarter(today, start_month)
    end = quarter_end(fy, q, start_month)
    if end <= today:
        return end
    start, _ = quarter_bounds(fy, q, start_month)
    return date.fromordinal(start.toordinal() - 1)


def template_frame(
    db: Database, organization_code: str, lang: str, today: date, *, actor: Actor, layout: str = "wide"
) -> pd.DataFrame:
    """A file to fill in for the organization's projects, in `layout` (LAYOUTS)."""
    if layout == "year_table":
        return year_table_frame(db, organization_code, lang, today, actor=actor)
    if layout != "wide":
        raise ValueError(layout)
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        projects = partner_projects(cursor, organization_code)
        kpis = targeted_kpis(cursor, list(projects["project_code"]))
        start_month = read_settings(cursor).fiscal_year_start_month
    headers = _HEADERS[lang]
    frame = pd.DataFrame(
        {
            headers["project_code"]: projects["project_code"],
            headers["project_name"]: _names(projects, lang),
            headers["period_end"]: last_closed_quarter_end(today, start_month).isoformat(),
        }
    )
    for kpi in kpis.to_dict("records"):
        frame[kpi["name_ja"] if lang == "ja" else kpi["kpi_code"]] = ""
    frame[headers["note"]] = ""
    return frame


def template_years(starts: list[date], ends: list[date | None], today: date, start_month: int) -> list[int]:
    """The fiscal years a year table asks for: from the earliest project's start to the latest
    year that has ended (a year in progress cannot be reported: its figure would be refused as
    future_period), never beyond the last project's end."""
    if not starts:
        return []
    first = min(fiscal_year(day, start_month) for day in starts)
    last = fiscal_year(today, start_month)
    if fiscal_year_end(last, start_month) > today:
        last -= 1
    if all(end is not None for end in ends):
        last = min(last, max(fiscal_year(end, start_month) for end in ends if end is not None))
    return list(range(first, last + 1))


def year_table_frame(
    db: Database, organization_code: str, lang: str, today: date, *, actor: Actor
) -> pd.DataFrame:
    """A year table to fill in: one row per project × KPI targeted for it, one column per year."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        projects = partner_projects(cursor, organization_code)
        codes = list(projects["project_code"])
        kpis = {code: targeted_kpis(cursor, [code]) for code in codes}
        dates = read_table(cursor, "projects").set_index("project_code").loc[codes]
        start_month = read_settings(cursor).fiscal_year_start_month
    years = template_years(
        [_day(d) for d in dates["start_date"]],
        [None if pd.isna(d) else _day(d) for d in dates["end_date"]],
        today,
        start_month,
    )
    headers = _HEADERS[lang]
    columns = [headers[c] for c in ("project_code", "project_name", "kpi", "unit")]
    columns += [fiscal_year_label(fy, lang) for fy in years]
    rows = []
    for code, name in zip(codes, _names(projects, lang), strict=True):
        for kpi in kpis[code].to_dict("records"):
            if not takes_year_figures(kpi["accumulation"], kpi["frequency"]):
                continue  # reported per quarter or month: the wide template is its layout
            label = kpi["name_ja"] if lang == "ja" else kpi["kpi_code"]
            rows.append([code, name, label, kpi[f"unit_{lang}"], *([""] * len(years))])
    return pd.DataFrame(rows, columns=columns, dtype=object)


def template_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        return csv_bytes(frame)
    if fmt == "csv-cp932":
        return csv_bytes(frame, encoding="cp932")
    if fmt == "xlsx":
        return xlsx_bytes({"data": frame})
    raise ValueError(fmt)


def _names(projects: pd.DataFrame, lang: str) -> pd.Series:
    return projects["name_ja"] if lang == "ja" else projects["name_en"].fillna(projects["name_ja"])


def _day(value: object) -> date:
    return pd.Timestamp(value).date()  # type: ignore[arg-type]
