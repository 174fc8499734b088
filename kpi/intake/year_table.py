"""The year-table format (SPEC section 4): the 効果検証 layout officers keep.

One row per KPI (by code or Japanese name), one column per period headed by a label (令和5年度,
FY2023, 2024年, 2015/6 …), and a project column, or the project named by the upload. The
officer's own columns (単位, 基準値, 目標値, 達成率, 評価, 備考) are read past and listed.
"""

from __future__ import annotations

import pandas as pd

from kpi.intake.cells import CellCache, PeriodCell, code
from kpi.intake.columns import YEAR_FIXED, names, rows_frame
from kpi.intake.raw import RawTable
from kpi.intake.rows import ErrorSink, fixed_columns

_FIXED = names(*YEAR_FIXED)


def _period_columns(
    table: RawTable, sink: ErrorSink, cache: CellCache
) -> tuple[dict[int, PeriodCell], list[str], bool]:
    """Header position → its period (day, kind, the label as written); the ignored columns;
    False when a period header cannot be read (errors in sink)."""
    periods: dict[int, PeriodCell] = {}
    ignored: list[str] = []
    readable = True
    for position, (header, label) in enumerate(zip(table.header, table.labels, strict=True)):
        if header == "" or header in _FIXED:
            continue
        period = cache.period(label)
        if period.day is not None:
            periods[position] = period
        elif period.problem is not None and period.problem[0] == "ambiguous_period":
            sink.add("ambiguous_period", table.header_row, label, **period.problem[1])
            readable = False
        else:  # 単位, 基準値, 目標値, 達成率, 評価, 備考, or any note of the officer's own
            ignored.append(label)
    return periods, ignored, readable


def parse_year_table(
    table: RawTable,
    uploader: str,
    sink: ErrorSink,
    fy_start: int,
    project_code: str | None,
) -> tuple[pd.DataFrame, int, list[str]] | None:
    """The rows of a year table, the count of cells not reported, and the ignored columns."""
    cells = fixed_columns(table, YEAR_FIXED, sink, project_code)
    cache = CellCache(fy_start)
    periods, ignored, readable = _period_columns(table, sink, cache)
    if cells is None or not readable:
        return None
    out: list[tuple[object, ...]] = []
    not_reported = 0
    for row, raw_cells in table.rows:
        project = project_code
        if cells.has("project_code"):
            text = cells.text(row, raw_cells, "project_code", required=project_code is None)
            project = code(text) if text else project_code
        text = cells.text(row, raw_cells, "kpi_code", required=True)
        kpi = code(text) if text else None  # a Japanese name becomes its code in validate.py
        organization_text = cells.text(row, raw_cells, "organization_code", required=False)
        organization = code(organization_text) if organization_text else uploader
        for position, period in periods.items():
            label = str(period.written)
            raw = raw_cells[position] if position < len(raw_cells) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                not_reported += 1
                continue
            reading = cache.value(raw)
            if reading.not_reported:
                not_reported += 1
            elif reading.problem is not None:
                sink.add(reading.problem[0], row, label, **reading.problem[1])
            elif project is not None and kpi is not None:
                written = raw if reading.unit is not None else None
                out.append((row, project, kpi, period.day, organization, reading.value, "", label, label,
                            reading.unit, written, period.kind, label))  # fmt: skip
    return rows_frame(out), not_reported, ignored
