"""What the overview page shows, for one as-of date and filter: headline numbers, one page of the
projects × KPIs status matrix, and breakdowns. Everything is aggregated in DuckDB
(kpi/storage/portfolio.py); only small frames come back, whatever the size of the portfolio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from kpi.access import Actor, Role, readable_projects, scope_sql, scoped_filter_sql
from kpi.formatting.names import Names, display_names
from kpi.formatting.prefectures import prefecture_order
from kpi.grades import grading
from kpi.i18n import t
from kpi.model import STATUS_ORDER
from kpi.portfolio.filters import Filters, fiscal_years
from kpi.portfolio.status import portfolio_status
from kpi.storage import Database
from kpi.storage import portfolio as store
from kpi.storage.accounts import led_project_codes
from kpi.storage.project import project_list
from kpi.storage.registry import read_settings, read_table, read_term_names

PAGE_SIZE = 25
SORTS = tuple(store.SORTS)
DIMENSIONS = tuple(store.DIMENSIONS)


@dataclass(frozen=True)
class Overview:
    as_of: date
    project_count: int  # projects that pass the filters
    status_counts: dict[str, int]  # projects by their worst KPI status, every status in STATUS_ORDER
    headline: dict[str, Any]  # see kpi.storage.portfolio.headline
    table: pd.DataFrame  # one page of the matrix: project_code, project_name, overall, one column per KPI
    statuses: pd.DataFrame  # raw status codes, same shape and columns as `table` (for colours)
    kpi_columns: dict[str, str]  # kpi_code → column name in `table`
    page: int
    pages: int
    kpi_counts: pd.DataFrame  # key (KPI name), status, n over every filtered project
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)  # dimension → key, status, n
    key_labels: dict[str, str] = field(default_factory=dict)  # sector/phase codes → names


def share(part: Any, whole: Any) -> float | None:
    """part / whole; None when either is unknown (a total over no reports is NULL) or whole is 0."""
    return None if part is None or not whole else float(part) / float(whole)


def _matrix(long: pd.DataFrame, kpi_names: dict[str, str], lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long page rows → (labels, raw statuses): one row per project, one column per KPI."""
    base = long.drop_duplicates("project_code")[["project_code", "worst_status"]].reset_index(drop=True)
    names = long.drop_duplicates("project_code").reset_index(drop=True)
    raw = pd.DataFrame(
        {
            "project_code": base["project_code"],
            "project_name": display_names(names, lang),
            "overall": base["worst_status"],
        }
    )
    present = long.dropna(subset=["kpi_code"])
    wide = present.pivot(index="project_code", columns="kpi_code", values="status")
    for code, name in kpi_names.items():
        raw[name] = raw["project_code"].map(wide[code]) if code in wide else None
    raw = raw.fillna({name: "none" for name in kpi_names.values()})
    labels = raw.copy()
    for column in ["overall", *kpi_names.values()]:
        labels[column] = raw[column].map(lambda s: t(f"status.{s}", lang) if s != "none" else "")
    return labels, raw


