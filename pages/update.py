"""Progress updates for project leads: one period's values in a grid, and target plans with revisions."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import json
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from kpi.fiscal import fiscal_year_label
from kpi.formatting.numbers import format_number, plain
from kpi.i18n import t
from kpi.model import ValidationError
from kpi.plans import final_point, is_managed_decline
from kpi.progress.forms import (
    grid_changes,
    plan_calendar,
    progress_grid,
    project_setup,
    read_grid,
    recent_quarter_ends,
    revision_table,
    target_form,
    typed_grid,
)
from kpi.progress.save import NeedsExplanation, Rejected, StaleWrite, record_progress, save_target
from kpi.progress.soft_checks import SoftCheck, change_text, check_plan, check_values
from kpi.progress.target_form import EDITOR_COLUMNS, TAGS, fiscal_year_span, missing_fiscal_years
from kpi.progress.typed_values import (
    as_text_rows,
    kpi_definition,
    plan_rows,
    read_typed,
    read_typed_plan,
    value_text,
    with_fiscal_year_rows,
)
from ui.common import actor, database, language, project_widget, today, tr, wareki
from ui.drafts import discard_draft, draft_saved_at, load_draft, save_draft

lang = language()
db = database()
st.title(tr("update.heading"))
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
    required=True,  # clicking the chosen section again keeps it
    key="update_section",
    label_visibility="collapsed",
)
# The outcome of the last save stays until the next action: another save, or another project or section.
_flash = st.session_state.get("update_flash")
if _flash is not None and _flash["where"] != [project, section]:
    st.session_state.pop("update_flash", None)
elif _flash is not None:
    st.success(plain(_flash["text"]))


def _say_saved(text: str) -> None:
    st.session_state["update_flash"] = {"text": text, "where": [project, section]}


def _show_checks(checks: list[SoftCheck]) -> None:
    """Soft checks (kpi/progress/soft_checks.py): what looks wrong and what saving would do to the status."""
    with st.container(border=True):
        st.warning(tr("softcheck.heading"))
        for item in checks:
            st.markdown(f"- {plain(item.message)}  \n  **{plain(change_text(item, lang))}**")


def _restored(form: str) -> dict[str, Any] | None:
    """A kept draft of `form` (ui/drafts.py) to fill the form with, noted for the caption."""
    draft, at = load_draft(form), draft_saved_at(form)
    if draft is not None and at is not None:
        st.session_state[f"restored::{form}"] = f"{at.astimezone():%H:%M}"  # the server's clock
    return draft


def _keep_draft(form: str, values: dict[str, Any] | None) -> None:
    """What is typed and not saved, kept for a reload; None = nothing differs from what is stored."""
    if values is None:
        discard_draft(form)
        st.session_state.pop(f"restored::{form}", None)
    elif load_draft(form) != values:  # unchanged: keep the time it was typed
        save_draft(form, values)
    if (at := st.session_state.get(f"restored::{form}")) is not None:
        st.caption(tr("update.draft_restored", time=at))


def _drop_draft(form: str) -> None:
    discard_draft(form)
    st.session_state.pop(f"restored::{form}", None)


def _cell(value: Any) -> str | None:
    """A cell as draft text: empty, None, NaN and <NA> all as None."""
    return None if value is None or pd.isna(value) or str(value) == "" else str(value)


def _grid_draft(stored: pd.DataFrame, edited: pd.DataFrame) -> dict[str, Any] | None:
    """The cells (value, note) typed into the progress grid that differ from what is stored."""
    cells = {
        str(code): [_cell(value), _cell(note)]
        for code, value, note, old_value, old_note in zip(
            edited["kpi_code"], edited["value"], edited["note"], stored["value"], stored["note"], strict=True
        )
        if [_cell(value), _cell(note)] != [_cell(old_value), _cell(old_note)]
    }
    return {"cells": cells} if cells else None


def _with_grid_draft(grid: pd.DataFrame, form: str) -> pd.DataFrame:
    draft = _restored(form)
    if not draft:
        return grid
    grid = grid.copy()
    for code, (value, note) in draft["cells"].items():
        grid.loc[grid["kpi_code"] == code, ["value", "note"]] = [value, note]
    return grid


def _show_errors(errors: list[ValidationError]) -> None:
    for problem in errors:
        st.error(plain(problem.message))


def _save_progress(
    rows: pd.DataFrame,
    base: dict[tuple[Any, ...], int | None],
    snapshot_key: str,
    explanations: dict[tuple[str, str], str],
    *,
    written: dict[str, str] | None = None,
    confirmed: bool = False,
) -> None:
    """Record changed values; a stale save, a missing explanation or a broken rule is said plainly.
    Soft checks first: values that look wrong wait for "save as it is" (or a correction)."""
    if rows.empty:
        if st.session_state.get("update_flash") is None:  # a second click of the same save: no "0 saved"
            st.info(tr("update.nothing_changed"))
        return
    if not confirmed:
        texts = pd.Series(
            [(written or {}).get(str(k)) for k in rows["kpi_code"]], index=rows.index, dtype=object
        )
        typed = rows.assign(written=texts)
        checks = check_values(db, typed, today(), lang, actor())
        if checks:
            st.session_state["update_pending_values"] = {"rows": rows, "base": base, "checks": checks,
                                                         "snapshot": snapshot_key}  # fmt: skip
            st.rerun()  # shown above the forms, whichever of them asked (the one-value form is below)
    st.session_state.pop("update_pending_values", None)
    st.session_state.pop("update_flash", None)
    try:
        result = record_progress(
            db, rows, base_versions=base, explanations=explanations, actor=actor(), lang=lang, today=today()
        )
    except StaleWrite as stale:
        # The next run shows what is stored now, in the grid too: its edits are dropped with it.
        del st.session_state[snapshot_key]
        st.session_state.pop(f"editor::{snapshot_key}", None)
        st.session_state.pop(f"start::{snapshot_key}", None)
        _drop_draft(f"update:{snapshot_key}")  # the grid shows what is stored, not what was typed
        st.session_state["update_stale"] = stale.current
        st.rerun()
    except NeedsExplanation as needs:
        st.session_state["update_pending_explanations"] = needs.pairs
        st.rerun()
    except Rejected as error:
        _show_errors(error.errors)
    else:
        st.session_state.pop("update_pending_explanations", None)
        del st.session_state[snapshot_key]
        st.session_state.pop(f"start::{snapshot_key}", None)
        counts = {"inserted": result.inserted, "updated": result.updated}
        _say_saved(
            tr("update.saved_with_notes", **counts, noted=result.noted)
            if result.noted
            else tr("update.saved", **counts)
        )
        _drop_draft(f"update:{snapshot_key}")
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
    # Names and units in this run's language: the snapshot may have been taken before a language switch.
    by_kpi, snapshot = kpis.set_index("kpi_code"), st.session_state[snapshot_key]
    original = snapshot.assign(
        kpi_name=snapshot["kpi_code"].map(by_kpi[f"name_{lang}"]),
        unit=snapshot["kpi_code"].map(by_kpi[f"unit_{lang}"]),
    )
    # What the grid starts from: the stored values, with an unsaved draft typed over them.
    grid_form, start_key = f"update:{snapshot_key}", f"start::{snapshot_key}"
    if start_key not in st.session_state:
        st.session_state[start_key] = _with_grid_draft(typed_grid(original), grid_form)
    start = st.session_state[start_key].assign(
        kpi_name=original["kpi_name"].values, unit=original["unit"].values
    )
    if (stale_values := st.session_state.pop("update_stale", None)) is not None:
        st.error(tr("update.stale"))
        st.dataframe(stale_values, hide_index=True, placeholder="—")
    edited = st.data_editor(
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
    _keep_draft(grid_form, _grid_draft(typed_grid(original), edited))
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
        typed, errors = read_grid(edited, kpis, lang)
        _show_errors(errors)
        if not errors:  # all or nothing: one unreadable cell and no value is saved
            rows, base = grid_changes(
                original, typed, project_code=project, period_end=period, organization_code=org
            )
            texts = {str(k): str(v) for k, v in zip(edited["kpi_code"], edited["value"], strict=True)
                     if isinstance(v, str)}  # fmt: skip
            _save_progress(rows, base, snapshot_key, explanations, written=texts)
    pending_values = st.session_state.get("update_pending_values")
    if pending_values is not None and pending_values["snapshot"] == snapshot_key:
        _show_checks(pending_values["checks"])
        if st.button(tr("softcheck.save_anyway"), key="save_progress_anyway"):
            _save_progress(pending_values["rows"], pending_values["base"], snapshot_key, explanations,
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
            one_value, error = read_typed(
                one_text, kpi_definition(kpis, kpi_code), lang, column="value", label=tr("update.value")
            )
            _show_errors([error] if error else [])
            if one_value is not None:
                single = original[original["kpi_code"] == kpi_code].assign(value=one_value, note=one_note)
                rows, base = grid_changes(
                    original, single, project_code=project, period_end=period, organization_code=org
                )
                _save_progress(rows, base, snapshot_key, explanations, written={kpi_code: one_text})


def _target_editor(rows: pd.DataFrame, key: str) -> pd.DataFrame:
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


def _save_target(plan: dict[str, Any], reason: str, base_key: str, form: str) -> None:
    st.session_state.pop("update_flash", None)
    try:
        saved = save_target(
            db, plan, reason=reason, base_version=st.session_state[base_key], actor=actor(), lang=lang
        )
    except StaleWrite as stale:
        st.session_state[base_key] = stale.current
        _drop_draft(form)  # the form reopens on the stored version
        st.error(tr("update.stale_target", version=stale.current))
    except Rejected as error:
        _show_errors(error.errors)
    else:
        st.session_state[base_key] = saved
        st.session_state.pop(f"{base_key}::pending", None)
        _drop_draft(form)
        _say_saved(tr("update.target_saved", version=saved))
        st.rerun()


def _plan_draft(version: int | None, baseline: str, day: date | None, rows: pd.DataFrame, reason: str
                ) -> dict[str, Any]:  # fmt: skip
    """The targets form as JSON-able values (ui/drafts.py); rows left empty are left out."""
    records = [[_cell(r[c]) for c in EDITOR_COLUMNS] for r in rows[EDITOR_COLUMNS].to_dict("records")]
    return {
        "version": version,
        "baseline": _cell(baseline),
        "baseline_date": day.isoformat() if day else None,
        "rows": [r for r in records if any(r)],
        "reason": _cell(reason),
    }


def _targets(project: str, kpi: str) -> None:
    """A KPI's plan: baseline, the points table (a row per 年度 on request), the reason, the history."""
    definition = kpi_definition(kpis, kpi)
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
    draft = _restored(form) if kept and kept["version"] == st.session_state[base_key] else None
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
        st.session_state[rows_key], f"{prefix}::editor::{st.session_state.get(round_key, 0)}"
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
    typed = _plan_draft(st.session_state[base_key], baseline, baseline_date, edited, reason)
    stored = _plan_draft(st.session_state[base_key], value_text(current.get("baseline_value")),
                         current.get("baseline_date"), stored_rows, "")  # fmt: skip
    _keep_draft(form, typed if typed != stored else None)
    pending_key = f"{base_key}::pending"
    signature = json.dumps(entered.plan, default=str, sort_keys=True)  # the plan the warnings were for
    if st.button(tr("update.save_target"), type="primary", key=f"{prefix}::save"):
        for problem in entered.errors:
            st.error(plain(problem.message))
        if not entered.errors:
            checks = check_plan(db, project, kpi, entered.plan, today(), lang, actor())
            if checks:
                st.session_state[pending_key] = (signature, checks)
            else:
                _save_target(entered.plan, reason, base_key, form)
    pending = st.session_state.get(pending_key)
    if pending is not None and pending[0] == signature:  # a corrected plan is checked again on save
        _show_checks(pending[1])
        if st.button(tr("softcheck.save_anyway"), key=f"{prefix}::save_anyway"):
            _save_target(entered.plan, reason, base_key, form)
    st.subheader(tr("update.history"))
    _history(revision_table(history, lang, start_month, era))


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


if section == "targets":
    labels = dict(zip(kpis["kpi_code"], kpis["name_ja" if lang == "ja" else "name_en"], strict=True))
    chosen = st.selectbox(tr("update.kpi"), list(labels), format_func=lambda c: labels[c], key="target_kpi")
    if chosen is not None:
        _targets(project, chosen)
