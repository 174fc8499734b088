"""Partner upload: templates, upload, validation report or preview, soft checks (kpi/progress/soft_checks.py,
confirmed with a tick before the import), confirm, import history and a rollback that asks first."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

from pathlib import Path

import streamlit as st

from kpi.exports import csv_bytes
from kpi.formatting.numbers import plain
from kpi.intake.error_report import error_table
from kpi.intake.service import import_file, rollback_import
from kpi.intake.uploads import (
    batch_facts,
    batch_history,
    change_table,
    intake_facts,
    live_batches,
    organizations_for_upload,
    project_options,
)
from kpi.progress.soft_checks import change_text, check_values
from ui.database import database
from ui.sections.upload_templates import templates_section
from ui.session import actor, language, today, tr

lang = language()
db = database()
st.title(tr("upload.heading"))
notice = (
    st.container()
)  # always there: what follows keeps its place, so the emptied uploader replaces the old
if flash := st.session_state.pop("upload_flash", None):
    notice.success(plain(flash))  # the outcome of the last import or rollback, shown after the page refreshed

organizations = organizations_for_upload(db, lang, actor=actor())
org = st.selectbox(
    tr("upload.organization"),
    list(organizations),
    format_func=lambda code: f"{organizations[code]} ({code})",
    key="upload_org",
)
if org is None:
    st.info(tr("upload.no_organizations"))
    st.stop()

templates_section(db, org, lang)

projects = project_options(db, org, lang, actor=actor())
project = st.selectbox(tr("upload.project"), list(projects), format_func=projects.__getitem__,
                       help=tr("upload.project_help"), key="upload_project") or None  # fmt: skip
uploaded = st.file_uploader(tr("upload.file"), type=["csv", "xlsx"], key="upload_file")
# The file just imported stays in the uploader until another is chosen: it is not checked again (it
# would read "already imported" under "imported as batch N"). A new key would empty the uploader, but
# the browser may go on showing the old one for a moment, and a click there would be lost.
if uploaded is not None and uploaded.file_id == st.session_state.get("upload_imported"):
    uploaded = None
if uploaded is not None:
    data = uploaded.getvalue()
    check = import_file(db, data, file_name=uploaded.name, organization_code=org, actor=actor(),
                        lang=lang, today=today(), dry_run=True, project_code=project)  # fmt: skip
    facts = "\n".join(f"- {plain(fact)}" for fact in intake_facts(check, lang))
    if check.status == "duplicate":
        st.info(tr("intake.outcome.duplicate", batch_id=check.batch_id))
    elif check.status == "rejected":
        if check.rows:
            st.error(tr("upload.rejected", count=len(check.errors), rows=check.rows))
        else:  # refused before any row was read (too large, damaged, encoding): no "in 0 rows"
            st.error(tr("upload.rejected_file", count=len(check.errors)))
        if facts:
            st.info(facts)
        errors = error_table(check.errors, lang)
        st.dataframe(errors, hide_index=True, width="stretch", placeholder="—")
        stem = Path(uploaded.name).stem  # errors_q4.csv, not errors_q4.csv.csv
        st.download_button(tr("upload.download_errors"), data=csv_bytes(errors),
                           file_name=f"errors_{stem}.csv", key="download_errors")  # fmt: skip
    else:
        st.success(tr("upload.valid", rows=check.rows))
        if facts:
            st.info(facts)
        metrics = st.columns(3)
        metrics[0].metric(tr("upload.inserted"), f"{check.inserted:,}")
        metrics[1].metric(tr("upload.updated"), f"{check.updated:,}")
        metrics[2].metric(tr("upload.unchanged"), f"{check.unchanged:,}")
        if check.changes is not None and len(check.changes):
            st.subheader(tr("upload.preview"))
            changes = change_table(db, check.changes.head(500), lang)
            st.dataframe(changes, hide_index=True, width="stretch", placeholder="—")
        warnings = (
            check_values(db, check.checked, today(), lang, actor()) if check.checked is not None else []
        )
        checked = True
        if warnings:
            with st.container(border=True):
                st.warning(tr("softcheck.upload_heading", count=len(warnings)))
                for item in warnings:
                    where = (
                        tr("softcheck.row", row=item.row, message=item.message) if item.row else item.message
                    )
                    st.markdown(f"- {plain(where)}  \n  {plain(change_text(item, lang))}")
                checked = st.checkbox(tr("softcheck.confirm"), help=tr("softcheck.confirm_help"),
                                      key=f"upload_checked::{uploaded.file_id}")  # fmt: skip
        if st.button(tr("upload.confirm"), type="primary", key="confirm_import", disabled=not checked):
            done = import_file(db, data, file_name=uploaded.name, organization_code=org, actor=actor(),
                               lang=lang, today=today(), project_code=project)  # fmt: skip
            st.session_state["upload_flash"] = tr("intake.outcome.imported", batch_id=done.batch_id)
            st.session_state["rollback_batch"] = done.batch_id  # offer the new batch, not the one before
            st.session_state["upload_imported"] = uploaded.file_id
            st.rerun()

st.subheader(tr("upload.history"))
history = batch_history(db, org, lang, actor=actor(), kind="actuals")  # expenditures: pages/expenses.py
if history.empty:
    st.caption(tr("upload.no_history"))
else:
    st.dataframe(history, hide_index=True, width="stretch", placeholder="—")
    live = live_batches(db, org, actor=actor(), kind="actuals")
    if live:
        cols = st.columns([2, 1])
        batch = cols[0].selectbox(tr("upload.rollback_pick"), live, key="rollback_batch")
        if cols[1].button(tr("upload.rollback"), key="rollback_button"):
            st.session_state["rollback_asked"] = batch  # asked first: which batch, what it holds
        asked = st.session_state.get("rollback_asked")
        if asked is not None and asked == batch:
            held = batch_facts(db, org, asked, actor=actor())
            st.warning(tr("upload.rollback_confirm", batch=asked, **held))
            yes, no = st.columns(2)
            if yes.button(tr("upload.rollback_yes", batch=asked), type="primary", key="rollback_yes"):
                counts = rollback_import(db, asked, actor=actor(), organization_code=org)
                st.session_state.pop("rollback_asked", None)
                st.session_state["upload_flash"] = tr(
                    "intake.rolled_back", batch=asked, restored=counts.restored, skipped=counts.skipped
                )
                st.rerun()
            if no.button(tr("upload.rollback_no"), key="rollback_no"):
                st.session_state.pop("rollback_asked", None)
                st.rerun()
