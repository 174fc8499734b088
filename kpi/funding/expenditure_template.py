"""The expenditure file a partner fills in: one row per award of the projects its organization
takes part in (award number filled, the other cells empty), headed in the user's language
(交付決定番号, 費目, 支払日, 金額, 内容, 証憑番号 / the canonical names), as .xlsx (with an
instructions sheet after the data sheet; the importer reads the first sheet) or CSV (UTF-8 with
BOM). Filled in, it imports as it is (kpi/funding/expenditure_intake.py); rows left as they
came are not reported, not errors.
"""

from __future__ import annotations

import pandas as pd

from kpi.access import Actor, require_organization
from kpi.exports import csv_bytes, xlsx_bytes
from kpi.funding.categories import accepted_names
from kpi.funding.expenditure_files import COLUMNS, JAPANESE
from kpi.i18n import t
from kpi.storage import Database
from kpi.storage.expenditures import expenditure_facts, organization_awards

FORMATS = ("xlsx", "csv")


def template_headers(lang: str) -> dict[str, str]:
    """Canonical column → the template's header in `lang`."""
    return {c.name: JAPANESE[c.name] if lang == "ja" else c.name for c in COLUMNS}


def expenditure_template_frame(
    db: Database, organization_code: str, lang: str, *, actor: Actor
) -> pd.DataFrame:
    """The data sheet: one row per open award of the organization's projects."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        awards = organization_awards(cursor, organization_code)
    headers = template_headers(lang)
    empty = [None] * len(awards)
    return pd.DataFrame(
        {
            header: pd.Series(awards if name == "award_number" else empty, dtype=object)
            for name, header in headers.items()
        }
    )


def expenditure_template(
    db: Database, organization_code: str, lang: str, *, actor: Actor, file_format: str = "xlsx"
) -> bytes:
    """The template as a file: `file_format` is one of FORMATS."""
    if file_format not in FORMATS:
        raise ValueError(file_format)
    frame = expenditure_template_frame(db, organization_code, lang, actor=actor)
    if file_format == "csv":
        return csv_bytes(frame)
    with db.cursor() as cursor:
        categories = expenditure_facts(cursor)["categories"]
    headers = template_headers(lang)
    choices = accepted_names(categories, lang)
    instructions = pd.DataFrame(
        {
            t("funding_intake.template_item", lang): list(headers.values()),
            t("funding_intake.template_content", lang): [
                t(f"funding_intake.template_{name}", lang, choices=choices) for name in headers
            ],
        }
    )
    return xlsx_bytes(
        {
            t("funding_intake.sheet_data", lang): frame,
            t("funding_intake.sheet_instructions", lang): instructions,
        }
    )
