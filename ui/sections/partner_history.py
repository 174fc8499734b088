"""The partner history page's parts (kpi/partnerships/timeline.py): an organization's identity and
figures, its projects with their KPI status, the organizations it works with most, its timeline,
and the partners going quiet."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from kpi.formatting.names import join_names
from kpi.partnerships.charts import collaborators_chart
from kpi.partnerships.timeline import Timeline, event_label, going_quiet
from kpi.storage import Database
from ui.database import names
from ui.session import actor, show_date, tr


def identity_line(timeline: Timeline, lang: str) -> None:
    """Sector, prefecture and the identifiers it carries, in one caption under the name."""
    who = timeline.identity
    parts = [tr(f"sector.{who['sector']}"), names().prefecture(who["prefecture"], lang)]
    if who.get("corporate_number"):
        parts.append(tr("partners_page.corporate_number", number=who["corporate_number"]))
    if who.get("erad_code"):
        parts.append(tr("partners_page.erad_code", code=who["erad_code"]))
    st.caption(" · ".join(parts))


def figures_section(timeline: Timeline, as_of: date) -> None:
    events = timeline.events
    meetings = events[events["kind"].str.startswith("meeting_")]
    recent = meetings[[(as_of - d).days <= 365 for d in meetings["day"]]]
    agreements = events[events["kind"].str.startswith("agreement_")]
    projects = timeline.projects
    columns = st.columns(4)
    columns[0].metric(tr("partners_page.metric_projects"), len(projects))
    columns[1].metric(tr("partners_page.metric_running"), int(projects["running"].sum()))
    columns[2].metric(tr("partners_page.metric_agreements"), len(agreements))
    columns[3].metric(tr("partners_page.metric_meetings_year"), len(recent))
    if len(events):
        st.caption(tr("partners_page.since", date=show_date(events["day"].min())))


def projects_section(timeline: Timeline) -> None:
    st.subheader(tr("partners_page.projects_heading"))
    if timeline.projects.empty:
        st.info(tr("partners_page.no_projects"))
        return
    frame = timeline.projects.assign(
        phase=[tr(f"phase.{p}") for p in timeline.projects["phase"]],
        status=[
            tr(f"status.{s}") if isinstance(s, str) else tr("partners_page.no_kpis")
            for s in timeline.projects["status"]
        ],
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        placeholder="—",
        column_config={
            "project_code": tr("partners_page.col_project"),
            "project_name": st.column_config.TextColumn(" ", width="medium"),
            "phase": tr("partners_page.col_phase"),
            "role": tr("partners_page.col_role"),
            "start_date": st.column_config.DateColumn(tr("partners_page.col_start")),
            "end_date": st.column_config.DateColumn(tr("partners_page.col_end")),
            "status": tr("partners_page.col_status"),
            "running": None,
        },
    )


def collaborators_section(timeline: Timeline, lang: str) -> None:
    st.subheader(tr("partners_page.collaborators_heading"))
    if timeline.collaborators.empty:
        st.info(tr("partners_page.no_collaborators"))
        return
    st.caption(tr("partners_page.collaborators_caption"))
    st.plotly_chart(collaborators_chart(timeline.collaborators, lang), config={"displayModeBar": False})


def timeline_section(timeline: Timeline, lang: str) -> None:
    st.subheader(tr("partners_page.timeline_heading"))
    if timeline.events.empty:
        st.info(tr("partners_page.no_events"))
        return
    events = timeline.events.iloc[::-1]  # newest first: what happened lately matters most
    frame = pd.DataFrame(
        {
            "day": events["day"],
            "kind": [event_label(k, lang) for k in events["kind"]],
            "project": [
                f"{c}  {n}".strip()
                for c, n in zip(events["project_code"], events["project_name"], strict=True)
            ],
            "title": events["title"],
            "with": events["detail"],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        placeholder="—",
        column_config={
            "day": st.column_config.DateColumn(tr("partners_page.col_day")),
            "kind": tr("partners_page.col_kind"),
            "project": st.column_config.TextColumn(tr("partners_page.col_project"), width="medium"),
            "title": st.column_config.TextColumn(tr("partners_page.col_title"), width="medium"),
            "with": st.column_config.TextColumn(tr("partners_page.col_with"), width="medium"),
        },
    )


def quiet_section(db: Database, as_of: date, lang: str) -> None:
    st.subheader(tr("partners_page.quiet_heading"))
    quiet = going_quiet(db, as_of, lang, actor=actor())
    if quiet.empty:
        st.info(tr("partners_page.no_quiet"))
        return
    st.caption(tr("partners_page.quiet_caption"))
    st.dataframe(
        quiet.assign(closed_projects=[join_names(c, lang) for c in quiet["closed_projects"]]),
        hide_index=True,
        width="stretch",
        column_config={
            "organization_code": tr("partners_page.col_code"),
            "name": st.column_config.TextColumn(tr("partners_page.col_organization"), width="medium"),
            "closed_projects": tr("partners_page.col_closed"),
            "last_activity": st.column_config.DateColumn(tr("partners_page.col_last")),
            "months_quiet": tr("partners_page.col_months"),
        },
    )
