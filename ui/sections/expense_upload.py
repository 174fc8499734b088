"""The expenditure page's parts (pages/expenses.py): the organization, the template, the checked
upload with its preview and confirmation, the batch history with a rollback that asks first, and
the organization's current expenditures. The KPI upload page (pages/upload.py) is the model: same
wording where the same thing is said, same order of things, its own widget keys."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from kpi.exports import csv_bytes
from kpi.formatting.numbers import plain
from kpi.funding.expenditure_intake import import_expenditures
from kpi.funding.expenditure_template import FORMATS, expenditure_template
from kpi.funding.expense_uploads import (
    LISTED,
    change_preview,
    current_expenditures,
    error_rows,
    expense_history,
    live_expense_batches,
    money_headers,
    open_awards,
    read_facts,
    spending_awards,
)
from kpi.intake.error_report import error_table
from kpi.intake.service import ImportResult, rollback_import
from kpi.intake.uploads import batch_facts, organizations_for_upload
from kpi.storage import Database
from ui.session import actor, today, tr, wareki

FLASH = "expense_flash"  # the outcome of the last import or rollback, shown after the page reran
_ALL = ""  # the award choice "every award"
_TEMPLATE_FILES = {  # format → (MIME type, icon); labels are the KPI templates' (upload.template_*)
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ":material/table_view:"),
    "csv": ("text/csv", ":material/download:"),
}


def _table(frame: pd.DataFrame, lang: str) -> None:
    """A display table, its yen right-aligned as the funding page's figures are."""
    money = money_headers(lang)
    config = {c: st.column_config.TextColumn(c, alignment="right") for c in frame.columns if c in money}
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config, placeholder="—")


def flash(notice: DeltaGenerator) -> None:
    if message := st.session_state.pop(FLASH, None):
        notice.success(plain(message))


def organization_choice(db: Database, lang: str) -> str | None:
    """The organization the page is for: a choice for administrators, the user's own otherwise
    (shown, not chosen); None when there is none (an executive, or no organization takes part in
    a project yet)."""
    organizations = organizations_for_upload(db, lang, actor=actor())
    if not organizations:
        return None
    if actor().is_admin:
        org: str | None = st.selectbox(
            tr("expenses_page.organization"),
            list(organizations),
            format_func=lambda code: f"{organizations[code]} ({code})",
            key="expense_org",
        )
        return org
    org = next(iter(organizations))
    st.markdown(tr("expenses_page.organization_fixed", name=plain(organizations[org]), code=plain(org)))
    return org


def template_section(db: Database, org: str, lang: str) -> None:
    """The template: one row per open award of the organization's projects, .xlsx or CSV, each
    built when its button is clicked (a deferred download, run outside the script run: what it
    needs is read here)."""
    st.subheader(tr("expenses_page.template"))
    who = actor()
    awards = open_awards(db, org, actor=who)
    if not awards:
        st.info(tr("expenses_page.no_awards"))
        return
    st.caption(tr("expenses_page.template_help", count=len(awards), awards=plain(", ".join(awards))))
    row = st.container(horizontal=True)  # side by side at their own width; a phone wraps them
    for file_format in FORMATS:
        mime, icon = _TEMPLATE_FILES[file_format]
        row.download_button(
            tr(f"upload.template_{file_format}"),
            data=partial(expenditure_template, db, org, lang, actor=who, file_format=file_format),
            file_name=f"expenditures_{org}.{file_format}",
            mime=mime,
            icon=icon,
            on_click="ignore",  # a download needs no rerun of the page
            key=f"expense_template_{file_format}",
        )


def _check(db: Database, org: str, lang: str, data: bytes, name: str, *, dry_run: bool) -> ImportResult:
    return import_expenditures(db, data, file_name=name, organization_code=org, actor=actor(),
                               lang=lang, today=today(), dry_run=dry_run)  # fmt: skip


def _facts(result: ImportResult, lang: str) -> None:
    if lines := read_facts(result, lang):
        st.info("\n".join(f"- {plain(line)}" for line in lines))


def _rejected(result: ImportResult, lang: str, file_name: str) -> None:
    if result.rows:
        st.error(tr("upload.rejected", count=len(result.errors), rows=result.rows))
    else:  # refused before any row was read (too large, damaged, encoding): no "in 0 rows"
        st.error(tr("upload.rejected_file", count=len(result.errors)))
    _facts(result, lang)
    # A static table: its messages wrap (a data grid cuts them at the cell's edge). It renders
    # Markdown, so every cell is made inert (messages quote the file's cells); a long list scrolls.
    errors = error_rows(result.errors, lang).map(plain)
    st.table(errors, hide_index=True, border="horizontal", height="content" if len(errors) <= 15 else 600)
    stem = Path(file_name).stem  # errors_q4.csv, not errors_q4.csv.csv
    st.download_button(tr("upload.download_errors"), data=csv_bytes(error_table(result.errors, lang)),
                       file_name=f"errors_{stem}.csv", key="expense_download_errors")  # fmt: skip


