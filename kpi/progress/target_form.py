"""The lead's target form (SPEC section 2): the points table as typed, read into a plan dict.

The page edits a plan as a baseline and a table of target points, one row per point:
`period` (text: a date or a period label such as 令和7年度, FY2025, 2026/3/31), `value` (a number,
or text typed as in partner files: 2,720千円, 52.2%, ▲5, 「－」 for none; kpi.registry_files.read_value)
and an optional `horizon` tag (short / mid / long). This module turns stored points into those rows,
adds a row per 年度, and reads the rows back into the plan dict kpi.progress.save.save_target takes,
with an error in the user's language for each cell it cannot read. The plan's own rules (dates
after the baseline, one point per date, tags in order, ...) are kpi.plans.check_plan's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from kpi.errors import ValidationError
from kpi.fiscal import fiscal_year, fiscal_year_end, fiscal_year_label
from kpi.formatting.numbers import format_number
from kpi.i18n import t
from kpi.intake.rows import ErrorSink
from kpi.model import HORIZONS
from kpi.plans import Plan, horizon_of, sorted_plan_points
from kpi.quantities import is_not_reported
from kpi.registry.files import read_value
from kpi.values import AmbiguousPeriod, parse_date

# Column contract of the points editor, in display order.
EDITOR_COLUMNS = ["period", "value", "horizon"]
TAGS = [h.value for h in HORIZONS]


def column_labels(lang: str) -> dict[str, str]:
    """The form's field names, for error messages that name what the user sees."""
    names = ("baseline_value", "baseline_date", "target_date", "target_value", "horizon", "reason")
    return {name: t(f"target_form.col_{name}", lang) for name in names}


def period_text(day: date, lang: str, start_month: int, wareki: bool = False) -> str:
    """A point's date as the table shows it: the 年度 label on a fiscal year's last day, else ISO."""
    fy = fiscal_year(day, start_month)
    if day == fiscal_year_end(fy, start_month):
        return fiscal_year_label(fy, lang, wareki)
    return day.isoformat()


def editor_rows(
    points: list[dict[str, Any]], lang: str, start_month: int, wareki: bool = False
) -> pd.DataFrame:
    """Stored points as the editor's rows (period text, value, tag), in date order."""
    rows = [
        {"period": period_text(p["day"], lang, start_month, wareki), "value": float(p["value"]),
         "horizon": horizon_of(p)}
        for p in sorted_plan_points(points)
    ]  # fmt: skip
    return _frame(rows)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=EDITOR_COLUMNS)
    frame["period"] = frame["period"].astype("string")
    # Numbers stay numbers; values typed as text (4,107人, ▲2) stay as typed, for read_plan.
    typed = any(isinstance(value, str) for value in frame["value"])
    frame["value"] = frame["value"].astype("object" if typed else "float64")
    frame["horizon"] = frame["horizon"].astype("object").where(frame["horizon"].notna(), None)
    return frame.reset_index(drop=True)


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and (not value.strip() or is_not_reported(value))  # 「－」: none


def _day(text: Any, start_month: int) -> date | None:
    """The row's date, or None when blank or unreadable (read_rows says which)."""
    if _blank(text):
        return None
    try:
        return parse_date(str(text), start_month)
    except ValueError:
        return None


def fiscal_year_span(
    first_day: date, last_day: date, start_month: int, after: date | None = None
) -> list[int]:
    """The fiscal years from the one containing first_day to the one containing last_day, without
    those that end on or before `after` (the baseline date: points must come after it)."""
    years = range(fiscal_year(first_day, start_month), fiscal_year(last_day, start_month) + 1)
    return [fy for fy in years if after is None or fiscal_year_end(fy, start_month) > after]


def missing_fiscal_years(rows: pd.DataFrame, years: list[int], start_month: int) -> list[int]:
    """Those of `years` that no row's date falls in."""
    days = (_day(text, start_month) for text in rows["period"])
    covered = {fiscal_year(d, start_month) for d in days if d is not None}
    return [fy for fy in years if fy not in covered]


def with_fiscal_years(
    rows: pd.DataFrame, years: list[int], lang: str, start_month: int, wareki: bool = False
) -> pd.DataFrame:
    """The rows (blank ones dropped) plus an empty row per fiscal year of `years` that no row falls
    in, in date order; rows whose date cannot be read stay, at the end, for the user to fix."""
    kept = [{c: r.get(c) for c in EDITOR_COLUMNS} for r in rows.to_dict("records") if not _blank_row(r)]
    kept += [
        {"period": fiscal_year_label(fy, lang, wareki), "value": None, "horizon": None}
        for fy in missing_fiscal_years(rows, years, start_month)
    ]
    kept.sort(key=lambda r: _day(r["period"], start_month) or date.max)
    return _frame(kept)


def _blank_row(row: dict[Any, Any]) -> bool:
    return _blank(row.get("period")) and _blank(row.get("value")) and _blank(row.get("horizon"))


