"""The audit log as the dashboard reads it: administrators and executives only.

The log keeps codes and JSON (`update`, `mid_value`, 11.0); `audit_table` words them for the reader:
actions, tables and fields by the catalog's names ([audit] action_*, entity_*, field_*), numbers as
kpi.formatting.numbers writes them, and an update as only what changed, "中期目標値: 11 → 9". A code the
catalog does not name yet is shown as recorded.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from kpi.access import ROLES, Actor, Role, require_role
from kpi.formatting.numbers import format_value
from kpi.i18n import catalog, t
from kpi.model import Phase
from kpi.storage import Database
from kpi.storage.audit_query import AuditFilter, audit_choices, search_audit

LONGEST = 400  # characters of one entry's changes: a bulk load's list is summarized, not printed


def audit_options(db: Database, *, actor: Actor) -> dict[str, list[Any]]:
    """The actors, entities and actions the filters offer."""
    require_role(actor, Role.EXECUTIVE)
    with db.cursor() as cursor:
        return audit_choices(cursor)


def audit_entries(db: Database, wanted: AuditFilter, *, actor: Actor) -> pd.DataFrame:
    require_role(actor, Role.EXECUTIVE)
    with db.cursor() as cursor:
        return search_audit(cursor, wanted)


def named(kind: str, code: object, lang: str) -> str:
    """An action, entity or field code by its catalog name; the code itself when it has none."""
    key = f"audit.{kind}_{code}"
    return t(key, lang) if key in catalog(lang) else str(code)


def _value(field: str, value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return (
            "、".join(_pair(k, v, lang) for k, v in value.items())
            if lang == "ja"
            else "; ".join(_pair(k, v, lang) for k, v in value.items())
        )
    if isinstance(value, list):
        return ", ".join(_value(field, v, lang) for v in value)
    if field == "role" and value in ROLES:
        return t(f"role.{value}", lang)
    if field == "phase" and value in {p.value for p in Phase}:
        return t(f"phase.{value}", lang)
    if field == "language" and value in ("ja", "en"):
        return t(f"accounts.lang_{value}", lang)
    return format_value(value, lang)


def _pair(field: str, value: Any, lang: str) -> str:
    return f"{named('field', field, lang)}: {_value(field, value, lang)}"


def _parsed(text: object) -> Any:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    try:
        return json.loads(str(text))
    except ValueError:
        return str(text)


def changes_text(before: object, after: object, lang: str) -> str:
    """What an entry changed, in words: each changed field from → to; what was added or removed."""
    old, new = _parsed(before), _parsed(after)
    parts: list[str] = []
    if isinstance(old, dict) and isinstance(new, dict):
        for field in [*old, *(k for k in new if k not in old)]:
            if old.get(field) != new.get(field):
                parts.append(
                    t("audit.change", lang, what=named("field", field, lang),
                      before=_value(field, old.get(field), lang), after=_value(field, new.get(field), lang))
                )  # fmt: skip
    elif isinstance(new, dict) or isinstance(old, dict):
        shown = new if isinstance(new, dict) else old
        assert isinstance(shown, dict)
        parts = [_pair(k, v, lang) for k, v in shown.items() if v is not None]
    elif old is not None and new is not None:
        parts = [t("audit.change", lang, what=t("audit.field_value", lang), before=_value("", old, lang),
                   after=_value("", new, lang))]  # fmt: skip
    elif new is not None or old is not None:
        parts = [_value("", new if new is not None else old, lang)]
    text = "; ".join(parts) if lang == "en" else "；".join(parts)
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def audit_table(entries: pd.DataFrame, lang: str) -> pd.DataFrame:
    """search_audit's rows as the page shows them: recorded_at, actor, action, entity, entity_key and
    changes, every code and number in words."""
    return pd.DataFrame(
        {
            "recorded_at": entries["recorded_at"],
            "actor": entries["actor"],
            "action": [named("action", a, lang) for a in entries["action"]],
            "entity": [named("entity", e, lang) for e in entries["entity"]],
            "entity_key": [
                _entity_key(e, k, lang) for e, k in zip(entries["entity"], entries["entity_key"], strict=True)
            ],
            "changes": [
                changes_text(b, a, lang) for b, a in zip(entries["before"], entries["after"], strict=True)
            ],
        }
    )


def _entity_key(entity: object, key: object, lang: str) -> object:
    """A key as recorded, but a whole-table load as words and a term's kind by its name
    ("field/宇宙" → "分野/宇宙", kpi/registry/term_names.py)."""
    if key == "*":
        return t("audit.all_rows", lang)
    if entity == "term_names" and isinstance(key, str):
        kind, _, term = key.partition("/")
        if f"terms.kind_{kind}" in catalog(lang):
            return f"{t(f'terms.kind_{kind}', lang)}/{term}"
    return key
