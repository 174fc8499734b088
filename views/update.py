"""Progress updates for project leads: one period's values in a grid, and targets with revisions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from kpi.formatting import plain
from kpi.i18n import t
from kpi.lead_forms import (
    grid_changes,
    progress_grid,
    project_setup,
    recent_quarter_ends,
    revision_table,
    target_form,
)
from kpi.leads import NeedsExplanation, Rejected, StaleWrite, record_progress, save_target
from kpi.model import HORIZONS
from views.common import actor, database, language, project_widget, today, tr

lang = language()
db = database()
st.title(tr("update.heading"))
if flash := st.session_state.pop("update_flash", None):
    st.success(plain(flash))
project = project_widget(to_change=True)
if project is None:
    st.info(tr("update.no_projects"))
    st.stop()

partners, kpis = project_setup(db, project, actor=actor())
# A remembered choice rather than st.tabs: tabs fall back to the first one when the page above changes.
section = st.segmented_control(
    tr("update.section"),
    ["progress", "targets"],
    format_func=lambda s: t(f"update.tab_{s}", lang),
    default="progress",
    key="update_section",
    label_visibility="collapsed",
)


def _show_errors(error: Rejected) -> None:
    for problem in error.errors:
        st.error(plain(problem.message))


def _save_progress(
    rows: pd.DataFrame,
    base: dict[tuple[Any, ...], int | None],
    snapshot_key: str,
    explanations: dict[tuple[str, str], str],
) -> None:
    """Record changed values; a stale save, a missing explanation or a broken rule is said plainly."""
    if rows.empty:
        st.info(tr("update.nothing_changed"))
        return
    try:
        result = record_progress(
            db, rows, base_versions=base, explanations=explanations, actor=actor(), lang=lang, today=today()
        )
    except StaleWrite as stale:
        del st.session_state[snapshot_key]  # the next run shows what is stored now
        st.error(tr("update.stale"))
        st.dataframe(stale.current, hide_index=True)
    except NeedsExplanation as needs:
        st.session_state["update_pending_explanations"] = needs.pairs
        st.rerun()
    except Rejected as error:
        _show_errors(error)
    else:
        st.session_state.pop("update_pending_explanations", None)
        del st.session_state[snapshot_key]
        st.session_state["update_flash"] = tr(
            "update.saved", inserted=result.inserted, updated=result.updated
        )
        st.rerun()


if section != "targets":
    left, right = st.columns(2)
    period: date = left.selectbox(tr("update.period"), recent_quarter_ends(db, today()), key="update_period")
    names = dict(
        zip(partners["organization_code"], partners["name_ja" if lang == "ja" else "name_en"], strict=True)
    )
    org = right.selectbox(
        tr("update.organization"),
        list(names),
        key="update_org",
        format_func=lambda code: f"{names[code]} ({code})",
    )
    # The grid as it was when the user started editing: its versions detect a concurrent save.
    snapshot_key = f"grid::{project}::{period}::{org}"
    if snapshot_key not in st.session_state:
        st.session_state[snapshot_key] = progress_grid(db, project, period, org, lang, actor=actor())
    original = st.session_state[snapshot_key]
    edited = st.data_editor(
        original,
        key=f"editor::{snapshot_key}",
        hide_index=True,
        width="stretch",
        disabled=["kpi_code", "kpi_name", "unit", "version_id"],
        column_order=["kpi_name", "unit", "value", "note"],
        column_config={
            "kpi_name": tr("update.kpi"),
            "unit": tr("update.unit"),
            "value": st.column_config.NumberColumn(tr("update.value"), min_value=None, format="%g"),
            "note": st.column_config.TextColumn(tr("update.note"), max_chars=500),
        },
    )
    pending: list[tuple[str, str]] = st.session_state.get("update_pending_explanations", [])
    explanations: dict[tuple[str, str], str] = {}
    if pending:
        st.warning(tr("update.needs_explanation"))
        for pair in pending:
            kpi_name = original.set_index("kpi_code").loc[pair[1], "kpi_name"]
            explanations[pair] = st.text_area(
                tr("update.explanation", kpi=plain(kpi_name)), key=f"why::{pair}"
            )
    if st.button(tr("update.save"), type="primary", key="save_progress"):
        rows, base = grid_changes(
            original, edited, project_code=project, period_end=period, organization_code=org
        )
        _save_progress(rows, base, snapshot_key, explanations)

    # One value at a time, for those who prefer a form to a grid.
    with st.form(key=f"one_value::{snapshot_key}"):
        st.caption(tr("update.one_value"))
        by_code = original.set_index("kpi_code")
        kpi_code = st.selectbox(
            tr("update.kpi"), list(by_code.index), format_func=lambda c: by_code.loc[c, "kpi_name"]
        )
        one_value = st.number_input(
            tr("update.value"), value=None, format="%g", key=f"one_value_v::{snapshot_key}"
        )
        one_note = st.text_input(tr("update.note"), key=f"one_value_n::{snapshot_key}")
        if st.form_submit_button(tr("update.save_one")) and one_value is not None:
            single = original[original["kpi_code"] == kpi_code].assign(value=one_value, note=one_note)
            rows, base = grid_changes(
                original, single, project_code=project, period_end=period, organization_code=org
            )
            _save_progress(rows, base, snapshot_key, explanations)


def _target_inputs(target: dict[str, Any] | None, key: str) -> dict[str, Any]:
    """Baseline and three horizons as (value, date) inputs, prefilled with the current target."""
    current = target or {}
    values: dict[str, Any] = {}
    for part in ("baseline", *HORIZONS):
        label = tr("update.baseline") if part == "baseline" else tr(f"horizon.{part}")
        left, right = st.columns(2)
        values[f"{part}_value"] = left.number_input(
            f"{label}: {tr('update.target_value')}",
            value=current.get(f"{part}_value"),
            key=f"{key}::{part}_v",
        )
        values[f"{part}_date"] = right.date_input(
            f"{label}: {tr('update.target_date')}", value=current.get(f"{part}_date"), key=f"{key}::{part}_d"
        )
    return values


if section == "targets":
    labels = dict(zip(kpis["kpi_code"], kpis["name_ja" if lang == "ja" else "name_en"], strict=True))
    kpi = st.selectbox(tr("update.kpi"), list(labels), format_func=lambda c: labels[c], key="target_kpi")
    if kpi is not None:
        target, version, history = target_form(db, project, kpi, actor=actor())
        base_key = f"target_base::{project}::{kpi}"
        st.session_state.setdefault(base_key, version)  # the version this form was opened on
        with st.form(key=f"target_form::{project}::{kpi}"):
            values = _target_inputs(target, f"t::{project}::{kpi}::{st.session_state[base_key]}")
            reason = st.text_area(
                tr("update.reason"), key=f"reason::{project}::{kpi}::{st.session_state[base_key]}"
            )
            submitted = st.form_submit_button(tr("update.save_target"), type="primary")
        if submitted:
            try:
                saved = save_target(
                    db,
                    {"project_code": project, "kpi_code": kpi, **values},
                    reason=reason,
                    base_version=st.session_state[base_key],
                    actor=actor(),
                    lang=lang,
                )
            except StaleWrite as stale:
                st.session_state[base_key] = stale.current
                st.error(tr("update.stale_target", version=stale.current))
            except Rejected as error:
                _show_errors(error)
            else:
                st.session_state[base_key] = saved
                st.session_state["update_flash"] = tr("update.target_saved", version=saved)
                st.rerun()
        st.subheader(tr("update.history"))
        st.dataframe(
            revision_table(history),
            hide_index=True,
            width="stretch",
            column_config={
                "version": tr("update.col_version"),
                "recorded_at": st.column_config.DatetimeColumn(
                    tr("update.col_recorded_at"), format="YYYY-MM-DD HH:mm"
                ),
                "recorded_by": tr("update.col_recorded_by"),
                "reason": tr("update.col_reason"),
                "changes": tr("update.col_changes"),
            },
        )
