"""The update page's progress part (pages/update.py): one period's values of one organization in a
grid, the explanations a value that turns off track needs, and a one-value form."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from kpi.errors import Rejected, StaleWrite
from kpi.formatting.names import display_names
from kpi.formatting.numbers import plain
from kpi.progress.forms import grid_changes, progress_grid, read_grid, recent_quarter_ends, typed_grid
from kpi.progress.grid_edits import (
    grid_draft,
    localized_grid,
    one_value,
    saved_text,
    value_changed,
    with_grid_draft,
    written_values,
)
from kpi.progress.save import NeedsExplanation, record_progress
from kpi.progress.soft_checks import check_values
from kpi.progress.typed_values import kpi_definition, read_typed
from ui.sections.update_shared import (
    UpdateView,
    drop_draft,
    keep_draft,
    restored,
    say_saved,
    show_checks,
    show_errors,
)
from ui.session import actor, today, tr


def _save_progress(
    view: UpdateView,
    rows: pd.DataFrame,
    base: dict[tuple[Any, ...], int | None],
    snapshot_key: str,
    explanations: dict[tuple[str, str], str],
    *,
    original: pd.DataFrame | None = None,
    written: dict[str, str] | None = None,
    confirmed: bool = False,
) -> None:
    """Record changed values and notes; a stale save, a missing explanation or a broken rule is said
    plainly. Soft checks first: values that look wrong wait for "save as it is" (or a correction)."""
    if rows.empty:
        if st.session_state.get("update_flash") is None:  # a second click of the same save: no "0 saved"
            st.info(tr("update.nothing_changed"))
        return
    if not confirmed:
        looked_at = rows if original is None else value_changed(rows, original)  # not a note alone
        texts = pd.Series(
            [(written or {}).get(str(k)) for k in looked_at["kpi_code"]], index=looked_at.index, dtype=object
        )
        checks = check_values(view.db, looked_at.assign(written=texts), today(), view.lang, actor())
        if checks:
            st.session_state["update_pending_values"] = {"rows": rows, "base": base, "checks": checks,
                                                         "snapshot": snapshot_key}  # fmt: skip
            st.rerun()  # shown above the forms, whichever of them asked (the one-value form is below)
    st.session_state.pop("update_pending_values", None)
    st.session_state.pop("update_flash", None)
    try:
        result = record_progress(view.db, rows, base_versions=base, explanations=explanations, actor=actor(),
                                 lang=view.lang, today=today())  # fmt: skip
    except StaleWrite as stale:
        # The next run shows what is stored now, in the grid too: its edits are dropped with it.
        del st.session_state[snapshot_key]
        st.session_state.pop(f"editor::{snapshot_key}", None)
        st.session_state.pop(f"start::{snapshot_key}", None)
        drop_draft(f"update:{snapshot_key}")  # the grid shows what is stored, not what was typed
        st.session_state["update_stale"] = stale.current
        st.rerun()
    except NeedsExplanation as needs:
        st.session_state["update_pending_explanations"] = needs.pairs
        st.rerun()
    except Rejected as error:
        show_errors(error.errors)
    else:
        st.session_state.pop("update_pending_explanations", None)
        del st.session_state[snapshot_key]
        st.session_state.pop(f"start::{snapshot_key}", None)
        say_saved(view, saved_text(result, view.lang))
        drop_draft(f"update:{snapshot_key}")
        st.rerun()


def _grid(start: pd.DataFrame, snapshot_key: str) -> pd.DataFrame:
    return st.data_editor(
        start,  # values as text: typed or pasted as written (4,107人, 2,720千円)
        key=f"editor::{snapshot_key}",
        hide_index=True,
        placeholder="",  # an empty cell reads as empty, not as "None"
        width="stretch",
        disabled=["kpi_code", "kpi_name", "unit", "version_id"],
        column_order=["kpi_name", "unit", "value", "note"],
        column_config={
            "kpi_name": tr("update.kpi"),
            "unit": tr("update.unit"),
            "value": st.column_config.TextColumn(
                tr("update.value"), help=tr("update.typed_value_help"), max_chars=40, alignment="right"
            ),
            "note": st.column_config.TextColumn(tr("update.note"), max_chars=500),
        },
    )


def progress_section(view: UpdateView) -> None:
    """Choose the period and the organization, edit the grid, save; or save one value at a time."""
    db, lang, project, kpis, partners = view.db, view.lang, view.project, view.kpis, view.partners
    left, right = st.columns(2)
    period: date = left.selectbox(tr("update.period"), recent_quarter_ends(db, today()), key="update_period")
    names = dict(zip(partners["organization_code"], display_names(partners, lang), strict=True))
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
    original = localized_grid(st.session_state[snapshot_key], kpis, lang)
    # What the grid starts from: the stored values, with an unsaved draft typed over them.
    grid_form, start_key = f"update:{snapshot_key}", f"start::{snapshot_key}"
    if start_key not in st.session_state:
        st.session_state[start_key] = with_grid_draft(typed_grid(original), restored(grid_form))
    start = st.session_state[start_key].assign(
        kpi_name=original["kpi_name"].values, unit=original["unit"].values
    )
    if (stale_values := st.session_state.pop("update_stale", None)) is not None:
        st.error(tr("update.stale"))
        st.dataframe(stale_values, hide_index=True, placeholder="—")
    edited = _grid(start, snapshot_key)
    keep_draft(grid_form, grid_draft(typed_grid(original), edited))
    pending: list[tuple[str, str]] = st.session_state.get("update_pending_explanations", [])
    explanations: dict[tuple[str, str], str] = {}
    if pending:
        st.warning(tr("update.needs_explanation"))
        for pair in pending:
            kpi_name = original.set_index("kpi_code").loc[pair[1], "kpi_name"]
            explanations[pair] = st.text_area(
                tr("update.explanation", kpi=plain(kpi_name)), key=f"why::{pair}"
            )
    keys = {"project_code": project, "period_end": period, "organization_code": org}
    if st.button(tr("update.save"), type="primary", key="save_progress"):
        typed, errors = read_grid(edited, kpis, lang)
        show_errors(errors)
        if not errors:  # all or nothing: one unreadable cell and no value is saved
            rows, base = grid_changes(original, typed, **keys)
            _save_progress(view, rows, base, snapshot_key, explanations, original=original,
                           written=written_values(edited))  # fmt: skip
    pending_values = st.session_state.get("update_pending_values")
    if pending_values is not None and pending_values["snapshot"] == snapshot_key:
        show_checks(pending_values["checks"], lang)
        if st.button(tr("softcheck.save_anyway"), key="save_progress_anyway"):
            _save_progress(view, pending_values["rows"], pending_values["base"], snapshot_key, explanations,
                           confirmed=True)  # fmt: skip

    # One value at a time, for those who prefer a form to a grid.
    with st.form(key=f"one_value::{snapshot_key}"):
        st.caption(tr("update.one_value"))
        by_code = original.set_index("kpi_code")
        kpi_code = st.selectbox(
            tr("update.kpi"), list(by_code.index), format_func=lambda c: by_code.loc[c, "kpi_name"]
        )
        # A placeholder rather than a help icon: the field alone is labelled with the value's name.
        one_text = st.text_input(
            tr("update.value"), placeholder=tr("update.typed_placeholder"), key=f"one_value_v::{snapshot_key}"
        )
        one_note = st.text_input(tr("update.note"), key=f"one_value_n::{snapshot_key}")
        if st.form_submit_button(tr("update.save_one")):
            amount, error = read_typed(
                one_text, kpi_definition(kpis, kpi_code), lang, column="value", label=tr("update.value")
            )
            show_errors([error] if error else [])
            if amount is not None:
                rows, base = grid_changes(original, one_value(original, kpi_code, amount, one_note), **keys)
                _save_progress(view, rows, base, snapshot_key, explanations, original=original,
                               written={kpi_code: one_text})  # fmt: skip
