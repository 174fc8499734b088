"""A partner's expenditure file (支出明細, SPEC section 7): its columns, the unit its amounts are in,
and its rows read cell by cell as a person wrote them.

Columns (English or Japanese headers, compared after NFKC): `award_number` (交付決定番号, 契約番号,
採択番号), `category` (費目: a code or a name, 外注費 and 委託費 too: kpi/funding/categories.py),
`paid_on` (支払日: a day, as 2025-05-12, 2025/5/12, 令和7年5月12日 or an Excel date cell), `amount`
(金額, 支出額(税込): whole yen, as kpi/funding/money.py reads it: 12,000, ¥12,000, 12,000円, 12千円,
▲3,000 for a correction), `description` (内容, 摘要) and `evidence` (証憑番号, 伝票番号), both optional.

The file's unit (単位：千円 above the header, 千円 in the 単位 row under it, 金額（千円） in the
header) multiplies amounts written without a unit of their own. Rows that are a 「－」 amount or
an award number alone (a template row not filled in) say nothing: counted as not reported.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from kpi.funding.categories import accepted_names, category_lookup
from kpi.funding.categories import fold as fold_category
from kpi.funding.money import NotYen, read_yen
from kpi.intake.cells import CellCache, code
from kpi.intake.columns import OFFICER_COLUMNS, SkippedRow, names
from kpi.intake.layout import HEADER_SEARCH_ROWS, Layout
from kpi.intake.raw import RawTable, header_unit, normalize_header
from kpi.intake.rows import CellReader, Column, ErrorSink
from kpi.intake.xlsx import FormulaWithoutValue
from kpi.quantities import is_not_reported

FORMAT = "expenditures"  # Layout.format and Parsed.format of these files
MESSAGES = "error.expenditure"  # ErrorSink.messages: this file's wording of the codes it shares

AWARD = Column("award_number", ("交付決定番号", "契約番号", "採択番号"))
CATEGORY = Column("category", ("費目", "費目名"))
PAID_ON = Column("paid_on", ("支払日", "支払年月日", "支出日"))
AMOUNT = Column("amount", ("金額", "支出額(税込)", "支出額", "支払額"))
DESCRIPTION = Column("description", ("内容", "摘要"), required=False)
EVIDENCE = Column("evidence", ("証憑番号", "伝票番号"), required=False)
COLUMNS = (AWARD, CATEGORY, PAID_ON, AMOUNT, DESCRIPTION, EVIDENCE)
# Each column's name in a Japanese file (the template's headers, and what messages call it there).
JAPANESE = {column.name: column.aliases[0] for column in COLUMNS}
NOTES = names(DESCRIPTION) | OFFICER_COLUMNS  # cells that may be as long as a note
CANONICAL = {normalize_header(alias): c.name for c in COLUMNS for alias in (c.name, *c.aliases)}

# One row per payment row; a cell with an error is None and the row not `complete`.
ROW_COLUMNS = [
    "row",
    "award_written",
    "category_code",
    "paid_on",
    "evidence",
    "amount",
    "description",
    "complete",
]
_MAX_YEN = 10**15  # 1,000兆円: no expenditure is this large, and it stays exact in a float and a BIGINT
_ASIDES = ("税込み", "税込")  # 金額（税込）: a note on the figure, not a unit
# kpi/funding/money.py's reasons for a cell that is not whole yen → the error codes they are.
_NOT_YEN = {"not_a_number": "invalid_number", "unit": "unit_mismatch", "not_whole_yen": "not_whole_yen"}
_UNIT_NOTE = re.compile(r"単位\s*:\s*([^)\]\s]+)")  # （単位：千円） above the header, after NFKC


@dataclass
class ExpenditureRows:
    """The records stage's output for an expenditure file: its payment rows (ROW_COLUMNS), and how
    the file was read."""

    rows: pd.DataFrame
    data_rows: int
    header_row: int
    skipped: list[SkippedRow] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    not_reported: int = 0


def scale_of(unit: str) -> int | None:
    """The multiplier a unit written for the whole file means (円 1, 千円 1,000, 百万円 1,000,000;
    税込 is a note: 1); None when it is not yen."""
    text = "".join(unicodedata.normalize("NFKC", unit).split()).strip("()[]【】")
    for aside in _ASIDES:
        text = text.replace(aside, "")
    text = text.strip("・,、/ ")
    if not text:
        return 1
    try:
        scale = read_yen(f"1{text}")
    except NotYen:
        return None
    return scale if scale is not None and scale >= 1 else None


def _file_unit(source: RawTable, layout: Layout, reader: CellReader) -> tuple[int, str] | None:
    """Where the file names its amounts' unit and what it says: (row, unit as written), or None.
    The header (金額（千円）) wins over the 単位 row under it, which wins over a note above it."""
    table = layout.table
    position = reader.index["amount"]
    unit = header_unit(table.labels[position]) if position < len(table.labels) else None
    if unit:
        return table.header_row, unit
    unit_rows = {s.row for s in layout.skipped if s.reason == "unit_row"}
    above = {s.row for s in layout.skipped if s.reason == "above_header"}
    leading: list[tuple[int, list[object]]] = [(source.header_row, list(source.labels))]
    leading += source.rows[: HEADER_SEARCH_ROWS + 1]
    for number, cells in leading:
        if number in unit_rows:
            under = cells[position] if position < len(cells) else None
            if under is not None and str(under).strip():
                return number, str(under).strip()
            first = unicodedata.normalize("NFKC", str(cells[0] or ""))
            found = _UNIT_NOTE.search(first)
            if found:
                return number, found.group(1)
    for number, cells in leading:
        if number in above:
            for cell in cells:
                found = _UNIT_NOTE.search(unicodedata.normalize("NFKC", str(cell or "")))
                if found:
                    return number, found.group(1)
    return None


def file_scale(source: RawTable, layout: Layout, reader: CellReader, sink: ErrorSink) -> int | None:
    """The multiplier of amounts written without a unit (1 when the file names none); None with a
    unit_mismatch error when the file says its amounts are in something other than yen."""
    found = _file_unit(source, layout, reader)
    if found is None:
        return 1
    row, unit = found
    scale = scale_of(unit)
    if scale is None:
        variant = "header" if row == layout.table.header_row else "file"
        sink.add("unit_mismatch", row, "amount", variant=variant, written=unit)
    return scale


class _Cells:
    """One row's cells read with the file's reader, each distinct cell interpreted once."""

    def __init__(
        self, reader: CellReader, categories: list[dict[str, object]], scale: int, fy_start: int, today: date
    ) -> None:
        self.reader, self.sink, self.scale, self.today = reader, reader.sink, scale, today
        self.lookup = category_lookup(categories)
        self.choices = accepted_names(categories, self.sink.lang)
        self.dates = CellCache(fy_start)
        self.amounts: dict[object, tuple[int | None, tuple[str, dict[str, object]] | None]] = {}

    def category(self, row: int, cells: list[object]) -> str | None:
        text = self.reader.text(row, cells, "category", required=True)
        if text is None:
            return None
        found = self.lookup.get(fold_category(text))
        if found is None:
            self.sink.add("unknown_category", row, "category", value=text, choices=self.choices)
        return found

    def paid_on(self, row: int, cells: list[object]) -> date | None:
        raw = self.reader.raw(cells, "paid_on")
        if raw is None:
            self.sink.add("missing_value", row, "paid_on")
            return None
        period = self.dates.period(raw)
        if period.problem is not None or period.kind != "date":  # a month or a 年度 is no payment day
            self.sink.add("invalid_date", row, "paid_on", value=raw)
            return None
        if period.day is not None and period.day > self.today:  # not paid yet: an estimate, not spending
            self.sink.add(
                "future_date", row, "paid_on", date=period.day.isoformat(), today=self.today.isoformat()
            )
        return period.day

    def amount(self, row: int, raw: object) -> int | None:
        key = raw if isinstance(raw, str) else (type(raw).__name__, repr(raw))
        if key not in self.amounts:
            self.amounts[key] = self._amount(raw)
        yen, problem = self.amounts[key]
        if problem is not None:
            self.sink.add(problem[0], row, "amount", **problem[1])
        return yen

    def _amount(self, raw: object) -> tuple[int | None, tuple[str, dict[str, object]] | None]:
        if isinstance(raw, FormulaWithoutValue):
            return None, ("invalid_number", {"value": raw.formula, "variant": "formula"})
        try:
            yen = read_yen(raw, scale=self.scale)
        except NotYen as refused:
            return None, (_NOT_YEN.get(refused.reason, refused.reason), {"value": raw})
        if yen is None:
            return None, ("missing_value", {})
        if yen == 0:
            return None, ("zero_amount", {"value": raw})
        if abs(yen) >= _MAX_YEN:
            return None, ("invalid_number", {"value": raw, "variant": "too_big"})
        return yen, None


def _unfilled(reader: CellReader, cells: list[object]) -> bool:
    """A template row left as it came: its award number and nothing else."""
    return all(reader.raw(cells, c.name) is None for c in COLUMNS if c is not AWARD)


def read_expenditures(
    source: RawTable,
    layout: Layout,
    sink: ErrorSink,
    *,
    categories: list[dict[str, object]],
    fy_start: int,
    today: date,
) -> ExpenditureRows:
    """The records stage: every payment row of a located layout (cell lengths checked), with cell
    errors in `sink` (a date after `today` among them) and None for each cell that has one; no rows
    when the file's unit is not yen. `source` is the table before the layout (for a unit written
    above the header)."""
    table = layout.table
    reader = CellReader(table, COLUMNS, sink)
    known = names(*COLUMNS)
    ignored = [
        label
        for header, label in zip(table.header, table.labels, strict=True)
        if header and header not in known
    ]
    result = ExpenditureRows(
        pd.DataFrame(columns=ROW_COLUMNS), len(table.rows), table.header_row, layout.skipped, ignored
    )
    scale = file_scale(source, layout, reader, sink)
    if scale is None:
        return result
    read = _Cells(reader, categories, scale, fy_start, today)
    out: list[tuple[object, ...]] = []
    for row, cells in table.rows:
        raw_amount = reader.raw(cells, "amount")
        if is_not_reported(raw_amount) or _unfilled(reader, cells):
            result.not_reported += 1  # nothing was paid on this row: nothing in it is checked
            continue
        award = reader.text(row, cells, "award_number", required=True)
        category = read.category(row, cells)
        paid_on = read.paid_on(row, cells)
        amount = read.amount(row, raw_amount)
        description = reader.text(row, cells, "description", required=False)
        evidence = code(reader.text(row, cells, "evidence", required=False) or "")
        complete = None not in (award, category, paid_on, amount)
        out.append((row, award, category, paid_on, evidence, amount, description, complete))
    result.rows = pd.DataFrame(out, columns=ROW_COLUMNS, dtype=object).astype({"row": "int64"})
    return result
