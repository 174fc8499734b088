"""Parsed rows × the registry → every error found (SPEC section 4), checked column-wise."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pandas as pd

from kpi.i18n import t
from kpi.intake.cells import Problem, ValueCell, in_kpi_units
from kpi.intake.columns import IntakeRegistry
from kpi.intake.raw import header_name, header_unit, normalize_header
from kpi.intake.rows import ErrorSink
from kpi.quantities import to_quantity

__all__ = ["IntakeRegistry", "longer_than_reports", "takes_year_figures", "validate_rows"]

KEY = ["project_code", "kpi_code", "period_end", "organization_code"]


def _report(
    sink: ErrorSink, rows: pd.DataFrame, error_code: str, column: str | None = None, /, **extra: str
) -> None:
    """One error per failing row; `column=None` takes each row's own value column (wide: the KPI)."""
    for record in rows.to_dict("records"):
        context = {key: record[source] for key, source in extra.items()}
        sink.add(error_code, int(record["row"]), column or record["column"], **context)


def validate_rows(
    rows: pd.DataFrame, registry: IntakeRegistry, *, uploader: str, today: date, sink: ErrorSink
) -> pd.DataFrame:
    """Report every problem to `sink`; return the rows to write, exact repeats removed."""
    rows = _named_kpis(rows, registry)
    rows = _in_header_units(rows, registry, sink)
    rows = _in_kpi_units(rows, registry, sink)
    _periods_longer_than_reports(rows, registry, sink)
    known_project = rows["project_code"].isin(registry.projects)
    _report(sink, rows[~known_project], "unknown_project", "project_code", code="project_code")
    known_kpi = rows["kpi_code"].isin(list(registry.kpis_allowing_negative))
    _report(sink, rows[~known_kpi], "unknown_kpi", "kpi_code", code="kpi_code")

    known_org = rows["organization_code"].isin(registry.organizations)
    _report(sink, rows[~known_org], "unknown_organization", "organization_code", code="organization_code")
    foreign = known_org & (rows["organization_code"] != uploader)
    if foreign.any():
        wrong = rows[foreign].assign(expected=uploader)
        _report(sink, wrong, "wrong_organization", "organization_code", code="organization_code",
                expected="expected")  # fmt: skip
    pairs = pd.Series(
        list(zip(rows["project_code"], rows["organization_code"], strict=True)), index=rows.index
    )
    outsider = known_project & known_org & ~foreign & ~pairs.isin(registry.partners)
    _report(sink, rows[outsider], "not_a_partner", "project_code",
            project="project_code", organization="organization_code")  # fmt: skip

    # eq(True), not fillna(False): when no KPI is known the mapped column is float NaN.
    allows_negative = rows["kpi_code"].map(registry.kpis_allowing_negative).eq(True)
    negative = rows[known_kpi & ~allows_negative & (rows["value"] < 0)]
    shown = negative.assign(value_text=[f"{v:,g}" for v in negative["value"]])
    _report(sink, shown, "negative_value", value="value_text", kpi="kpi_code")

    future = rows[pd.to_datetime(rows["period_end"]) > pd.Timestamp(today)]
    late = future.assign(date=[str(d) for d in future["period_end"]], today=today.isoformat())
    for record in late.to_dict("records"):  # the period column, or the year table's label
        sink.add("future_period", int(record["row"]), record["period_column"], date=record["date"],
                 today=record["today"])  # fmt: skip

    # The same key twice: harmless when the values agree, an error when they differ.
    repeated = rows.duplicated(KEY, keep=False)
    if repeated.any():
        groups = rows[repeated].groupby(KEY, sort=False)
        conflicting = groups["value"].transform("nunique") > 1
        later = rows[repeated][conflicting & rows[repeated].duplicated(KEY, keep="first")]
        if not later.empty:  # on an empty frame agg(axis=1) returns a frame, not a column
            keys = later[KEY].astype(str).agg("/".join, axis=1)
            _report(sink, later.assign(key=keys), "duplicate_row", key="key")
    name_headers(sink)
    return rows.drop_duplicates(KEY, keep="first")


def name_headers(sink: ErrorSink) -> None:
    """Each error about a column whose header the file wrote otherwise (`出願件数（件）` for
    `patents`, `実績値` for `value`) carries that header: the error table shows it."""
    labels = sink.column_labels
    sink.errors[:] = [
        replace(e, header=labels[e.column]) if e.column in labels and labels[e.column] != e.column else e
        for e in sink.errors
    ]


def _in_header_units(rows: pd.DataFrame, registry: IntakeRegistry, sink: ErrorSink) -> pd.DataFrame:
    """Values under a header with a unit (`外部資金獲得額（千円）`) are in that unit, as if written after
    each number: converted to the KPI's unit, or refused as unit_mismatch (never read as is)."""
    units = {column: unit for column, label in sink.column_labels.items() if (unit := header_unit(label))}
    plain = (
        rows["unit"].isna()
        & rows["column"].isin(list(units))
        & rows["kpi_code"].isin(list(registry.kpi_units))
    )
    if not plain.any():
        return rows
    rows = rows.copy()
    refused: list[object] = []
    for (column_key, kpi_key), group in rows[plain].groupby(["column", "kpi_code"], sort=False):
        column, kpi = str(column_key), str(kpi_key)
        unit_ja, unit_en = registry.kpi_units[kpi]
        name = registry.kpi_names.get(kpi, {}).get(sink.lang) or kpi
        converted: dict[float, tuple[float | None, Problem | None]] = {}
        for value in group["value"].unique():  # a few distinct figures per column, read once each
            converted[value] = _in_unit(float(value), units[column], unit_ja, unit_en, name)
        values = [converted[v] for v in group["value"]]
        for row, (_, problem) in zip(group["row"], values, strict=True):
            if problem is not None:
                sink.add(problem[0], int(row), column, **problem[1])
        rows.loc[group.index, "value"] = [math.nan if v is None else v for v, _ in values]
        refused += [index for index, (v, _) in zip(group.index, values, strict=True) if v is None]
    return rows.drop(index=refused)


