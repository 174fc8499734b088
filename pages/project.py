"""One project in depth: partners by sector, each KPI's story, target revisions, latest reports."""

from ui.routing import through_dashboard

through_dashboard()  # a cold server's deep link runs this file by itself: go through dashboard.py

import html
from typing import Any

import pandas as pd
import streamlit as st

from kpi.charts import STATUS_COLORS, status_text_color
from kpi.exports import csv_bytes
from kpi.formatting.names import display_name
from kpi.formatting.numbers import plain
from kpi.project.view import build_project_view, fmt, pct
from ui.database import database, names
from ui.sections.project_funding import project_funding
from ui.sections.project_partnership import project_partnership_section
from ui.session import actor, language, show_date, tr, wareki
from ui.widgets import as_of_widget, enter_page, filters_widget, project_widget, sync_url

enter_page("project")
lang = language()
as_of = as_of_widget()
filters_widget()  # kept in the sidebar (and the link) for the way back to the overview
st.page_link("pages/overview.py", label=tr("project.back"), icon=":material/arrow_back:")
code = project_widget()
view = build_project_view(database(), code, as_of, lang, actor=actor(), wareki=wareki()) if code else None
if view is None:
    st.info(tr("project.none"))
    sync_url()
    st.stop()

record = view.record
st.title(f"{view.code}  {plain(view.name)}")  # names are data: shown as typed, never as Markdown
end = show_date(record["end_date"].date()) if pd.notna(record.get("end_date")) else "…"
lead = display_name(record["lead_name_ja"], record["lead_name_en"], lang)
named = names()  # fields, prefectures and roles are registered in Japanese
st.caption(
    " · ".join(
        [
            f"{tr('project.field')}: {plain(named.field(record['field'], lang))}",
            f"{tr('project.prefecture')}: {plain(named.prefecture(record['prefecture'], lang))}",
            f"{tr('project.phase')}: {tr('phase.' + record['phase'])}",
            f"{tr('project.period')}: {show_date(record['start_date'].date())} – {end}",
            f"{tr('project.lead')}: {plain(lead)}",
        ]
    )
)

st.subheader(tr("project.partners"))
sectors = st.columns(3)
for column, sector in zip(sectors, ("industry", "academia", "government"), strict=True):
    members = view.partners[view.partners["sector"] == tr(f"sector.{sector}")]
    with column.container(border=True):
        st.markdown(f"**{tr(f'sector.{sector}')}** ({len(members)})")
        for member in members.to_dict("records"):
            role = plain(named.role(member["role"], lang))
            st.markdown(f"- {plain(member['name'])} `{member['organization_code']}` — {role}")

POINT_LABELS = {
    "day": "project_years.col_day",
    "tag": "project_years.col_tag",
    "value": "project_years.col_value",
    "achievement": "project_years.col_achievement",
    "forecast": "project_years.col_forecast",
    "original": "project_years.col_original",
}
YEAR_LABELS = {
    "year": "project_years.col_year",
    "actual": "project_years.col_actual",
    "year_target": "project_years.col_year_target",
    "final_target": "project_years.col_final_target",
    "year_achievement": "project_years.col_year_achievement",
    "final_achievement": "project_years.col_final_achievement",
    "grade": "project_years.col_grade",
}


def table(frame: pd.DataFrame, labels: dict[str, str], pinned: str | None = None) -> None:
    """A small table of display text; a `pinned` column stays in view when a phone scrolls it."""
    config: dict[str, Any] = {c: tr(k) for c, k in labels.items() if c in frame}
    if pinned:
        config[pinned] = st.column_config.TextColumn(tr(labels[pinned]), pinned=True)
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config, placeholder="—")


def pill(text: str, background: str, color: str) -> str:
    return (
        f"<span style='background:{background};color:{color};padding:2px 10px;border-radius:10px;"
        f"font-size:0.7em;font-weight:600;vertical-align:middle;white-space:nowrap'>{html.escape(text)}</span>"
    )


