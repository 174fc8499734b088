"""What the progress-update page edits: a KPI's target form and the grid of one period's values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from kpi.access import Actor, require_reader, require_writer
from kpi.errors import ValidationError
from kpi.fiscal import closed_quarter_ends
from kpi.formatting.names import display_names
from kpi.i18n import t
from kpi.progress.target_form import plan_changes, plan_text
from kpi.progress.typed_values import kpi_definition, read_typed, value_text
from kpi.storage import Database
from kpi.storage.edits import current_target_version, current_versions
from kpi.storage.notes import current_notes
from kpi.storage.project import project_kpis, project_partners, project_record
from kpi.storage.registry import current_targets, read_settings, target_history

# Column contract of progress_grid(): one row per KPI of the project.
GRID_COLUMNS = ["kpi_code", "kpi_name", "unit", "value", "note", "version_id"]


def _clean(value: Any) -> Any:
    if isinstance(value, list | tuple | np.ndarray):
        return stored_points(value)
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def stored_points(value: Any) -> list[dict[str, Any]]:
    """A target version's points as read from DuckDB (list or array of dicts) as plain dicts."""
    items = value.tolist() if isinstance(value, np.ndarray) else list(value)
    return [
        {"day": _clean(p["day"]), "value": float(p["value"]), "horizon": p.get("horizon") or None}
        for p in items
    ]


def points_text(points: list[dict[str, Any]]) -> str:
    """Points in one line, language-neutral: 2025-03-31 4 (short); 2027-03-31 10 (long)."""
    return "; ".join(
        f"{p['day']} {p['value']:g}" + (f" ({p['horizon']})" if p.get("horizon") else "") for p in points
    )


def project_setup(db: Database, project_code: str, *, actor: Actor) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(partners, KPIs) of a project the user may change: what the update page offers."""
    with db.cursor() as cursor:
        require_writer(cursor, actor, [project_code])
        return project_partners(cursor, project_code), project_kpis(cursor, project_code)


def target_form(
    db: Database, project_code: str, kpi_code: str, *, actor: Actor
) -> tuple[dict[str, Any] | None, int, pd.DataFrame]:
    """(current target set or None, its version number (0: none), every version oldest first)."""
    with db.cursor() as cursor:
        require_reader(cursor, actor, project_code)
        version = current_target_version(cursor, project_code, kpi_code)
        current = current_targets(cursor, project_code)
        history = target_history(cursor, project_code)
    row = current[current["kpi_code"] == kpi_code]
    target = {str(k): _clean(v) for k, v in row.iloc[0].to_dict().items()} if len(row) else None
    return target, version, history[history["kpi_code"] == kpi_code].reset_index(drop=True)


@dataclass(frozen=True)
class PlanCalendar:
    """What the target form needs besides the target: the project's span and the 年度 start."""

    project_start: date
    project_end: date
    fiscal_year_start_month: int


def plan_calendar(db: Database, project_code: str, *, actor: Actor) -> PlanCalendar:
    with db.cursor() as cursor:
        require_reader(cursor, actor, project_code)
        record = project_record(cursor, project_code) or {}
        start_month = read_settings(cursor).fiscal_year_start_month
    return PlanCalendar(_clean(record["start_date"]), _clean(record["end_date"]), start_month)


def _changes(previous: dict[str, Any] | None, plan: dict[str, Any], lang: str, start_month: int,
             wareki: bool) -> str:  # fmt: skip
    if previous is None:
        return t("target_form.first_version", lang)
    return plan_changes(previous, plan, lang, start_month, wareki) or t("target_form.no_change", lang)


REVISION_COLUMNS = ["version", "recorded_at", "recorded_by", "reason", "plan", "changes"]


def revision_table(
    history: pd.DataFrame, lang: str, start_month: int = 4, wareki: bool = False
) -> pd.DataFrame:
    """Each version as text to read: when (YYYY-MM-DD HH:MM), who and why, its whole plan, and what
    it changed from the version before (from → to; version 1: the plan as first set)."""
    rows = []
    previous: dict[str, Any] | None = None
    for record in history.to_dict("records"):
        plan = {f: _clean(record[f]) for f in ("baseline_value", "baseline_date", "points")}
        plan["points"] = plan["points"] or []
        rows.append(
            {
                "version": record["version"],
                "recorded_at": pd.Timestamp(record["recorded_at"]).strftime("%Y-%m-%d %H:%M"),
                "recorded_by": record["recorded_by"],
                "reason": record["reason"],
                "plan": plan_text(plan, lang, start_month, wareki),
                "changes": _changes(previous, plan, lang, start_month, wareki),
            }
        )
        previous = plan
    return pd.DataFrame(rows, columns=REVISION_COLUMNS)


