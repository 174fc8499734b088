"""The funding charts (SPEC section 7): DataFrame in, plotly figure out; never Streamlit.

House style as kpi/charts.py: its fonts (Japanese renders), grid and margins; the chart's title is
page text above it (it wraps on a phone), the legend sits above the plot, bars read top to bottom.
Money is in the reader's chosen scale (kpi/formatting/yen.py), axis titles name the unit; hover
text writes every amount with its unit. Names are data: escaped, never read as HTML.
"""

from __future__ import annotations

import html
import textwrap
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go

from kpi.charts import _AXIS_PX, _LEGEND_ROW_PX, BAR_PX, _layout
from kpi.fiscal import fiscal_year_label
from kpi.formatting.names import display_name
from kpi.formatting.numbers import format_percent
from kpi.formatting.yen import Scale, format_yen, scaled, yen_figure, yen_unit
from kpi.funding.detail import STAGES
from kpi.i18n import t

BUDGET_COLOR = "#b8c2cc"
ELIGIBLE_COLOR = "#1f6fb2"
NOT_ELIGIBLE_COLOR = "#d64545"
SUBSIDY_COLOR = "#1f6fb2"
OWN_SHARE_COLOR = "#f0a202"
PACE_COLORS = {"ahead": "#f0a202", "on_pace": "#4caf50", "behind": "#5b8fd6"}
STAGE_COLORS = {
    "applied": "#9aa5b1",
    "awarded": "#1f6fb2",
    "confirmed": "#1a7f64",
    "rejected": "#d64545",
    "withdrawn": "#d9dde1",
}
_CONFIG_LEGEND = {
    "orientation": "h",
    "x": 0,
    "xanchor": "left",
    "y": 1.0,
    "yanchor": "bottom",
    "yref": "paper",
    "font": {"size": 11},
}


def _finish(figure: go.Figure, rows: int, *, row_px: int = BAR_PX, axis_px: int = _AXIS_PX) -> go.Figure:
    """The legend above the plot (room for it at two rows, a phone's width) and a height that keeps
    each bar's thickness however many rows there are."""
    top = _LEGEND_ROW_PX * 2 + 8
    _layout(figure, "", top + axis_px + row_px * max(rows, 2))
    # showlegend: plotly hides a one-trace legend, and a single stage must still be named
    return figure.update_layout(
        margin={"l": 10, "r": 10, "t": top, "b": axis_px}, legend=_CONFIG_LEGEND, showlegend=True
    )


def _wrapped(text: str, width: int = 22) -> str:
    """A long label (an English programme name) over lines of about `width` characters, escaped, so
    the bars keep the chart's width; text without spaces (Japanese) is left whole."""
    return "<br>".join(html.escape(line) for line in textwrap.wrap(text, width) or [text])


def _money(values: Any, scale: Scale) -> list[float | None]:
    """Amounts in the scale's unit; a zero is no bar at all (a zero-length bar still draws its outline)."""
    return [scaled(float(v), scale) if v else None for v in values]


def _hover(label: str, amounts: Any, lang: str, scale: Scale, rows: list[str]) -> list[str]:
    return [
        f"{row}<br>{html.escape(label)}: {format_yen(float(a), lang, scale)}"
        for row, a in zip(rows, amounts, strict=True)
    ]


