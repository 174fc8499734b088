"""An organization's 法人番号 and e-Rad 研究機関コード as a file cell or a form field gives them (SPEC
section 8), the rule that no two organizations share a 法人番号, and save_organization() for the
registry page. Setup (kpi/registry/files.py and checks.py) reads and checks with the same
functions, so a number one refuses the other refuses too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from kpi.access import Actor, require_role
from kpi.errors import Rejected, StaleWrite
from kpi.i18n import t
from kpi.intake.rows import ErrorSink
from kpi.model import Sector
from kpi.partnerships.identifiers import (
    corporate_check_digit,
    corporate_number_problem,
    erad_code_problem,
    normalize_digits,
)
from kpi.quantities import is_missing, is_not_reported
from kpi.registry.edits import organization_names
from kpi.storage import Database
from kpi.storage.locks import lock_keys
from kpi.storage.partnerships import corporate_number_holders
from kpi.storage.registry import read_table, upsert_rows

IDENTIFIERS = ("corporate_number", "erad_code")
ORGANIZATION_FIELDS = ("organization_code", "name_ja", "name_en", "sector", "prefecture", *IDENTIFIERS)
MESSAGES = "partnerships.id"  # the catalog table of these checks' wordings (ErrorSink.messages)
# A number as a spreadsheet may have written it into text: 7000012050002.0, 7.000012050002E+12.
_NUMBER_TEXT = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE]\+?[0-9]+)?")

Problem = tuple[str, dict[str, object]]
Wanted = tuple[int | None, str, str | None]  # a file row (None on the page), organization, 法人番号
Duplicate = tuple[int | None, str, str, int | None]  # row, 法人番号, holder, holder's row


@dataclass(frozen=True)
class Reading:
    """An identifier as stored (ASCII digits; None when none was given) or why it cannot be one."""

    digits: str | None
    problem: Problem | None = None


def read_identifier(value: object, name: str) -> Reading:
    """A cell or form field of `name` ("corporate_number" or "erad_code"): blank or 「－」 is none;
    full-width digits, spaces and hyphens are read; a numeric cell is read as its digits."""
    if is_missing(value) or (isinstance(value, str) and (not value.strip() or is_not_reported(value))):
        return Reading(None)
    numeric = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    shown = str(value).strip()
    text = normalize_digits(shown) if not numeric else ""
    if not numeric and not text.isdigit() and _NUMBER_TEXT.fullmatch(text):
        numeric, value = True, Decimal(text)
        exponent = value.as_tuple().exponent
        if name == "corporate_number" and "e" in text.lower() and isinstance(exponent, int) and exponent > 0:
            return Reading(None, ("corporate_exponent", {"value": shown}))  # 7.00001E+12: digits lost
    if numeric:
        number = _whole(value)
        if number is None:
            return Reading(None, _length(name, shown, shown))
        text = str(number)
        if name == "erad_code" and len(text) < 10:  # a code starting 0 that became a number
            return Reading(
                None, ("erad_number", {"value": text, "digits": len(text), "padded": text.zfill(10)})
            )
    problem = corporate_number_problem(text) if name == "corporate_number" else erad_code_problem(text)
    if problem is None:
        return Reading(text)
    if problem == "corporate_check":
        return Reading(
            None, (problem, {"value": shown, "found": text[0], "expected": corporate_check_digit(text[1:])})
        )
    return Reading(None, _length(name, shown, text))


def _whole(value: Any) -> int | None:
    """A non-negative whole number's value; None for a fraction, a negative or an infinity."""
    try:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    if number < 0 or number.adjusted() > 20 or number != number.to_integral_value():
        return None  # 1E+999999 is no identifier (and would take long to print)
    return int(number)


def _length(name: str, shown: str, text: str) -> Problem:
    code = "corporate_length" if name == "corporate_number" else "erad_length"
    return code, {"value": shown, "digits": sum(ch.isdigit() for ch in text)}


