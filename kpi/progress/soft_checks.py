"""Soft checks (issue 16): values and plans that are valid but look like a typing slip.

A hard error (kpi.plans.check_plan, the intake's validation) refuses; a soft check only warns, and
a person confirms or corrects. Each warning says what would happen to the KPI's status if it were
saved, computed by the product's own arithmetic: the change is applied inside a transaction,
kpi.storage.status_sql.query_status is read for the project before and after, and the transaction
is rolled back (so a preview never writes, and there is no second copy of SPEC section 3).

API::

    SoftCheck(code, project_code, kpi_code, message, status_before, status_after,
              achievement_before, achievement_after, row=None)
    check_plan(db, project_code, kpi_code, plan, as_of, lang, actor) -> list[SoftCheck]
    check_values(db, rows_frame, as_of, lang, actor) -> list[SoftCheck]
    change_text(check, lang) -> str        # "状況: 順調 → 達成、達成率 45% → 732%"

`plan` is the dict kpi.progress.save.save_target takes; `rows_frame` has the columns of
kpi.storage.actuals.INCOMING_COLUMNS (note optional) and, when known, `written` (the cell as typed,
for values read with a unit or scale word) and `row` (the file's row). achievement_* is the final
target's achievement (final_achievement, a ratio: 7.32 = 732 %).

The rules, and why:

- targets_out_of_order: from the baseline through the points in date order, a step goes against
  the plan's own direction (the KPI's, or the reverse for a managed decline: SPEC, a final target
  worse than the baseline on purpose). 50 → 100 → 20 for a higher-is-better KPI is a slip for 210.
- target_worse_than_baseline: a point worse than the baseline in a plan that is not a managed
  decline (its final target is better than the baseline, so a point on the way back is odd).
- target_already_reached: the final target is worse than the current value (not a managed
  decline): the KPI would read 達成 at once, as 20 against 83 reads 732 %.
- no_target: values for a KPI the project has no target for and never reported before (a KPI that
  is reported without a target, on purpose, is not flagged each quarter).
- far_from_history: a non-zero value at least 10 times, or at most a tenth of, the median of the
  same reporter's latest 8 reports for the project x KPI (other periods than this one);
  looks_scaled when that ratio is about 1,000 or 10,000 (or the inverse: 千, 万 lost or added);
  sign_flip when the value and that median have opposite signs. Zero is never compared (a flow KPI
  may well report nothing in a quarter).
- scale_word: the cell carried a scale word (千, 万, 億, 兆) that changed the number stored
  (「3万」 → 30,000 in a 人 KPI); unit_ignored: the cell carried a unit or % and the KPI has none,
  so only the figure was kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

import duckdb
import pandas as pd

from kpi.access import Actor, Forbidden, require_organization, require_writer
from kpi.formatting.names import display_name
from kpi.formatting.numbers import format_exact, format_number, format_percent
from kpi.grades import grading
from kpi.i18n import t
from kpi.plans import Plan, final_point, is_managed_decline, plain_points, sorted_plan_points
from kpi.progress.target_form import period_text
from kpi.quantities import FIGURE_RE, SCALES, fold, is_missing
from kpi.storage import Database
from kpi.storage.actuals import INCOMING_COLUMNS, history_medians, record_actuals, reported_pairs
from kpi.storage.registry import append_target_version, current_targets, read_settings, read_table
from kpi.storage.status_sql import query_status

HISTORY_REPORTS = 8  # the reporter's latest reports a value is compared with
FAR_RATIO = 10.0  # ≥ 10× or ≤ 1/10 of that median
_SCALE_RATIOS = (1_000.0, 10_000.0)  # 千 and 万 typed or lost
_SCALE_SLACK = 1.5  # "about": within ×/÷ 1.5 of a scale

Pair = tuple[str, str]
Outcome = tuple[str | None, float | None]  # (status, final achievement)


@dataclass(frozen=True)
class SoftCheck:
    """One warning: what looks wrong (message, in the user's language) and what saving would do."""

    code: str
    project_code: str
    kpi_code: str
    message: str
    status_before: str | None
    status_after: str | None
    achievement_before: float | None
    achievement_after: float | None
    row: int | None = None  # the file's row, for imports


def change_text(check: SoftCheck, lang: str) -> str:
    """The status change in words: 保存すると: 状況 順調 → 達成、最終目標の達成率 70% → 732%
    (the status alone when there is no achievement either side)."""
    if check.achievement_before is None and check.achievement_after is None:
        return t("softcheck.change_status", lang, before=_status_word(check.status_before, lang),
                 after=_status_word(check.status_after, lang))  # fmt: skip
    return t(
        "softcheck.change",
        lang,
        before=_status_word(check.status_before, lang),
        after=_status_word(check.status_after, lang),
        achievement_before=format_percent(check.achievement_before, lang),
        achievement_after=format_percent(check.achievement_after, lang),
    )


def _status_word(status: str | None, lang: str) -> str:
    return t(f"status.{status}", lang) if status else t("softcheck.no_status", lang)


# -- the status preview: apply, read, roll back -----------------------------------------------
class _Undo(Exception):
    """Raised inside the preview's transaction so that it rolls back."""


def _outcomes(cursor: duckdb.DuckDBPyConnection, as_of: date, projects: set[str]) -> dict[Pair, Outcome]:
    settings = read_settings(cursor)
    found: dict[Pair, Outcome] = {}
    for project in sorted(projects):
        frame = query_status(cursor, as_of, settings, grading(settings), project)
        for r in frame.to_dict("records"):
            found[(str(r["project_code"]), str(r["kpi_code"]))] = (
                str(r["status"]),
                _ratio(r["final_achievement"]),
            )
    return found


def _ratio(value: Any) -> float | None:
    return None if value is None or is_missing(value) else float(value)


def preview(
    db: Database, as_of: date, projects: set[str], apply: Callable[[duckdb.DuckDBPyConnection], object]
) -> tuple[dict[Pair, Outcome], dict[Pair, Outcome]]:
    """Each pair's (status, final achievement) of these projects now and after `apply(cursor)`,
    which runs in a transaction that is always rolled back."""
    result: list[dict[Pair, Outcome]] = []
    try:
        with db.transaction() as cursor:
            result.append(_outcomes(cursor, as_of, projects))
            apply(cursor)
            result.append(_outcomes(cursor, as_of, projects))
            raise _Undo
    except _Undo:
        pass
    return result[0], result[1]


def _with_status(
    found: list[dict[str, Any]], before: dict[Pair, Outcome], after: dict[Pair, Outcome]
) -> list[SoftCheck]:
    checks = []
    for item in found:
        pair = (item["project_code"], item["kpi_code"])
        was, now = before.get(pair, (None, None)), after.get(pair, (None, None))
        checks.append(SoftCheck(**item, status_before=was[0], status_after=now[0],
                                achievement_before=was[1], achievement_after=now[1]))  # fmt: skip
    return checks


def _kpis(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return read_table(cursor, "kpi_definitions").set_index("kpi_code")


def _name(kpis: pd.DataFrame, code: str, lang: str) -> str:
    if code not in kpis.index:
        return code
    return display_name(kpis.loc[code, "name_ja"], kpis.loc[code, "name_en"], lang)


def _unit(kpis: pd.DataFrame, code: str, lang: str) -> str:
    if code not in kpis.index:
        return ""
    unit = kpis.loc[code, f"unit_{lang}"] if f"unit_{lang}" in kpis.columns else None
    unit = unit if isinstance(unit, str) and unit else kpis.loc[code, "unit_ja"]
    return unit.strip() if isinstance(unit, str) else ""


# -- plans ------------------------------------------------------------------------------------
def check_plan(
    db: Database, project_code: str, kpi_code: str, plan: Plan, as_of: date, lang: str, actor: Actor
) -> list[SoftCheck]:
    """Warnings for a target plan about to be saved (one that passed kpi.plans.check_plan)."""
    with db.cursor() as cursor:
        require_writer(cursor, actor, [project_code])
        kpis = _kpis(cursor)
    direction = str(kpis.loc[kpi_code, "direction"])
    unit = _unit(kpis, kpi_code, lang)
    points = sorted_plan_points(plan.get("points") or [])
    baseline = plan.get("baseline_value")
    decline = is_managed_decline(plan, direction)
    better = 1.0 if direction == "higher" else -1.0  # the sign of a step for the better
    planned = -better if decline else better  # the plan's own direction
    words = {"direction": t(f"target_form.direction_{direction}", lang)}

    def number(value: float) -> str:
        return format_exact(value, lang, unit)

    found: list[dict[str, Any]] = []

    def add(code: str, **values: str) -> None:
        message = t(f"softcheck.{code}", lang, **words, **values)
        found.append({"code": code, "project_code": project_code, "kpi_code": kpi_code, "message": message})

    knots: list[tuple[str, float]] = []
    if baseline is not None:
        knots.append((t("softcheck.baseline", lang), float(baseline)))
    with db.cursor() as cursor:
        start_month = read_settings(cursor).fiscal_year_start_month

    def _when(day: date) -> str:  # as the points editor shows it: 2028年度, or the date
        return period_text(day, lang, start_month)

    knots += [(_when(p["day"]), float(p["value"])) for p in points]
    for (_, previous), (when, value) in pairwise(knots):
        if (value - previous) * planned < 0:
            add("targets_out_of_order", when=when, value=number(value), previous=number(previous))
    if baseline is not None and not decline:
        for p in points:
            if (float(p["value"]) - float(baseline)) * better < 0:
                add("target_worse_than_baseline", when=_when(p["day"]), value=number(float(p["value"])),
                    baseline=number(float(baseline)))  # fmt: skip
    final = final_point({"points": points})
    current = _current_value(db, as_of, project_code, kpi_code)
    if (
        final is not None
        and current is not None
        and not decline
        and (float(final["value"]) - current) * better < 0
    ):
        add("target_already_reached", value=number(float(final["value"])), current=number(current))
    if not found:
        return []

    def apply(cursor: duckdb.DuckDBPyConnection) -> None:
        fields = {k: plan.get(k) for k in ("project_code", "kpi_code", "baseline_value", "baseline_date")}
        fields["points"] = plain_points(points)
        append_target_version(cursor, {**fields, "reason": ""}, actor=actor.username, now=datetime.now())

    before, after = preview(db, as_of, {project_code}, apply)
    return _with_status(found, before, after)


def _current_value(db: Database, as_of: date, project_code: str, kpi_code: str) -> float | None:
    """The KPI's value to date, as the status reads it (the same query, no second copy)."""
    with db.cursor() as cursor:
        settings = read_settings(cursor)
        frame = query_status(cursor, as_of, settings, grading(settings), project_code)
    row = frame[frame["kpi_code"] == kpi_code]
    return _ratio(row.iloc[0]["value"]) if len(row) else None


# -- values -----------------------------------------------------------------------------------
def _require_values(cursor: duckdb.DuckDBPyConnection, actor: Actor, rows: pd.DataFrame) -> None:
    """A lead of the projects (the update page) or the reporting organization (an upload)."""
    try:
        require_writer(cursor, actor, rows["project_code"].astype(str).unique())
    except Forbidden:
        for org in rows["organization_code"].astype(str).unique():
            require_organization(actor, org)


def check_values(
    db: Database, rows_frame: pd.DataFrame, as_of: date, lang: str, actor: Actor
) -> list[SoftCheck]:
    """Warnings for values about to be recorded (rows that passed the hard checks)."""
    if rows_frame.empty:
        return []
    rows = rows_frame.assign(period_end=pd.to_datetime(rows_frame["period_end"]).dt.date)
    rows = rows.assign(note=rows["note"] if "note" in rows.columns else "")
    with db.cursor() as cursor:
        _require_values(cursor, actor, rows)
        kpis = _kpis(cursor)
        projects = set(rows["project_code"].astype(str))
        targeted = {(str(p), str(k)) for p, k in _targeted(cursor, projects)}
        reported = reported_pairs(cursor, rows)
        medians = history_medians(cursor, rows, HISTORY_REPORTS)
    found = _untracked(rows, targeted, reported, kpis, lang)
    found += _far_from_history(rows, medians, kpis, lang)
    found += _read_with_units(rows, kpis, lang)
    if not found:
        return []

    def apply(cursor: duckdb.DuckDBPyConnection) -> None:
        record_actuals(
            cursor, rows[INCOMING_COLUMNS], actor=actor.username, source="form", now=datetime.now()
        )

    before, after = preview(db, as_of, {f["project_code"] for f in found}, apply)
    return _with_status(found, before, after)


def _targeted(cursor: duckdb.DuckDBPyConnection, projects: set[str]) -> list[tuple[Any, Any]]:
    frame = current_targets(cursor)  # one read for every project of the file, not one per project
    mine = frame[frame["project_code"].astype(str).isin(projects)]
    return list(zip(mine["project_code"].tolist(), mine["kpi_code"].tolist(), strict=True))


def _records(rows: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows as dicts of just these columns (to_dict of every column costs seconds at 100,000 rows)."""
    present = [c for c in columns if c in rows.columns]
    values = [rows[c].tolist() for c in present]
    return [dict(zip(present, row, strict=True)) for row in zip(*values, strict=True)]


def _item(code: str, r: Mapping[Any, Any], message: str) -> dict[str, Any]:
    row = r.get("row")
    return {"code": code, "project_code": str(r["project_code"]), "kpi_code": str(r["kpi_code"]),
            "message": message, "row": None if row is None or is_missing(row) else int(row)}  # fmt: skip


def _untracked(
    rows: pd.DataFrame, targeted: set[Pair], reported: set[Pair], kpis: pd.DataFrame, lang: str
) -> list[dict[str, Any]]:
    pairs = zip(rows["project_code"].astype(str), rows["kpi_code"].astype(str), strict=True)
    untracked = [pair not in targeted and pair not in reported for pair in pairs]
    found = []
    for (project, kpi), group in rows[untracked].groupby(["project_code", "kpi_code"], sort=True):
        pair = (str(project), str(kpi))
        if pair in targeted or pair in reported:
            continue
        # A level (a rate, a head count on a day) is read by its latest value: a sum of rates means nothing.
        level = pair[1] in kpis.index and kpis.loc[pair[1], "accumulation"] == "last"
        figure = group.sort_values("period_end")["value"].iloc[-1] if level else group["value"].sum()
        message = t("softcheck.no_target_level" if level else "softcheck.no_target", lang, project=pair[0],
                    kpi=_name(kpis, pair[1], lang), count=f"{len(group):,}",
                    total=format_number(float(figure), lang, _unit(kpis, pair[1], lang)))  # fmt: skip
        found.append(_item("no_target", group.iloc[0].to_dict(), message))
    return found


def _far_from_history(
    rows: pd.DataFrame, medians: pd.DataFrame, kpis: pd.DataFrame, lang: str
) -> list[dict[str, Any]]:
    found = []
    records = _records(rows, ("row", "project_code", "kpi_code", "organization_code", "period_end", "value"))
    for n, count, median in medians[["_n", "reports", "median"]].itertuples(index=False):
        r = records[n]
        value = float(r["value"])
        if not count or value == 0 or median is None or median == 0:
            continue
        ratio = value / median
        code = _far_code(ratio)
        if code is None:
            continue
        unit = _unit(kpis, str(r["kpi_code"]), lang)
        scale = max(abs(ratio), 1 / abs(ratio))
        message = t(f"softcheck.{code}", lang, kpi=_name(kpis, str(r["kpi_code"]), lang),
                    period=r["period_end"].isoformat(), value=format_exact(value, lang, unit),
                    median=format_number(median, lang, unit), count=count,
                    ratio=format_number(round(scale, 1), lang),
                    organization=r["organization_code"])  # fmt: skip
        found.append(_item(code, r, message))
    return found


def _far_code(ratio: float) -> str | None:
    if ratio < 0:
        return "sign_flip"
    scale = max(ratio, 1 / ratio)
    if scale < FAR_RATIO:
        return None
    if any(s / _SCALE_SLACK <= scale <= s * _SCALE_SLACK for s in _SCALE_RATIOS):
        return "looks_scaled"
    return "far_from_history"


def _read_with_units(rows: pd.DataFrame, kpis: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    if "written" not in rows.columns:
        return []
    # A cell of ASCII digits, separators and signs alone carries neither a scale word nor a unit.
    plain = rows["written"].astype(str).str.fullmatch(r"[0-9,.\s+\-]*", na=False)
    found = []
    for r in _records(rows[~plain], ("row", "project_code", "kpi_code", "written", "value")):
        written = r["written"]
        if not isinstance(written, str) or not written.strip():
            continue
        cell, kpi = fold(written), str(r["kpi_code"])
        figure = FIGURE_RE.search(cell)
        if figure is None:
            continue
        digits = float(figure.group(0).replace(",", ""))
        unit = _unit(kpis, kpi, "ja")
        value = float(r["value"])
        words = dict(kpi=_name(kpis, kpi, lang), written=written.strip(),
                     value=format_exact(value, lang, _unit(kpis, kpi, lang)))  # fmt: skip
        scaled = [w for w in SCALES if w in cell[figure.end() :]]
        if scaled and not math.isclose(abs(value), digits):
            found.append(_item("scale_word", r, t("softcheck.scale_word", lang, scale=scaled[0], **words)))
        elif not unit and cell[figure.end() :].strip():
            found.append(_item("unit_ignored", r, t("softcheck.unit_ignored", lang,
                                                    unit=cell[figure.end() :].strip(), **words)))  # fmt: skip
    return found
