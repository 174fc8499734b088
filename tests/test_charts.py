"""Chart builders: DataFrame in, figure out; checked on their data and their layout."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from kpi.charts import FONT_FAMILY, STATUS_COLORS, kpi_chart, status_bar_chart, status_frame_styles

AS_OF = date(2026, 11, 26)


def _version(version: int, short: float, mid: float, long: float) -> dict[str, object]:
    return {
        "project_code": "P1",
        "kpi_code": "time_to_implementation",
        "version": version,
        "baseline_value": 60.0,
        "baseline_date": datetime(2024, 4, 1),
        "short_value": short,
        "short_date": datetime(2025, 3, 31),
        "mid_value": mid,
        "mid_date": datetime(2027, 3, 31),
        "long_value": long,
        "long_date": datetime(2029, 3, 31),
        "reason": "",
        "recorded_by": "t",
        "recorded_at": datetime(2024, 4, 1),
    }


SERIES = pd.DataFrame(
    {"period_end": pd.to_datetime(["2025-06-30", "2025-09-30", "2026-09-30"]), "value": [55.0, 50.0, 40.0]}
)
STATUS = {"status": "off_track", "forecast_short": 70.0, "forecast_mid": 30.0, "forecast_long": 12.0}


def _traces(figure: object) -> dict[str, object]:
    return {trace.name: trace for trace in figure.data}  # type: ignore[attr-defined]


def test_kpi_chart_draws_actuals_plan_targets_forecast_and_as_of() -> None:
    versions = pd.DataFrame([_version(1, 48, 24, 0)])
    figure = kpi_chart(SERIES, versions, STATUS, AS_OF, "en", title="Time", unit="months")
    traces = _traces(figure)
    actual = traces["Actual to date"]
    assert list(actual.y) == [55.0, 50.0, 40.0]
    # Colour follows status: a falling line that is off track is red, never "down = bad/good".
    assert actual.line.color == STATUS_COLORS["off_track"]
    plan = traces["Plan"]
    assert list(plan.y) == [60.0, 48.0, 24.0, 0.0]
    assert pd.Timestamp(plan.x[0]).date() == date(2024, 4, 1)
    assert {"Short term (target)", "Mid term (target)", "Long term (target)"} <= set(traces)
    # Forecast starts at the last actual and only reaches horizons after it (short is past).
    forecast = traces["Forecast"]
    assert list(forecast.y) == [40.0, 30.0, 12.0]
    assert figure.layout.font.family == FONT_FAMILY
    assert figure.layout.shapes[0].x0 == pd.Timestamp(AS_OF)
    assert "26 Nov 2026" in figure.layout.annotations[0].text  # the date as the language writes it
    assert figure.layout.yaxis.title.text == "months"
    assert figure.layout.title.text == "Time"


def test_revised_targets_show_the_original_beside_the_current_one() -> None:
    versions = pd.DataFrame([_version(1, 48, 24, 0), _version(2, 48, 36, 0)])
    traces = _traces(kpi_chart(SERIES, versions, STATUS, AS_OF, "ja", title="期間", unit="か月"))
    assert traces["中期 (改定後の目標)"].y == (36.0,)
    assert traces["中期 (当初目標)"].y == (24.0,)
    assert traces["中期 (当初目標)"].marker.symbol == "square-open"
    assert "実績（累計・最新値）" in traces


def test_kpi_chart_without_target_or_data_still_renders() -> None:
    empty = pd.DataFrame(columns=["period_end", "value"])
    figure = kpi_chart(empty, pd.DataFrame(), {"status": "no_target"}, AS_OF, "en", title="x", unit="u")
    assert list(figure.data) == []
    assert figure.layout.shapes[0].x0 == pd.Timestamp(AS_OF)


def test_a_single_report_has_no_forecast_line() -> None:
    one = SERIES.head(1)
    status = {"status": "on_track", "forecast_short": None, "forecast_mid": None, "forecast_long": None}
    traces = _traces(
        kpi_chart(one, pd.DataFrame([_version(1, 48, 24, 0)]), status, AS_OF, "en", title="t", unit="u")
    )
    assert "Forecast" not in traces
    assert traces["Actual to date"].line.color == STATUS_COLORS["on_track"]


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


@pytest.mark.parametrize("status", ["achieved", "on_track", "at_risk", "off_track", "no_data"])
def test_status_frame_styles_colour_only_status_columns(status: str) -> None:
    raw = pd.DataFrame({"project_code": ["P1", "P2"], "overall": [status, "none"]})
    css = status_frame_styles(raw, ["overall"])
    assert STATUS_COLORS[status] in css.loc[0, "overall"]
    assert css.loc[1, "overall"] == "" and css.loc[0, "project_code"] == ""
