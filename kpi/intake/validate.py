"""Parsed rows × the registry → every error found (SPEC section 4), checked column-wise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from kpi.intake.rows import ErrorSink

KEY = ["project_code", "kpi_code", "period_end", "organization_code"]


@dataclass(frozen=True)
class IntakeRegistry:
    """What validation needs to know, read once per file."""

    projects: frozenset[str]
    organizations: frozenset[str]
    partners: frozenset[tuple[str, str]]  # (project_code, organization_code)
    kpis_allowing_negative: dict[str, bool]  # kpi_code → allow_negative


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
    _report(sink, late, "future_period", "period_end", date="date", today="today")

    # The same key twice: harmless when the values agree, an error when they differ.
    repeated = rows.duplicated(KEY, keep=False)
    if repeated.any():
        groups = rows[repeated].groupby(KEY, sort=False)
        conflicting = groups["value"].transform("nunique") > 1
        later = rows[repeated][conflicting & rows[repeated].duplicated(KEY, keep="first")]
        if not later.empty:  # on an empty frame agg(axis=1) returns a frame, not a column
            keys = later[KEY].astype(str).agg("/".join, axis=1)
            _report(sink, later.assign(key=keys), "duplicate_row", key="key")
    return rows.drop_duplicates(KEY, keep="first")
