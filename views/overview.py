"""Overview for executives: status counts and the status of every project x KPI."""

from __future__ import annotations

import streamlit as st

from kpi.charts import status_cell_styles
from kpi.overview import build_overview
from views.common import database, language, today, tr

SHOWN = ["project_code", "project_name", "kpi_name", "status", "value", "expected", "plan_progress",
         "last_period_end"]  # fmt: skip

lang = language()
st.title(tr("overview.heading"))
as_of = st.columns([1, 3])[0].date_input(tr("overview.as_of"), value=today(), key="as_of")
view = build_overview(database(), as_of, lang)

if view.project_count == 0:
    st.info(tr("overview.empty"))
    st.stop()

columns = st.columns(2 + len(view.status_counts))
columns[0].metric(tr("overview.projects"), f"{view.project_count:,}")
columns[1].metric(tr("overview.kpis_tracked"), f"{len(view.table):,}")
for column, (status, count) in zip(columns[2:], view.status_counts.items(), strict=True):
    column.metric(tr(f"status.{status}"), f"{count:,}")

st.subheader(tr("overview.table"))
shown = view.table[SHOWN].assign(
    status=view.table["status"].map(lambda s: tr(f"status.{s}")),
    last_period_end=view.table["last_period_end"].dt.date,
)
styled = shown.style.apply(lambda _: status_cell_styles(view.table["status"], SHOWN, "status"), axis=None)
st.dataframe(
    styled,
    hide_index=True,
    width="stretch",
    column_config={
        "project_code": tr("column.project_code"),
        "project_name": tr("column.project_name"),
        "kpi_name": tr("column.kpi_name"),
        "status": tr("column.status"),
        "value": st.column_config.NumberColumn(tr("column.value"), format="%.1f"),
        "expected": st.column_config.NumberColumn(tr("column.expected"), format="%.1f"),
        "plan_progress": st.column_config.NumberColumn(tr("column.plan_progress"), format="percent"),
        "last_period_end": st.column_config.DateColumn(tr("column.last_period_end")),
    },
)
