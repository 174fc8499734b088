"""Cross-file checks of a registry setup, and merging target rows into whole target sets."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi.i18n import t
from kpi.intake.rows import ErrorSink
from kpi.model import HORIZONS

if TYPE_CHECKING:
    from kpi.setup import _Loaded

Record = dict[str, Any]
_RULES = ("direction", "accumulation", "combine")


def check_references(
    loaded: _Loaded, known: dict[str, pd.DataFrame], sinks: dict[str, ErrorSink], lang: str
) -> dict[str, Record]:
    """Codes must exist in the files or the database. Returns KPI rules by code."""
    organizations = set(known["organizations"]["organization_code"]) | {
        r["organization_code"] for _, r in loaded.organizations
    }
    projects = set(known["projects"]["project_code"]) | {r["project_code"] for _, r in loaded.projects}
    kpi_rules: dict[str, Record] = {
        str(row["kpi_code"]): {str(k): v for k, v in row.items()}
        for row in known["kpi_definitions"].to_dict("records")
    }
    kpi_sink = sinks.get("kpis.csv")
    for row, record in loaded.kpis:
        existing = kpi_rules.get(record["kpi_code"])
        if existing is not None and existing["builtin"] and kpi_sink is not None:
            for rule in _RULES:
                if record[rule] is not None and record[rule] != existing[rule]:
                    kpi_sink.add("builtin_rule", row, rule, kpi=record["kpi_code"])
        kpi_rules[record["kpi_code"]] = {
            **(existing or {}),
            **record,
            "builtin": bool(existing and existing["builtin"]),
        }
    for row, record in loaded.projects:
        lead = record["lead_organization_code"]
        if lead is not None and lead not in organizations:
            sinks["projects.csv"].add("unknown_organization", row, "lead_organization_code", code=lead)
    for row, record in loaded.partners:
        if record["project_code"] is not None and record["project_code"] not in projects:
            sinks["partners.csv"].add("unknown_project", row, "project_code", code=record["project_code"])
        org = record["organization_code"]
        if org is not None and org not in organizations:
            sinks["partners.csv"].add("unknown_organization", row, "organization_code", code=org)
    target_sink = sinks.get("targets.csv")
    for row, record in loaded.targets:
        assert target_sink is not None
        if record["project_code"] is not None and record["project_code"] not in projects:
            target_sink.add("unknown_project", row, "project_code", code=record["project_code"])
        if record["kpi_code"] is not None and record["kpi_code"] not in kpi_rules:
            target_sink.add("unknown_kpi", row, "kpi_code", code=record["kpi_code"])
    return kpi_rules


def _blank(value: Any) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _as_date(value: Any) -> date | None:
    return None if _blank(value) else pd.Timestamp(value).date()


def _current_sets(targets_now: pd.DataFrame) -> dict[tuple[str, str], Record]:
    sets: dict[tuple[str, str], Record] = {}
    for row in targets_now.to_dict("records"):
        target: Record = {
            "baseline_value": float(row["baseline_value"]),
            "baseline_date": _as_date(row["baseline_date"]),
        }
        for h in HORIZONS:
            value = row[f"{h}_value"]
            target[f"{h}_value"] = None if _blank(value) else float(value)
            target[f"{h}_date"] = _as_date(row[f"{h}_date"])
        sets[(row["project_code"], row["kpi_code"])] = target
    return sets


def merge_targets(
    rows: list[tuple[int, Record]],
    targets_now: pd.DataFrame,
    kpi_rules: dict[str, Record],
    sink: ErrorSink,
) -> list[Record]:
    """Target sets that differ from the current ones; horizons not in the file are kept."""
    current = _current_sets(targets_now)
    grouped: dict[tuple[str, str], list[tuple[int, Record]]] = {}
    for row, record in rows:
        if None in (record["project_code"], record["kpi_code"]):
            continue
        grouped.setdefault((record["project_code"], record["kpi_code"]), []).append((row, record))
    changed = []
    for key, group in grouped.items():
        rules = kpi_rules.get(key[1], {})
        first_row, first = group[0]
        new: Record = {**current.get(key, {h: None for h in _fields()})}
        new.update(baseline_value=first["baseline_value"], baseline_date=first["baseline_date"])
        rows_of: dict[str, int] = {}
        reasons = []
        for row, record in group:
            if (record["baseline_value"], record["baseline_date"]) != (
                first["baseline_value"],
                first["baseline_date"],
            ):
                sink.add(
                    "conflicting_baseline",
                    row,
                    "baseline_value",
                    project=key[0],
                    kpi=key[1],
                    first_row=first_row,
                )
            _check_negative(record, rules, row, sink)
            horizon = record["horizon"]
            if horizon is not None:
                if horizon in rows_of and (new[f"{horizon}_value"], new[f"{horizon}_date"]) != (
                    record["target_value"],
                    record["target_date"],
                ):
                    sink.add("duplicate_row", row, "horizon", key=f"{key[0]}/{key[1]}/{horizon}")
                new[f"{horizon}_value"] = record["target_value"]
                new[f"{horizon}_date"] = record["target_date"]
                rows_of[horizon] = row
            if record["reason"]:
                reasons.append(record["reason"])
        _check_order(new, rows_of, first_row, sink)
        if current.get(key) != {f: new[f] for f in _fields()}:
            changed.append(
                {
                    "project_code": key[0],
                    "kpi_code": key[1],
                    **{f: new[f] for f in _fields()},
                    "reason": " / ".join(dict.fromkeys(reasons)),
                }
            )
    return changed


def _fields() -> list[str]:
    return ["baseline_value", "baseline_date"] + [
        f"{h}_{part}" for h in HORIZONS for part in ("value", "date")
    ]


def _check_negative(record: Record, rules: Record, row: int, sink: ErrorSink) -> None:
    if rules.get("allow_negative"):
        return
    for column in ("baseline_value", "target_value"):
        value = record[column]
        if value is not None and value < 0:
            sink.add("negative_value", row, column, value=value, kpi=record["kpi_code"])


def _check_order(new: Record, rows_of: dict[str, int], baseline_row: int, sink: ErrorSink) -> None:
    """Horizon dates strictly after the baseline date and in short < mid < long order."""
    previous = new["baseline_date"]
    if previous is None:
        return
    for h in HORIZONS:
        when = new[f"{h}_date"]
        if when is None:
            continue
        if when <= previous:
            sink.add(
                "target_order",
                rows_of.get(h, baseline_row),
                "target_date",
                horizon=t(f"horizon.{h}", sink.lang),
                date=when,
                previous=previous,
            )
        previous = when