def recent_quarter_ends(db: Database, today: date, count: int = 8) -> list[date]:
    """The ends of the last `count` fiscal quarters that have ended, newest first."""
    with db.cursor() as cursor:
        start_month = read_settings(cursor).fiscal_year_start_month
    return closed_quarter_ends(today, start_month, count)


def progress_grid(
    db: Database, project_code: str, period_end: date, organization_code: str, lang: str, *, actor: Actor
) -> pd.DataFrame:
    """The project's KPIs with this organization's current value and note for the period."""
    with db.cursor() as cursor:
        require_reader(cursor, actor, project_code)
        kpis = project_kpis(cursor, project_code)
        keys = pd.DataFrame(
            {
                "project_code": project_code,
                "kpi_code": kpis["kpi_code"],
                "period_end": period_end,
                "organization_code": organization_code,
            }
        )
        current = current_versions(cursor, keys) if len(keys) else pd.DataFrame(columns=["kpi_code"])
        notes = _notes(cursor, current)
    grid = pd.DataFrame(
        {
            "kpi_code": kpis["kpi_code"],
            "kpi_name": display_names(kpis, lang),
            "unit": kpis["unit_ja"] if lang == "ja" else kpis["unit_en"],
        }
    )
    grid = grid.merge(current[["kpi_code", "value", "version_id"]], on="kpi_code", how="left")
    grid["note"] = grid["version_id"].map(notes).fillna("")
    return grid[GRID_COLUMNS]


def _notes(cursor: Any, current: pd.DataFrame) -> dict[int, str]:
    ids = [int(v) for v in current.get("version_id", pd.Series(dtype=float)).dropna()]
    if not ids:
        return {}
    return current_notes(cursor, ids)


def grid_changes(
    original: pd.DataFrame,
    edited: pd.DataFrame,
    *,
    project_code: str,
    period_end: date,
    organization_code: str,
) -> tuple[pd.DataFrame, dict[tuple[Any, ...], int | None]]:
    """Only the rows whose value or note the user changed, and the versions the grid showed."""
    merged = original.merge(edited[["kpi_code", "value", "note"]], on="kpi_code", suffixes=("_was", ""))
    value_changed = ~(
        (merged["value"].isna() & merged["value_was"].isna()) | (merged["value"] == merged["value_was"])
    )
    note_changed = merged["note"].fillna("") != merged["note_was"].fillna("")
    changed = merged[(value_changed | note_changed) & merged["value"].notna()]
    rows = pd.DataFrame(
        {
            "project_code": project_code,
            "kpi_code": changed["kpi_code"],
            "period_end": period_end,
            "organization_code": organization_code,
            "value": changed["value"].astype(float),
            "note": changed["note"].fillna("").astype(str),
        }
    )
    base = {
        (project_code, r["kpi_code"], period_end, organization_code): (
            None if pd.isna(r["version_id"]) else int(r["version_id"])
        )
        for r in changed.to_dict("records")
    }
    return rows.reset_index(drop=True), base


def typed_grid(grid: pd.DataFrame) -> pd.DataFrame:
    """The grid as the page shows it: values as text (4,107; empty for none), so a value can be
    typed or pasted as written (4,107人, 2,720千円)."""
    texts = [value_text(v) or None for v in grid["value"]]
    return grid.assign(value=pd.Series(texts, index=grid.index, dtype="string"))


def read_grid(
    edited: pd.DataFrame, kpis: pd.DataFrame, lang: str
) -> tuple[pd.DataFrame, list[ValidationError]]:
    """The typed grid back as numbers, each in its KPI's unit (kpi.typed_values.read_typed); a
    blank or 「－」 cell is empty. Every unreadable cell is an error naming its row (1 = the first)."""
    label = t("update.value", lang)
    values: list[float | None] = []
    errors: list[ValidationError] = []
    for number, (code, typed) in enumerate(zip(edited["kpi_code"], edited["value"], strict=True), start=1):
        amount, error = read_typed(
            typed, kpi_definition(kpis, str(code)), lang, column="value", label=label, row=number
        )
        values.append(amount)
        if error is not None:
            errors.append(error)
    return edited.assign(value=pd.Series(values, index=edited.index, dtype="float64")), errors
