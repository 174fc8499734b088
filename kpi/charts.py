"""Chart building blocks: DataFrame in, plotly figure (or plain style data) out; no I/O."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kpi.formatting import format_date
from kpi.i18n import t
from kpi.model import STATUS_ORDER, Status

# Colours follow status, never raw up/down: a falling time-to-implementation is good news.
STATUS_COLORS: dict[str, str] = {
    Status.ACHIEVED: "#1a7f64",
    Status.ON_TRACK: "#4caf50",
    Status.AT_RISK: "#f0a202",
    Status.OFF_TRACK: "#d64545",
    Status.NO_DATA: "#9e9e9e",
    Status.NO_TARGET: "#cfcfcf",
}
_TEXT_ON = {Status.AT_RISK: "#222222", Status.NO_TARGET: "#222222"}


def status_cell_styles(statuses: pd.Series, shown_columns: list[str], status_column: str) -> pd.DataFrame:
    """CSS for a table whose `status_column` should be coloured by the raw `statuses`."""
    css = pd.DataFrame("", index=statuses.index, columns=shown_columns)
    css[status_column] = [
        f"background-color: {STATUS_COLORS.get(s, '#ffffff')}; color: {_TEXT_ON.get(s, '#ffffff')}"
        for s in statuses
    ]
    return css


# -- plotly figures ------------------------------------------------------------------------
FONT_FAMILY = "Noto Sans CJK JP, Noto Sans JP, sans-serif"  # Japanese must render in charts
_PLAN_COLOR = "#5f6b7a"
_HORIZON_SYMBOLS = {"short": "circle", "mid": "square", "long": "diamond"}


def _layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT_FAMILY, "size": 12},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "traceorder": "normal"},
        plot_bgcolor="#ffffff",
        hovermode="closest",
    )
    figure.update_xaxes(showgrid=True, gridcolor="#eeeeee")
    figure.update_yaxes(showgrid=True, gridcolor="#eeeeee", zeroline=False)
    return figure


def _horizon_points(version: pd.Series) -> list[tuple[str, pd.Timestamp, float]]:
    points = []
    for horizon in ("short", "mid", "long"):
        value, day = version.get(f"{horizon}_value"), version.get(f"{horizon}_date")
        if value is not None and not pd.isna(value) and day is not None and not pd.isna(day):
            points.append((horizon, pd.Timestamp(day), float(value)))
    return points


def kpi_chart(
    series: pd.DataFrame,
    versions: pd.DataFrame,
    status: dict[str, Any],
    as_of: date,
    lang: str,
    *,
    title: str,
    unit: str,
) -> go.Figure:
    """One KPI of one project: actuals to date, plan, original/revised targets, as-of, forecast.

    `series`: period_end, value (value to date). `versions`: the KPI's target versions (TARGET_COLUMNS),
    oldest first. `status`: its row of portfolio_status. Colours follow the status, never the slope.
    """
    figure = go.Figure()
    color = STATUS_COLORS.get(str(status.get("status")), STATUS_COLORS[Status.NO_DATA])
    current = versions.iloc[-1] if len(versions) else None
    if current is not None:
        plan = [(pd.Timestamp(current["baseline_date"]), float(current["baseline_value"]))]
        plan += [(day, value) for _, day, value in _horizon_points(current)]
        figure.add_trace(
            go.Scatter(
                x=[p[0] for p in plan],
                y=[p[1] for p in plan],
                mode="lines",
                name=t("chart.plan", lang),
                line={"color": _PLAN_COLOR, "dash": "dash", "width": 1.5},
            )
        )
        original = versions.iloc[0]
        revised = len(versions) > 1
        for horizon, day, value in _horizon_points(current):
            label = t(f"horizon.{horizon}", lang)
            figure.add_trace(
                go.Scatter(
                    x=[day],
                    y=[value],
                    mode="markers+text",
                    text=[label],
                    textposition="top center",
                    name=f"{label} ({t('chart.revised', lang) if revised else t('chart.target', lang)})",
                    marker={"symbol": _HORIZON_SYMBOLS[horizon], "size": 11, "color": _PLAN_COLOR},
                )
            )
        if revised:
            for horizon, day, value in _horizon_points(original):
                label = t(f"horizon.{horizon}", lang)
                figure.add_trace(
                    go.Scatter(
                        x=[day],
                        y=[value],
                        mode="markers",
                        name=f"{label} ({t('chart.original', lang)})",
                        marker={
                            "symbol": f"{_HORIZON_SYMBOLS[horizon]}-open",
                            "size": 11,
                            "color": "#9aa5b1",
                            "line": {"width": 2},
                        },
                    )
                )
    if len(series):
        figure.add_trace(
            go.Scatter(
                x=pd.to_datetime(series["period_end"]),
                y=series["value"],
                mode="lines+markers",
                name=t("chart.actual", lang),
                line={"color": color, "width": 3},
                marker={"size": 6},
            )
        )
        last_day, last_value = pd.Timestamp(series["period_end"].iloc[-1]), float(series["value"].iloc[-1])
        forecast = [(last_day, last_value)]
        if current is not None:
            for horizon, day, _ in _horizon_points(current):
                predicted = status.get(f"forecast_{horizon}")
                if predicted is not None and not pd.isna(predicted) and day > last_day:
                    forecast.append((day, float(predicted)))
        if len(forecast) > 1:
            figure.add_trace(
                go.Scatter(
                    x=[p[0] for p in forecast],
                    y=[p[1] for p in forecast],
                    mode="lines+markers",
                    name=t("chart.forecast", lang),
                    line={"color": color, "dash": "dot", "width": 2},
                    marker={"symbol": "x", "size": 8},
                )
            )
    as_of_x = pd.Timestamp(as_of)
    figure.add_shape(
        type="line",
        x0=as_of_x,
        x1=as_of_x,
        y0=0,
        y1=1,
        yref="paper",
        line={"color": "#333333", "width": 1, "dash": "dot"},
    )
    figure.add_annotation(
        x=as_of_x,
        y=1,
        yref="paper",
        yanchor="bottom",
        showarrow=False,
        text=t("chart.as_of", lang, date=format_date(as_of, lang)),
        font={"size": 11},
    )
    figure.update_yaxes(title_text=html.escape(unit))  # plotly reads <a>, <b>… in text: data stays text
    return _layout(figure, html.escape(title), 380)


def status_bar_chart(frame: pd.DataFrame, lang: str, *, title: str, key_labels: dict[str, str]) -> go.Figure:
    """Stacked horizontal bars of project × KPI pairs per key, one colour per status.

    `frame`: key, status, n (from kpi.storage.portfolio.breakdown or kpi_status_counts).
    """
    figure = go.Figure()
    keys = list(dict.fromkeys(frame["key"].astype(str))) if len(frame) else []
    for status in STATUS_ORDER:
        part = frame[frame["status"] == status.value]
        counts = dict(zip(part["key"].astype(str), part["n"], strict=True))
        if not counts:
            continue
        figure.add_trace(
            go.Bar(
                y=[html.escape(key_labels.get(k, k)) for k in keys],
                x=[int(counts.get(k, 0)) for k in keys],
                orientation="h",
                name=t(f"status.{status.value}", lang),
                marker={"color": STATUS_COLORS[status]},
            )
        )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, title, max(220, 60 + 28 * len(keys)))


def status_frame_styles(statuses: pd.DataFrame, status_columns: list[str]) -> pd.DataFrame:
    """CSS for a table whose `status_columns` hold raw status codes: coloured by status."""
    css = pd.DataFrame("", index=statuses.index, columns=statuses.columns)
    for column in status_columns:
        css[column] = [
            f"background-color: {STATUS_COLORS[s]}; color: {_TEXT_ON.get(s, '#ffffff')}"
            if s in STATUS_COLORS
            else ""
            for s in statuses[column]
        ]
    return css
