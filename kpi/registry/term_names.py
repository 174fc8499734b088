"""English names of the registry's terms, kept by administrators (issue 16).

A project's field and a partner's role are written in Japanese; English pages show the name kept in
term_names (kpi/formatting/names.py), else the Japanese one marked "(no English name)". The
administration page lists every term the registry uses and saves the English names typed for them:
checked first, all or nothing, one transaction, every change audited (kpi/storage/term_names.py).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from kpi.access import Actor, require_role
from kpi.errors import Rejected, ValidationError
from kpi.i18n import t
from kpi.storage import Database
from kpi.storage.term_names import TERM_KINDS, term_rows, write_term_names

NAME_LIMIT = 100  # characters of an English name: a label, not a description
# Control, format (zero-width, bidirectional) and line/paragraph separators: invisible in a label.
_HIDDEN = {"Cc", "Cf", "Zl", "Zp"}


def term_name_rows(db: Database, *, actor: Actor) -> pd.DataFrame:
    """Every field and role the registry uses, and any term already named. Columns: kind, name_ja,
    name_en (None when missing), uses (projects or partners using it); by kind, then name.
    Administrators."""
    require_role(actor)
    with db.cursor() as cursor:
        return term_rows(cursor)


def _text(value: Any) -> str | None:
    """A cell as text: None for an empty one (None, NaN, blank)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _error(code: str, lang: str, column: str, **values: Any) -> ValidationError:
    return ValidationError(code, t(f"terms.error_{code}", lang, **values), None, column)


def check_rows(rows: Iterable[Mapping[str, Any]], lang: str) -> tuple[pd.DataFrame, list[ValidationError]]:
    """The rows as they would be stored (name_en stripped, None to remove) and every problem."""
    errors: list[ValidationError] = []
    clean: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        kind, name_ja, name_en = _text(row.get("kind")), _text(row.get("name_ja")), _text(row.get("name_en"))
        if kind not in TERM_KINDS:
            choices = ("、" if lang == "ja" else ", ").join(t(f"terms.kind_{k}", lang) for k in TERM_KINDS)
            errors.append(_error("kind", lang, "kind", value=kind or "", choices=choices))
            continue
        what = t(f"terms.kind_{kind}", lang)
        if name_ja is None:
            errors.append(_error("name_ja", lang, "name_ja", kind=what))
            continue
        if (kind, name_ja) in seen:
            errors.append(_error("duplicate", lang, "name_ja", kind=what, term=name_ja))
            continue
        seen.add((kind, name_ja))
        if name_en is not None and len(name_en) > NAME_LIMIT:
            errors.append(
                _error("too_long", lang, "name_en", kind=what, term=name_ja, length=len(name_en),
                       limit=NAME_LIMIT)
            )  # fmt: skip
        elif name_en is not None and any(unicodedata.category(c) in _HIDDEN for c in name_en):
            errors.append(_error("control", lang, "name_en", kind=what, term=name_ja))
        clean.append({"kind": kind, "name_ja": name_ja, "name_en": name_en})
    return pd.DataFrame(clean, columns=["kind", "name_ja", "name_en"]), errors


def save_term_names(
    db: Database,
    rows: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    actor: Actor,
    lang: str,
    now: datetime | None = None,
) -> int:
    """Set the English names of these terms (kind, name_ja, name_en); a blank name_en removes the
    English name. Rows equal to what is stored change nothing. Refuses the whole save (Rejected,
    messages in `lang`) when any row breaks a rule. Returns how many terms changed. Administrators."""
    require_role(actor)
    records: list[Mapping[str, Any]] = (
        [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")]
        if isinstance(rows, pd.DataFrame)
        else list(rows)
    )
    wanted, errors = check_rows(records, lang)
    if errors:
        raise Rejected(errors)
    with db.transaction() as cursor:
        return write_term_names(cursor, wanted, actor=actor.username, now=now or datetime.now())
