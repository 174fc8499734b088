"""Cross-file checks of a funding setup, and the plan of what to write.

Codes must exist in the files or the database; budget lines name partners of the award's project;
a decided amount or a budget line lies in a 年度 of the award's period. The plan compares each row
with what is stored: new and changed versions, and how many rows are unchanged.
"""

from __future__ import annotations

from typing import Any

from kpi.fiscal import fiscal_year
from kpi.funding.categories import accepted_names, category_lookup, fold
from kpi.funding.files import Record
from kpi.intake.rows import ErrorSink

Rows = list[tuple[int, Record]]
AMENDED = ("starts_on", "ends_on", "amounts")  # what a 変更承認 changes
DECIDED = ("awarded", "confirmed")  # stages after the decision
_AWARD_FIELDS = (
    "project_code",
    "programme_code",
    "call_fiscal_year",
    "call_round",
    "decided_on",
    "starts_on",
    "ends_on",
    "payment_mode",
    "stage",
    "confirmed_amount",
)


def check_references(
    loaded: dict[str, Rows], known: dict[str, Any], sinks: dict[str, ErrorSink], fy_start: int
) -> dict[str, Any]:
    lang = next(iter(sinks.values())).lang if sinks else "ja"
    lookup = category_lookup(known["categories"])
    names = accepted_names(known["categories"], lang)
    programmes = known["programmes"] | {r["programme_code"] for _, r in loaded["programmes.csv"]}
    plan: dict[str, Any] = {"programmes": [], "allowed": [], "disallowed": [], "calls": [], "award_kpis": []}

    for row, record in loaded["programmes.csv"]:
        codes = []
        for written in record["categories"]:
            code = lookup.get(fold(written))
            if code is None:
                sinks["programmes.csv"].add(
                    "unknown_category", row, "categories", value=written, choices=names
                )
            else:
                codes.append(code)
        plan["programmes"].append({k: v for k, v in record.items() if k != "categories"})
        plan["allowed"] += [
            {"programme_code": record["programme_code"], "category_code": c} for c in dict.fromkeys(codes)
        ]
        stored = known["programme_categories"].get(record["programme_code"], set())
        plan["disallowed"] += [(record["programme_code"], c) for c in sorted(stored - set(codes))]

    calls = set(known["calls"])
    for row, record in loaded["calls.csv"]:
        if record["programme_code"] not in programmes:
            sinks["calls.csv"].add("unknown_programme", row, "programme_code", code=record["programme_code"])
        calls.add((record["programme_code"], record["fiscal_year"], record["round"]))
        plan["calls"].append(record)

    awards = _check_awards(loaded, known, sinks, programmes, calls)
    amounts = _amounts(loaded, awards, sinks, fy_start)
    plan["awards"] = _award_versions(loaded["awards.csv"], amounts, known, sinks)
    plan["budgets"] = _budgets(loaded, awards, known, sinks, lookup, names, fy_start)
    plan["payments"] = _compare(
        [r for _, r in _known_award_rows(loaded["payments.csv"], awards, sinks, "payments.csv")],
        known["payments"],
        ("award_number", "received_on"),
        ("amount",),
    )
    for row, record in _known_award_rows(loaded["award_kpis.csv"], awards, sinks, "award_kpis.csv"):
        if record["kpi_code"] not in known["kpis"]:
            sinks["award_kpis.csv"].add("unknown_kpi", row, "kpi_code", code=record["kpi_code"])
        plan["award_kpis"].append(record)
    return plan


