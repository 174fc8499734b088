"""The checks of the awards page's saves (kpi/funding/editing.py): the form's award read into one
version and checked against its references, the budget grid's lines against their award. They add
to an ErrorSink whose messages name the page's fields, reusing setup's rules
(kpi/funding/references.py) where the two meet.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kpi.formatting.numbers import format_date
from kpi.funding.categories import accepted_names, category_lookup
from kpi.funding.files import PAYMENT_MODES, STAGES
from kpi.funding.money import NotYen, read_yen
from kpi.funding.references import DECIDED, check_award_year, check_budget_line, check_decision
from kpi.i18n import t
from kpi.intake.rows import ErrorSink
from kpi.storage.funding import programme_category_sets
from kpi.storage.registry import read_settings, read_table

Record = dict[str, Any]
NEW_STAGES = ("applied", "awarded")  # an award is entered when applied for, or once decided
# Where an award's stage may go: applied → awarded → confirmed, or rejected / withdrawn.
NEXT_STAGES = {
    "applied": ("applied", "awarded", "rejected", "withdrawn"),
    "awarded": ("awarded", "confirmed", "withdrawn"),
    "confirmed": ("confirmed",),
    "rejected": ("rejected",),
    "withdrawn": ("withdrawn",),
}
BUDGET_KEY = ("fiscal_year", "category_code", "organization_code")
# The form's fields, as messages name them (catalog [award_form]).
FIELDS = (
    "award_number",
    "project_code",
    "programme_code",
    "call",
    "decided_on",
    "starts_on",
    "ends_on",
    "payment_mode",
    "stage",
    "confirmed_amount",
    "reason",
    "approver",
    "fiscal_year",
    "amount",
    "category",
    "organization_code",
    "received_on",
    "submitted_on",
)


def form_sink(lang: str, messages: str = "error.award_form") -> ErrorSink:
    """An ErrorSink whose messages name the awards page's fields and say what to change there."""
    return ErrorSink(lang, column_labels={f: t(f"award_form.{f}", lang) for f in FIELDS}, messages=messages)


def read_yen_cell(
    sink: ErrorSink, row: int | None, column: str, value: object, *, required: bool
) -> int | None:
    """Whole yen ≥ 0 as typed (12,000 · 2,720千円 · ¥12,000), as funding files read money."""
    try:
        yen = read_yen(value)
    except NotYen as error:
        sink.add("invalid_yen", row, column, value=value, variant=error.reason)
        return None
    if yen is None and required:
        sink.add("missing_value", row, column)
    elif yen is not None and yen < 0:
        sink.add("invalid_yen", row, column, value=value, variant="negative")
        return None
    return yen


def read_year(sink: ErrorSink, row: int, value: object) -> int | None:
    text = str(value).strip() if value is not None else ""
    if not text or text.lower() == "nan":
        sink.add("missing_value", row, "fiscal_year")
        return None
    try:
        return int(float(text))
    except ValueError:
        sink.add("invalid_number", row, "fiscal_year", value=value)
        return None


def blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def _read_amounts(sink: ErrorSink, amounts: list[Record]) -> list[Record]:
    """The decided amounts per 年度 as the form's small table holds them (row numbers as shown)."""
    out: dict[int, Record] = {}
    for row, line in enumerate(amounts, start=1):
        if blank(line.get("fiscal_year")) and blank(line.get("amount")):
            continue  # an empty row the table added
        year = read_year(sink, row, line.get("fiscal_year"))
        amount = read_yen_cell(sink, row, "amount", line.get("amount"), required=True)
        if year is not None and year in out:
            sink.add("duplicate_row", row, "fiscal_year", key=year)
        elif year is not None and amount is not None:
            out[year] = {"fiscal_year": year, "amount": amount, "row": row}
    return [out[y] for y in sorted(out)]


def _choice(sink: ErrorSink, column: str, value: object, allowed: dict[str, str]) -> str | None:
    found = allowed.get(str(value or "").strip())
    if found is None:
        choices = ", ".join(k for k in allowed if k)
        sink.add(
            "missing_value" if blank(value) else "invalid_value", None, column, value=value, choices=choices
        )
    return found


def award_record(award: Record, sink: ErrorSink) -> Record:
    """The form's award as one version: codes trimmed, stage and payment mode as stored, yen read;
    each decided amount keeps the row the form's table shows it on (`row`)."""
    text = {k: str(award.get(k) or "").strip() for k in ("award_number", "project_code", "programme_code")}
    for name, value in text.items():
        if not value:
            sink.add("missing_value", None, name)
    for name in ("starts_on", "ends_on"):
        if award.get(name) is None:
            sink.add("missing_value", None, name)
    call_year = award.get("call_fiscal_year")
    return {
        **text,
        "call_fiscal_year": int(call_year) if call_year is not None else None,
        "call_round": int(award["call_round"]) if call_year is not None and award.get("call_round") else None,
        "decided_on": award.get("decided_on"),
        "starts_on": award.get("starts_on"),
        "ends_on": award.get("ends_on"),
        "payment_mode": _choice(sink, "payment_mode", award.get("payment_mode"), PAYMENT_MODES),
        "stage": _choice(sink, "stage", award.get("stage"), STAGES),
        "amounts": _read_amounts(sink, list(award.get("amounts") or [])),
        "confirmed_amount": read_yen_cell(
            sink, None, "confirmed_amount", award.get("confirmed_amount"), required=False
        ),
        "reason": str(award.get("reason") or "").strip(),
        "approver": str(award.get("approver") or "").strip(),
    }


