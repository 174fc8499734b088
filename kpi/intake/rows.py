"""Reading typed cells out of a RawTable while collecting every error, not just the first.

A leaf shared by the stages (kpi/intake/__init__.py): the ErrorSink every stage reports to, and
CellReader, which the records stage and setup's registry files read columns with.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from kpi.errors import ValidationError
from kpi.i18n import catalog, t
from kpi.intake.cells import read_period
from kpi.intake.decode import DecodeError
from kpi.intake.limits import FileRefused
from kpi.intake.raw import RawTable, normalize_header
from kpi.intake.table import TooManyRows, decode_table
from kpi.values import to_number


@dataclass(frozen=True)
class Column:
    name: str  # canonical English name, used in error reports
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass
class ErrorSink:
    """Collects ValidationErrors with messages in the user's language."""

    lang: str
    file: str | None = None
    errors: list[ValidationError] = field(default_factory=list)
    # Canonical column → the header as the file wrote it, so messages name what the user sees.
    column_labels: dict[str, str] = field(default_factory=dict)
    # The catalog table a code's message is looked up in first: a kind of file with wordings of its
    # own (funding's expenditure files: "error.expenditure") keeps the codes of error.* for the rest.
    messages: str = "error"

    def add(
        self, error_code: str, row: int | None = None, column: str | None = None, /, **context: object
    ) -> None:
        label = self.column_labels.get(column, column) if column else column
        variant = context.pop("variant", None)  # one code, several wordings (target_order)
        key = self._key(error_code + (f"_{variant}" if variant else ""), row)
        message = t(key, self.lang, row=row, column=label, **context)
        self.errors.append(ValidationError(error_code, message, row, column, self.file))

    def _key(self, name: str, row: int | None) -> str:
        messages = catalog(self.lang)
        for table in dict.fromkeys((self.messages, "error")):
            key = f"{table}.{name}"
            if row is None and f"{key}_file" in messages:
                return f"{key}_file"  # the same problem, worded for the whole file (no line to name)
            if key in messages:
                return key
        return f"error.{name}"  # not in the catalog: t() says which key is missing

    def refuse(self, refused: FileRefused) -> None:
        """The error of a file refused while it was read (kpi/intake/limits.py); a damaged
        workbook's reason worded in the user's language."""
        context = dict(refused.context)
        if "reason" in context:  # corrupt_file: what is damaged
            previous = context.pop("previous", None)
            context["reason"] = t(f"intake.corrupt_reason.{context['reason']}", self.lang, row=refused.row,
                                  previous=previous)  # fmt: skip
        self.add(refused.code, refused.row, refused.column, **context)


class CellReader:
    """Maps a table's header to canonical columns and reads typed cells from its rows."""

    def __init__(self, table: RawTable, columns: Iterable[Column], sink: ErrorSink) -> None:
        self.sink = sink
        self.columns = list(columns)
        self.index: dict[str, int] = {}
        positions = {name: i for i, name in reversed(list(enumerate(table.header)))}
        for column in self.columns:
            for alias in (column.name, *column.aliases):
                key = normalize_header(alias)
                if key in positions:
                    self.index[column.name] = positions[key]
                    if key != column.name:
                        sink.column_labels[column.name] = table.labels[positions[key]]
                    break

    def missing_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required and c.name not in self.index]

    def report_missing_columns(self) -> bool:
        """Adds a missing_column error per absent required column; True when any was missing."""
        missing = self.missing_columns()
        for name in missing:
            self.sink.add("missing_column", None, name)
        return bool(missing)

    def has(self, name: str) -> bool:
        return name in self.index

    def raw(self, cells: list[object], name: str) -> object:
        position = self.index.get(name)
        if position is None or position >= len(cells):
            return None
        value = cells[position]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def text(self, row: int, cells: list[object], name: str, *, required: bool) -> str | None:
        value = self.raw(cells, name)
        if value is None:
            if required:
                self.sink.add("missing_value", row, name)
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a code typed as 101 in Excel comes back as 101.0
        return str(value).strip()

    def number(self, row: int, cells: list[object], name: str, *, required: bool) -> float | None:
        value = self.raw(cells, name)
        if value is None:
            if required:
                self.sink.add("missing_value", row, name)
            return None
        try:
            return to_number(value)
        except ValueError:
            self.sink.add("invalid_number", row, name, value=value)
            return None

    def day(
        self, row: int, cells: list[object], name: str, *, required: bool, fy_start_month: int = 4
    ) -> date | None:
        value = self.raw(cells, name)
        if value is None:
            if required:
                self.sink.add("missing_value", row, name)
            return None
        period = read_period(value, fy_start_month)  # the importer's reading and wording
        if period.problem is not None:
            self.sink.add(period.problem[0], row, name, **period.problem[1])
        return period.day

    def choice(
        self, row: int, cells: list[object], name: str, allowed: dict[str, str], *, required: bool
    ) -> str | None:
        """A value from a fixed list; `allowed` maps accepted spellings to the stored value."""
        value = self.text(row, cells, name, required=required)
        if value is None:
            return None
        folded = unicodedata.normalize("NFKC", value).strip()
        found = allowed.get(folded) or allowed.get(folded.lower())
        if found is None:
            choices = ", ".join(k for k in allowed if k)  # English and Japanese, as accepted
            self.sink.add("invalid_value", row, name, value=value, choices=choices)
        return found


