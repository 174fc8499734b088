"""The project page's partnership part (kpi/partnerships/summary.py): agreements in force, the next
review, open action items and the phase flag, with links to the pages that keep them."""

from __future__ import annotations

from datetime import date

import streamlit as st

from kpi.partnerships.summary import project_partnership
from ui.database import database
from ui.session import actor, show_date, tr


def project_partnership_section(project_code: str, as_of: date) -> None:
    summary = project_partnership(database(), project_code, as_of, actor=actor())
    st.subheader(tr("project_partnership.heading"))
    columns = st.columns(3)
    columns[0].metric(tr("project_partnership.in_force"), summary.in_force)
    if summary.review is not None:
        review = summary.review
        columns[1].metric(
            tr("project_partnership.next_review"),
            show_date(review.due_on),
            delta=tr("project_partnership.review_overdue", days=review.days_overdue)
            if review.overdue
            else None,
            delta_color="inverse",
        )
    columns[2].metric(
        tr("project_partnership.open_items"),
        summary.open_items,
        delta=tr("project_partnership.items_overdue", count=summary.overdue_items)
        if summary.overdue_items
        else None,
        delta_color="inverse",
    )
    if summary.flag is not None and summary.flag.reason is None:
        st.warning(tr("project_partnership.flag", phase=tr(f"phase.{summary.flag.phase}")))
    elif summary.flag is not None:
        st.caption(tr("project_partnership.flag_reason", reason=summary.flag.reason))
    links = st.columns(2)
    links[0].page_link("pages/agreements.py", label=tr("nav.agreements"), icon=":material/handshake:",
                       query_params={"project": project_code})  # fmt: skip
    links[1].page_link("pages/meetings.py", label=tr("nav.meetings"), icon=":material/groups:",
                       query_params={"project": project_code})  # fmt: skip