@dataclass
class PlanInput:
    """What the form's fields say: the plan to save, the cells that could not be read, and the
    periods of rows left without a value (not saved)."""

    plan: Plan
    errors: list[ValidationError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_plan(
    project_code: str,
    kpi_code: str,
    baseline_value: float | None,
    baseline_date: date | None,
    rows: pd.DataFrame,
    *,
    lang: str,
    start_month: int,
    kpi: Mapping[str, Any] | None = None,
) -> PlanInput:
    """The editor's rows as a plan dict. Blank rows are ignored; a row with a date but no value is
    skipped (listed in `skipped`); a value without a date, an unreadable date or value or an
    unknown tag is an error naming the row (1 = the table's first row). Each point keeps its `row`
    so that check_plan's messages name the row too. Values typed as text are read in the unit of
    `kpi` (its definition: unit_ja, unit_en, name_ja, name_en); without it, units are not checked."""
    sink = ErrorSink(lang, column_labels=column_labels(lang))
    points: list[dict[str, Any]] = []
    skipped: list[str] = []
    for number, row in enumerate(rows.to_dict("records"), start=1):
        text, tag = row.get("period"), row.get("horizon")
        value: Any = row.get("value")
        if _blank_row(row):
            continue
        day = _read_day(text, number, sink, start_month)  # an unreadable date is an error, value or not
        if _blank(value):
            if day is not None:
                skipped.append(str(text).strip())
            continue
        if _blank(text):
            sink.add("missing_value", number, "target_date")
        tag = None if _blank(tag) else str(tag)
        if tag is not None and tag not in TAGS:
            sink.add("invalid_value", number, "horizon", value=tag, choices=", ".join(TAGS))
        amount = read_value(value, number, "target_value", sink, kpi)
        if day is not None and amount is not None:
            points.append({"day": day, "value": amount, "horizon": tag, "row": number})
    plan = {
        "project_code": project_code,
        "kpi_code": kpi_code,
        "baseline_value": None if baseline_value is None or _blank(baseline_value) else float(baseline_value),
        "baseline_date": baseline_date,
        "points": sorted_plan_points(points),
    }
    return PlanInput(plan, sink.errors, skipped)


def _read_day(text: Any, row: int, sink: ErrorSink, start_month: int) -> date | None:
    if _blank(text):
        return None
    cell = str(text).strip()
    try:
        return parse_date(cell, start_month)
    except AmbiguousPeriod as ambiguous:
        message = t("target_form.ambiguous_period", sink.lang, value=cell, row=row,
                    fiscal=ambiguous.fiscal_label, calendar=ambiguous.calendar_label)  # fmt: skip
    except ValueError:
        message = t("target_form.invalid_period", sink.lang, value=cell, row=row)
    sink.errors.append(ValidationError("invalid_date", message, row, "target_date"))
    return None


# -- the revision history, as text a person reads ---------------------------------------------
def _point_value(point: dict[str, Any], lang: str) -> str:
    text = format_number(point["value"], lang)
    tag = horizon_of(point)
    return t("target_form.tagged", lang, value=text, tag=t(f"horizon.{tag}", lang)) if tag else text


def plan_text(plan: Plan, lang: str, start_month: int, wareki: bool = False) -> str:
    """One version's plan in a line: 基準値 2（2025-01-01） · 2025年度: 70 · 2028年度: 90（長期）."""
    parts = []
    baseline, baseline_date = plan.get("baseline_value"), plan.get("baseline_date")
    if baseline is not None:
        parts.append(t("target_form.baseline_text", lang, value=format_number(baseline, lang),
                       date=_date_or_dash(baseline_date)))  # fmt: skip
    else:
        parts.append(t("target_form.no_baseline", lang))
    for point in sorted_plan_points(plan.get("points") or []):
        when = period_text(point["day"], lang, start_month, wareki)
        parts.append(t("target_form.point_text", lang, when=when, value=_point_value(point, lang)))
    return " · ".join(parts)


def _number_or_dash(value: float | None, lang: str) -> str:
    return "—" if value is None else format_number(value, lang)


def _date_or_dash(day: date | None) -> str:
    """A plain date as the form shows and takes it (2025-01-01), the same in both languages."""
    return "—" if day is None else day.isoformat()


def plan_changes(before: Plan, after: Plan, lang: str, start_month: int, wareki: bool = False) -> str:
    """What a revision changed, from → to: the baseline, and each point by its date."""
    changes = []
    if before.get("baseline_value") != after.get("baseline_value"):
        changes.append(t("target_form.change", lang, what=t("target_form.col_baseline_value", lang),
                         before=_number_or_dash(before.get("baseline_value"), lang),
                         after=_number_or_dash(after.get("baseline_value"), lang)))  # fmt: skip
    if before.get("baseline_date") != after.get("baseline_date"):
        changes.append(t("target_form.change", lang, what=t("target_form.col_baseline_date", lang),
                         before=_date_or_dash(before.get("baseline_date")),
                         after=_date_or_dash(after.get("baseline_date"))))  # fmt: skip
    old = {p["day"]: p for p in before.get("points") or []}
    new = {p["day"]: p for p in after.get("points") or []}
    for day in sorted(old.keys() | new.keys()):
        when = period_text(day, lang, start_month, wareki)
        if day not in old:
            changes.append(t("target_form.point_added", lang, when=when, value=_point_value(new[day], lang)))
        elif day not in new:
            changes.append(
                t("target_form.point_removed", lang, when=when, value=_point_value(old[day], lang))
            )
        elif (old[day]["value"], horizon_of(old[day])) != (new[day]["value"], horizon_of(new[day])):
            changes.append(t("target_form.change", lang, what=when, before=_point_value(old[day], lang),
                             after=_point_value(new[day], lang)))  # fmt: skip
    return "; ".join(changes)
