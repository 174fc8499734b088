"""Upload templates pre-filled with a partner's projects, in two layouts.

- wide: one row per project for the latest closed quarter, one column per KPI the project tracks,
  headed by its name (English: its code) with the unit after it: `共同研究の件数（件）`;
- year table (the 効果検証 layout officers keep): one row per project × KPI targeted for it, one
  column per fiscal year of the projects (2023年度 / FY2023) up to today's fiscal year.

For one project the organization takes part in, or for all of them. Both import as they are
once filled: the importer reads a header's trailing unit as the unit of its numbers and ignores
the name and unit columns. The .xlsx carries an instructions sheet after the data sheet (the
importer reads the first sheet only).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import date

import duckdb
import pandas as pd

from kpi.access import Actor, require_organization
from kpi.exports import csv_bytes, xlsx_bytes
from kpi.fiscal import fiscal_year, fiscal_year_label, last_closed_fiscal_year, last_closed_quarter_end
from kpi.formatting.names import display_name, display_names
from kpi.i18n import t
from kpi.intake.validate import takes_year_figures
from kpi.storage import Database
from kpi.storage.registry import partner_projects, read_settings, read_table, targeted_kpis

FORMATS = ("csv", "csv-cp932", "xlsx")
LAYOUTS = ("wide", "year_table")
YEAR_TABLE_FIXED = 4  # a year table's columns before the years: project code and name, KPI, unit
_HEADERS = {
    "ja": {"project_code": "プロジェクトコード", "project_name": "プロジェクト名", "period_end": "期末日",
           "note": "備考", "kpi": "指標名", "unit": "単位"},
    "en": {"project_code": "project_code", "project_name": "project_name", "period_end": "period_end",
           "note": "note", "kpi": "kpi_code", "unit": "unit"},
}  # fmt: skip


def kpi_header(kpi: Mapping[Hashable, object], lang: str) -> str:
    """A wide template's KPI column: `共同研究の件数（件）` / `joint_studies (studies)`. English files
    name KPIs by code (the importer matches codes and Japanese names)."""
    name, unit = (kpi["name_ja"], kpi["unit_ja"]) if lang == "ja" else (kpi["kpi_code"], kpi["unit_en"])
    if not unit:
        return str(name)
    return f"{name}（{unit}）" if lang == "ja" else f"{name} ({unit})"


def template_projects(db: Database, organization_code: str, lang: str, *, actor: Actor) -> dict[str, str]:
    """The projects the organization takes part in: code → name in `lang`, in code order."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        projects = partner_projects(cursor, organization_code)
    return dict(zip(projects["project_code"], _names(projects, lang), strict=True))


def _projects(
    cursor: duckdb.DuckDBPyConnection, organization_code: str, project_code: str | None
) -> pd.DataFrame:
    projects = partner_projects(cursor, organization_code)
    if project_code is None:
        return projects
    chosen = projects[projects["project_code"] == project_code]
    if chosen.empty:  # not one of the organization's projects: nothing of it is shown
        raise ValueError(project_code)
    return chosen.reset_index(drop=True)


def template_frame(
    db: Database, organization_code: str, lang: str, today: date, *, actor: Actor, layout: str = "wide",
    project_code: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """A file to fill in for one of the organization's projects (all of them when `project_code`
    is None), in `layout` (LAYOUTS)."""
    if layout == "year_table":
        return year_table_frame(db, organization_code, lang, today, actor=actor, project_code=project_code)
    if layout != "wide":
        raise ValueError(layout)
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        projects = _projects(cursor, organization_code, project_code)
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
        frame[kpi_header(kpi, lang)] = ""
    frame[headers["note"]] = ""
    return frame


def template_years(starts: list[date], ends: list[date | None], today: date, start_month: int) -> list[int]:
    """The fiscal years a year table asks for: from the earliest project's start to the latest
    year that has ended (a year in progress cannot be reported: its figure would be refused as
    future_period), never beyond the last project's end."""
    if not starts:
        return []
    first = min(fiscal_year(day, start_month) for day in starts)
    last = last_closed_fiscal_year(today, start_month)
    if all(end is not None for end in ends):
        last = min(last, max(fiscal_year(end, start_month) for end in ends if end is not None))
    return list(range(first, last + 1))


def year_table_frame(
    db: Database, organization_code: str, lang: str, today: date, *, actor: Actor,
    project_code: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """A year table to fill in: one row per project × KPI targeted for it, one column per year."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        projects = _projects(cursor, organization_code, project_code)
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


def instructions_frame(
    db: Database, organization_code: str, lang: str, today: date, *, actor: Actor, layout: str = "wide",
    project_code: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """The .xlsx's instructions sheet: for whom the file is, what to type where, the KPIs."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        projects = _projects(cursor, organization_code, project_code)
        kpis = targeted_kpis(cursor, list(projects["project_code"]))
        organizations = read_table(cursor, "organizations").set_index("organization_code")
        start_month = read_settings(cursor).fiscal_year_start_month
    organization = organizations.loc[organization_code]
    name = display_name(organization["name_ja"], organization["name_en"], lang)
    period = last_closed_quarter_end(today, start_month).isoformat()
    items: list[tuple[str, str]] = [
        (t("template.organization", lang), f"{name}（{organization_code}）" if lang == "ja"
         else f"{name} ({organization_code})"),
        *[(t("template.project", lang), f"{code} {label}")
          for code, label in zip(projects["project_code"], _names(projects, lang), strict=True)],
        (t("template.as_of", lang), today.isoformat()),
        (t("template.layout", lang), t(f"upload.layout_{layout}", lang)),
    ]  # fmt: skip
    for key in ("what", "periods", "not_reported", "notes", "units", "headers"):
        if layout == "year_table" and key == "periods":
            key = "years"
        items.append((t(f"template.{key}_item", lang), t(f"template.{key}_text", lang, period=period)))
    for kpi in kpis.to_dict("records"):
        if layout == "year_table" and not takes_year_figures(kpi["accumulation"], kpi["frequency"]):
            continue
        reading = t(f"template.reading_{kpi['accumulation']}", lang)
        kpi_name = display_name(kpi["name_ja"], kpi["name_en"], lang)
        items.append((kpi_header(kpi, lang), t("template.kpi_text", lang, name=kpi_name, code=kpi["kpi_code"],
                                               reading=reading)))  # fmt: skip
    return pd.DataFrame(items, columns=[t("template.item", lang), t("template.content", lang)], dtype=object)


def template_bytes(
    frame: pd.DataFrame, fmt: str, instructions: pd.DataFrame | None = None, lang: str = "ja"
) -> bytes:
    """The file to download: CSV (UTF-8 with BOM, or CP932), or .xlsx with the data sheet first
    (the one the importer reads) and the instructions after it."""
    if fmt == "csv":
        return csv_bytes(frame)
    if fmt == "csv-cp932":
        return csv_bytes(frame, encoding="cp932")
    if fmt == "xlsx":
        sheets = {t("template.sheet_data", lang): frame}
        if instructions is not None:
            sheets[t("template.sheet_instructions", lang)] = instructions
        return xlsx_bytes(sheets)
    raise ValueError(fmt)


def _names(projects: pd.DataFrame, lang: str) -> pd.Series:
    return display_names(projects, lang)


def _day(value: object) -> date:
    return pd.Timestamp(value).date()  # type: ignore[arg-type]
