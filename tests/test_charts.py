"""Chart builders: DataFrame in, figure out; checked on their data and their layout."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

from kpi.charts import FONT_FAMILY, STATUS_COLORS, kpi_chart, status_bar_chart, status_frame_styles
from kpi.project.years import TARGET_FRAME_COLUMNS, chart_targets, chart_years

AS_OF = date(2026, 11, 26)


def _plan(mid: float = 24.0, long_day: date = date(2029, 3, 31)) -> dict[str, Any]:
    return {
        "baseline_value": 60.0,
        "baseline_date": date(2024, 4, 1),
        "points": [
            {"day": date(2025, 3, 31), "value": 48.0, "horizon": "short"},
            {"day": date(2027, 3, 31), "value": mid, "horizon": "mid"},
            {"day": long_day, "value": 0.0, "horizon": "long"},
        ],
    }


SERIES = pd.DataFrame(
    {"period_end": pd.to_datetime(["2025-06-30", "2025-09-30", "2026-09-30"]), "value": [55.0, 50.0, 40.0]}
)
STATUS = {"status": "off_track", "forecast_short": 70.0, "forecast_mid": 30.0, "forecast_long": 12.0}


def _traces(figure: object) -> dict[str, Any]:
    return {trace.name: trace for trace in figure.data}  # type: ignore[attr-defined]


def test_kpi_chart_draws_actuals_plan_targets_forecast_and_as_of() -> None:
    figure = kpi_chart(SERIES, chart_targets(_plan(), None), STATUS, AS_OF, "en", title="Time", unit="months")
    traces = _traces(figure)
    actual = traces["Actual to date"]
    assert list(actual.y) == [55.0, 50.0, 40.0]
    # Colour follows status: a falling line that is off track is red, never "down = bad/good".
    assert actual.line.color == STATUS_COLORS["off_track"]
    plan = traces["Plan"]
    assert list(plan.y) == [60.0, 48.0, 24.0, 0.0]
    assert pd.Timestamp(plan.x[0]).date() == date(2024, 4, 1)
    assert list(traces["Baseline"].y) == [60.0]
    assert {"Short term (target)", "Mid term (target)", "Long term (target)"} <= set(traces)
    # The final target is labelled on the chart.
    assert traces["Long term (target)"].text == ("Long term (final)",)
    assert traces["Mid term (target)"].text == ("Mid term",)
    # Forecast starts at the last actual and only reaches horizons after it (short is past).
    forecast = traces["Forecast"]
    assert list(forecast.y) == [40.0, 30.0, 12.0]
    assert figure.layout.font.family == FONT_FAMILY
    assert figure.layout.shapes[0].x0 == pd.Timestamp(AS_OF)
    assert "26 Nov 2026" in figure.layout.annotations[0].text  # the date as the language writes it
    assert figure.layout.yaxis.title.text == "months"
    assert figure.layout.title.text == "Time"


def test_revised_targets_show_the_original_beside_the_current_one() -> None:
    revised = _plan(mid=36.0, long_day=date(2030, 3, 31))
    targets = chart_targets(revised, _plan())
    traces = _traces(kpi_chart(SERIES, targets, STATUS, AS_OF, "ja", title="期間", unit="か月"))
    assert traces["中期 (改定後の目標)"].y == (36.0,)
    # The original points a revision changed, hollow: mid 24 and long on its old date; short kept.
    original = traces["当初目標"]
    assert list(original.y) == [24.0, 0.0]
    assert list(original.marker.symbol) == ["square-open", "diamond-open"]
    assert pd.Timestamp(original.x[1]).date() == date(2029, 3, 31)
    assert "実績（累計・最新値）" in traces and "基準値" in traces


def test_a_plan_without_baseline_starts_at_its_first_point_and_has_no_baseline_marker() -> None:
    plan = {
        "baseline_value": None,
        "baseline_date": None,
        "points": [
            {"day": date(2025, 3, 31), "value": 70.0, "horizon": None},
            {"day": date(2026, 3, 31), "value": 75.0, "horizon": None},
            {"day": date(2027, 3, 31), "value": 80.0, "horizon": "long"},
        ],
    }
    status = {"status": "on_track", "forecast_long": 84.0}
    traces = _traces(kpi_chart(SERIES, chart_targets(plan, None), status, AS_OF, "en", title="t", unit="%"))
    assert "Baseline" not in traces
    assert list(traces["Plan"].y) == [70.0, 75.0, 80.0]
    assert list(traces["Target"].y) == [70.0, 75.0]
    assert traces["Target"].marker.symbol == "circle"
    assert traces["Long term (target)"].text == ("Long term (final)",)


def test_kpi_chart_without_target_or_data_still_renders() -> None:
    empty = pd.DataFrame(columns=["period_end", "value"])
    targets = pd.DataFrame(columns=TARGET_FRAME_COLUMNS)
    figure = kpi_chart(empty, targets, {"status": "no_target"}, AS_OF, "en", title="x", unit="u")
    assert list(figure.data) == []
    assert figure.layout.shapes[0].x0 == pd.Timestamp(AS_OF)


def test_a_single_report_has_no_forecast_line() -> None:
    one = SERIES.head(1)
    status = {"status": "on_track", "forecast_short": None, "forecast_mid": None, "forecast_long": None}
    traces = _traces(kpi_chart(one, chart_targets(_plan(), None), status, AS_OF, "en", title="t", unit="u"))
    assert "Forecast" not in traces
    assert traces["Actual to date"].line.color == STATUS_COLORS["on_track"]


def _yearly() -> tuple[dict[str, Any], pd.DataFrame]:
    plan = {
        "baseline_value": 100.0,
        "baseline_date": date(2023, 3, 31),
        "points": [
            {"day": date(2024, 3, 31), "value": 110.0, "horizon": None},
            {"day": date(2025, 3, 31), "value": 120.0, "horizon": None},
            {"day": date(2026, 3, 31), "value": 130.0, "horizon": None},
            {"day": date(2027, 3, 31), "value": 140.0, "horizon": "long"},
        ],
    }
    years = pd.DataFrame(
        {
            "fiscal_year": [2022, 2023, 2024, 2025],
            "actual": [None, 112.0, 118.0, 70.0],
            "partial": [False, False, False, True],
            "year_target": [100.0, 110.0, 120.0, 130.0],
            "interpolated": [True, False, False, False],
        }
    )
    return plan, years


@pytest.mark.parametrize(
    "lang, labels",
    [("ja", [f"{y}<br>年度" for y in range(2022, 2027)]), ("en", [f"FY{y}" for y in range(2022, 2027)])],
)
def test_a_yearly_kpi_is_bars_per_fiscal_year_against_each_years_target(lang: str, labels: list[str]) -> None:
    plan, years = _yearly()
    status = {"status": "at_risk", "value": 140.4, "year_in_view": 2025, "forecast_long": 131.0}
    bars = chart_years(years, plan, lang, 4)
    empty = pd.DataFrame(columns=["period_end", "value"])
    targets = chart_targets(plan, None)
    figure = kpi_chart(empty, targets, status, date(2025, 11, 26), lang, title="t", unit="人", years=bars)
    shown = [trace for trace in figure.data if trace.type == "bar"]
    complete, partial = shown
    # A bar per reported year at the year's last day; the unreported FY2022 has none.
    assert [pd.Timestamp(x).date() for x in complete.x] == [date(2024, 3, 31), date(2025, 3, 31)]
    assert list(complete.y) == [112.0, 118.0]
    assert list(partial.y) == [70.0] and pd.Timestamp(partial.x[0]).date() == date(2026, 3, 31)
    # The partial year reads differently: hatched and lighter, and says so in legend and hover.
    assert partial.marker.pattern.shape == "/" and complete.marker.pattern.shape == ""
    assert partial.marker.color == "rgba(240, 162, 2, 0.25)"  # the at-risk colour, pale
    assert ("途中" if lang == "ja" else "Partial") in partial.name
    assert ("途中" if lang == "ja" else "partial") in partial.hovertext[0]
    # Colours follow the status.
    assert complete.marker.color == partial.marker.pattern.fgcolor == STATUS_COLORS["at_risk"]
    traces = _traces(figure)
    target = traces["目標" if lang == "ja" else "Target"]
    assert list(target.y) == [110.0, 120.0, 130.0] and target.marker.symbol == "line-ew"
    assert list(traces["計画" if lang == "ja" else "Plan"].y) == [100.0, 110.0, 120.0, 130.0, 140.0]
    annualised = traces["年換算値" if lang == "ja" else "Annualised"]
    assert list(annualised.y) == [140.4]
    # The forecast starts at the last complete year and reaches the tagged point.
    forecast = traces["予測" if lang == "ja" else "Forecast"]
    assert list(forecast.y) == [118.0, 131.0]
    # One tick per 年度, from the year view's first to the final point's year, named as the language
    # does (on two lines in Japanese, so that the years fit side by side on a phone).
    assert list(figure.layout.xaxis.ticktext) == labels
    assert pd.Timestamp(figure.layout.xaxis.tickvals[-1]).date() == date(2027, 3, 31)


def test_status_bar_chart_stacks_statuses_in_order_with_their_colours() -> None:
    frame = pd.DataFrame(
        {
            "key": ["academia", "academia", "industry"],
            "status": ["on_track", "off_track", "on_track"],
            "n": [3, 1, 2],
        }
    )
    figure = status_bar_chart(frame, "en", title="By sector", key_labels={"academia": "Academia"})
    assert [trace.name for trace in figure.data] == ["Off track", "On track"]
    off, on = figure.data
    assert off.marker.color == STATUS_COLORS["off_track"]
    assert list(on.y) == ["Academia", "industry"] and list(on.x) == [3, 2]
    assert list(off.x) == [1, 0]
    assert figure.layout.barmode == "stack"
    assert figure.layout.font.family == FONT_FAMILY


@pytest.mark.parametrize("statuses, title", [(2, "By sector"), (6, "By sector"), (6, "")])
def test_status_bar_chart_legend_stays_clear_of_the_axis(statuses: int, title: str) -> None:
    """The legend sits above the plot area (its bottom at the plot's top edge), so it can never
    cover the x-axis tick labels under the plot; the title is the legend's own, above the
    entries; the top margin holds the title and the legend at three entries a row, and the
    height keeps 28 px a bar on top of both margins."""
    order = ["off_track", "at_risk", "on_track", "achieved", "no_data", "no_target"][:statuses]
    frame = pd.DataFrame(
        {"key": ["a", "b", "c", "d"] * statuses, "status": [s for s in order for _ in range(4)], "n": 1}
    )
    figure = status_bar_chart(frame, "ja", title=title, key_labels={})
    legend, margin = figure.layout.legend, figure.layout.margin
    assert (legend.orientation, legend.yref, legend.yanchor, legend.y) == ("h", "paper", "bottom", 1.0)
    assert (legend.xref, legend.xanchor, legend.x) == ("paper", "left", 0)
    assert legend.title.text == title and figure.layout.title.text == ""
    rows = -(-statuses // 3)
    assert margin.t == (28 if title else 0) + 21 * rows + 8
    assert margin.b >= 30  # the tick labels' row, with nothing else under it
    assert figure.layout.height == margin.t + margin.b + 28 * 4


@pytest.mark.parametrize("status", ["achieved", "on_track", "at_risk", "off_track", "no_data"])
def test_status_frame_styles_colour_only_status_columns(status: str) -> None:
    raw = pd.DataFrame({"project_code": ["P1", "P2"], "overall": [status, "none"]})
    css = status_frame_styles(raw, ["overall"])
    overall = css.loc[0, "overall"]
    assert isinstance(overall, str) and STATUS_COLORS[status] in overall
    assert css.loc[1, "overall"] == "" and css.loc[0, "project_code"] == ""
