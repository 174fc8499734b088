"""The table every stage after reading passes on: a header and numbered rows of raw cells.

A leaf shared by the stages (kpi/intake/__init__.py): RawTable, and the normalisation of header
cells (NFKC, trimmed, ASCII lower-cased; a trailing unit in parentheses) that every stage compares
headers with. It reads nothing and reports nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import overload

import pandas as pd

Row = tuple[int, list[object]]


class _FrameRows(Sequence[Row]):
    """The rows of a frame-backed table, built only when someone iterates them (setup files)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def __len__(self) -> int:
        return len(self._frame)

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | Sequence[Row]:
        if isinstance(index, slice):  # only the rows asked for (the header search reads ten)
            return list(_FrameRows(self._frame.iloc[index]))
        number = int(self._frame.index[index])
        return number, list(self._frame.iloc[index])

    def __iter__(self) -> Iterator[Row]:
        for number, *cells in self._frame.itertuples(name=None):
            yield int(number), list(cells)


class RawTable:
    """A header and the data rows as (spreadsheet row number, cells), blank rows left out.

    `frame` (CSV only) holds the same rows column-wise: str cells, "" where a row was short,
    columns numbered like the header positions, index = spreadsheet row number.
    """

    def __init__(self, header: list[str], rows: Sequence[Row] | None = None,
                 frame: pd.DataFrame | None = None, header_row: int = 1,
                 labels: list[str] | None = None) -> None:  # fmt: skip
        self.header = header
        # The header cells as the file wrote them (trimmed), for messages and lists shown to people.
        self.labels = labels if labels is not None else list(header)
        self.frame = frame
        self.header_row = header_row  # the header's spreadsheet row number
        self.rows: Sequence[Row] = rows if rows is not None else (
            _FrameRows(frame) if frame is not None else [])  # fmt: skip

    def leading_rows(self, count: int) -> list[tuple[int, list[str]]]:
        """The header and the rows under it, up to `count` in all, as (row number, normalised
        cells): the candidates for the real header of a file with title rows above it."""
        found = [(self.header_row, self.header)]
        for number, cells in self.rows[: max(count - 1, 0)]:
            found.append((number, _header_cells(cells)))
        return found

    def drop_leading(self, count: int) -> RawTable:
        """The table whose header is the `count`-th data row (1 = the first), rows above left out."""
        if count <= 0:
            return self
        number, cells = self.rows[count - 1]
        header, labels = _header_cells(cells), _label_cells(cells)
        if self.frame is not None:
            return RawTable(header, frame=self.frame.iloc[count:], header_row=number, labels=labels)
        return RawTable(header, rows=list(self.rows[count:]), header_row=number, labels=labels)

    def without_rows(self, numbers: set[int]) -> RawTable:
        """The table without the data rows of these spreadsheet row numbers (unit and total rows)."""
        if not numbers:
            return self
        if self.frame is not None:
            frame = self.frame[~self.frame.index.isin(list(numbers))]
            return RawTable(self.header, frame=frame, header_row=self.header_row, labels=self.labels)
        rows = [(n, cells) for n, cells in self.rows if n not in numbers]
        return RawTable(self.header, rows=rows, header_row=self.header_row, labels=self.labels)


def normalize_header(name: object) -> str:
    """Header cells as people type them: full-width letters, stray spaces, BOM remnants."""
    text = unicodedata.normalize("NFKC", str(name or "")).strip().strip("\ufeff").strip()
    return text.lower() if text.isascii() else text


def _label_cells(cells: Sequence[object]) -> list[str]:
    labels = ["" if cell is None else str(cell).strip().strip("\ufeff").strip() for cell in cells]
    return labels[: len(_header_cells(cells))]


# A unit written after a header in parentheses (NFKC makes （件） "(件)"): `共同研究の件数（件）`.
_TRAILING_UNIT = re.compile(r"\s*\(([^()]*)\)$")


def header_unit(label: object) -> str | None:
    """The unit a header cell writes after its name in parentheses (`件` of `共同研究の件数（件）`),
    else None; None too for `(2025)`-like asides starting with a digit, which name no unit."""
    text = unicodedata.normalize("NFKC", str(label or "")).strip().strip("\ufeff").strip()
    match = _TRAILING_UNIT.search(text)
    if match is None or match.start() == 0:
        return None
    unit = match.group(1).strip()
    return unit if unit and not unit[0].isdigit() else None


def header_name(label: object) -> str:
    """A header cell normalised, without a trailing unit in parentheses: `共同研究の件数（件）` and
    `joint_studies (studies)` are matched as `共同研究の件数` and `joint_studies`."""
    text = normalize_header(label)
    match = _TRAILING_UNIT.search(text)
    return text[: match.start()] if match and match.start() > 0 else text


def _header_cells(cells: Sequence[object]) -> list[str]:
    header = [normalize_header(cell) for cell in cells]
    while header and header[-1] == "":
        header.pop()
    return header
