"""Administrators keep the programmes (制度) and their rules in the dashboard, as `funding setup`'s
programmes.csv does: one programme saved at a time, checked with the same readers, audited.

A programme's allowed 費目 are its whole set: the ones left out are no longer allowed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from kpi.access import Actor, require_role
from kpi.errors import Rejected
from kpi.funding.files import CAP_PER, KINDS
from kpi.funding.money import NotYen, read_rate, read_share, read_yen
from kpi.i18n import t
from kpi.intake.rows import ErrorSink
from kpi.storage import Database
from kpi.storage.funding import drop_programme_categories, programme_category_sets
from kpi.storage.registry import read_table, upsert_rows

Record = dict[str, Any]
# The form's fields as its labels name them, for the messages (programme_form.* in the catalog).
_LABELS = {
    "programme_code": "code",
    "name_ja": "name_ja",
    "funder": "funder",
    "kind": "kind",
    "rate": "rate",
    "cap": "cap",
    "transfer_limit": "transfer_limit",
    "personnel_cap": "personnel_cap",
    "categories": "categories",
}
FIELDS = (
    "programme_code",
    "name_ja",
    "name_en",
    "funder",
    "kind",
    "rate",
    "cap",
    "cap_per",
    "transfer_limit",
    "personnel_cap",
    "pre_award_spending",
    "report_days",
    "follow_up_years",
)


def programmes_for_editing(
    db: Database, *, actor: Actor
) -> tuple[pd.DataFrame, dict[str, set[str]], pd.DataFrame]:
    """(programmes, allowed 費目 per programme, the 費目 list) for the administration page."""
    require_role(actor)
    with db.cursor() as cursor:
        return (
            read_table(cursor, "programmes"),
            programme_category_sets(cursor),
            read_table(cursor, "funding_categories"),
        )


def _checked(form: Record, categories: list[str], known: set[str], sink: ErrorSink) -> Record:
    """The form's text as a programmes row; every problem to `sink` (row None: one form)."""
    code = str(form.get("programme_code") or "").strip()
    if not code:
        sink.add("missing_value", None, "programme_code")
    for name in ("name_ja", "funder"):
        if not str(form.get(name) or "").strip():
            sink.add("missing_value", None, name)
    kind = KINDS.get(str(form.get("kind") or ""))
    if kind is None:
        sink.add("invalid_value", None, "kind", value=form.get("kind"), choices=", ".join(KINDS))
    rate = None
    try:
        rate = read_rate(form.get("rate"))
    except ValueError:
        sink.add("invalid_rate", None, "rate", value=form.get("rate"))
    if rate is None and not sink.errors:
        sink.add("missing_value", None, "rate")
    cap = None
    try:
        cap = read_yen(form.get("cap") or None)
    except NotYen as error:
        sink.add("invalid_yen", None, "cap", value=form.get("cap"), variant=error.reason)
    shares = {}
    for name in ("transfer_limit", "personnel_cap"):
        try:
            shares[name] = read_share(form.get(name))
        except ValueError:
            sink.add("invalid_share", None, name, value=form.get(name))
    unknown = [c for c in categories if c not in known]
    if unknown or not categories:
        sink.add(
            "unknown_category",
            None,
            "categories",
            value=", ".join(unknown) or "—",
            choices=", ".join(sorted(known)),
        )
    return {
        "programme_code": code,
        "name_ja": str(form.get("name_ja") or "").strip(),
        "name_en": str(form.get("name_en") or "").strip() or None,
        "funder": str(form.get("funder") or "").strip(),
        "kind": kind,
        "rate_numerator": rate.numerator if rate else None,
        "rate_denominator": rate.denominator if rate else None,
        "cap": cap,
        "cap_per": CAP_PER.get(str(form.get("cap_per") or ""), "award"),
        "transfer_limit": 0.2 if shares.get("transfer_limit") is None else shares["transfer_limit"],
        "personnel_cap": shares.get("personnel_cap"),
        "pre_award_spending": bool(form.get("pre_award_spending")),
        "report_days": int(form.get("report_days") or 30),
        "follow_up_years": int(form.get("follow_up_years") or 5),
    }


def save_programme(
    db: Database, form: Record, categories: list[str], *, actor: Actor, lang: str, now: datetime | None = None
) -> str:
    """Create or change one programme and its allowed 費目 (administrators); Rejected with every
    problem and nothing written. Returns "created", "changed" or "unchanged"."""
    require_role(actor)
    now = now or datetime.now()
    sink = ErrorSink(lang)
    sink.column_labels.update({field: t(f"programme_form.{label}", lang) for field, label in _LABELS.items()})
    with db.cursor() as cursor:
        known = set(read_table(cursor, "funding_categories")["category_code"])
    record = _checked(form, categories, known, sink)
    if sink.errors:
        raise Rejected(sink.errors)

    def work(cursor: Any) -> str:
        inserted, updated, _ = upsert_rows(cursor, "programmes", [record], actor=actor.username, now=now)
        code = record["programme_code"]
        rows = [{"programme_code": code, "category_code": c} for c in dict.fromkeys(categories)]
        added, _, _ = upsert_rows(cursor, "programme_categories", rows, actor=actor.username, now=now)
        stored = programme_category_sets(cursor).get(code, set())
        dropped = drop_programme_categories(
            cursor, [(code, c) for c in sorted(stored - set(categories))], actor=actor.username, now=now
        )
        if inserted:
            return "created"
        return "changed" if updated or added or dropped else "unchanged"

    return db.write(work)


def save_category(db: Database, form: Record, *, actor: Actor, lang: str, now: datetime | None = None) -> str:
    """Add a 費目 to the list programmes choose from, or rename one (administrators); its code is for
    files and never changes. Returns "created", "changed" or "unchanged"."""
    require_role(actor)
    sink = ErrorSink(lang)
    sink.column_labels.update(
        {f: t(f"programme_form.category_{f}", lang) for f in ("code", "name_ja", "name_en")}
    )
    code = str(form.get("code") or "").strip().lower()
    if not code or not code.replace("_", "").isascii() or not code.replace("_", "").isalnum():
        sink.add("invalid_value", None, "code", value=form.get("code") or "", choices="a–z, 0–9, _")
    names = {f: str(form.get(f) or "").strip() for f in ("name_ja", "name_en")}
    for field, name in names.items():
        if not name:
            sink.add("missing_value", None, field)
    if sink.errors:
        raise Rejected(sink.errors)

    def work(cursor: Any) -> str:
        stored = read_table(cursor, "funding_categories")
        order = stored.set_index("category_code")["sort_order"].to_dict()
        row = {
            "category_code": code,
            **names,
            "sort_order": int(order.get(code, max(order.values(), default=0) + 1)),
            "personnel": bool(form.get("personnel")),
        }
        inserted, updated, _ = upsert_rows(
            cursor, "funding_categories", [row], actor=actor.username, now=now or datetime.now()
        )
        return "created" if inserted else "changed" if updated else "unchanged"

    return db.write(work)