def _check_awards(
    loaded: dict[str, Rows],
    known: dict[str, Any],
    sinks: dict[str, ErrorSink],
    programmes: set[str],
    calls: set[tuple[str, int, int]],
) -> dict[str, Record]:
    """Every award the files may refer to (stored, then as the file has it), after checking the file's."""
    awards: dict[str, Record] = dict(known["awards"])
    if not loaded["awards.csv"]:  # the file is optional: programmes may be set up first
        return awards
    sink = sinks["awards.csv"]
    for row, record in loaded["awards.csv"]:
        if record["project_code"] is not None and record["project_code"] not in known["projects"]:
            sink.add("unknown_project", row, "project_code", code=record["project_code"])
        if record["programme_code"] is not None and record["programme_code"] not in programmes:
            sink.add("unknown_programme", row, "programme_code", code=record["programme_code"])
        call = (record["programme_code"], record["call_fiscal_year"], record["call_round"] or 1)
        if record["call_fiscal_year"] is not None and call not in calls:
            sink.add("unknown_call", row, "call_fiscal_year", programme=call[0], year=call[1], round=call[2])
        check_decision(sink, row, record)
        starts = record["starts_on"]
        if starts is not None and record["award_number"] is not None:
            awards[record["award_number"]] = record
    return awards


def _known_award_rows(rows: Rows, awards: dict[str, Record], sinks: dict[str, ErrorSink], name: str) -> Rows:
    out = []
    for row, record in rows:
        if record["award_number"] not in awards:
            sinks[name].add("unknown_award", row, "award_number", code=record["award_number"])
        else:
            out.append((row, record))
    return out


def check_decision(sink: ErrorSink, row: int | None, award: Record) -> None:
    """A decision dated after the award period ends (setup's awards.csv and the awards page)."""
    decided, ends = award.get("decided_on"), award.get("ends_on")
    if decided and ends and decided > ends:
        sink.add("decided_after_period", row, "decided_on", decided=decided, end=ends)


def in_award_period(award: Record, year: int | None, fy_start: int) -> bool:
    """Whether 年度 `year` lies in the award's period (True while either is unknown)."""
    if year is None or award.get("starts_on") is None or award.get("ends_on") is None:
        return True
    return fiscal_year(award["starts_on"], fy_start) <= year <= fiscal_year(award["ends_on"], fy_start)


def check_award_year(
    sink: ErrorSink, row: int | None, award: Record, year: int | None, fy_start: int, number: str
) -> None:
    """year_outside_award: a decided amount or budget line of award `number` outside its period."""
    if not in_award_period(award, year, fy_start):
        sink.add(
            "year_outside_award",
            row,
            "fiscal_year",
            year=year,
            award=number,
            start=award["starts_on"],
            end=award["ends_on"],
        )


def _amounts(
    loaded: dict[str, Rows], awards: dict[str, Record], sinks: dict[str, ErrorSink], fy_start: int
) -> dict[str, list[Record]]:
    """The decided amounts per award named in award_amounts.csv (they replace the stored ones)."""
    out: dict[str, list[Record]] = {}
    for row, record in _known_award_rows(loaded["award_amounts.csv"], awards, sinks, "award_amounts.csv"):
        award = awards[record["award_number"]]
        check_award_year(
            sinks["award_amounts.csv"], row, award, record["fiscal_year"], fy_start, record["award_number"]
        )
        if record["fiscal_year"] is not None and record["amount"] is not None:
            out.setdefault(record["award_number"], []).append(
                {"fiscal_year": record["fiscal_year"], "amount": record["amount"]}
            )
    return {k: sorted(v, key=lambda a: a["fiscal_year"]) for k, v in out.items()}


def _plain_amounts(amounts: Any) -> list[dict[str, int]]:
    return sorted(
        ({"fiscal_year": int(a["fiscal_year"]), "amount": int(a["amount"])} for a in amounts or []),
        key=lambda a: a["fiscal_year"],
    )


