"""Where a kept file's data is (SPEC section 4, "Files as they are kept").

Officers' files carry a title above the header, a 単位 row under it and a 合計 row at the end.
The header is the first of the first 10 non-empty rows that holds the required columns of the
long, wide or year-table format; the rows above it, a unit row right under it and total rows
are skipped and listed. When no row qualifies, the row that came closest is named.
find_header does the same for a file of one fixed set of columns (funding's expenditure files).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kpi.i18n import t
from kpi.intake.columns import (
    KPI,
    NOTE,
    OFFICER_COLUMNS,
    ORGANIZATION,
    PERIOD,
    PROJECT,
    TOTAL_WORDS,
    UNIT_WORDS,
    VALUE,
    YEAR_KPI,
    KpiHeader,
    SkippedRow,
    folded_word,
    names,
)
from kpi.intake.limits import CELL_CHARS
from kpi.intake.raw import RawTable, header_name, normalize_header
from kpi.intake.rows import Column, ErrorSink
from kpi.periods import AmbiguousPeriod, parse_period_label

HEADER_SEARCH_ROWS = 10
_LONG = {
    name: names(column) for name, column in (("kpi_code", KPI), ("period_end", PERIOD), ("value", VALUE))
}
_PROJECT = names(PROJECT)
_PERIOD = names(PERIOD)
_YEAR_KPI = names(YEAR_KPI)
_FIXED_NAMES = names(PROJECT, KPI, PERIOD, VALUE, ORGANIZATION, NOTE, YEAR_KPI)


@dataclass
class Layout:
    """The table from its real header on, and what was read past to get there."""

    format: str  # "long" | "wide" | "year_table" (find_header: the format it is given)
    table: RawTable
    skipped: list[SkippedRow] = field(default_factory=list)


def is_period_label(header: str, fy_start: int) -> bool:
    """A year-table column header: a period label, or a bare year (reported as ambiguous)."""
    try:
        parse_period_label(header, fy_start)
    except AmbiguousPeriod:
        return True
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class _Fit:
    """How well one row serves as the header of one format: the required columns it lacks."""

    format: str
    missing: tuple[str, ...]
    found: int


def _fits(header: list[str], kpi_names: frozenset[str], fy_start: int, has_project: bool) -> list[_Fit]:
    # A cell longer than any header cannot be one: not worth reading as a period label.
    cells = {cell for cell in header if 0 < len(cell) <= CELL_CHARS}
    project = () if has_project or cells & _PROJECT else ("project_code",)
    long_missing = tuple(name for name, spellings in _LONG.items() if not cells & spellings)
    kpi_columns = cells & kpi_names
    wide_missing = () if cells & _PERIOD else ("period_end",)
    period_columns = [h for h in cells if is_period_label(h, fy_start)]
    year_missing = () if cells & _YEAR_KPI else ("kpi_code",)
    return [
        _Fit("long", project + long_missing, 4 - len(project + long_missing)),
        # A wide header names KPIs; without any, say what a long file needs (as before).
        _Fit(
            "wide",
            project + wide_missing + (() if kpi_columns else ("kpi_code", "value")),
            (2 - len(project + wide_missing)) + min(len(kpi_columns), 2),
        ),
        _Fit(
            "year_table",
            year_missing + (() if period_columns else ("period_end",)),
            (1 - len(year_missing)) + min(len(period_columns), 2),
        ),
    ]


def _qualifies(fit: _Fit) -> bool:
    # The project may be missing: then it comes from the upload (or is reported as missing).
    return all(column == "project_code" for column in fit.missing)


def find_layout(
    table: RawTable,
    kpis: Iterable[KpiHeader],
    sink: ErrorSink,
    *,
    fy_start: int = 4,
    has_project: bool = False,
) -> Layout | None:
    """The file's layout, or None with missing_column errors naming the closest row."""
    kpis = list(kpis)
    kpi_names = frozenset(normalize_header(name) for k in kpis for name in (k.kpi_code, k.name_ja))
    known = kpi_names | _FIXED_NAMES | OFFICER_COLUMNS
    candidates = [(n, _without_units(cells, known)) for n, cells in table.leading_rows(HEADER_SEARCH_ROWS)]
    best: tuple[int, _Fit, list[str]] | None = None
    for position, (number, header) in enumerate(candidates):
        fits = _fits(header, kpi_names, fy_start, has_project)
        chosen = next((fit for fit in fits if _qualifies(fit) and not _is_long_shadow(fit, fits)), None)
        if chosen is not None:
            layout = Layout(chosen.format, table.drop_leading(position))
            layout.table.header = header
            layout.skipped = [SkippedRow(n, "above_header") for n, _ in candidates[:position]]
            _skip_marked_rows(layout)
            _label_unit_headers(layout.table, kpis, sink)
            return layout
        closest = max(fits, key=lambda fit: fit.found)
        if best is None or closest.found > best[1].found:
            best = (number, closest, header)
    assert best is not None
    number, fit, header = best
    _report_closest(sink, number, header, fit.missing, t(f"intake.expected_{fit.format}", sink.lang))
    return None


