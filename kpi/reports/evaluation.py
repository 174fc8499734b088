"""The 効果検証 table (SPEC section 3, year view): one row per project x KPI x 年度 with 基準値, that
year's own 実績値, 年度目標, 最終目標, both 達成率 and the 評価, for the current filters and as-of date;
and the status of every filtered project x KPI for a second sheet.

Numbers stay numbers, rounded as the pages show them (amounts to 0.01 as format_number writes
them, achievements to 0.1 %): xlsx cells carry number formats (thousands separators, achievements
as %, dates as yyyy-mm-dd); the CSV writes achievements as percent numbers under a "(%)" header
and whole amounts without ".0". A year with no report shows 未報告 in place of the number; 途中 (an
unfinished year) and 計画値 (a year target read off the plan line) are marks in their own columns,
so the numbers stay sortable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from kpi.access import Actor, scoped_filter_sql
from kpi.exports import AMOUNT, PERCENT, csv_bytes, xlsx_bytes
from kpi.fiscal import fiscal_year, fiscal_year_label
from kpi.formatting.names import display_name
from kpi.formatting.numbers import DECIMALS
from kpi.grades import grade_label
from kpi.i18n import t
from kpi.model import HORIZONS, Settings
from kpi.portfolio.filters import Filters
from kpi.portfolio.status import portfolio_status, portfolio_years
from kpi.progress.forms import stored_points
from kpi.storage import Database
from kpi.storage.registry import current_targets, read_settings, read_table
from kpi.storage.reports import filtered_projects

EVALUATION_KEYS = [
    "project_code",
    "project_name",
    "kpi_code",
    "kpi_name",
    "unit",
    "fiscal_year",
    "horizon",
    "baseline",
    "value",
    "value_note",
    "year_target",
    "target_note",
    "final_target",
    "year_achievement",
    "final_achievement",
    "evaluation",
]
STATUS_KEYS = [
    "project_code",
    "project_name",
    "kpi_code",
    "kpi_name",
    "unit",
    "as_of",
    "value",
    "baseline",
    "expected",
    "plan_progress",
    "status",
    "final_target",
    "final_achievement",
    "evaluation",
    *(f"achievement_{h}" for h in HORIZONS),
    *(f"forecast_{h}" for h in HORIZONS),
    "last_period_end",
    "year_in_view",
]
_PERCENT_KEYS = {
    "year_achievement",
    "final_achievement",
    "plan_progress",
    *(f"achievement_{h}" for h in HORIZONS),
}
_AMOUNT_KEYS = {
    "baseline",
    "value",
    "year_target",
    "final_target",
    "expected",
    *(f"forecast_{h}" for h in HORIZONS),
}


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _day(value: Any) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


@dataclass(frozen=True)
class _Scope:
    settings: Settings
    projects: pd.DataFrame  # project_code, name_ja, name_en of the readable filtered projects
    kpis: dict[str, dict[str, object]]  # kpi_code → name_ja, name_en, unit_ja, unit_en

    def codes(self) -> set[str]:
        return set(self.projects["project_code"])

    def project_names(self, lang: str) -> dict[str, str]:
        return {
            r["project_code"]: display_name(r["name_ja"], r["name_en"], lang)
            for r in self.projects.to_dict("records")
        }

    def kpi(self, code: str, field: str, lang: str) -> str:
        row = self.kpis.get(code)
        return code if row is None else display_name(row[f"{field}_ja"], row[f"{field}_en"], lang)


def _scope(db: Database, filters: Filters | None, actor: Actor) -> _Scope:
    with db.cursor() as cursor:
        settings = read_settings(cursor)
        where, params = scoped_filter_sql(filters, settings.fiscal_year_start_month, actor)
        projects = filtered_projects(cursor, where, params)
        kpis = read_table(cursor, "kpi_definitions")
    fields = ("name_ja", "name_en", "unit_ja", "unit_en")
    by_code = {r["kpi_code"]: {f: r[f] for f in fields} for r in kpis.to_dict("records")}
    return _Scope(settings, projects, by_code)


def filtered_status(
    db: Database, as_of: date, filters: Filters | None = None, *, actor: Actor
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(status of the filtered projects the user may read, those projects with their names)."""
    scope = _scope(db, filters, actor)
    status = portfolio_status(db, as_of, settings=scope.settings)
    return status[status["project_code"].isin(scope.codes())].reset_index(drop=True), scope.projects


def _years(db: Database, as_of: date, filters: Filters | None, scope: _Scope) -> pd.DataFrame:
    years = portfolio_years(db, as_of, settings=scope.settings)
    keep = years["project_code"].isin(scope.codes())
    if filters is not None and filters.fiscal_year is not None:
        keep &= years["fiscal_year"] == filters.fiscal_year
    return years[keep].sort_values(["project_code", "kpi_code", "fiscal_year"]).reset_index(drop=True)