def _in_unit(
    value: float, unit: str, unit_ja: str, unit_en: str, name: str
) -> tuple[float | None, Problem | None]:
    """`value` written in the header's `unit`, in the KPI's unit (in_kpi_units' reading)."""
    try:
        scale = to_quantity(f"1 {unit}")
    except ValueError:
        scale = None
    if scale is None or scale.unit is None:  # not a unit at all (a figure, a date in the header)
        return None, (
            "unit_mismatch",
            {"value": f"{value:,g}", "written": unit, "expected": unit_ja, "kpi": name},
        )
    return in_kpi_units(ValueCell(value * scale.value, scale.unit), f"{value:,g}", unit_ja, unit_en, name)


def _named_kpis(rows: pd.DataFrame, registry: IntakeRegistry) -> pd.DataFrame:
    """KPIs named by their Japanese name (a year table's 指標名) → their codes."""
    unknown = ~rows["kpi_code"].isin(list(registry.kpis_allowing_negative))
    if not unknown.any():
        return rows
    by_name = registry.code_of_name()
    rows = rows.copy()
    rows.loc[unknown, "kpi_code"] = [  # 共同研究の件数（件）: the name with its unit after it
        by_name.get(normalize_header(name), by_name.get(header_name(name), name))
        for name in rows.loc[unknown, "kpi_code"]
    ]
    return rows


def _in_kpi_units(rows: pd.DataFrame, registry: IntakeRegistry, sink: ErrorSink) -> pd.DataFrame:
    """Values written with a unit (52.2%, 2,720千円) in the KPI's own unit; other units refused."""
    with_unit = rows["unit"].notna() & rows["kpi_code"].isin(list(registry.kpi_units))
    if not with_unit.any():
        return rows
    rows = rows.copy()
    marked = rows[with_unit]
    converted: list[float | None] = []
    cells = [marked[c].tolist() for c in ("row", "kpi_code", "value", "unit", "written", "column")]
    for row, kpi, number, unit, written, column in zip(*cells, strict=True):
        unit_ja, unit_en = registry.kpi_units[kpi]
        name = registry.kpi_names.get(kpi, {}).get(sink.lang) or kpi
        value, problem = in_kpi_units(ValueCell(number, unit), written, unit_ja, unit_en, name)
        if problem is not None:
            sink.add(problem[0], int(row), column, **problem[1])
        converted.append(value)
    rows.loc[marked.index, "value"] = [math.nan if v is None else v for v in converted]
    return rows.drop(index=marked.index[[v is None for v in converted]])


# How long a period a label names, and how often a KPI is reported, on one scale.
_LENGTH = {"month": 1, "quarter": 2, "fiscal_year": 3, "calendar_year": 3, "year": 3}
_FLOWS = ("sum", "yearly")


def longer_than_reports(period_kind: str | None, accumulation: str, frequency: str) -> bool:
    """A figure for a period longer than the KPI's reports, for a flow: it would be stored at the
    period's last day and counted as the last report's (a year's total as Q4's)."""
    return accumulation in _FLOWS and _LENGTH.get(period_kind or "", 0) > _LENGTH[frequency]


def takes_year_figures(accumulation: str, frequency: str) -> bool:
    """Whether a KPI can be reported by the year (the year-table template offers it)."""
    return not longer_than_reports("fiscal_year", accumulation, frequency)


def _periods_longer_than_reports(rows: pd.DataFrame, registry: IntakeRegistry, sink: ErrorSink) -> None:
    """Rows refused by longer_than_reports, with what to do instead."""
    # Only quarters and years can be longer than a report, only for flows: usually no row at all.
    candidates = rows[rows["period_kind"].isin(["quarter", "fiscal_year", "calendar_year"])
                      & rows["kpi_code"].isin(list(registry.kpi_flows))]  # fmt: skip
    frequencies = candidates["kpi_code"].map(registry.kpi_flows)  # kpi_flows holds flows only
    longer = [longer_than_reports(kind, "sum", frequency)
              for kind, frequency in zip(candidates["period_kind"], frequencies, strict=True)]  # fmt: skip
    if not any(longer):
        return
    words = {name: t(f"intake.period_word.{name}", sink.lang) for name in ("month", "quarter", "year")}
    for record in candidates[longer].to_dict("records"):
        period = "year" if _LENGTH[record["period_kind"]] == 3 else record["period_kind"]
        names = registry.kpi_names.get(record["kpi_code"], {})
        year_table = record["period_column"] != "period_end"  # the label heads a column: say so
        sink.add("wrong_frequency", int(record["row"]), record["period_column"], value=record["period_text"],
                 variant="column" if year_table else None,
                 period=words[period], frequency=words[registry.kpi_flows[record["kpi_code"]]],
                 period_setting=t(f"admin.frequency_{period}", sink.lang),
                 kpi=names.get(sink.lang) or record["kpi_code"])  # fmt: skip
