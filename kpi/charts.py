"""Chart building blocks: DataFrame in, plotly figure (or plain style data) out; no I/O."""

from __future__ import annotations

import pandas as pd

from kpi.model import Status

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
