"""Partner upload: templates, upload, validation report or preview, confirm, import history."""

from __future__ import annotations

import streamlit as st

from kpi.exports import csv_bytes
from kpi.formatting import plain
from kpi.intake.service import import_file, rollback_import
from kpi.intake.templates import LAYOUTS, template_bytes, template_frame
from kpi.uploads import (
    batch_history,
    change_table,
    error_table,
    intake_facts,
    live_batches,
    organizations_for_upload,
    project_options,
)
from views.common import actor, database, language, today, tr

lang = language()
db = database()
st.title(tr("upload.heading"))
if flash := st.session_state.pop("upload_flash", None):
    st.success(plain(flash))  # the outcome of the last import or rollback, shown after the page refreshed

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

with st.expander(tr("upload.templates"), expanded=False):
    layouts = {layout: tr(f"upload.layout_{layout}") for layout in LAYOUTS}
    layout = st.radio(tr("upload.layout"), list(layouts), format_func=layouts.__getitem__, horizontal=True,
                      key="template_layout")  # fmt: skip
    st.caption(tr("upload.templates_help" if layout == "wide" else "upload.templates_help_year_table"))
    frame = template_frame(db, org, lang, today(), actor=actor(), layout=layout)
    columns = st.columns(3)
    for column, (fmt, extension) in zip(
        columns, [("csv", "csv"), ("csv-cp932", "csv"), ("xlsx", "xlsx")], strict=True
    ):
        column.download_button(
            tr(f"upload.template_{fmt.replace('-', '_')}"),
            data=template_bytes(frame, fmt),
            file_name=f"template_{org}_{layout}_{fmt}.{extension}",
            key=f"template_{fmt}",
        )

projects = project_options(db, org, lang, actor=actor())
project = st.selectbox(tr("upload.project"), list(projects), format_func=projects.__getitem__,
                       help=tr("upload.project_help"), key="upload_project") or None  # fmt: skip
uploaded = st.file_uploader(tr("upload.file"), type=["csv", "xlsx"], key="upload_file")
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
        st.download_button(tr("upload.download_errors"), data=csv_bytes(errors),
                           file_name=f"errors_{uploaded.name}.csv", key="download_errors")  # fmt: skip
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
        if st.button(tr("upload.confirm"), type="primary", key="confirm_import"):
            done = import_file(db, data, file_name=uploaded.name, organization_code=org, actor=actor(),
                               lang=lang, today=today(), project_code=project)  # fmt: skip
            st.session_state["upload_flash"] = tr("intake.outcome.imported", batch_id=done.batch_id)
            st.session_state["rollback_batch"] = done.batch_id  # offer the new batch, not the one before
            st.rerun()

st.subheader(tr("upload.history"))
history = batch_history(db, org, lang, actor=actor())
if history.empty:
    st.caption(tr("upload.no_history"))
else:
    st.dataframe(history, hide_index=True, width="stretch", placeholder="—")
    live = live_batches(db, org, actor=actor())
    if live:
        cols = st.columns([2, 1])
        batch = cols[0].selectbox(tr("upload.rollback_pick"), live, key="rollback_batch")
        if cols[1].button(tr("upload.rollback"), key="rollback_button"):
            counts = rollback_import(db, batch, actor=actor(), organization_code=org)
            st.session_state["upload_flash"] = tr(
                "intake.rolled_back", batch=batch, restored=counts.restored, skipped=counts.skipped
            )
            st.rerun()
