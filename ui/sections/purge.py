"""The administration page's purge section: oversized notes listed by length, one purged with a reason.

Only sizes and keys are shown, never a note's text: the text is what makes pages fail.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi.access import Actor, Forbidden
from kpi.admin.purge import NOTE_LIMIT, oversized_notes, purge_note
from kpi.errors import Rejected
from kpi.formatting.numbers import format_number, plain
from kpi.i18n import t
from kpi.storage import Database


def render_purge_section(db: Database, actor: Actor, lang: str) -> None:
    limit = format_number(NOTE_LIMIT, lang)
    st.subheader(t("admin.purge_heading", lang))
    st.caption(t("admin.purge_help", lang, limit=limit))
    try:
        found = oversized_notes(db, actor=actor)
    except Forbidden as refused:
        st.error(plain(refused.message(lang)))
        return
    if found.empty:
        st.info(t("admin.purge_none", lang, limit=limit))
        return
    table = found.assign(period_end=pd.to_datetime(found["period_end"]).dt.date)
    st.dataframe(
        table[["version_id", "project_code", "kpi_code", "period_end", "organization_code", "note_chars",
               "is_current"]],
        placeholder="—",  # a missing value reads as a dash, never "None"
        hide_index=True,
        width="stretch",
        column_config={
            "version_id": st.column_config.NumberColumn(t("admin.purge_col_version", lang), format="%d"),
            "project_code": t("admin.purge_col_project", lang),
            "kpi_code": t("admin.purge_col_kpi", lang),
            "period_end": t("admin.purge_col_period", lang),
            "organization_code": t("admin.purge_col_organization", lang),
            "note_chars": st.column_config.NumberColumn(t("admin.purge_col_chars", lang), format="localized"),
            "is_current": st.column_config.CheckboxColumn(t("admin.purge_col_current", lang)),
        },
    )  # fmt: skip
    labels = {
        int(r["version_id"]): t(
            "admin.purge_version_label", lang, version=r["version_id"], project=r["project_code"],
            kpi=r["kpi_code"], period=r["period_end"], organization=r["organization_code"],
            chars=format_number(r["note_chars"], lang),
        )
        for r in table.to_dict("records")
    }  # fmt: skip
    with st.form(key="purge_note_form"):
        version = st.selectbox(t("admin.purge_version", lang), list(labels), format_func=labels.__getitem__,
                               placeholder=t("streamlit.choose", lang))  # fmt: skip
        reason = st.text_input(t("admin.purge_reason", lang), max_chars=500)
        confirmed = st.checkbox(t("admin.purge_confirm", lang))
        submitted = st.form_submit_button(t("admin.purge_button", lang), type="primary")
    if not submitted or version is None:
        return
    if not confirmed:
        st.warning(t("admin.purge_confirm_needed", lang))
        return
    try:
        result = purge_note(db, int(version), reason=reason, actor=actor, lang=lang)
    except Rejected as error:
        for problem in error.errors:
            st.error(plain(problem.message))
    except Forbidden as refused:
        st.error(plain(refused.message(lang)))
    else:
        chars = format_number(result.chars, lang)
        st.session_state["admin_flash"] = t("admin.purge_done", lang, version=result.version_id, chars=chars)
        st.rerun()
