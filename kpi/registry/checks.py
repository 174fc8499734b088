"""Cross-file checks of a registry setup, and merging target rows into whole target sets."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpi.errors import ValidationError
from kpi.i18n import t
from kpi.intake.rows import ErrorSink
from kpi.plans import check_plan, merge_points, plain_points
from kpi.progress.forms import stored_points
from kpi.registry.edits import organization_names
from kpi.registry.organizations import corporate_duplicates, report_duplicates

if TYPE_CHECKING:
    from kpi.registry.setup import _Loaded

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


def check_corporate_numbers(
    rows: list[tuple[int, Record]], stored: pd.DataFrame, sink: ErrorSink, lang: str
) -> None:
    """No 法人番号 twice: within organizations.csv, nor one another organization in the database
    has. Only rows of a file with the column count (without it every number stays as stored)."""
    wanted = [
        (row, r["organization_code"], r["corporate_number"]) for row, r in rows if "corporate_number" in r
    ]
    if not wanted:
        return
    held = stored.dropna(subset=["corporate_number"])
    holders = dict(zip(held["corporate_number"], held["organization_code"], strict=True))
    names = organization_names(stored, lang)
    file_names = pd.DataFrame([r for _, r in rows], columns=["organization_code", "name_ja", "name_en"])
    names.update(organization_names(file_names.dropna(subset=["organization_code", "name_ja"]), lang))
    report_duplicates(sink, corporate_duplicates(wanted, holders), names)


def _blank(value: Any) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _as_date(value: Any) -> date | None:
    return None if _blank(value) else pd.Timestamp(value).date()


def _current_sets(targets_now: pd.DataFrame) -> dict[tuple[str, str], Record]:
    sets: dict[tuple[str, str], Record] = {}
    for row in targets_now.to_dict("records"):
        baseline = row["baseline_value"]
        sets[(row["project_code"], row["kpi_code"])] = {
            "baseline_value": None if _blank(baseline) else float(baseline),
            "baseline_date": _as_date(row["baseline_date"]),
            "points": plain_points(stored_points(row["points"])),
        }
    return sets


def merge_targets(
    rows: list[tuple[int, Record]],
    targets_now: pd.DataFrame,
    kpi_rules: dict[str, Record],
    sink: ErrorSink,
) -> list[Record]:
    """Target sets that differ from the current ones. Each row with a target is a point laid over
    the current plan (kpi.plans.merge_points): points the file does not mention are kept."""
    current = _current_sets(targets_now)
    grouped: dict[tuple[str, str], list[tuple[int, Record]]] = {}
    for row, record in rows:
        if None in (record["project_code"], record["kpi_code"]):
            continue
        grouped.setdefault((record["project_code"], record["kpi_code"]), []).append((row, record))
    changed = []
    for key, group in grouped.items():
        rules = {"kpi_code": key[1], **kpi_rules.get(key[1], {})}
        first_row, first = group[0]
        incoming: list[Record] = []
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
            readable = not record.get("unreadable_horizon")
            if readable and record["target_date"] is not None and record["target_value"] is not None:
                point = {"day": record["target_date"], "value": record["target_value"],
                         "horizon": record["horizon"], "row": row}  # fmt: skip
                _check_repeat(incoming, point, key, sink)
                incoming.append(point)
            if record["reason"]:
                reasons.append(record["reason"])
        before = current.get(key, {"points": []})
        merged = {
            "baseline_value": first["baseline_value"],
            "baseline_date": first["baseline_date"],
            "points": merge_points(before["points"], incoming),
        }
        plan_sink = ErrorSink(sink.lang, sink.file, column_labels=sink.column_labels)
        check_plan(merged, rules, plan_sink, baseline_row=first_row)
        sink.errors += [e for e in plan_sink.errors if not _reported(e, first_row, first)]
        new = {**merged, "points": plain_points(merged["points"])}
        if current.get(key) != new:
            changed.append(
                {
                    "project_code": key[0],
                    "kpi_code": key[1],
                    **new,
                    "reason": " / ".join(dict.fromkeys(reasons)),
                }
            )
    return changed


def _reported(error: ValidationError, row: int, record: Record) -> bool:
    """A missing baseline whose cell was unreadable: the cell's own error says so already."""
    missing_baseline = (error.code, error.row, error.column) == ("missing_value", row, "baseline_value")
    return missing_baseline and bool(record.get("unreadable_baseline"))


def _check_repeat(earlier: list[Record], point: Record, key: tuple[str, str], sink: ErrorSink) -> None:
    """Two rows of one file for the same tag or date with different values: duplicate_row."""
    for other in earlier:
        same_tag = point["horizon"] is not None and other["horizon"] == point["horizon"]
        if (same_tag or other["day"] == point["day"]) and (other["day"], other["value"]) != (
            point["day"],
            point["value"],
        ):
            label = t(f"horizon.{point['horizon']}", sink.lang) if same_tag else str(point["day"])
            sink.add("duplicate_row", point["row"], "horizon" if same_tag else "target_date",
                     key=f"{key[0]}/{key[1]}/{label}")  # fmt: skip