def _report_closest(
    sink: ErrorSink, number: int, header: list[str], missing: Iterable[str], expected: str,
    names_shown: Mapping[str, str] | None = None,
) -> None:  # fmt: skip
    """missing_column for each column the closest row lacks, quoting that row; `names_shown` gives
    a column's name as the message should say it (`name`), when not its canonical one."""
    shown = [cell if len(cell) <= 40 else cell[:40] + "…" for cell in header if cell]
    cells = " | ".join(shown[:20] + (["…"] if len(shown) > 20 else [])) or "—"  # a hostile header is long
    for column in missing:
        named = {"name": names_shown.get(column, column)} if names_shown is not None else {}
        sink.add("missing_column", None, column, variant="closest", closest=number, expected=expected,
                 cells=cells, **named)  # fmt: skip


def find_header(
    table: RawTable, columns: Sequence[Column], sink: ErrorSink, *, format: str, expected: str,
    japanese: Mapping[str, str] | None = None,
) -> Layout | None:  # fmt: skip
    """The layout of a file of one fixed set of columns: the header is the first of the first 10
    non-empty rows that holds every required column; the rows above it, a 単位 row right under it
    and total rows (合計 in any of `columns`' cells) are skipped and listed, as for KPI files.

    None with a missing_column error per column the closest row lacks, each naming the column
    (context `name`) as that row would write it: by its `japanese` name when the row holds
    Japanese text (or no text at all and the user reads Japanese), else by its canonical name."""
    required = {c.name: names(c) for c in columns if c.required}
    known = names(*columns) | OFFICER_COLUMNS
    candidates = [(n, _without_units(cells, known)) for n, cells in table.leading_rows(HEADER_SEARCH_ROWS)]
    best: tuple[int, tuple[str, ...], list[str]] | None = None
    for position, (number, header) in enumerate(candidates):
        present = set(header)
        missing = tuple(name for name, spellings in required.items() if not present & spellings)
        if not missing:
            layout = Layout(format, table.drop_leading(position))
            layout.table.header = header
            layout.skipped = [SkippedRow(n, "above_header") for n, _ in candidates[:position]]
            _skip_marked_rows(layout, names(*columns))
            return layout
        if best is None or len(missing) < len(best[1]):
            best = (number, missing, header)
    assert best is not None
    number, missing, header = best
    text = "".join(header)
    in_japanese = not text.isascii() if text else sink.lang == "ja"
    _report_closest(sink, number, header, missing, expected, japanese if in_japanese and japanese else {})
    return None


def _without_units(cells: list[str], known: frozenset[str]) -> list[str]:
    """Header cells with a trailing unit in parentheses left out where that names a known column:
    `共同研究の件数（件）` is 共同研究の件数; a KPI named with parentheses keeps them."""
    return [cell if cell in known or header_name(cell) not in known else header_name(cell) for cell in cells]


_FIXED_BY_NAME = {
    spelling: column.name for column in (PROJECT, KPI, PERIOD, VALUE, ORGANIZATION, NOTE, YEAR_KPI)
    for spelling in names(column)
}  # fmt: skip


def _label_unit_headers(table: RawTable, kpis: Iterable[KpiHeader], sink: ErrorSink) -> None:
    """Headers read without their unit (`出願件数（件）` as 出願件数): errors about the column name
    it as written, and validate.py reads the unit (ErrorSink.column_labels: canonical → header)."""
    by_name = {normalize_header(name): k.kpi_code for k in kpis for name in (k.kpi_code, k.name_ja)}
    for header, label in zip(table.header, table.labels, strict=True):
        if header == normalize_header(label):
            continue  # written without a unit: nothing to add to what parse.py records
        canonical = by_name.get(header) or _FIXED_BY_NAME.get(header)
        if canonical is not None:
            sink.column_labels.setdefault(canonical, label)


def _is_long_shadow(fit: _Fit, fits: list[_Fit]) -> bool:
    """A header with a value column is a long file even if it also holds period-like columns."""
    return fit.format != "long" and _qualifies(fits[0])


def _skip_marked_rows(layout: Layout, key_names: frozenset[str] = _PROJECT | _PERIOD | _YEAR_KPI) -> None:
    """A 単位 row right under the header, and total rows (合計 in a key cell: a cell of a column
    headed by one of `key_names`), are not data."""
    table = layout.table
    if not table.rows:
        return
    keys = [i for i, h in enumerate(table.header) if h in key_names]
    first_number, first_cells = table.rows[0]
    units = {first_number} if first_cells and folded_word(first_cells[0]) in UNIT_WORDS else set()
    totals: set[int] = set()
    if table.frame is not None:  # column-wise: each distinct key cell is looked at once
        for position in (k for k in keys if k < table.frame.shape[1]):
            column = table.frame.iloc[:, position]
            marks = [text for text in column.unique() if folded_word(text) in TOTAL_WORDS]
            if marks:
                totals.update(int(n) for n in column.index[column.isin(marks)])
    else:
        for number, cells in table.rows:
            if any(k < len(cells) and folded_word(cells[k]) in TOTAL_WORDS for k in keys):
                totals.add(number)
    totals -= units
    layout.skipped += [SkippedRow(n, "unit_row") for n in units]
    layout.skipped += [SkippedRow(n, "total_row") for n in sorted(totals)]
    layout.table = table.without_rows(units | totals)
