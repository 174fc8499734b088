"""The agreements page's list (pages/agreements.py): the project choice (or agreements between
organizations), the project's agreements in one table, the choice of one, and its detail with the IP
terms exactly as typed and its versions (who, when, what changed, why).

User text (titles, IP terms, reasons) never reaches Markdown unescaped: tables and st.text show it
as typed, and plain() escapes it where it sits in a sentence.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from kpi.formatting.numbers import plain
from kpi.i18n import t
from kpi.partnerships.agreement_view import (
    TABLE_COLUMNS,
    AgreementsView,
    Record,
    agreement_row,
    detail_lines,
    history_entries,
)
from kpi.partnerships.agreements import agreement_history
from kpi.storage import Database
from ui.sections.agreements_alerts import BETWEEN, PICK, PROJECT
from ui.session import actor, language, tr, wareki

FLASH = "agr_flash"
NEW = ""  # the agreement choice's option for a new agreement


def choose_project(projects: dict[str, str], led: dict[str, str]) -> str | None:
    """The project whose agreements are shown (None: between organizations). Entering the page, a
    link's ?project= wins, then the project last chosen on any page, then a lead's first own one."""
    state, lang = st.session_state, language()
    options = [*projects, BETWEEN]
    if PROJECT not in state or state.get("_page_changed", True):
        linked, kept = st.query_params.get("project"), state.get("_keep_project")
        state[PROJECT] = next((c for c in (linked, kept, next(iter(led), None)) if c in projects), options[0])
    if state[PROJECT] not in options:
        state[PROJECT] = options[0]
    between = t("agreements_page.between", lang)
    st.selectbox(
        tr("agreements_page.project"),
        options,
        key=PROJECT,
        format_func=lambda c: f"{c}  {projects[c]}" if c else between,
    )
    chosen = state[PROJECT] or None
    if chosen:
        state["_keep_project"] = chosen  # the other pages' project picker starts from it
    return chosen


def show_flash() -> None:
    if (flash := st.session_state.pop(FLASH, None)) is not None:
        st.success(plain(flash))


def say(text: str) -> None:
    """The outcome of a save, shown above the chosen agreement on the next run (show_flash)."""
    st.session_state[FLASH] = text


def agreements_table(view: AgreementsView, heading: str) -> None:
    st.subheader(plain(heading))
    if not view.agreements:
        st.info(tr("agreements_page.none_listed"))
        return
    era = wareki()
    rows = [agreement_row(a, view, era) for a in view.agreements]
    config: dict[str, Any] = {c: tr(f"agreements_page.col_{c}") for c in TABLE_COLUMNS}
    config["version"] = st.column_config.NumberColumn(config["version"], format="%d", width="small")
    st.dataframe(rows, hide_index=True, width="stretch", column_order=TABLE_COLUMNS, column_config=config)


def choose_agreement(view: AgreementsView) -> str | None:
    """The agreement shown below (None: the new-agreement form, offered to those who may change)."""
    key = f"agr_choice::{view.project_code or BETWEEN}"
    options = [a["agreement_code"] for a in view.agreements] + ([NEW] if view.may_change else [])
    if not options:
        return None
    if (picked := st.session_state.pop(PICK, None)) in options:
        st.session_state[key] = picked
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[0]
    titles = {a["agreement_code"]: a["title"] for a in view.agreements}
    new = t("agreements_page.new_agreement", view.lang)
    lang = view.lang
    chosen = st.selectbox(
        tr("agreements_page.choose"),
        options,
        key=key,
        format_func=lambda c: t("agreements_page.option", lang, code=c, title=titles[c]) if c else new,
    )
    return chosen or None


def _pairs(lines: list[tuple[str, str]]) -> None:
    """Facts two to a row, so that on a phone (one column) they keep their order."""
    for start in range(0, len(lines), 2):
        columns = st.columns(2)
        for column, (label, value) in zip(columns, lines[start : start + 2], strict=False):
            column.markdown(f"**{plain(label)}**  \n{plain(value)}")


def agreement_detail(db: Database, view: AgreementsView, agreement: Record) -> None:
    code = agreement["agreement_code"]
    with st.container(border=True):
        st.subheader(plain(f"{code}  {agreement['title']}"))
        _pairs(detail_lines(agreement, view, wareki()))
        st.markdown(f"**{tr('partnerships.field.ip_terms')}**")
        if str(agreement["ip_terms"] or "").strip():
            st.text(agreement["ip_terms"])  # as typed: never Markdown or HTML
        else:
            st.caption(tr("agreements_page.ip_terms_none"))
    history = history_entries(agreement_history(db, code, actor=actor()), view.lang)
    with st.expander(f"{tr('agreements_page.history')} ({len(history)})"):
        for entry in history:
            st.markdown(
                f"**{tr('agreements_page.version_line', version=entry['version'])}** · "
                f"{plain(entry['recorded_at'])} · {plain(entry['recorded_by'])}  \n{plain(entry['what'])}"
            )
            if entry["reason"]:
                st.caption(tr("agreements_page.history_reason"))
                st.text(entry["reason"])