def build_overview(
    db: Database,
    as_of: date,
    lang: str,
    filters: Filters | None = None,
    *,
    sort: str = "worst",
    page: int = 1,
    page_size: int = PAGE_SIZE,
    status: pd.DataFrame | None = None,
    actor: Actor,
) -> Overview:
    """The overview; `status` may be a snapshot from `portfolio_snapshot` for the same as-of date
    (the status query is most of the cost on a large portfolio, and paging or filtering does not
    change it)."""
    if sort not in store.SORTS:
        raise ValueError(f"unknown sort: {sort}")
    with db.cursor() as cursor:
        settings = read_settings(cursor)
        where, params = scoped_filter_sql(filters, settings.fiscal_year_start_month, actor)
        store.load_filtered_status(
            cursor,
            as_of,
            settings=settings,
            grading=grading(settings),
            where=where,
            params=params,
            status=status,
        )
        headline = store.headline(cursor)
        counts = store.project_status_counts(cursor)
        pages = max(1, -(-int(headline["projects"]) // page_size))
        page = min(max(1, page), pages)
        long = store.matrix_page(cursor, sort, page_size, (page - 1) * page_size)
        kpi_counts = store.kpi_status_counts(cursor)
        breakdowns = {d: store.breakdown(cursor, d) for d in store.DIMENSIONS}
        kpis = read_table(cursor, "kpi_definitions")
        terms = read_term_names(cursor)
    names_column = display_names(kpis, lang)
    used = set(kpi_counts["kpi_code"])
    kpi_names = {c: str(n) for c, n in zip(kpis["kpi_code"], names_column, strict=True) if c in used}
    table, statuses = _matrix(long, kpi_names, lang)
    key_labels = {s: t(f"sector.{s}", lang) for s in ("industry", "academia", "government")}
    key_labels |= {
        p: t(f"phase.{p}", lang)
        for p in ("agreement", "planning", "demonstration", "implementation", "closed")
    }
    # Prefectures as the nation numbers them (北海道 … 沖縄県), not in the order of their characters.
    breakdowns["prefecture"] = (
        breakdowns["prefecture"]
        .sort_values("key", key=lambda keys: keys.map(prefecture_order), kind="stable")
        .reset_index(drop=True)
    )
    # Fields and prefectures are registry words, written in Japanese: English pages name them in English.
    names = Names(terms)
    key_labels |= {str(k): names.field(k, lang) for k in breakdowns["field"]["key"].dropna()}
    key_labels |= {str(k): names.prefecture(k, lang) for k in breakdowns["prefecture"]["key"].dropna()}
    return Overview(
        as_of=as_of,
        project_count=int(headline["projects"]),
        status_counts={s.value: int(counts.get(s.value, 0)) for s in STATUS_ORDER},
        headline=headline,
        table=table,
        statuses=statuses,
        kpi_columns=kpi_names,
        page=page,
        pages=pages,
        kpi_counts=kpi_counts.assign(key=kpi_counts["kpi_code"].map(kpi_names))[["key", "status", "n"]],
        breakdowns=breakdowns,
        key_labels=key_labels,
    )


def portfolio_snapshot(db: Database, as_of: date) -> pd.DataFrame:
    """The whole portfolio's status at `as_of` (STATUS_COLUMNS), for `build_overview(status=...)`."""
    return portfolio_status(db, as_of)


def data_version(db: Database) -> tuple[Any, ...]:
    """A value that changes whenever the data changes: part of every cache key."""
    with db.cursor() as cursor:
        return store.data_version(cursor)


def filter_options(db: Database, *, actor: Actor) -> dict[str, Any]:
    """What the filters offer: fields, prefectures and fiscal years (newest first) of the projects
    the user may read."""
    with db.cursor() as cursor:
        where, params = scope_sql(actor)
        options = store.filter_options(cursor, where, params)
        start_month = read_settings(cursor).fiscal_year_start_month
    first, last = options.pop("first"), options.pop("last")
    options["years"] = fiscal_years(
        pd.Timestamp(first).date() if first is not None else None,
        pd.Timestamp(last).date() if last is not None else None,
        start_month,
    )
    return options


def project_choices(db: Database, lang: str, *, actor: Actor, to_change: bool = False) -> dict[str, str]:
    """The projects the user may read (or, `to_change`, change): code → name in their language."""
    with db.cursor() as cursor:
        projects = project_list(cursor)
        readable = readable_projects(cursor, actor)
        led = led_project_codes(cursor, actor.organization_code or "") if actor.role == Role.LEAD else None
    if readable is not None:
        projects = projects[projects["project_code"].isin(readable)]
    if to_change:
        if actor.role in (Role.EXECUTIVE, Role.PARTNER):
            projects = projects.iloc[0:0]
        elif led is not None:
            projects = projects[projects["project_code"].isin(led)]
    return dict(zip(projects["project_code"], display_names(projects, lang), strict=True))