def check_award(
    cursor: Any, record: Record, before: Record | None, sink: ErrorSink, *, lang: str, today: date
) -> None:
    """The award's own rules and its references: project, programme, call, dates, stage, amounts."""
    project, programme, stage = record["project_code"], record["programme_code"], record["stage"]
    if project and project not in set(read_table(cursor, "projects")["project_code"]):
        sink.add("unknown_project", None, "project_code", code=project)
    if before is not None and project and before["project_code"] != project:
        sink.add(
            "award_project",
            None,
            "project_code",
            award=record["award_number"],
            project=before["project_code"],
        )
    if programme and programme not in set(read_table(cursor, "programmes")["programme_code"]):
        sink.add("unknown_programme", None, "programme_code", code=programme)
    if programme and record["call_fiscal_year"] is not None:
        calls = {
            (r["programme_code"], int(r["fiscal_year"]), int(r["round"]))
            for r in read_table(cursor, "funding_calls").to_dict("records")
        }
        call = (programme, record["call_fiscal_year"], record["call_round"] or 1)
        if call not in calls:
            sink.add("unknown_call", None, "call", programme=call[0], year=call[1], round=call[2])
    _check_dates(record, sink, lang=lang, today=today)
    if (
        stage == "confirmed"
        and record["confirmed_amount"] is None
        and "confirmed_amount" not in _columns(sink)
    ):
        sink.add("missing_value", None, "confirmed_amount")
    if stage in DECIDED and not record["amounts"] and not _columns(sink) & {"amount", "fiscal_year"}:
        sink.add("amounts_required", None, "amount")
    if before is None and stage is not None and stage not in NEW_STAGES:
        sink.add("new_award_stage", None, "stage", stage=t(f"funding.stage.{stage}", lang))
    if before is not None and stage is not None and stage not in NEXT_STAGES[before["stage"]]:
        sink.add(
            "stage_change",
            None,
            "stage",
            before=t(f"funding.stage.{before['stage']}", lang),
            after=t(f"funding.stage.{stage}", lang),
        )
    fy_start = read_settings(cursor).fiscal_year_start_month
    for amount in record["amounts"]:
        check_award_year(sink, amount["row"], record, amount["fiscal_year"], fy_start, record["award_number"])


def _columns(sink: ErrorSink) -> set[str]:
    """The fields that already have an error (one message per field is enough)."""
    return {e.column for e in sink.errors if e.column}


def _check_dates(record: Record, sink: ErrorSink, *, lang: str, today: date) -> None:
    starts, ends, decided = record["starts_on"], record["ends_on"], record["decided_on"]
    if starts and ends and ends < starts:
        sink.add(
            "end_before_start", None, "ends_on", start=format_date(starts, lang), end=format_date(ends, lang)
        )
    if record["stage"] in DECIDED and decided is None:
        sink.add("missing_value", None, "decided_on")
    check_decision(sink, None, record)
    if decided and decided > today:
        sink.add(
            "decided_in_future",
            None,
            "decided_on",
            decided=format_date(decided, lang),
            today=format_date(today, lang),
        )


def budget_lines(
    cursor: Any, award: Record, lines: list[Record], sink: ErrorSink
) -> dict[tuple[Any, ...], Record]:
    """The grid's lines checked (row numbers as the grid shows them) and keyed by 年度 × 費目 × partner."""
    listed = read_table(cursor, "funding_categories").sort_values("sort_order")  # the administrator's order
    categories = [{str(k): v for k, v in c.items()} for c in listed.to_dict("records")]
    lookup, names = category_lookup(categories), accepted_names(categories, sink.lang)
    partners = {
        (r["project_code"], r["organization_code"]) for r in read_table(cursor, "partners").to_dict("records")
    }
    allowed = programme_category_sets(cursor).get(award["programme_code"], set())
    fy_start = read_settings(cursor).fiscal_year_start_month
    out: dict[tuple[Any, ...], Record] = {}
    for row, line in enumerate(lines, start=1):
        written = line.get("category", line.get("category_code"))
        cells = (line.get("fiscal_year"), written, line.get("organization_code"), line.get("amount"))
        if all(blank(c) for c in cells):
            continue  # an empty row the grid added
        year = read_year(sink, row, line.get("fiscal_year"))
        if blank(written) or blank(line.get("organization_code")):
            sink.add("missing_value", row, "category" if blank(written) else "organization_code")
            continue
        amount = read_yen_cell(sink, row, "amount", line.get("amount"), required=True)
        organization = str(line["organization_code"]).strip()
        checked = {
            "award_number": award["award_number"],
            "fiscal_year": year,
            "category": str(written).strip(),
            "organization_code": organization,
        }
        code = check_budget_line(sink, row, checked, award, partners, lookup, names, fy_start)
        if code is not None and code not in allowed:
            choices = _allowed_names(categories, allowed, sink.lang)
            programme = award["programme_code"]
            shown = next(
                str(c["name_ja" if sink.lang == "ja" else "name_en"])
                for c in categories
                if c["category_code"] == code
            )  # the 費目 as the reader knows it
            sink.add(
                "category_not_allowed", row, "category", value=shown, programme=programme, choices=choices
            )
        key = (year, code, organization)
        if key in out:
            sink.add("duplicate_row", row, "amount", first=out[key]["row"])
        elif code is not None and year is not None and amount is not None:
            out[key] = {**dict(zip(BUDGET_KEY, key, strict=True)), "amount": amount, "row": row}
    return out


def _allowed_names(categories: list[Record], allowed: set[str], lang: str) -> str:
    """The 費目 a programme allows, in the reader's language and the list's order."""
    names = [
        str(c["name_ja" if lang == "ja" else "name_en"]) for c in categories if c["category_code"] in allowed
    ]
    return ("、" if lang == "ja" else ", ").join(names)
