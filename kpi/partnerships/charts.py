"""The partnerships chart (SPEC section 8): the organizations one works with most, DataFrame in,
plotly figure out; never Streamlit. House style as kpi/charts.py (its fonts, so Japanese renders);
the title is page text above it; names are data, escaped, never read as HTML."""

from __future__ import annotations

import html
import textwrap

import pandas as pd
import plotly.graph_objects as go

from kpi.charts import _AXIS_PX, _LEGEND_ROW_PX, BAR_PX, _layout
from kpi.i18n import t

PROJECTS_COLOR = "#1f6fb2"
MEETINGS_COLOR = "#f0a202"
TOP = 10


def _label(name: str, lang: str) -> str:
    """A name wrapped for a narrow axis (Japanese has no spaces: cut by characters)."""
    width = 14 if lang == "ja" else 24
    lines = (
        [name[i : i + width] for i in range(0, len(name), width)]
        if lang == "ja"
        else textwrap.wrap(name, width)
    )
    return "<br>".join(html.escape(line) for line in lines[:2])


def collaborators_chart(collaborators: pd.DataFrame, lang: str, *, top: int = TOP) -> go.Figure:
    """Shared projects and meetings together, per organization, the most shared on top."""
    frame = collaborators.head(top).iloc[::-1]  # plotly draws the first bar at the bottom
    labels = [_label(str(n), lang) for n in frame["name"]]
    figure = go.Figure()
    for column, color in (("projects", PROJECTS_COLOR), ("meetings", MEETINGS_COLOR)):
        name = t(f"partners_chart.{column}", lang)
        figure.add_bar(
            y=labels,
            x=frame[column],
            name=name,
            orientation="h",
            marker_color=color,
            hovertemplate=f"%{{y}}<br>{html.escape(name)}: %{{x}}<extra></extra>",
        )
    height = _LEGEND_ROW_PX + _AXIS_PX + 30 + max(len(frame), 1) * BAR_PX * 1.6
    _layout(figure, "", int(height))
    figure.update_layout(
        barmode="group",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    )
    figure.update_xaxes(title={"text": t("partners_chart.count", lang)}, rangemode="tozero", dtick=1)
    return figure
