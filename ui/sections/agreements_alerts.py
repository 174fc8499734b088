"""The agreements page's top (pages/agreements.py): agreements whose end or notice date is near, each
with a button that opens it below, and the projects in 実証 or 社会実装 without a signed research
agreement; the lead of such a project (and administrators) records the reason to go on here.

Reasons are text from users: shown with st.text, as typed, never as Markdown.
"""

from __future__ import annotations

import streamlit as st

from kpi.access import Forbidden, Role
from kpi.errors import Rejected
from kpi.formatting.numbers import plain
from kpi.partnerships.agreement_view import PageAlerts, alert_text, flag_text, page_alerts
from kpi.partnerships.agreements import record_phase_reason
from kpi.storage import Database
from ui.sections.update_shared import show_errors
from ui.session import actor, language, today, tr, wareki

FLASH = "agr_flag_flash"
PROJECT, PICK = "agr_project", "agr_pick"  # the page's project choice, and an agreement to open
BETWEEN = ""  # the project choice's option for agreements between organizations


def _open(project: str | None, code: str) -> None:
    """An alert's button: the page below shows this agreement (its project chosen)."""
    st.session_state[PROJECT] = project or BETWEEN
    st.session_state[PICK] = code


def alerts_part(db: Database, projects: dict[str, str]) -> None:
    """`projects`: code → name of the projects the reader may read."""
    lang, era, user = language(), wareki(), actor()
    st.subheader(tr("agreements_page.alerts"))
    mine_only = False
    if user.role == Role.LEAD:
        mine_only = st.toggle(tr("agreements_page.only_mine"), value=True, key="agr_only_mine")
    found = page_alerts(db, today(), actor=user, mine_only=mine_only)
    st.caption(tr("agreements_page.alerts_help", days=found.days))
    if (flash := st.session_state.pop(FLASH, None)) is not None:
        st.success(plain(flash))
    mine = "_mine" if mine_only else ""
    if not found.alerts:
        st.caption(tr(f"agreements_page.no_alerts{mine}", days=found.days))
    for index, alert in enumerate(found.alerts):
        with st.container(border=True):
            st.warning(plain(alert_text(alert, projects, lang, era)), icon=":material/event:")
            st.button(
                tr("agreements_page.open", code=alert.agreement_code),
                key=f"agr_open::{index}::{alert.agreement_code}",
                on_click=_open,
                args=(alert.project_code, alert.agreement_code),
            )
    _flags(db, found, projects, mine)


def _flags(db: Database, found: PageAlerts, projects: dict[str, str], mine: str) -> None:
    lang = language()
    if not found.flags:
        st.caption(tr(f"agreements_page.no_flags{mine}"))
    for flag in found.flags:
        text = plain(flag_text(flag, projects, lang))
        with st.container(border=True):
            if flag.reason is not None:
                st.info(text, icon=":material/task_alt:")
                st.text(flag.reason)  # as typed
                continue
            st.error(text, icon=":material/flag:")
            if flag.project_code in found.changeable:
                _reason_form(db, flag.project_code, projects)


def _reason_form(db: Database, project: str, projects: dict[str, str]) -> None:
    with st.expander(tr("agreements_page.flag_form")):
        reason = st.text_area(
            tr("agreements_page.flag_reason_label"),
            help=tr("agreements_page.flag_reason_help"),
            max_chars=2000,
            key=f"agr_flag_reason::{project}",
        )
        if st.button(tr("agreements_page.flag_save"), type="primary", key=f"agr_flag_save::{project}"):
            try:
                record_phase_reason(db, project, reason, actor=actor(), lang=language())
            except Rejected as error:
                show_errors(error.errors)
            except Forbidden as refused:
                st.error(plain(refused.message(language())))
            else:
                name = f"{project} {projects.get(project, '')}".strip()
                st.session_state[FLASH] = tr("agreements_page.flag_saved", project=name)
                st.rerun()
