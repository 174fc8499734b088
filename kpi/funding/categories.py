"""費目 (expense categories) by code or by name, as files write them: one lookup for setup's budgets
and programmes and for partners' expenditure files."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

# Names officers use for a category besides its own (外注費・委託費 is often written as one of the two).
ALIASES = {
    "外注費": "outsourcing",
    "委託費": "outsourcing",
    "再委託費": "outsourcing",
    "備品費": "equipment",
    "設備費": "equipment",
    "消耗品": "supplies",
    "謝金": "other",
    "一般管理費": "indirect",
}


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold().replace(" ", "")


def category_lookup(categories: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Folded code, Japanese name, English name or alias → category code."""
    lookup = {fold(alias): code for alias, code in ALIASES.items()}
    for category in categories:
        for name in (category["category_code"], category["name_ja"], category["name_en"]):
            lookup[fold(str(name))] = str(category["category_code"])
    return lookup


def accepted_names(categories: Iterable[Mapping[str, Any]], lang: str) -> str:
    """The categories as a person would type them, for an error message: 人件費、設備備品費 …"""
    ordered = sorted(categories, key=lambda c: int(c["sort_order"]))
    if lang == "ja":
        return "、".join(str(c["name_ja"]) for c in ordered)
    return ", ".join(f"{c['name_en']} ({c['category_code']})" for c in ordered)