def upload_section(db: Database, org: str, lang: str) -> None:
    """The uploader: a dry run first (how the file was read, then its errors or what would change),
    the import on confirmation."""
    st.subheader(tr("expenses_page.upload"))
    st.caption(tr("expenses_page.upload_help"))
    uploaded = st.file_uploader(tr("upload.file"), type=["csv", "xlsx"], key="expense_file")
    # The file just imported stays in the uploader until another is chosen: not checked again (it
    # would read "already imported" under "imported as batch N"), as on the KPI upload page.
    if uploaded is None or uploaded.file_id == st.session_state.get("expense_imported"):
        return
    data = uploaded.getvalue()
    check = _check(db, org, lang, data, uploaded.name, dry_run=True)
    if check.status == "duplicate":
        st.info(tr("intake.outcome.duplicate", batch_id=check.batch_id))
        return
    if check.status == "rejected":
        _rejected(check, lang, uploaded.name)
        return
    st.success(tr("upload.valid", rows=check.rows))
    _facts(check, lang)
    counts = st.container(horizontal=True)  # one row on a phone too, where columns would stack
    counts.metric(tr("expenses_page.inserted"), f"{check.inserted:,}")
    counts.metric(tr("expenses_page.updated"), f"{check.updated:,}")
    counts.metric(tr("expenses_page.unchanged"), f"{check.unchanged:,}")
    if check.changes is not None and len(check.changes):
        st.markdown(f"**{tr('upload.preview')}**")
        preview = change_preview(db, check.changes.head(500), lang, wareki=wareki())
        _table(preview, lang)
    if st.button(tr("expenses_page.confirm"), type="primary", key="expense_confirm"):
        done = _check(db, org, lang, data, uploaded.name, dry_run=False)
        if done.status == "rejected":  # the registry changed since the check: say what, write nothing
            _rejected(done, lang, uploaded.name)
            return
        st.session_state[FLASH] = tr(f"intake.outcome.{done.status}", batch_id=done.batch_id)
        st.session_state["expense_rollback_batch"] = done.batch_id  # offer the new batch, not the one before
        st.session_state["expense_imported"] = uploaded.file_id
        st.rerun()


def history_section(db: Database, org: str, lang: str) -> None:
    """The organization's expenditure batches, and a rollback that names the batch and asks first."""
    st.subheader(tr("expenses_page.history"))
    history = expense_history(db, org, lang, actor=actor())
    if history.empty:
        st.caption(tr("expenses_page.no_history"))
        return
    st.dataframe(history, hide_index=True, width="stretch", placeholder="—")
    live = live_expense_batches(db, org, actor=actor())
    if not live:
        return
    if st.session_state.get("expense_rollback_batch") not in live:
        st.session_state.pop("expense_rollback_batch", None)  # rolled back, or another organization's
    pick, go = st.columns([2, 1], vertical_alignment="bottom")
    batch = pick.selectbox(tr("upload.rollback_pick"), live, key="expense_rollback_batch")
    if go.button(tr("upload.rollback"), key="expense_rollback_button"):
        st.session_state["expense_rollback_asked"] = batch
    asked = st.session_state.get("expense_rollback_asked")
    if asked is None or asked != batch:
        return
    held = batch_facts(db, org, asked, actor=actor())
    st.warning(tr("expenses_page.rollback_confirm", batch=asked, **held))
    answers = st.container(horizontal=True)  # the two answers side by side, not half a page apart
    if answers.button(tr("upload.rollback_yes", batch=asked), type="primary", key="expense_rollback_yes"):
        counts = rollback_import(db, asked, actor=actor(), organization_code=org)
        st.session_state.pop("expense_rollback_asked", None)
        done = "expenses_page.rolled_back" if counts.skipped else "expenses_page.rolled_back_all"
        st.session_state[FLASH] = tr(done, batch=asked, restored=counts.restored, skipped=counts.skipped)
        st.rerun()
    if answers.button(tr("upload.rollback_no"), key="expense_rollback_no"):
        st.session_state.pop("expense_rollback_asked", None)
        st.rerun()


def current_section(db: Database, org: str, lang: str) -> None:
    """The organization's current expenditures, newest payment first, one award's or every award's."""
    st.subheader(tr("expenses_page.current"))
    awards = spending_awards(db, org, actor=actor())
    if not awards:
        st.caption(tr("expenses_page.no_expenditures"))
        return
    choices = {_ALL: tr("expenses_page.all_awards")} | {a: a for a in awards}
    if st.session_state.get("expense_list_award") not in choices:
        st.session_state.pop("expense_list_award", None)  # another organization's award
    award = st.selectbox(
        tr("expenses_page.award"), list(choices), format_func=choices.__getitem__, key="expense_list_award"
    )
    shown = current_expenditures(
        db, org, lang, actor=actor(), award_number=award or None, wareki=wareki(), limit=LISTED
    )
    key = "expenses_page.current_count" if shown.count <= LISTED else "expenses_page.current_capped"
    st.caption(tr(key, count=f"{shown.count:,}", total=shown.total, listed=f"{LISTED:,}"))
    _table(shown.table, lang)
