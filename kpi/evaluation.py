"""The 効果検証 table: per project x KPI and horizon (named by its fiscal year), 基準値 / 目標値 /
実績値 / 達成率 / 評価, for the current filters and as-of date."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from kpi.access import Actor, scoped_filter_sql
from kpi.exports import csv_bytes, xlsx_bytes
from kpi.filters import Filters
from kpi.fiscal import fiscal_year, fiscal_year_label
from kpi.i18n import t
from kpi.model import HORIZONS
from kpi.status import portfolio_status
from kpi.storage import Database
from kpi.storage.registry import current_targets, read_settings, read_table
from kpi.storage.reports import filtered_projects

EVALUATION_KEYS = [
    "project_code",
    "project_name",
    "kpi_name",
    "horizon",
    "fiscal_year",
    "target_date",
    "baseline",
    "target",
    "value",
    "achievement",
    "evaluation",
]


def _name(ja: Any, en: Any, lang: str) -> str:
    if lang == "en" and isinstance(en, str) and en:
        return en
    return str(ja)


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def filtered_status(
    db: Database, as_of: date, filters: Filters | None = None, *, actor: Actor
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(status of the filtered projects the user may read, those projects with their names)."""
    with db.cursor() as cursor:
        start_month = read_settings(cursor).fiscal_year_start_month
        where, params = scoped_filter_sql(filters, start_month, actor)
        projects = filtered_projects(cursor, where, params)
    status = portfolio_status(db, as_of)
    return status[status["project_code"].isin(set(projects["project_code"]))].reset_index(drop=True), projects


def evaluation_table(
    db: Database, as_of: date, lang: str, filters: Filters | None = None, *, actor: Actor
) -> pd.DataFrame:
    """One row per project x KPI x horizon with a target; columns EVALUATION_KEYS (raw values)."""
    status, projects = filtered_status(db, as_of, filters, actor=actor)
    with db.cursor() as cursor:
        start_month = read_settings(cursor).fiscal_year_start_month
        targets = current_targets(cursor)
        kpis = read_table(cursor, "kpi_definitions")
    project_names = {
        row["project_code"]: _name(row["name_ja"], row["name_en"], lang)
        for row in projects.to_dict("records")
    }
    kpi_names = {
        row["kpi_code"]: _name(row["name_ja"], row["name_en"], lang) for row in kpis.to_dict("records")
    }
    by_key = {(r["project_code"], r["kpi_code"]): r for r in targets.to_dict("records")}
    rows: list[dict[str, Any]] = []
    for row in status.to_dict("records"):
        target = by_key.get((row["project_code"], row["kpi_code"]))
        if target is None:
            continue
        for horizon in HORIZONS:
            value_target = _number(target[f"{horizon}_value"])
            if value_target is None:
                continue
            day = pd.Timestamp(target[f"{horizon}_date"]).date()
            achievement = _number(row[f"achievement_{horizon}"])
            evaluation = "achieved" if achievement is not None and achievement >= 1 else str(row["status"])
            rows.append(
                {
                    "project_code": row["project_code"],
                    "project_name": project_names.get(row["project_code"], ""),
                    "kpi_name": kpi_names.get(row["kpi_code"], row["kpi_code"]),
                    "horizon": t(f"horizon.{horizon}", lang),
                    "fiscal_year": fiscal_year_label(fiscal_year(day, start_month), lang),
                    "target_date": day,
                    "baseline": _number(target["baseline_value"]),
                    "target": value_target,
                    "value": _number(row["value"]),
                    "achievement": achievement,
                    "evaluation": t(f"status.{evaluation}", lang),
                }
            )
    return pd.DataFrame(rows, columns=EVALUATION_KEYS)


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The same table with headers from the catalog ([export] section)."""
    return frame.rename(columns={key: t(f"export.{key}", lang) for key in EVALUATION_KEYS})


def export_bytes(
    db: Database, as_of: date, lang: str, fmt: str, filters: Filters | None = None, *, actor: Actor
) -> tuple[bytes, int]:
    """(file content, rows of the 効果検証 table): "csv" (UTF-8 with BOM) or "xlsx" (the table and
    the status of every filtered project x KPI on a second sheet)."""
    table = labelled(evaluation_table(db, as_of, lang, filters, actor=actor), lang)
    if fmt == "csv":
        return csv_bytes(table), len(table)
    if fmt != "xlsx":
        raise ValueError(fmt)
    status, _ = filtered_status(db, as_of, filters, actor=actor)
    status = status.assign(status=status["status"].map(lambda s: t(f"status.{s}", lang)))
    sheets = {t("export.sheet_evaluation", lang): table, t("export.sheet_status", lang): status}
    return xlsx_bytes(sheets), len(table)