st.subheader(tr("project.kpis"))
if not view.kpis:
    st.info(tr("project.no_kpis"))
for story in view.kpis:
    status = str(story.status["status"])
    with st.container(border=True):
        badges = (
            pill(tr(f"status.{status}"), STATUS_COLORS[status], status_text_color(status))
            + " "
            + pill(tr("project_years.grade", grade=story.grade), "#eef1f4", "#222222")
        )
        st.markdown(f"#### {html.escape(plain(story.name))} &nbsp; {badges}", unsafe_allow_html=True)
        left, right = st.columns([1, 1])
        left.plotly_chart(story.figure, config={"displayModeBar": False}, key=f"chart_{story.kpi_code}")
        with right:
            st.markdown(
                tr(
                    "project.status_line",
                    status=tr(f"status.{status}"),
                    progress=pct(story.status["plan_progress"]),
                    value=fmt(story.status["value"]),
                    unit=plain(story.unit),
                )
            )
            if len(story.points):
                st.markdown(f"**{tr('project_years.points')}**")
                table(story.points, POINT_LABELS)
                if story.accumulation == "yearly":
                    st.caption(tr("project_years.points_yearly_note"))
        with st.expander(tr("project.how_computed"), expanded=False):
            st.markdown("\n".join(f"1. {line}" for line in story.explanation))
        st.markdown(f"**{tr('project_years.years')}**")
        if len(story.years):
            caption = (
                "project_years.years_caption_yearly"
                if story.accumulation == "yearly"
                else "project_years.years_caption"
            )
            st.caption(tr(caption, unit=plain(story.unit)))
            table(story.years, YEAR_LABELS, "year")
        else:
            st.caption(tr("project_years.no_years"))

project_funding(view.code, as_of, {s.kpi_code: (s.name, str(s.status["status"])) for s in view.kpis})
project_partnership_section(view.code, as_of)

st.subheader(tr("project.targets"))
revisions = [s.revisions.assign(kpi=s.name) for s in view.kpis if len(s.revisions)]
if revisions:
    history = pd.concat(revisions, ignore_index=True)
    st.dataframe(
        history[["kpi", "version", "plan", "reason", "recorded_by", "recorded_at"]],
        placeholder="—",  # a missing value reads as a dash, never "None"
        hide_index=True,
        width="stretch",
        column_config={
            "kpi": tr("project.col_kpi"),
            "version": tr("project.col_version"),
            "plan": st.column_config.TextColumn(tr("project_years.col_plan"), width="large"),
            "reason": tr("project.col_reason"),
            "recorded_by": tr("project.col_recorded_by"),
            "recorded_at": st.column_config.DatetimeColumn(
                tr("project.col_recorded_at"), format="YYYY-MM-DD HH:mm"
            ),
        },
    )

st.subheader(tr("project.reports"))
st.dataframe(
    view.reports,
    placeholder="—",  # a missing value reads as a dash, never "None"
    hide_index=True,
    width="stretch",
    column_config={
        "recorded_at": st.column_config.DatetimeColumn(
            tr("project.col_recorded_at"), format="YYYY-MM-DD HH:mm"
        ),
        "kpi": tr("project.col_kpi"),
        "period_end": st.column_config.DateColumn(tr("project.col_period_end")),
        "value": st.column_config.NumberColumn(tr("project.col_value"), format="localized"),
        "organization": tr("project.col_organization"),
        "recorded_by": tr("project.col_recorded_by"),
        "source": tr("project.col_source"),
        "note": tr("project.col_note"),
    },
)
# Headers named now: the deferred callable runs outside this page run, where the language is not known.
reports = view.reports.rename(columns={c: tr(f"project.col_{c}") for c in view.reports.columns})
st.download_button(
    tr("export.download_reports"),
    data=lambda: csv_bytes(reports),
    file_name=f"reports_{view.code}_{lang}.csv",
    mime="text/csv",
    key="download_reports",
    icon=":material/download:",
)
sync_url(project=view.code)