def corporate_duplicates(wanted: Sequence[Wanted], stored: Mapping[str, str]) -> list[Duplicate]:
    """Each wanted (row, organization, 法人番号) whose number another organization has: (row, number,
    holder, the holder's row, or None when the database holds it). `stored` maps 法人番号 → organization;
    an organization in `wanted` is judged by its new number, so keeping one's own number (or two
    organizations swapping theirs in one file) is no duplicate."""
    changing = {code for _, code, _ in wanted}
    holders = {number: code for number, code in stored.items() if code not in changing}
    first: dict[str, tuple[int | None, str]] = {}
    found: list[Duplicate] = []
    for row, code, number in wanted:
        if number is None:
            continue
        if number in holders:
            found.append((row, number, holders[number], None))
        elif number in first and first[number][1] != code:
            found.append((row, number, first[number][1], first[number][0]))
        else:
            first.setdefault(number, (row, code))
    return found


def report_duplicates(sink: ErrorSink, found: list[Duplicate], names: Mapping[str, str]) -> None:
    for row, number, holder, first in found:
        label = f"{names[holder]} ({holder})" if names.get(holder) else holder
        extra: dict[str, object] = {} if first is None else {"variant": "row", "first": first}
        sink.add("corporate_duplicate", row, "corporate_number", number=number, holder=label, **extra)


def field_labels(lang: str) -> dict[str, str]:
    """The form's labels, so a page's message names the field the user sees."""
    return {name: t(f"registry_organizations.{name}", lang) for name in ORGANIZATION_FIELDS}


def _row(frame: pd.DataFrame, code: str) -> dict[str, Any] | None:
    rows = frame[frame["organization_code"] == code].to_dict("records")
    if not rows:
        return None
    return {str(k): None if is_missing(v) else v for k, v in rows[0].items()}


def organization_for_editing(db: Database, code: str, *, actor: Actor) -> dict[str, Any] | None:
    """The stored organization as the edit form starts from (its base for the stale-save check)."""
    require_role(actor)
    with db.cursor() as cursor:
        return _row(read_table(cursor, "organizations"), code)


def save_organization(
    db: Database,
    record: Mapping[str, Any],
    *,
    base: Mapping[str, Any] | None,
    actor: Actor,
    lang: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Add (base None) or change an organization: names, sector, prefecture, 法人番号 and e-Rad code,
    checked as setup checks organizations.csv; a 法人番号 another organization has is refused, and
    so is a save over someone else's newer one (StaleWrite). Administrators. Returns the row saved."""
    require_role(actor)
    sink = ErrorSink(lang, messages=MESSAGES, column_labels=field_labels(lang))
    row: dict[str, Any] = {}
    for name in ORGANIZATION_FIELDS[:5]:
        text = "" if record.get(name) is None else str(record[name]).strip()
        row[name] = text or None  # an emptied English name is none, not ""
        if not text and name != "name_en":
            sink.add("missing_value", None, name)
    if row["sector"] and row["sector"] not in {s.value for s in Sector}:
        sink.add(
            "invalid_value", None, "sector", value=row["sector"], choices=", ".join(s.value for s in Sector)
        )
    for name in IDENTIFIERS:
        reading = read_identifier(record.get(name), name)
        if reading.problem is not None:
            sink.add(reading.problem[0], None, name, **reading.problem[1])
        row[name] = reading.digits
    code = row["organization_code"] or ""
    with db.transaction() as cursor:  # checked where it is written: no other save slips in between
        lock_keys(cursor, "organization", [code])
        organizations = read_table(cursor, "organizations")
        current = _row(organizations, code)
        if base is None and current is not None:
            sink.add("duplicate_row", None, "organization_code", key=code)
        if base is not None and current != dict(base):
            raise StaleWrite(current)
        found = corporate_duplicates(
            [(None, code, row["corporate_number"])], corporate_number_holders(cursor)
        )
        report_duplicates(sink, found, organization_names(organizations, lang))
        if sink.errors:
            raise Rejected(sink.errors)
        upsert_rows(cursor, "organizations", [row], actor=actor.username, now=now or datetime.now())
    return row