def _award_versions(
    rows: Rows, amounts: dict[str, list[Record]], known: dict[str, Any], sinks: dict[str, ErrorSink]
) -> tuple[list[Record], list[Record], int]:
    new, changed, same = [], [], 0
    listed = {r["award_number"] for _, r in rows}
    for row, record in rows:
        before = known["awards"].get(record["award_number"])
        stored = _plain_amounts(before["amounts"]) if before else []
        version = {**record, "amounts": amounts.get(record["award_number"], stored)}
        if before is None:
            new.append(version)
            continue
        differs = changed_fields(version, before)
        if not differs:
            same += 1
            continue
        if is_amendment(before, differs) and not record["reason"]:
            sinks["awards.csv"].add("amendment_reason", row, "reason", award=record["award_number"])
        changed.append(version)
    for number, award_amounts in amounts.items():  # new amounts for a stored award not in awards.csv
        before = known["awards"].get(number)
        if number not in listed and before is not None and _plain_amounts(before["amounts"]) != award_amounts:
            sinks["award_amounts.csv"].add("amounts_without_award", None, "award_number", award=number)
    return new, changed, same


def changed_fields(version: Record, before: Record) -> list[str]:
    """The fields of an award (its amounts among them) in which a new version differs from the stored one."""
    return [f for f in (*_AWARD_FIELDS, "amounts") if _value(version, f) != _value(before, f)]


def is_amendment(before: Record, differs: list[str]) -> bool:
    """A 変更承認: a decided award's amounts or period change; it needs a reason."""
    return any(f in differs for f in AMENDED) and before["stage"] in DECIDED


def _value(record: Record, name: str) -> Any:
    value = record.get(name)
    if name == "amounts":
        return _plain_amounts(value)
    if value != value:  # NaN from a stored NULL
        return None
    return value


def _budgets(
    loaded: dict[str, Rows],
    awards: dict[str, Record],
    known: dict[str, Any],
    sinks: dict[str, ErrorSink],
    lookup: dict[str, str],
    names: str,
    fy_start: int,
) -> tuple[list[Record], list[Record], int]:
    sink = sinks.get("budgets.csv")
    rows = []
    for row, record in _known_award_rows(loaded["budgets.csv"], awards, sinks, "budgets.csv"):
        assert sink is not None
        award = awards[record["award_number"]]
        code = check_budget_line(sink, row, record, award, known["partners"], lookup, names, fy_start)
        if code is None:
            continue
        rows.append(
            {
                "award_number": record["award_number"],
                "fiscal_year": record["fiscal_year"],
                "category_code": code,
                "organization_code": record["organization_code"],
                "amount": record["amount"],
                "reason": record["reason"],
            }
        )
    return _compare(
        rows,
        known["budgets"],
        ("award_number", "fiscal_year", "category_code", "organization_code"),
        ("amount",),
    )


def check_budget_line(
    sink: ErrorSink,
    row: int | None,
    line: Record,
    award: Record,
    partners: set[tuple[str, str]],
    lookup: dict[str, str],
    names: str,
    fy_start: int,
) -> str | None:
    """One budget line (`category` as written, `organization_code`, `fiscal_year`) against its award:
    a known 費目, a partner of the award's project, a 年度 of its period. Returns the 費目's code, None
    when it is unknown (then nothing else is checked)."""
    code = lookup.get(fold(line["category"] or ""))
    if code is None:
        sink.add("unknown_category", row, "category", value=line["category"], choices=names)
        return None
    if (award["project_code"], line["organization_code"]) not in partners:
        sink.add(
            "not_a_partner",
            row,
            "organization_code",
            organization=line["organization_code"],
            project=award["project_code"],
        )
    check_award_year(sink, row, award, line["fiscal_year"], fy_start, line["award_number"])
    return code


def _compare(
    rows: list[Record], stored: dict[tuple[Any, ...], Record], key: tuple[str, ...], fields: tuple[str, ...]
) -> tuple[list[Record], list[Record], int]:
    new, changed, same = [], [], 0
    for record in rows:
        before = stored.get(tuple(record[k] for k in key))
        if before is None:
            new.append(record)
        elif any(record[f] != before[f] for f in fields):
            changed.append(record)
        else:
            same += 1
    return new, changed, same
