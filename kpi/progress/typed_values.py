"""Values on the update page typed as people write them (SPEC section 4): `4,107人`, `▲2`,
`2,720千円`, `52.2%`; 「－」 for none; `約4100` refused with a message asking for the figure.

The page's value cells and fields are text, so a lead can paste a row from an officer's sheet.
This module shows stored numbers as text that reads back to the same number, reads one typed
value in a KPI's unit with an error in the user's language, and carries the target plan editor's
text cells through kpi.target_form (read_plan, with_fiscal_years keep text values as typed).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from kpi.errors import ValidationError
from kpi.formatting.names import display_name
from kpi.formatting.numbers import format_number
from kpi.i18n import t
from kpi.progress.target_form import EDITOR_COLUMNS, PlanInput, editor_rows, read_plan, with_fiscal_years
from kpi.quantities import (
    ApproximateNumber,
    UnitMismatch,
    in_kpi_unit,
    is_missing,
    is_not_reported,
    plain_figure,
    to_quantity,
)


def value_text(value: float | None) -> str:
    """A stored number as a text cell shows it, reading back to the same float: 4,107 · 52.2 ·
    0.30000000000000004 · -1,577 (as format_number writes it wherever that is exact)."""
    if value is None or is_missing(value):
        return ""
    number = float(value) + 0.0  # never -0
    text = format_number(number, "en")
    if plain_figure(text) == number:
        return text
    return format(Decimal(repr(number)), ",f")  # every digit, never 1e-05 (which is not typed)


def kpi_definition(kpis: pd.DataFrame, kpi_code: str) -> dict[str, Any]:
    """One KPI of a project_kpis() table as the mapping the readers take (unit_ja, unit_en, names)."""
    row = kpis[kpis["kpi_code"] == kpi_code]
    return {str(k): v for k, v in row.iloc[0].to_dict().items()}


def _unit(kpi: Mapping[str, Any], key: str) -> str:
    unit = kpi.get(key)
    return unit.strip() if isinstance(unit, str) else ""


def _message(key: str, row: int | None, lang: str, **values: object) -> str:
    """error.* (naming the row) in a table; update.typed_* for a field of its own (no row)."""
    if row is None:
        return t(f"update.typed_{key}", lang, **values)
    return t(f"error.{key}", lang, row=row, **values)


def read_typed(
    value: object, kpi: Mapping[str, Any], lang: str, *, column: str, label: str, row: int | None = None
) -> tuple[float | None, ValidationError | None]:
    """A typed value in the KPI's unit: (number, None); (None, None) when blank or 「－」; (None,
    error) when it cannot be read: invalid_number (約 with its own wording) or unit_mismatch,
    quoting the cell as typed. `label` is the field's name as the page shows it; `row` (1 = the
    table's first row) when the value is a table cell."""
    if is_not_reported(value):
        return None, None
    cell = value.strip() if isinstance(value, str) else value
    unit_ja, unit_en = _unit(kpi, "unit_ja"), _unit(kpi, "unit_en")
    try:
        quantity = to_quantity(value)
        if quantity is None:
            return None, None
        return (in_kpi_unit(quantity, unit_ja, unit_en or unit_ja) if unit_ja else quantity.value), None
    except ApproximateNumber as hedged:
        code, message = (
            "invalid_number",
            _message("invalid_number_approximate", row, lang, value=cell, column=label, number=hedged.figure),
        )
    except UnitMismatch as other:
        name = display_name(kpi.get("name_ja"), kpi.get("name_en"), lang) or kpi.get("kpi_code")
        code, message = "unit_mismatch", _message(
            "unit_mismatch", row, lang, value=cell, column=label, written=other.written, kpi=name,
            expected=other.expected,
        )  # fmt: skip
    except ValueError:
        code, message = "invalid_number", _message("invalid_number", row, lang, value=cell, column=label)
    return None, ValidationError(code, message, row, column)


# -- the target plan editor: its value column is text ----------------------------------------
def as_text_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Editor rows (kpi.target_form's contract) with the value column as text: 4,107, empty for none."""
    frame = rows[EDITOR_COLUMNS].copy()
    texts = [value if isinstance(value, str) else value_text(value) for value in frame["value"]]
    frame["value"] = pd.Series([text or pd.NA for text in texts], index=frame.index, dtype="string")
    return frame.reset_index(drop=True)


def plan_rows(
    points: list[dict[str, Any]], lang: str, start_month: int, wareki: bool = False
) -> pd.DataFrame:
    """Stored points as the editor's rows, values as text."""
    return as_text_rows(editor_rows(points, lang, start_month, wareki))


def with_fiscal_year_rows(
    rows: pd.DataFrame, years: list[int], lang: str, start_month: int, wareki: bool = False
) -> pd.DataFrame:
    """kpi.target_form.with_fiscal_years for rows whose values are text, kept as typed."""
    return as_text_rows(with_fiscal_years(rows, years, lang, start_month, wareki))


def read_typed_plan(
    project_code: str,
    kpi_code: str,
    baseline: object,
    baseline_date: date | None,
    rows: pd.DataFrame,
    *,
    kpi: Mapping[str, Any],
    lang: str,
    start_month: int,
) -> PlanInput:
    """The form as a plan: the baseline typed in its own field, the points' cells by read_plan,
    both in the KPI's unit; an unreadable baseline is the first error."""
    label = t("target_form.col_baseline_value", lang)
    amount, error = read_typed(baseline, kpi, lang, column="baseline_value", label=label)
    entered = read_plan(
        project_code, kpi_code, amount, baseline_date, rows, lang=lang, start_month=start_month, kpi=kpi
    )
    return PlanInput(entered.plan, [error, *entered.errors] if error else entered.errors, entered.skipped)
