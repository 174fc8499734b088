"""The update page's targets part (pages/update.py): a KPI's plan — baseline, the points table (a row
per 年度 on request), the reason — saved as a new version, and every version's history."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from kpi.errors import Rejected, StaleWrite
from kpi.fiscal import fiscal_year_label
from kpi.formatting.numbers import format_number, plain
from kpi.i18n import t
from kpi.plans import final_point, is_managed_decline
from kpi.progress.forms import plan_calendar, revision_table, target_form
from kpi.progress.grid_edits import plan_draft
from kpi.progress.save import save_target
from kpi.progress.soft_checks import check_plan
from kpi.progress.target_form import EDITOR_COLUMNS, TAGS, fiscal_year_span, missing_fiscal_years
from kpi.progress.typed_values import (
    as_text_rows,
    kpi_definition,
    plan_rows,
    read_typed_plan,
    value_text,
    with_fiscal_year_rows,
)
from ui.drafts import load_draft
from ui.sections.update_shared import (
    UpdateView,
    drop_draft,
    keep_draft,
    restored,
    say_saved,
    show_checks,
    show_errors,
)
from ui.session import actor, today, tr, wareki


def _target_editor(rows: pd.DataFrame, key: str, lang: str) -> pd.DataFrame:
    """The target points, one per row: 期日・年度 as typed, the value, an optional horizon tag."""
    return st.data_editor(
        rows,
        key=key,
        num_rows="dynamic",
        hide_index=True,
        placeholder="",  # an empty cell reads as empty, not as "None"
        width="stretch",
        column_order=EDITOR_COLUMNS,
        column_config={
            "period": st.column_config.TextColumn(
                tr("target_form.col_target_date"), help=tr("target_form.date_help"), max_chars=40, width=125
            ),
            "value": st.column_config.TextColumn(  # typed as written: 4,107人, ▲2, 2,720千円
                tr("target_form.col_target_value"),  # the unit is in the line above the form
                help=tr("update.typed_target_help"),
                max_chars=40,
                alignment="right",  # figures line up as numbers do
                width=110,
            ),
            "horizon": st.column_config.SelectboxColumn(
                tr("target_form.col_horizon"),
                help=tr("target_form.horizon_help"),
                width=95,
                options=TAGS,
                format_func=lambda tag: t(f"horizon.{tag}", lang),
                required=False,
            ),
        },
    )


def _save_target(view: UpdateView, plan: dict[str, Any], reason: str, base_key: str, form: str) -> None:
    st.session_state.pop("update_flash", None)
    try:
        saved = save_target(view.db, plan, reason=reason, base_version=st.session_state[base_key],
                            actor=actor(), lang=view.lang)  # fmt: skip
    except StaleWrite as stale:
        st.session_state[base_key] = stale.current
        drop_draft(form)  # the form reopens on the stored version
        st.error(tr("update.stale_target", version=stale.current))
    except Rejected as error:
        show_errors(error.errors)
    else:
        st.session_state[base_key] = saved
        st.session_state.pop(f"{base_key}::pending", None)
        drop_draft(form)
        say_saved(view, tr("update.target_saved", version=saved))
        st.rerun()


def _history(table: pd.DataFrame) -> None:
    """Each version, newest first, as a short block that reads at any width: who, when and why,
    what changed (from → to), and the whole plan of that version."""
    for row in reversed(table.to_dict("records")):
        with st.container(border=True):
            st.markdown(
                f"**{tr('target_form.version_line', version=row['version'])}** · "
                f"{plain(row['recorded_at'])} · {plain(row['recorded_by'])}"
            )
            if row["reason"]:
                st.markdown(tr("target_form.reason_line", reason=plain(row["reason"])))
            first = row["version"] == 1  # version 1 has nothing to compare with: "first set"
            st.markdown(
                plain(row["changes"])
                if first
                else tr("target_form.changes_line", changes=plain(row["changes"]))
            )
            st.caption(tr("target_form.plan_line", plan=plain(row["plan"])))


def _kpi_line(definition: dict[str, Any], unit: str) -> None:
    st.caption(
        tr(
            "target_form.kpi_line",
            unit=plain(unit or "—"),
            direction=tr(f"target_form.direction_{definition['direction']}"),
            achievement=tr(f"target_form.achievement_{definition['achievement']}"),
        )
    )
    if definition["achievement"] == "ratio":
        st.caption(tr("target_form.ratio_note"))


def targets_section(view: UpdateView, kpi: str) -> None:
    """A KPI's plan: baseline, the points table (a row per 年度 on request), the reason, the history."""
    db, lang, project = view.db, view.lang, view.project
    definition = kpi_definition(view.kpis, kpi)
    unit = str(definition["unit_ja" if lang == "ja" else "unit_en"] or "")
    target, version, history = target_form(db, project, kpi, actor=actor())
    calendar = plan_calendar(db, project, actor=actor())
    start_month, era = calendar.fiscal_year_start_month, wareki()
    current = target or {}
    base_key = f"target_base::{project}::{kpi}"
    st.session_state.setdefault(base_key, version)  # the version this form was opened on
    prefix = f"t::{project}::{kpi}::{st.session_state[base_key]}::{lang}::{era}"
    rows_key, round_key, form = f"{prefix}::rows", f"{prefix}::round", f"target:{project}:{kpi}"
    # A fresh form (a reload, another KPI) starts from an unsaved draft made on the same version.
    kept = load_draft(form) if rows_key not in st.session_state else None
    draft = restored(form) if kept and kept["version"] == st.session_state[base_key] else None
    _kpi_line(definition, unit)
    left, right = st.columns(2)
    baseline = left.text_input(
        tr("target_form.col_baseline_value"),
        value=draft["baseline"] or "" if draft else value_text(current.get("baseline_value")),
        max_chars=40,
        help=tr("update.typed_baseline_help"),
        key=f"{prefix}::baseline",
    )
    baseline_date = right.date_input(
        tr("target_form.col_baseline_date"),
        value=(date.fromisoformat(draft["baseline_date"]) if draft["baseline_date"] else None)
        if draft
        else current.get("baseline_date"),
        min_value=date(1990, 1, 1),
        max_value=date(2100, 12, 31),
        format="YYYY-MM-DD",
        help=tr("target_form.baseline_date_help"),
        key=f"{prefix}::baseline_date",
    )
    stored_rows = plan_rows(current.get("points") or [], lang, start_month, era)
    if rows_key not in st.session_state:
        st.session_state[rows_key] = (
            as_text_rows(pd.DataFrame(draft["rows"], columns=EDITOR_COLUMNS)) if draft else stored_rows
        )
    st.markdown(f"**{tr('target_form.points')}**", help=tr("target_form.points_help"))
    edited = _target_editor(
        st.session_state[rows_key], f"{prefix}::editor::{st.session_state.get(round_key, 0)}", lang
    )
    years = fiscal_year_span(calendar.project_start, calendar.project_end, start_month, after=baseline_date)
    if years and st.button(
        tr("target_form.add_years", first=fiscal_year_label(years[0], lang, era),
           last=fiscal_year_label(years[-1], lang, era)),
        help=tr("target_form.add_years_help"),
        disabled=not missing_fiscal_years(edited, years, start_month),
        key=f"{prefix}::add_years",
    ):  # fmt: skip
        st.session_state[rows_key] = with_fiscal_year_rows(edited, years, lang, start_month, era)
        st.session_state[round_key] = st.session_state.get(round_key, 0) + 1  # a fresh editor on the new rows
        st.rerun()
    entered = read_typed_plan(project, kpi, baseline, baseline_date, edited, kpi=definition, lang=lang,
                              start_month=start_month)  # fmt: skip
    if entered.skipped:
        st.caption(
            tr("target_form.skipped", periods=plain(tr("target_form.separator").join(entered.skipped)))
        )
    final = final_point(entered.plan)
    if final is not None and is_managed_decline(entered.plan, str(definition["direction"])):
        st.info(
            tr(
                f"target_form.managed_decline_{definition['direction']}",
                final=format_number(final["value"], lang, unit),
                baseline=format_number(entered.plan["baseline_value"], lang, unit),
            )
        )
    reason = st.text_area(
        tr("update.reason"), value=(draft or {}).get("reason") or "", key=f"{prefix}::reason"
    )
    typed = plan_draft(st.session_state[base_key], baseline, baseline_date, edited, reason)
    stored = plan_draft(st.session_state[base_key], value_text(current.get("baseline_value")),
                        current.get("baseline_date"), stored_rows, "")  # fmt: skip
    keep_draft(form, typed if typed != stored else None)
    pending_key = f"{base_key}::pending"
    signature = json.dumps(entered.plan, default=str, sort_keys=True)  # the plan the warnings were for
    if st.button(tr("update.save_target"), type="primary", key=f"{prefix}::save"):
        show_errors(entered.errors)
        if not entered.errors:
            checks = check_plan(db, project, kpi, entered.plan, today(), lang, actor())
            if checks:
                st.session_state[pending_key] = (signature, checks)
            else:
                _save_target(view, entered.plan, reason, base_key, form)
    pending = st.session_state.get(pending_key)
    if pending is not None and pending[0] == signature:  # a corrected plan is checked again on save
        show_checks(pending[1], lang)
        if st.button(tr("softcheck.save_anyway"), key=f"{prefix}::save_anyway"):
            _save_target(view, entered.plan, reason, base_key, form)
    st.subheader(tr("update.history"))
    _history(revision_table(history, lang, start_month, era))
