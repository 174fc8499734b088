"""What the update page does with what is typed (kpi/progress/grid_edits.py), without the widgets."""

from __future__ import annotations

import pandas as pd

from kpi.progress.grid_edits import grid_draft, one_value, saved_text, value_changed, with_grid_draft
from kpi.progress.save import RecordResult

SHOWN = pd.DataFrame(
    {"kpi_code": ["a", "b", "c"], "kpi_name": ["A", "B", "C"], "unit": ["件"] * 3,
     "value": [1.0, None, 3.0], "note": ["x", "", ""], "version_id": [10, None, 12]}
)  # fmt: skip


def test_soft_checks_look_only_at_values_that_changed() -> None:
    rows = pd.DataFrame({"kpi_code": ["a", "b", "c"], "value": [1.0, 5.0, 4.0], "note": ["y", "", ""]})
    assert list(value_changed(rows, SHOWN)["kpi_code"]) == ["b", "c"]  # a: its note alone changed


def test_the_one_value_form_keeps_the_note_when_none_is_typed() -> None:
    assert one_value(SHOWN, "a", 2.0, "  ")[["value", "note"]].values.tolist() == [[2.0, "x"]]
    typed = one_value(SHOWN, "a", 2.0, "新しい備考")
    assert typed[["value", "note"]].values.tolist() == [[2.0, "新しい備考"]]


def test_what_a_save_says() -> None:
    assert saved_text(RecordResult(0, 0, 2, [], noted=2), "en") == (
        "Saved: 2 note(s) revised; the values stay as they were."
    )
    assert saved_text(RecordResult(1, 0, 1, [], noted=1), "en") == (
        "Saved: 1 new and 0 changed value(s); 1 note(s) revised on unchanged values."
    )
    assert saved_text(RecordResult(0, 1, 0, []), "ja") == "保存しました: 新規 0 件、変更 1 件。"


def test_a_grid_draft_comes_back_over_the_stored_grid() -> None:
    typed = SHOWN.assign(value=pd.Series(["1", None, "3"], index=SHOWN.index))
    edited = typed.assign(note=["x", "新規の備考", ""], value=["1", "4,107人", "3"])
    draft = grid_draft(typed, edited)
    assert draft == {"cells": {"b": ["4,107人", "新規の備考"]}}
    assert with_grid_draft(typed, draft)[["value", "note"]].values.tolist() == [
        ["1", "x"], ["4,107人", "新規の備考"], ["3", ""]
    ]  # fmt: skip
    assert grid_draft(typed, typed) is None and with_grid_draft(typed, None) is typed
