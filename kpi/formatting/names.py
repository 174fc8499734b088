"""Registry names in the reader's language: an organization's or project's name, a project's field,
a prefecture, a partner's role.

Organizations and projects keep their own names (name_ja, name_en): `display_name` / `display_names`
is the one rule for them. Japanese pages show name_ja; English pages show name_en when it is a real,
non-blank string, else name_ja. None, NaN, pd.NA, "" and whitespace all count as missing: a name
never reads as "nan".

The registry writes terms in Japanese. English pages show the English name, from kpi/formatting/prefectures.py
for prefectures and from the term_names table (migration 0011) for fields and roles, else the
Japanese name marked as having none: "農業 (no English name)" (the catalog's names.no_english).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as default

import pandas as pd

from kpi.formatting.prefectures import prefecture_en
from kpi.i18n import t
from kpi.storage import Database
from kpi.storage.registry import read_term_names


def _text(value: object) -> str | None:
    """The name as written, or None when it is missing (None, NaN, pd.NA, blank)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value


def english_or_marked(japanese: object, english: object, lang: str) -> str:
    """A registry name in the reader's language: Japanese pages the Japanese name; English pages the
    English one, else the Japanese name marked as having none ("農業 (no English name)")."""
    ja = _text(japanese) or ""
    if lang == "ja" or not ja:
        return ja
    if (name_en := _text(english)) is not None:
        return name_en
    return t("names.no_english", lang, name=ja)


def display_name(name_ja: object, name_en: object, lang: str) -> str:
    """An organization's or project's name in the reader's language (see the module docstring)."""
    ja = _text(name_ja) or ""
    if lang == "ja":
        return ja
    return _text(name_en) or ja


def display_names(frame: pd.DataFrame, lang: str, prefix: str = "") -> pd.Series:
    """`display_name` for every row of `frame`, from its columns {prefix}name_ja and {prefix}name_en
    (the English column may be absent); an object Series on the frame's index."""
    ja = frame[f"{prefix}name_ja"]
    en = frame[f"{prefix}name_en"] if f"{prefix}name_en" in frame else pd.Series(None, index=frame.index)
    names = [display_name(j, e, lang) for j, e in zip(ja, en, strict=True)]
    return pd.Series(names, index=frame.index, dtype=object)


@dataclass(frozen=True)
class Names:
    """The English names a page needs; build once per run with `names_for(db)`."""

    terms: dict[tuple[str, str], str] = default(default_factory=dict)

    def field(self, name: object, lang: str) -> str:
        return english_or_marked(name, self.terms.get(("field", str(name))), lang)

    def role(self, name: object, lang: str) -> str:
        if str(name) == "lead":  # written by setup for the lead organization: a code, not a registry word
            return t("project.lead", lang)
        return english_or_marked(name, self.terms.get(("role", str(name))), lang)

    def prefecture(self, name: object, lang: str) -> str:
        return english_or_marked(name, prefecture_en(str(name)) if name else None, lang)


def names_for(db: Database) -> Names:
    with db.cursor() as cursor:
        return Names(read_term_names(cursor))


def join_names(names: Iterable[str], lang: str) -> str:
    """A list of names as the language writes one: 「A、B」 in Japanese, "A, B" in English."""
    return ("、" if lang == "ja" else ", ").join(names)