def budget_spent_chart(
    categories: pd.DataFrame, lang: str, scale: Scale, *, wareki: bool = False
) -> go.Figure:
    """Budget against spend per 年度 and 費目 (summed over the awards and partners given): a grey
    budget bar beside a spent bar whose eligible part is solid and whose not-eligible part is red
    and hatched, stacked on it.

    `categories`: kpi.funding.detail.FundingDetail.categories (fiscal_year, category names,
    sort_order, budget, spent, eligible)."""
    figure = go.Figure()
    keys = ["fiscal_year", "sort_order", "category_name_ja", "category_name_en"]
    sums = (
        categories.groupby(keys, as_index=False)[["budget", "spent", "eligible"]].sum()
        if len(categories)
        else None
    )
    if sums is None or not len(sums):
        return _finish(figure, 2)
    sums = sums.sort_values(["fiscal_year", "sort_order"])
    years = [fiscal_year_label(int(y), lang, wareki) for y in sums["fiscal_year"]]
    names = [
        html.escape(display_name(j, e, lang))
        for j, e in zip(sums["category_name_ja"], sums["category_name_en"], strict=True)
    ]
    rows = [f"{y} {n}" for y, n in zip(years, names, strict=True)]
    # One 年度: the categories alone, the year as the axis title (a phone keeps room for the bars);
    # several: each year's categories grouped under it.
    one_year = len(set(years)) == 1
    y_axis: list[Any] = names if one_year else [years, names]
    not_eligible = sums["spent"] - sums["eligible"]
    eligible_label, budget_label = t("funding_chart.eligible", lang), t("funding_chart.budget", lang)
    figure.add_trace(
        go.Bar(
            y=y_axis,
            x=_money(sums["budget"], scale),
            orientation="h",
            name=budget_label,
            marker={"color": BUDGET_COLOR},
            offsetgroup="budget",
            hovertext=_hover(budget_label, sums["budget"], lang, scale, rows),
            hoverinfo="text",
        )
    )
    figure.add_trace(
        go.Bar(
            y=y_axis,
            x=_money(sums["eligible"], scale),
            orientation="h",
            name=eligible_label,
            marker={"color": ELIGIBLE_COLOR},
            offsetgroup="spent",
            hovertext=_hover(eligible_label, sums["eligible"], lang, scale, rows),
            hoverinfo="text",
        )
    )
    hit = [i for i, v in enumerate(not_eligible) if v]  # only the rows that have any: no stray outlines
    if hit:
        label = t("funding_chart.not_eligible", lang)
        marker = {
            "color": "rgba(214, 69, 69, 0.35)",
            "line": {"color": NOT_ELIGIBLE_COLOR, "width": 1.5},
            "pattern": {"shape": "/", "fgcolor": NOT_ELIGIBLE_COLOR, "size": 6, "solidity": 0.4},
        }
        base = [scaled(float(sums["eligible"].iloc[i]), scale) for i in hit]
        amounts = [not_eligible.iloc[i] for i in hit]
        figure.add_trace(
            go.Bar(
                y=[names[i] for i in hit] if one_year else [[years[i] for i in hit], [names[i] for i in hit]],
                x=[scaled(float(v), scale) for v in amounts],
                base=base,
                orientation="h",
                name=label,
                marker=marker,
                offsetgroup="spent",
                hovertext=_hover(label, amounts, lang, scale, [rows[i] for i in hit]),
                hoverinfo="text",
            )
        )
    figure.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    figure.update_yaxes(autorange="reversed", tickfont={"size": 11})
    unit = html.escape(yen_unit(lang, scale))  # one 年度: named with the unit (a rotated 年度 reads sideways)
    axis = t("funding_chart.year_unit", lang, year=years[0], unit=unit) if one_year else unit
    figure.update_xaxes(title_text=axis, tickformat=",")
    return _finish(figure, len(sums), row_px=2 * BAR_PX)


def burn_chart(points: pd.DataFrame, labels: dict[str, str], lang: str, *, wareki: bool = False) -> go.Figure:
    """Burn against time per award: a bar of the spent share of the 年度's budget, coloured by pace
    (ahead, on pace, behind), and a tick at the share of the year's award period elapsed.

    `points`: kpi.funding.detail.burn_points (award_number, fiscal_year, burn, time_elapsed, pace);
    `labels`: award number → how the row is named (the award and its project)."""
    figure = go.Figure()
    if not len(points):
        return _finish(figure, 2)
    rows = [
        t(
            "funding_table.award_year",
            lang,
            award=html.escape(labels.get(a, a)),
            year=fiscal_year_label(int(y), lang, wareki),
        )
        for a, y in zip(points["award_number"], points["fiscal_year"], strict=True)
    ]
    frame = points.assign(row=rows)
    elapsed_label = t("funding_chart.elapsed", lang)
    for pace in ("behind", "on_pace", "ahead"):
        part = frame[frame["pace"] == pace]
        if not len(part):
            continue
        name = t(f"funding_chart.pace_{pace}", lang)
        hover = [
            f"{r}<br>{html.escape(t('funding_chart.burn', lang))}: {format_percent(b, lang)}"
            f"<br>{html.escape(elapsed_label)}: {format_percent(e, lang)}"
            for r, b, e in zip(part["row"], part["burn"], part["time_elapsed"], strict=True)
        ]
        figure.add_trace(
            go.Bar(
                y=part["row"],
                x=[max(100 * b, 0.4) for b in part["burn"]],  # 0 % still carries its label
                orientation="h",
                name=name,
                marker={"color": PACE_COLORS[pace]},
                text=[format_percent(b, lang) for b in part["burn"]],
                textposition="auto",
                insidetextanchor="end",
                cliponaxis=False,
                hovertext=hover,
                hoverinfo="text",
            )
        )
    figure.add_trace(
        go.Scatter(
            y=frame["row"],
            x=[100 * e for e in frame["time_elapsed"]],
            mode="markers",
            name=elapsed_label,
            marker={
                "symbol": "line-ns",
                "size": 30,
                "color": "#222222",
                "line": {"width": 3, "color": "#222222"},
            },
            hovertext=[
                f"{r}<br>{html.escape(elapsed_label)}: {format_percent(e, lang)}"
                for r, e in zip(frame["row"], frame["time_elapsed"], strict=True)
            ],
            hoverinfo="text",
        )
    )
    top = max(100.0, 100 * float(frame["burn"].max()))
    figure.update_layout(barmode="overlay", bargap=0.3, uniformtext={"minsize": 11, "mode": "show"})
    figure.update_yaxes(
        autorange="reversed", categoryorder="array", categoryarray=rows, tickfont={"size": 11}
    )
    figure.update_xaxes(
        title_text=html.escape(t("funding_chart.burn_axis", lang)), ticksuffix="%", range=[0, top * 1.08]
    )
    return _finish(figure, max(len(frame), 3), row_px=48)