def filtered_years(
    db: Database, as_of: date, filters: Filters | None = None, *, actor: Actor
) -> pd.DataFrame:
    """The year view (kpi.status.portfolio_years, YEAR_COLUMNS) of the filtered projects the user
    may read, by project, KPI and 年度; with a fiscal-year filter, only that 年度's rows."""
    return _years(db, as_of, filters, _scope(db, filters, actor))


def _horizon_tags(db: Database, start_month: int, lang: str) -> dict[tuple[str, str, int], str]:
    """(project, KPI, 年度) → the horizon tags (短期/中期/長期) of the target points dated in it."""
    with db.cursor() as cursor:
        targets = current_targets(cursor)
    tags: dict[tuple[str, str, int], list[str]] = {}
    for row in targets.to_dict("records"):
        if row["points"] is None:
            continue
        for point in stored_points(row["points"]):
            day = _day(point["day"])
            if point["horizon"] and day is not None:
                key = (row["project_code"], row["kpi_code"], fiscal_year(day, start_month))
                tags.setdefault(key, []).append(t(f"horizon.{point['horizon']}", lang))
    return {key: t("export.tag_separator", lang).join(names) for key, names in tags.items()}


def evaluation_table(
    db: Database,
    as_of: date,
    lang: str,
    filters: Filters | None = None,
    *,
    actor: Actor,
    wareki: bool = False,
) -> pd.DataFrame:
    """One row per project x KPI x 年度 of the year view; columns EVALUATION_KEYS. Numbers are floats
    (None when undefined); `value` is that year's own 実績値, or the text 未報告 when no period of
    that year was reported; `evaluation` is the grade as the pages write it."""
    scope = _scope(db, filters, actor)
    years = _years(db, as_of, filters, scope)
    status = portfolio_status(db, as_of, settings=scope.settings)
    baselines = {
        (r["project_code"], r["kpi_code"]): _number(r["baseline"]) for r in status.to_dict("records")
    }
    project_names = scope.project_names(lang)
    tags = _horizon_tags(db, scope.settings.fiscal_year_start_month, lang)
    rows: list[dict[str, Any]] = []
    for row in years.to_dict("records"):
        key = (str(row["project_code"]), str(row["kpi_code"]))
        fy = int(row["fiscal_year"])
        actual = _number(row["actual"])
        rows.append(
            {
                "project_code": key[0],
                "project_name": project_names.get(key[0], ""),
                "kpi_code": key[1],
                "kpi_name": scope.kpi(key[1], "name", lang),
                "unit": scope.kpi(key[1], "unit", lang),
                "fiscal_year": fiscal_year_label(fy, lang, wareki),
                "horizon": tags.get((*key, fy), ""),
                "baseline": baselines.get(key),
                "value": t("export.not_reported", lang) if actual is None else actual,
                "value_note": t("export.partial", lang) if bool(row["partial"]) else "",
                "year_target": _number(row["year_target"]),
                "target_note": t("export.interpolated", lang) if bool(row["interpolated"]) else "",
                "final_target": _number(row["final_target"]),
                "year_achievement": _number(row["year_achievement"]),
                "final_achievement": _number(row["final_achievement"]),
                "evaluation": grade_label(_text(row["grade"]), scope.settings, lang),
            }
        )
    return pd.DataFrame(rows, columns=EVALUATION_KEYS)


def _text(value: Any) -> str | None:
    return (
        None
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
        else str(value)
    )


def status_table(
    db: Database,
    as_of: date,
    lang: str,
    filters: Filters | None = None,
    *,
    actor: Actor,
    wareki: bool = False,
) -> pd.DataFrame:
    """The status (SPEC section 3) of every filtered project x KPI; columns STATUS_KEYS, with the
    status and the grade (評価) as the pages write them."""
    scope = _scope(db, filters, actor)
    status = portfolio_status(db, as_of, settings=scope.settings)
    status = status[status["project_code"].isin(scope.codes())]
    project_names = scope.project_names(lang)
    rows = []
    for row in status.to_dict("records"):
        code = str(row["kpi_code"])
        year = _number(row["year_in_view"])
        rows.append(
            {
                **{k: _number(row[k]) for k in _AMOUNT_KEYS | _PERCENT_KEYS if k in row},
                "project_code": row["project_code"],
                "project_name": project_names.get(row["project_code"], ""),
                "kpi_code": code,
                "kpi_name": scope.kpi(code, "name", lang),
                "unit": scope.kpi(code, "unit", lang),
                "as_of": _day(row["as_of"]),
                "status": t(f"status.{row['status']}", lang),
                "evaluation": grade_label(_text(row["grade"]), scope.settings, lang),
                "last_period_end": _day(row["last_period_end"]),
                "year_in_view": "" if year is None else fiscal_year_label(int(year), lang, wareki),
            }
        )
    return pd.DataFrame(rows, columns=STATUS_KEYS)


