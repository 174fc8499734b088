"""Registry names in the reader's language: a project's field, a prefecture, a partner's role.

The registry writes them in Japanese. English pages show the English name, from kpi/formatting/prefectures.py
for prefectures and from the term_names table (migration 0011) for fields and roles, else the
Japanese name marked as having none: "農業 (no English name)" (the catalog's names.no_english).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default

from kpi.formatting.numbers import english_or_marked
from kpi.formatting.prefectures import prefecture_en
from kpi.i18n import t
from kpi.storage import Database
from kpi.storage.registry import read_term_names


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
