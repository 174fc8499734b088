"""Cell lengths, checked once the header is known and before any cell is interpreted.

A note may hold NOTE_CHARS characters (as the update page's note column), every other cell
CELL_CHARS: a value, code or period that long is no value, and reading it can cost seconds (a
million digits). The officer's own columns (備考, 説明 …) are notes too. One error per cell,
naming its row, its column (the canonical name where there is one) and the limit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kpi.i18n import t
from kpi.intake.columns import LONG_COLUMNS, NOTE, OFFICER_COLUMNS, YEAR_KPI, names
from kpi.intake.limits import CELL_CHARS, NOTE_CHARS, column_letter
from kpi.intake.raw import RawTable, normalize_header
from kpi.intake.rows import ErrorSink

_NOTES = names(NOTE) | OFFICER_COLUMNS
_CANONICAL = {
    normalize_header(alias): c.name for c in (*LONG_COLUMNS, YEAR_KPI) for alias in (c.name, *c.aliases)
}
_SHOWN = 20  # characters of a long cell quoted in its message, so that it can be found


def _columns(
    table: RawTable, notes: frozenset[str], canonical: Mapping[str, str]
) -> tuple[list[int], list[str], list[str]]:
    """Per header position: the limit, the column's name for errors and the kind of cell."""
    limits, columns, kinds = [], [], []
    for position, (header, label) in enumerate(zip(table.header, table.labels, strict=True)):
        note = header in notes
        limits.append(NOTE_CHARS if note else CELL_CHARS)
        kinds.append("note" if note else "cell")
        named = canonical.get(header) or (label if 0 < len(label) <= CELL_CHARS else None)
        columns.append(named or column_letter(position))
    return limits, columns, kinds


def check_cell_lengths(
    table: RawTable, sink: ErrorSink, *, notes: frozenset[str] = _NOTES,
    canonical: Mapping[str, str] = _CANONICAL,
) -> bool:  # fmt: skip
    """Report every cell over its limit (the header's own cells included); True when none is.
    `notes` are the headers of note columns and `canonical` the names errors give the others'
    headers: KPI files' by default, another kind of file's (expenditures) when given."""
    limits, columns, kinds = _columns(table, notes, canonical)
    found: list[tuple[int, int, str]] = []  # (row, position, text)
    for position, label in enumerate(table.labels):
        if len(label) > CELL_CHARS:
            found.append((table.header_row, position, label))
    if table.frame is not None:
        frame = table.frame
        for position in range(frame.shape[1]):
            limit = limits[position] if position < len(limits) else CELL_CHARS
            texts = frame.iloc[:, position]
            over = np.flatnonzero(texts.str.len().to_numpy() > limit).tolist()
            found += [(int(frame.index[i]), position, str(texts.iloc[i])) for i in over]
    else:
        for number, cells in table.rows:
            for position, cell in enumerate(cells):
                limit = limits[position] if position < len(limits) else CELL_CHARS
                if isinstance(cell, str) and len(cell) > limit:
                    found.append((number, position, cell))
    for row, position, text in sorted(found, key=lambda item: item[:2]):
        known = position < len(columns)
        column = columns[position] if known else column_letter(position)
        kind = kinds[position] if known and row != table.header_row else "cell"
        limit = NOTE_CHARS if kind == "note" else CELL_CHARS
        sink.add("cell_too_long", row, column, length=f"{len(text):,}", limit=f"{limit:,}",
                 kind=t(f"intake.cell_kind_{kind}", sink.lang), start=text[:_SHOWN])  # fmt: skip
    return not found
