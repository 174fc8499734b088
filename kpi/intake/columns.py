"""The columns of partner files (SPEC section 4) and the words that mark rows and columns to skip.

Headers and cells are compared after normalize_header (NFKC, trimmed, ASCII lower-cased), so
`ＫＰＩコード`, `kpi_code ` and `KPI_CODE` are one name.

A leaf shared by the stages (kpi/intake/__init__.py): it also holds what the later stages hand
on, the records stage's Parsed and the registry facts the validate stage checks them against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kpi.intake.raw import RawTable, normalize_header
from kpi.intake.rows import Column

PROJECT = Column("project_code", ("プロジェクトコード",))
KPI = Column("kpi_code", ("KPIコード", "指標コード"))
PERIOD = Column("period_end", ("期末日", "対象期間末日"))
VALUE = Column("value", ("実績値", "値"))
ORGANIZATION = Column("organization_code", ("機関コード", "報告機関コード"), required=False)
NOTE = Column("note", ("備考",), required=False)
# In the year-table layout the KPI column is often headed by a word rather than a code.
YEAR_KPI = Column(
    "kpi_code", (*KPI.aliases, "kpi", "指標", "指標名", "KPI名", "評価指標", "重要業績評価指標")
)

LONG_COLUMNS = (PROJECT, KPI, PERIOD, VALUE, ORGANIZATION, NOTE)
WIDE_FIXED = (PROJECT, PERIOD, ORGANIZATION, NOTE)
YEAR_FIXED = (PROJECT, YEAR_KPI, ORGANIZATION)


def names(*columns: Column) -> frozenset[str]:
    """Every header spelling of the columns, normalised."""
    return frozenset(normalize_header(alias) for c in columns for alias in (c.name, *c.aliases))


# Columns people add for themselves (our templates do, officers' 効果検証 sheets do) that carry no
# data to import: read past and listed in the result as ignored.
OFFICER_COLUMNS = frozenset(
    normalize_header(name)
    for name in (
        "project_name", "プロジェクト名", "organization_name", "機関名", "kpi_name", "unit", "単位",
        "baseline", "基準値", "基準年度", "target", "目標値", "目標年度", "achievement", "達成率",
        "達成度", "grade", "評価", "note", "備考", "remarks", "説明", "指標の説明",
    )
)  # fmt: skip

# A row whose key cell says it sums the others (SPEC: 合計, 計, 小計, total).
TOTAL_WORDS = frozenset(("合計", "計", "小計", "総計", "total", "subtotal", "grandtotal"))
# The first cell of a row of units right under the header.
UNIT_WORDS = frozenset(("単位", "unit", "units"))


def folded_word(cell: object) -> str:
    """A cell as a marker word: normalised, spaces and a trailing colon removed (`合　計`, `単位：`)."""
    return "".join(normalize_header(cell).split()).rstrip(":")


ROW_COLUMNS = [
    "row",
    "project_code",
    "kpi_code",
    "period_end",
    "organization_code",
    "value",
    "note",
    "column",  # where the value was: "value" (long), the KPI code (wide), the period label (year table)
    "period_column",  # where the period was: "period_end", or the period label (year table)
    "unit",  # the unit written after the number ("" for a scale word alone), else None
    "written",  # the value cell as written, kept only when it carried a unit
    "period_kind",  # "month", "quarter", "fiscal_year", "calendar_year" or "date" (kpi.periods)
    "period_text",  # the period as written (the cell, or the year table's column label)
]


def rows_frame(records: list[tuple[object, ...]]) -> pd.DataFrame:
    """Parsed rows (ROW_COLUMNS tuples) as a frame: codes and texts stay Python objects (None for
    no unit), as the column-wise reading gives them; validate.py zips and hashes them."""
    cells = list(zip(*records, strict=True)) if records else [() for _ in ROW_COLUMNS]
    frame = pd.DataFrame(
        {name: pd.Series(list(values), dtype=object) for name, values in zip(ROW_COLUMNS, cells, strict=True)}
    )
    return frame.astype({"row": "int64", "value": "float64"})


@dataclass(frozen=True)
class KpiHeader:
    kpi_code: str
    name_ja: str


@dataclass(frozen=True)
class SkippedRow:
    row: int
    reason: str  # "above_header" | "unit_row" | "total_row"

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "reason": self.reason}


def ignored_columns(table: RawTable, known: frozenset[str]) -> list[str]:
    """Columns of the officer's own notes in a header, as written (in the header's order)."""
    return [label for h, label in zip(table.header, table.labels, strict=True)
            if h in OFFICER_COLUMNS and h not in known]  # fmt: skip


@dataclass
class Parsed:
    """The records stage's output: a file's candidate report rows and how its layout was read."""

    format: str  # "long", "wide" or "year_table"
    rows: pd.DataFrame  # ROW_COLUMNS; rows with a cell error are left out
    data_rows: int  # the file's data rows (blank, unit and total rows left out)
    header_row: int = 1
    skipped: list[SkippedRow] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    not_reported: int = 0  # cells (wide, year table) or rows (long) marked 「－」 or left empty


@dataclass(frozen=True)
class IntakeRegistry:
    """What validation needs to know, read once per file."""

    projects: frozenset[str]
    organizations: frozenset[str]
    partners: frozenset[tuple[str, str]]  # (project_code, organization_code)
    kpis_allowing_negative: dict[str, bool]  # kpi_code → allow_negative
    kpi_units: dict[str, tuple[str, str]] = field(default_factory=dict)  # kpi_code → (unit_ja, unit_en)
    kpi_names: dict[str, dict[str, str]] = field(default_factory=dict)  # kpi_code → {"ja": …, "en": …}
    kpi_flows: dict[str, str] = field(default_factory=dict)  # KPIs counted as flows → their frequency

    def code_of_name(self) -> dict[str, str]:
        """A KPI's Japanese name (normalised as headers are) → its code: files name KPIs either way."""
        return {normalize_header(names["ja"]): code for code, names in self.kpi_names.items()}