def fixed_columns(
    table: RawTable, columns: tuple[Column, ...], sink: ErrorSink, project_code: str | None
) -> CellReader | None:
    """The fixed columns of a format; None (and the errors) when a required one is missing. The
    project column is optional when the upload names the project."""
    wanted = [replace(c, required=False) if c.name == "project_code" and project_code else c for c in columns]
    cells = CellReader(table, wanted, sink)
    missing = cells.missing_columns()
    for name in missing:  # without a project column, say how to name the project
        sink.add("missing_column", None, name, **({"variant": "project"} if name == "project_code" else {}))
    return None if missing else cells


# to_number's accepted form (kpi/values.py _NUMBER_RE) for ASCII text with nothing to fold or trim.
_CLEAN_NUMBER = r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"


@dataclass
class FrameColumn:
    """One column of a frame-backed RawTable (a CSV), read once per distinct cell text.

    A partner file repeats the same codes and dates thousands of times: `raws` holds each
    distinct cell as CellReader.raw would return it (stripped, None when blank) and `codes`
    maps every row to its entry, so interpreting the cells costs one call per distinct text.
    """

    codes: np.ndarray  # per row: index into raws
    raws: list[str | None]
    texts: pd.Index | None = None  # the distinct cells before stripping (None: column absent)

    @classmethod
    def read(cls, table: RawTable, position: int | None) -> FrameColumn:
        frame = table.frame
        assert frame is not None, "FrameColumn needs a table read column-wise (CSV)"
        if position is None or position >= frame.shape[1]:
            return cls(np.zeros(len(frame), dtype=np.intp), [None])
        codes, texts = pd.factorize(frame.iloc[:, position])
        texts = pd.Index(texts)
        return cls(codes, [text.strip() or None for text in texts], texts)

    def numbers(self) -> tuple[np.ndarray, list[int]]:
        """Each distinct cell as a number: float per entry (NaN when not clean) and the entries
        needing kpi/values.py (blank, full-width, spaces, anything odd), as a list of their indexes."""
        values = np.full(len(self.raws), np.nan)
        if self.texts is None:
            return values, [0]
        clean = np.asarray(self.texts.str.fullmatch(_CLEAN_NUMBER), dtype=bool)
        texts = self.texts[clean].str.replace(",", "", regex=False)
        values[clean] = np.fromiter(map(float, texts), dtype=np.float64, count=len(texts))
        values += 0.0  # as to_number: "-0" is 0.0
        odd = ~clean | ~np.isfinite(values)  # a huge number of digits: to_number says why
        return values, [int(i) for i in np.flatnonzero(odd)]


def read_refusing(
    data: bytes, sink: ErrorSink, *, max_rows: int | None = None, max_chars: int | None = None
) -> RawTable | None:
    """The file split into rows, or None with the error that refuses it (limits, encoding, damage),
    for setup's registry files (imports run the decode and table stages one after the other)."""
    try:
        return decode_table(data, max_rows=max_rows, max_chars=max_chars)
    except (DecodeError, TooManyRows) as error:
        refuse_reading(sink, error)
    return None


def refuse_reading(sink: ErrorSink, error: DecodeError | TooManyRows) -> None:
    """The error of a file refused while it was decoded or split (limits, encoding, damage): one
    mapping of the readers' refusals to error codes, for imports and for setup's registry files."""
    if isinstance(error, FileRefused):  # before DecodeError: it is one
        sink.refuse(error)
    elif isinstance(error, DecodeError):
        if error.utf8_line is not None:
            sink.add("encoding", error.line, variant="mixed", utf8_line=error.utf8_line)
        else:
            sink.add("encoding", error.line)
    else:
        sink.add("too_large", actual=t("intake.rows_count", sink.lang, count=f"{error.rows:,}"),
                 limit=t("intake.rows_count", sink.lang, count=f"{error.limit:,}"))  # fmt: skip


def dedupe_records(
    records: list[tuple[int, dict[str, Any]]], key: tuple[str, ...], sink: ErrorSink
) -> list[tuple[int, dict[str, Any]]]:
    """Setup files' rows (registry and funding): exact repeats dropped; the same key with other
    values is duplicate_row; rows with a key part missing (already an error) are left out."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    out = []
    for row, record in records:
        k = tuple(record.get(part) for part in key)
        if None in k:
            continue
        if k in seen:
            if seen[k] != record:
                sink.add("duplicate_row", row, key[-1], key="/".join(str(p) for p in k))
            continue
        seen[k] = record
        out.append((row, record))
    return out
