"""Upload templates pre-filled with a partner's projects: wide format, one row per project."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd

from kpi.access import Actor, require_organization
from kpi.exports import csv_bytes
from kpi.fiscal import fiscal_quarter, fiscal_year, quarter_bounds, quarter_end
from kpi.storage import Database
from kpi.storage.registry import partner_projects, read_settings, targeted_kpis

FORMATS = ("csv", "csv-cp932", "xlsx")
_HEADERS = {
    "ja": {"project_code": "プロジェクトコード", "project_name": "プロジェクト名", "period_end": "期末日",
           "note": "備考"},
    "en": {"project_code": "project_code", "project_name": "project_name", "period_end": "period_end",
           "note": "note"},
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
    db: Database, organization_code: str, lang: str, today: date, *, actor: Actor
) -> pd.DataFrame:
    """A file to fill in: one row per project of the organization, one column per targeted KPI."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        projects = partner_projects(cursor, organization_code)
        kpis = targeted_kpis(cursor, list(projects["project_code"]))
        start_month = read_settings(cursor).fiscal_year_start_month
    headers = _HEADERS[lang]
    names = projects["name_ja"] if lang == "ja" else projects["name_en"].fillna(projects["name_ja"])
    frame = pd.DataFrame(
        {
            headers["project_code"]: projects["project_code"],
            headers["project_name"]: names,
            headers["period_end"]: last_closed_quarter_end(today, start_month).isoformat(),
        }
    )
    for kpi in kpis.to_dict("records"):
        frame[kpi["name_ja"] if lang == "ja" else kpi["kpi_code"]] = ""
    frame[headers["note"]] = ""
    return frame


def template_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        return csv_bytes(frame)
    if fmt == "csv-cp932":
        return csv_bytes(frame, encoding="cp932")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        frame.to_excel(buffer, index=False, sheet_name="data")
        return buffer.getvalue()
    raise ValueError(fmt)