def sector_chart(sectors: pd.DataFrame, lang: str, scale: Scale) -> go.Figure:
    """Subsidy and own share of eligible spend per sector 産/学/官, stacked horizontal bars (the unit
    reads along the bottom axis: a rotated 千円 would read sideways).

    `sectors`: FundingStatus.sectors (sector, eligible, subsidy, own_share)."""
    figure = go.Figure()
    labels = [t(f"sector.{s}", lang) for s in sectors["sector"]]
    for column, color in (("subsidy", SUBSIDY_COLOR), ("own_share", OWN_SHARE_COLOR)):
        name = t(f"funding_chart.{column}", lang)
        figure.add_trace(
            go.Bar(
                y=labels,
                x=_money(sectors[column], scale),
                orientation="h",
                name=name,
                marker={"color": color},
                text=[yen_figure(float(v), lang, scale) if v else "" for v in sectors[column]],
                textposition="inside",
                textangle=0,
                insidetextanchor="middle",
                hovertext=_hover(name, sectors[column], lang, scale, [html.escape(x) for x in labels]),
                hoverinfo="text",
            )
        )
    figure.update_layout(barmode="stack", bargap=0.35, uniformtext={"minsize": 9, "mode": "hide"})
    figure.update_yaxes(autorange="reversed", tickfont={"size": 11})
    figure.update_xaxes(title_text=html.escape(yen_unit(lang, scale)), tickformat=",")
    return _finish(figure, len(labels), row_px=48)


Measure = Literal["count", "decided"]


def programme_stage_chart(
    awards: pd.DataFrame, lang: str, scale: Scale, *, measure: Measure = "count"
) -> go.Figure:
    """Awards by programme and stage: stacked bars per programme, one colour per stage, of the number
    of awards or of their decided amounts (for an application, the amount applied for).

    `awards`: FundingStatus.awards (programme_code, programme names, stage, decided)."""
    figure = go.Figure()
    if not len(awards):
        return _finish(figure, 2)
    programmes = awards.drop_duplicates("programme_code").sort_values("programme_code")
    names = {
        code: _wrapped(display_name(j, e, lang))
        for code, j, e in zip(
            programmes["programme_code"],
            programmes["programme_name_ja"],
            programmes["programme_name_en"],
            strict=True,
        )
    }
    rows = list(names.values())
    for stage in STAGES:
        part = awards[awards["stage"] == stage]
        if not len(part):
            continue
        grouped = part.groupby("programme_code").agg(n=("award_number", "size"), decided=("decided", "sum"))
        codes = [c for c in names if c in grouped.index]
        counts = [int(grouped.loc[c, "n"]) for c in codes]
        amounts = [float(grouped.loc[c, "decided"]) for c in codes]
        name = t(f"funding.stage.{stage}", lang)
        name = (
            name[:1].upper() + name[1:]
        )  # a legend entry starts with a capital (the catalog's runs in text)
        hover = [
            f"{names[c]}<br>{html.escape(name)}: {t('funding_chart.award_count', lang, n=n)}, "
            f"{format_yen(a, lang, scale)}"
            for c, n, a in zip(codes, counts, amounts, strict=True)
        ]
        figure.add_trace(
            go.Bar(
                y=[names[c] for c in codes],
                x=counts if measure == "count" else _money(amounts, scale),
                orientation="h",
                name=name,
                marker={"color": STAGE_COLORS[stage]},
                hovertext=hover,
                hoverinfo="text",
            )
        )
    figure.update_layout(barmode="stack", bargap=0.35)
    figure.update_yaxes(
        autorange="reversed", categoryorder="array", categoryarray=rows, tickfont={"size": 11}
    )
    if measure == "count":
        figure.update_xaxes(
            title_text=html.escape(t("funding_chart.count_axis", lang)), dtick=1, tickformat="d"
        )
    else:
        figure.update_xaxes(title_text=html.escape(yen_unit(lang, scale)), tickformat=",")
    lines = max(r.count("<br>") + 1 for r in rows)  # a wrapped label needs the room of its lines
    return _finish(figure, len(rows), row_px=max(BAR_PX, 15 * lines + 14))
