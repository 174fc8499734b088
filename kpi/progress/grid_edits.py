"""What the update page does with what is typed, beside the widgets (pages/update.py): the grid in
the reader's language, the drafts kept for a reload (ui/drafts.py), the one-value form's row, which
rows soft checks look at, and what a save says."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from kpi.formatting.names import display_names
from kpi.i18n import t
from kpi.progress.save import RecordResult
from kpi.progress.target_form import EDITOR_COLUMNS


def cell(value: Any) -> str | None:
    """A cell as draft text: empty, None, NaN and <NA> all as None."""
    return None if value is None or pd.isna(value) or str(value) == "" else str(value)


def localized_grid(snapshot: pd.DataFrame, kpis: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The grid snapshot with KPI names and units in this run's language (it may have been taken
    before a language switch)."""
    by_kpi = kpis.set_index("kpi_code")
    return snapshot.assign(
        kpi_name=snapshot["kpi_code"].map(display_names(by_kpi, lang)),
        unit=snapshot["kpi_code"].map(by_kpi[f"unit_{lang}"]),
    )


def grid_draft(stored: pd.DataFrame, edited: pd.DataFrame) -> dict[str, Any] | None:
    """The cells (value, note) typed into the progress grid that differ from what is stored."""
    cells = {
        str(code): [cell(value), cell(note)]
        for code, value, note, old_value, old_note in zip(
            edited["kpi_code"], edited["value"], edited["note"], stored["value"], stored["note"], strict=True
        )
        if [cell(value), cell(note)] != [cell(old_value), cell(old_note)]
    }
    return {"cells": cells} if cells else None


def with_grid_draft(grid: pd.DataFrame, draft: dict[str, Any] | None) -> pd.DataFrame:
    """The grid with a kept draft's cells typed over it."""
    if not draft:
        return grid
    grid = grid.copy()
    for code, (value, note) in draft["cells"].items():
        grid.loc[grid["kpi_code"] == code, ["value", "note"]] = [value, note]
    return grid


def written_values(edited: pd.DataFrame) -> dict[str, str]:
    """Each grid value as typed (4,107人, 2,720千円), for the soft checks that quote it."""
    return {str(k): v for k, v in zip(edited["kpi_code"], edited["value"], strict=True) if isinstance(v, str)}


def one_value(original: pd.DataFrame, kpi_code: str, value: float, note: str) -> pd.DataFrame:
    """The one-value form's row: its value, and its note, or the note shown when none is typed
    (the form does not show the stored note, so leaving it empty must not clear it)."""
    single = original[original["kpi_code"] == kpi_code]
    return single.assign(value=value, note=note if note.strip() else single["note"])


def value_changed(rows: pd.DataFrame, original: pd.DataFrame) -> pd.DataFrame:
    """Of the rows to save (grid_changes), those whose value differs from the one shown: a note
    revised on an unchanged value has nothing for the soft checks to look at."""
    shown = dict(zip(original["kpi_code"].astype(str), original["value"], strict=True))
    keep = [
        pd.isna(shown.get(str(code))) or float(shown[str(code)]) != float(value)
        for code, value in zip(rows["kpi_code"], rows["value"], strict=True)
    ]
    return rows[keep]


def saved_text(result: RecordResult, lang: str) -> str:
    """What a progress save says: the new and changed values, and the notes revised on unchanged
    values (a note-only save is a save, never "nothing changed")."""
    counts = {"inserted": result.inserted, "updated": result.updated}
    if result.noted and not (result.inserted or result.updated):
        return t("update.saved_notes", lang, noted=result.noted)
    if result.noted:
        return t("update.saved_with_notes", lang, **counts, noted=result.noted)
    return t("update.saved", lang, **counts)


def plan_draft(
    version: int | None, baseline: str, day: date | None, rows: pd.DataFrame, reason: str
) -> dict[str, Any]:
    """The targets form as JSON-able values (ui/drafts.py); rows left empty are left out."""
    records = [[cell(r[c]) for c in EDITOR_COLUMNS] for r in rows[EDITOR_COLUMNS].to_dict("records")]
    return {
        "version": version,
        "baseline": cell(baseline),
        "baseline_date": day.isoformat() if day else None,
        "rows": [r for r in records if any(r)],
        "reason": cell(reason),
    }