def _header(key: str, lang: str) -> str:
    for prefix in ("achievement_", "forecast_"):
        if key.startswith(prefix) and key != "achievement":
            return t(f"export.{prefix}horizon", lang, horizon=t(f"horizon.{key[len(prefix) :]}", lang))
    return t(f"export.{key}", lang)


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The same table with headers from the catalog ([export] section)."""
    return frame.rename(columns={key: _header(key, lang) for key in frame.columns})


AMOUNT_DIGITS = DECIMALS  # as kpi.formatting.numbers.format_number shows a non-whole amount
PERCENT_DIGITS = 3  # of the fraction: 0.1 %, as the xlsx's 0.0% format shows it


def _round(value: Any, digits: int, scale: float = 1.0) -> Any:
    """A number rounded for a file (whole numbers as int, so a CSV writes 204000, not 204000.0);
    text (未報告) and missing values stay."""
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return value
    rounded = round(float(value) * scale, digits)
    return int(rounded) if rounded.is_integer() else rounded


def rounded(frame: pd.DataFrame, *, percent_scale: float = 1.0) -> pd.DataFrame:
    """The table (unlabelled, EVALUATION_KEYS or STATUS_KEYS) with its numbers rounded; with
    percent_scale=100 the achievements become percent numbers (for the CSV)."""
    out = frame.copy()
    for key in out.columns:
        if key in _PERCENT_KEYS:
            digits = PERCENT_DIGITS - (2 if percent_scale == 100 else 0)
            values = [_round(v, digits, percent_scale) for v in out[key]]
        elif key in _AMOUNT_KEYS:
            values = [_round(v, AMOUNT_DIGITS) for v in out[key]]
        else:
            continue
        out[key] = pd.Series(values, index=out.index, dtype=object)
    return out


def _csv_labels(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Headers for the CSV: the achievements, written as percent numbers, say "(%)"."""
    names = {k: _header(k, lang) for k in frame.columns}
    for key in _PERCENT_KEYS & set(names):
        names[key] = t("export.percent_header", lang, name=names[key])
    return frame.rename(columns=names)


def _formats(lang: str) -> dict[str, str]:
    """Excel number formats by (labelled) header: achievements as %, amounts with separators."""
    keys = set(EVALUATION_KEYS) | set(STATUS_KEYS)
    formats = {_header(k, lang): PERCENT for k in keys & _PERCENT_KEYS}
    return formats | {_header(k, lang): AMOUNT for k in keys & _AMOUNT_KEYS}


def export_bytes(
    db: Database,
    as_of: date,
    lang: str,
    fmt: str,
    filters: Filters | None = None,
    *,
    actor: Actor,
    wareki: bool = False,
) -> tuple[bytes, int]:
    """(file content, rows of the 効果検証 table): "csv" (UTF-8 with BOM) or "xlsx" (the table and
    the status of every filtered project x KPI on a second sheet)."""
    table = evaluation_table(db, as_of, lang, filters, actor=actor, wareki=wareki)
    if fmt == "csv":
        return csv_bytes(_csv_labels(rounded(table, percent_scale=100), lang), tidy_numbers=True), len(table)
    if fmt != "xlsx":
        raise ValueError(fmt)
    status = rounded(status_table(db, as_of, lang, filters, actor=actor, wareki=wareki))
    sheets = {
        t("export.sheet_evaluation", lang): labelled(rounded(table), lang),
        t("export.sheet_status", lang): labelled(status, lang),
    }
    sheets |= _funding_sheets(db, as_of, lang, table, status, actor)
    return xlsx_bytes(sheets, formats=_formats(lang) | _funding_formats(lang)), len(table)


def _funding_sheets(db: Database, as_of: date, lang: str, table: pd.DataFrame, status: pd.DataFrame,
                    actor: Actor) -> dict[str, pd.DataFrame]:  # fmt: skip
    """The funding sheets (kpi/reports/funding.py) for the exported projects, KPIs under their award."""
    from kpi.reports.funding import funding_sheets, scoped_status

    names = dict(zip(table["project_code"], table["project_name"], strict=True))
    funded = scoped_status(db, as_of, actor, set(status["project_code"]) | set(table["project_code"]))
    return funding_sheets(funded, names, rounded(table), lang)


def _funding_formats(lang: str) -> dict[str, str]:
    money = ("budget", "decided", "spent", "eligible", "subsidy", "own_share")
    shares = ("burn", "time_elapsed", "year_achievement")
    return {t(f"report_funding.sheet_{k}", lang): AMOUNT for k in money} | {
        t(f"report_funding.sheet_{k}", lang): PERCENT for k in shares
    }
