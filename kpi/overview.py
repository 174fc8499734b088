"""What the overview page shows: status counts and the status table with names, for one as-of date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from kpi.model import STATUS_ORDER
from kpi.status import portfolio_status
from kpi.storage import Database
from kpi.storage.registry import read_table


@dataclass(frozen=True)
class Overview:
    as_of: date
    project_count: int
    status_counts: dict[str, int]  # every status in STATUS_ORDER, zero when absent
    table: pd.DataFrame  # STATUS_COLUMNS + project_name, kpi_name, unit


def _pick_name(frame: pd.DataFrame, lang: str) -> pd.Series:
    """The name in the user's language, falling back to Japanese when no English one is given."""
    if lang == "en":
        return frame["name_en"].fillna(frame["name_ja"]).where(frame["name_en"] != "", frame["name_ja"])
    return frame["name_ja"]


def build_overview(db: Database, as_of: date, lang: str) -> Overview:
    status = portfolio_status(db, as_of)
    with db.cursor() as cursor:
        projects = read_table(cursor, "projects")
        kpis = read_table(cursor, "kpi_definitions")
    names = pd.DataFrame(
        {"project_code": projects["project_code"], "project_name": _pick_name(projects, lang)}
    )
    kpi_names = pd.DataFrame(
        {
            "kpi_code": kpis["kpi_code"],
            "kpi_name": kpis["name_en"] if lang == "en" else kpis["name_ja"],
            "unit": kpis["unit_en"] if lang == "en" else kpis["unit_ja"],
        }
    )
    table = status.merge(names, on="project_code", how="left").merge(kpi_names, on="kpi_code", how="left")
    counts = status["status"].value_counts().to_dict()
    return Overview(
        as_of=as_of,
        project_count=len(projects),
        status_counts={s.value: int(counts.get(s.value, 0)) for s in STATUS_ORDER},
        table=table,
    )
