"""One project in depth: partners by sector, each KPI's story, target revisions, latest reports."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from kpi.charts import STATUS_COLORS
from kpi.formatting import plain
from kpi.project_view import build_project_view, fmt, pct
from kpi.storage.registry import TARGET_COLUMNS
from views.common import (
    actor,
    as_of_widget,
    database,
    enter_page,
    filters_widget,
    language,
    project_widget,
    show_date,
    sync_url,
    tr,
)


def shown_horizons(horizons: pd.DataFrame) -> pd.DataFrame:
    """Percentages as people read them; an unrevised target leaves its "original" cell blank."""
    shown = horizons.assign(achievement=horizons["achievement"].map(pct))
    if "original" in shown:
        shown["original"] = shown["original"].map(lambda v: "" if pd.isna(v) else fmt(v))
    return shown


enter_page("project")
lang = language()
as_of = as_of_widget()
filters_widget()  # kept in the sidebar (and the link) for the way back to the overview
st.page_link("views/overview.py", label=tr("project.back"), icon=":material/arrow_back:")
code = project_widget()
view = build_project_view(database(), code, as_of, lang, actor=actor()) if code else None
if view is None:
    st.info(tr("project.none"))
    sync_url()
    st.stop()

record = view.record
st.title(f"{view.code}  {plain(view.name)}")  # names are data: shown as typed, never as Markdown
end = show_date(record["end_date"].date()) if pd.notna(record.get("end_date")) else "…"
lead = record["lead_name_en"] if lang == "en" and pd.notna(record["lead_name_en"]) else record["lead_name_ja"]
st.caption(
    " · ".join(
        [
            f"{tr('project.field')}: {plain(record['field'])}",
            f"{tr('project.prefecture')}: {plain(record['prefecture'])}",
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
            st.markdown(
                f"- {plain(member['name'])} `{member['organization_code']}` — {plain(member['role'] or '')}"
            )

st.subheader(tr("project.kpis"))
if not view.kpis:
    st.info(tr("project.no_kpis"))
for story in view.kpis:
    status = str(story.status["status"])
    with st.container(border=True):
        badge = (
            f"<span style='background:{STATUS_COLORS[status]};color:#fff;padding:2px 10px;"
            f"border-radius:10px'>{html.escape(tr(f'status.{status}'))}</span>"
        )
        st.markdown(f"#### {html.escape(plain(story.name))} &nbsp; {badge}", unsafe_allow_html=True)
        left, right = st.columns([5, 4])
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
            st.dataframe(
                shown_horizons(story.horizons),
                hide_index=True,
                width="stretch",
                column_config={
                    "horizon": tr("project.col_horizon"),
                    "target_date": tr("project.col_target_date"),
                    "target": st.column_config.NumberColumn(tr("project.col_target"), format="%.4g"),
                    "original": st.column_config.TextColumn(tr("project.col_original")),
                    "achievement": st.column_config.TextColumn(tr("project.col_achievement")),
                    "forecast": st.column_config.NumberColumn(tr("project.col_forecast"), format="%.1f"),
                },
            )
            with st.expander(tr("project.how_computed"), expanded=False):
                st.markdown("\n".join(f"1. {line}" for line in story.explanation))

st.subheader(tr("project.targets"))
versions = [s.versions.assign(kpi=s.name) for s in view.kpis if len(s.versions)]
if versions:
    history = pd.concat(versions, ignore_index=True)
    st.dataframe(
        history[["kpi", *(c for c in TARGET_COLUMNS if c not in ("project_code", "kpi_code"))]],
        hide_index=True,
        width="stretch",
        column_config={
            "kpi": tr("project.col_kpi"),
            "version": tr("project.col_version"),
            "baseline_value": tr("project.col_baseline"),
            "baseline_date": st.column_config.DateColumn(tr("project.col_baseline_date")),
            "short_value": tr("project.col_short"),
            "short_date": st.column_config.DateColumn(" "),
            "mid_value": tr("project.col_mid"),
            "mid_date": st.column_config.DateColumn("  "),
            "long_value": tr("project.col_long"),
            "long_date": st.column_config.DateColumn("   "),
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
    hide_index=True,
    width="stretch",
    column_config={
        "recorded_at": st.column_config.DatetimeColumn(
            tr("project.col_recorded_at"), format="YYYY-MM-DD HH:mm"
        ),
        "kpi": tr("project.col_kpi"),
        "period_end": st.column_config.DateColumn(tr("project.col_period_end")),
        "value": st.column_config.NumberColumn(tr("project.col_value"), format="%.4g"),
        "organization": tr("project.col_organization"),
        "recorded_by": tr("project.col_recorded_by"),
        "source": tr("project.col_source"),
        "note": tr("project.col_note"),
    },
)
sync_url(project=view.code)
