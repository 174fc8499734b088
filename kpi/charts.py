"""Chart building blocks: DataFrame in, plotly figure (or plain style data) out; no I/O."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kpi.formatting.numbers import format_date, format_number
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
_TEXT_ON: dict[str, str] = {Status.AT_RISK: "#222222", Status.NO_TARGET: "#222222"}


def status_text_color(status: str) -> str:
    """The text colour that reads on the status's colour."""
    return _TEXT_ON.get(status, "#ffffff")


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


_YEAR_MS = 365.25 * 24 * 3600 * 1000  # bar widths on a date axis are in milliseconds
_BASELINE_MARKER = {
    "symbol": "circle",
    "size": 8,
    "color": "#ffffff",
    "line": {"color": _PLAN_COLOR, "width": 2},
}
_YEAR_TARGET_MARKER = {
    "symbol": "line-ew",
    "size": 26,
    "color": _PLAN_COLOR,
    "line": {"color": _PLAN_COLOR, "width": 3},
}


def _present(value: Any) -> bool:
    return value is not None and not pd.isna(value)


def _tint(color: str, alpha: float) -> str:
    """A #rrggbb colour as a see-through rgba()."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _number(value: Any) -> float | None:
    return float(value) if _present(value) else None


def _markers(
    figure: go.Figure,
    frame: pd.DataFrame,
    name: str,
    marker: dict[str, Any],
    text: list[str],
    final_day: Any = None,
) -> None:
    mode = "markers+text" if any(text) else "markers"
    # The final target sits at the right edge: its label goes left so it is never cut off.
    where = ["top left" if day == final_day else "top center" for day in frame["day"]]
    figure.add_trace(
        go.Scatter(x=frame["day"], y=frame["value"], mode=mode, text=text, textposition=where,
                   name=name, marker=marker, cliponaxis=False)
    )  # fmt: skip


def _target_traces(figure: go.Figure, targets: pd.DataFrame, lang: str, *, yearly: bool) -> None:
    """The plan line through the knots (baseline, then every point), the baseline, each current
    point (tagged ones by their horizon's symbol, the final one labelled) and the originals."""
    knots = targets[targets["role"] != "original"].sort_values("day")
    if not len(knots):
        return
    line = {"color": _PLAN_COLOR, "dash": "dash", "width": 1.5}
    figure.add_trace(
        go.Scatter(x=knots["day"], y=knots["value"], mode="lines", name=t("chart.plan", lang), line=line,
                   hoverinfo="skip")
    )  # fmt: skip
    base = knots[knots["role"] == "baseline"]
    if len(base):
        _markers(figure, base, t("project_years.chart_baseline", lang), _BASELINE_MARKER, [""])
    points, originals = knots[knots["role"] == "point"], targets[targets["role"] == "original"]
    revised = len(originals) > 0
    final_day = points["day"].max() if len(points) else None
    untagged = points[points["horizon"].isna()]
    if len(untagged):
        marker = _YEAR_TARGET_MARKER if yearly else {"symbol": "circle", "size": 8, "color": _PLAN_COLOR}
        name = t("project_years.chart_revised" if revised else "project_years.chart_target", lang)
        final = t("project_years.final_short", lang)
        texts = [final if d == final_day else "" for d in untagged["day"]]
        _markers(figure, untagged, name, marker, texts, final_day)
    for horizon, symbol in _HORIZON_SYMBOLS.items():
        tagged = points[points["horizon"] == horizon]
        if len(tagged):
            label = t(f"horizon.{horizon}", lang)
            text = label + (
                t("project_years.final_suffix", lang) if tagged["day"].iloc[0] == final_day else ""
            )
            name = f"{label} ({t('chart.revised', lang) if revised else t('chart.target', lang)})"
            _markers(
                figure, tagged, name, {"symbol": symbol, "size": 11, "color": _PLAN_COLOR}, [text], final_day
            )
    if revised:
        symbols = [f"{_HORIZON_SYMBOLS.get(str(h), 'circle')}-open" for h in originals["horizon"]]
        marker = {"symbol": symbols, "size": 11, "color": "#9aa5b1", "line": {"width": 2}}
        _markers(figure, originals, t("project_years.chart_original", lang), marker, [""] * len(originals))


def _forecast_trace(figure: go.Figure, start: tuple[pd.Timestamp, float], targets: pd.DataFrame,
                    status: dict[str, Any], color: str, lang: str) -> None:  # fmt: skip
    """The forecast: from the last actual to the status's forecast at each later tagged point."""
    line = [start]
    tagged = targets[(targets["role"] == "point") & targets["horizon"].notna()].sort_values("day")
    for horizon, day in zip(tagged["horizon"], tagged["day"], strict=True):
        predicted = _number(status.get(f"forecast_{horizon}"))
        if predicted is not None and day > start[0]:
            line.append((day, predicted))
    if len(line) > 1:
        figure.add_trace(
            go.Scatter(
                x=[p[0] for p in line],
                y=[p[1] for p in line],
                mode="lines+markers",
                name=t("chart.forecast", lang),
                line={"color": color, "dash": "dot", "width": 2},
                marker={"symbol": "x", "size": 8},
            )
        )


def _year_bars(figure: go.Figure, years: pd.DataFrame, targets: pd.DataFrame, status: dict[str, Any],
               color: str, lang: str, unit: str) -> None:  # fmt: skip
    """A yearly KPI: one bar per 年度 with an actual (a partial year lighter and hatched), the
    annualised value of a partial year in view, and the forecast from the last complete year."""
    reported = years[years["actual"].notna()]
    for partial, part in reported.groupby("partial", sort=True):
        suffix = t("project_years.partial_mark", lang) if partial else ""
        # A partial year: a pale fill hatched in the status colour, so it never reads as a full year.
        marker = {"color": _tint(color, 0.25) if partial else color, "opacity": 1.0 if partial else 0.85,
                  "line": {"color": color, "width": 1.5},
                  "pattern": {"shape": "/" if partial else "", "fgcolor": color, "size": 7, "solidity": 0.35,
                              "fillmode": "overlay"}}  # fmt: skip
        hover = [
            f"{y}{suffix}: {format_number(v, lang, unit)}"
            for y, v in zip(part["label"], part["actual"], strict=True)
        ]
        name = t("project_years.chart_partial" if partial else "project_years.chart_year", lang)
        figure.add_trace(
            go.Bar(x=part["day"], y=part["actual"], width=0.6 * _YEAR_MS, name=name, marker=marker,
                   hovertext=hover, hoverinfo="text")
        )  # fmt: skip
    value, in_view = _number(status.get("value")), status.get("year_in_view")
    current = years[years["fiscal_year"] == in_view] if _present(in_view) else years.iloc[0:0]
    if value is not None and len(current) and bool(current["partial"].iloc[0]):
        name = t("project_years.chart_annualised", lang)
        marker = {"symbol": "diamond-open", "size": 12, "color": color, "line": {"width": 2.5}}
        figure.add_trace(
            go.Scatter(x=current["day"], y=[value], mode="markers", name=name, marker=marker,
                       hovertext=[f"{name}: {format_number(value, lang, unit)}"], hoverinfo="text")
        )  # fmt: skip
    complete = reported[~reported["partial"]]
    if len(complete):
        last = (pd.Timestamp(complete["day"].iloc[-1]), float(complete["actual"].iloc[-1]))
        _forecast_trace(figure, last, targets, status, color, lang)
    figure.update_layout(barmode="overlay", bargap=0)
    figure.update_xaxes(tickvals=list(years["day"]), ticktext=list(years["tick"]), tickangle=0,
                        tickfont={"size": 10})  # fmt: skip


def kpi_chart(
    series: pd.DataFrame,
    targets: pd.DataFrame,
    status: dict[str, Any],
    as_of: date,
    lang: str,
    *,
    title: str,
    unit: str,
    years: pd.DataFrame | None = None,
) -> go.Figure:
    """One KPI of one project: actuals, plan, original/revised targets, as-of, forecast.

    `series`: period_end, value (value to date), drawn as a line for `sum`/`last` KPIs.
    `targets`: day, value, horizon, role (kpi.project_years.chart_targets: the baseline knot, the
    current points, and the version-1 points a revision changed). `status`: the KPI's row of
    portfolio_status. `years`: for a `yearly` KPI only (kpi.project_years.chart_years): bars per
    年度 instead of the line. Colours follow the status, never the slope.
    """
    figure = go.Figure()
    color = STATUS_COLORS.get(str(status.get("status")), STATUS_COLORS[Status.NO_DATA])
    if years is not None:
        _year_bars(figure, years, targets, status, color, lang, html.escape(unit))  # hover reads HTML
    _target_traces(figure, targets, lang, yearly=years is not None)
    if years is None and len(series):
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
        last = (pd.Timestamp(series["period_end"].iloc[-1]), float(series["value"].iloc[-1]))
        _forecast_trace(figure, last, targets, status, color, lang)
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
    _layout(figure, html.escape(title), 380)
    # Two legend entries a row whatever the width: on a phone the plot keeps its height.
    legend: dict[str, Any] = {"entrywidth": 0.5, "entrywidthmode": "fraction", "font": {"size": 11}}
    if years is not None:  # below the two-line 年度 ticks
        legend["y"] = -0.2
    return figure.update_layout(legend=legend)


# A status bar chart's legend sits above the plot, never over the x-axis tick labels: plotly
# pushes the top margin to fit it however many rows it wraps to. The chart's title is the legend's
# own title, so the two can never overlap either. The height reserves room for the legend at three
# entries a row (a phone's width) so the bars keep their thickness when the margin grows.
BAR_PX = 28
_LEGEND_ROW_PX = 21
_TITLE_PX = 28
_AXIS_PX = 34  # the x-axis tick labels under the plot


def status_bar_chart(frame: pd.DataFrame, lang: str, *, title: str, key_labels: dict[str, str]) -> go.Figure:
    """Stacked horizontal bars of project × KPI pairs per key, one colour per status.

    `frame`: key, status, n (from kpi.storage.portfolio.breakdown or kpi_status_counts), keys in
    the order they should read (top to bottom).
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
    top = (_TITLE_PX if title else 0) + _LEGEND_ROW_PX * max(1, -(-len(figure.data) // 3)) + 8
    _layout(figure, "", top + _AXIS_PX + BAR_PX * max(len(keys), 3))
    return figure.update_layout(
        margin={"l": 10, "r": 10, "t": top, "b": _AXIS_PX},
        legend={
            "orientation": "h",
            "xref": "paper",  # wraps within the plot's width: rows, never one entry a row
            "x": 0,
            "xanchor": "left",
            "yref": "paper",
            "y": 1.0,
            "yanchor": "bottom",
            "font": {"size": 11},
            "title": {"text": html.escape(title), "side": "top left", "font": {"size": 15}},
        },
    )


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


def overview_css() -> str:
    """The overview's style rules: status chips in their status colours (containers keyed
    `ov_chip_<status>` carry the class st-key-ov_chip_<status>), compact headline numbers, and
    headings that break between words only, never inside one (Japanese has no spaces: keep-all
    breaks only at spaces and brackets, and a phone's smaller title size keeps a title whole)."""
    rules = [
        "[class*='st-key-ov_chip_'] [data-testid='stMetric'] > div {padding: 0.3rem 0.8rem 0.2rem}",
        "[class*='st-key-ov_chip_'] [data-testid='stMetricValue'] {font-size: 1.6rem; line-height: 1.2}",
        ".st-key-ov_totals [data-testid='stMetricValue'] {font-size: 1.75rem}",
        "h1, h2, h3, .ov-chart-title {word-break: keep-all; overflow-wrap: normal}",
        ".ov-chart-title {font-weight: 600; font-size: 0.95rem; margin: 0.25rem 0 -0.5rem}",
        "@media (max-width: 640px) {h1 {font-size: 2rem !important}}",
    ]
    for status, background in STATUS_COLORS.items():
        text = status_text_color(status)
        rules.append(
            f".st-key-ov_chip_{status} [data-testid='stMetric'] {{background-color: {background};"
            f" border-color: {background}}}"
        )
        rules.append(f".st-key-ov_chip_{status} [data-testid='stMetric'] * {{color: {text} !important}}")
    return "\n".join(rules)
