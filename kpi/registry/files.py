"""The registry files of `python -m kpi setup DIR`: their columns and how rows become records.

Each parser reads one file's rows into plain dicts, reporting every cell error to the sink.
Cross-file checks (unknown codes, target order) live in kpi/registry/setup.py. Target and baseline values
are typed as in partner files (kpi/quantities.py: ▲1,577, 52.2%, 2,720千円, 「－」 for none) and
stored in the KPI's unit; read_value() is shared with the lead's target form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kpi.errors import ValidationError
from kpi.i18n import t
from kpi.intake.cells import ValueCell, in_kpi_units
from kpi.intake.cells import read_value as cell_value
from kpi.intake.rows import CellReader, Column, ErrorSink
from kpi.intake.table import RawTable
from kpi.model import Accumulation, Achievement, Combine, Direction, Frequency, Horizon, Phase, Sector
from kpi.quantities import is_not_reported
from kpi.registry.organizations import IDENTIFIERS, read_identifier

ORGANIZATION_COLUMNS = (
    Column("organization_code", ("機関コード",)),
    Column("name", ("名称", "機関名", "name_ja")),
    Column("name_en", ("英語名", "英文名称"), required=False),
    Column("sector", ("セクター", "区分")),
    Column("prefecture", ("都道府県",)),
    # SPEC section 8: optional; a file without the column keeps what is stored
    Column("corporate_number", ("法人番号",), required=False),
    Column(
        "erad_code",
        ("研究機関コード", "e-Rad研究機関コード", "e-Rad 研究機関コード", "e-rad_code"),
        required=False,
    ),
    # SPEC section 9: optional, as the identifiers; where the organization's reminders go
    Column("contact_email", ("連絡先メール", "連絡先メールアドレス", "メールアドレス"), required=False),
    Column("contact_language", ("連絡先言語", "メールの言語"), required=False),
)
PROJECT_COLUMNS = (
    Column("project_code", ("プロジェクトコード",)),
    Column("name", ("名称", "プロジェクト名", "name_ja")),
    Column("name_en", ("英語名", "英文名称"), required=False),
    Column("field", ("分野",)),
    Column("prefecture", ("都道府県",)),
    Column("phase", ("フェーズ", "段階")),
    Column("start_date", ("開始日",)),
    Column("end_date", ("終了日",)),
    Column("lead_organization_code", ("代表機関コード",)),
)
PARTNER_COLUMNS = (
    Column("project_code", ("プロジェクトコード",)),
    Column("organization_code", ("機関コード",)),
    Column("role", ("役割",), required=False),
)
TARGETS_FILE_COLUMNS = (
    Column("project_code", ("プロジェクトコード",)),
    Column("kpi_code", ("KPIコード", "指標コード")),
    Column("horizon", ("期間区分", "目標区分"), required=False),
    Column("target_value", ("目標値",)),
    Column("target_date", ("目標期日", "目標日", "目標年度")),
    Column("baseline_value", ("基準値",), required=False),
    Column("baseline_date", ("基準日", "基準年度"), required=False),
    Column("reason", ("理由", "改定理由"), required=False),
)
KPI_COLUMNS = (
    Column("kpi_code", ("KPIコード", "指標コード")),
    Column("name_en", ("英語名",)),
    Column("name_ja", ("名称", "指標名")),
    Column("unit", ("単位",)),
    Column("unit_en", ("英語単位",), required=False),
    Column("direction", ("方向",)),
    Column("accumulation", ("累積方法",)),
    Column("combine", ("集約方法",)),
    Column("allow_negative", ("負値許可",), required=False),
    Column("achievement", ("達成率", "達成率の計算式"), required=False),
    Column("frequency", ("報告頻度", "頻度"), required=False),
)

# Enumerated values as SPEC section 5 lists them, in English and in Japanese.
SECTORS = {s.value: s.value for s in Sector} | {"産": "industry", "学": "academia", "官": "government"}
PHASES = {p.value: p.value for p in Phase} | {
    "合意形成": "agreement", "計画": "planning", "実証": "demonstration", "社会実装": "implementation",
    "終了": "closed",
}  # fmt: skip
HORIZONS = {h.value: h.value for h in Horizon} | {"短期": "short", "中期": "mid", "長期": "long"}
DIRECTIONS = {d.value: d.value for d in Direction} | {"高いほど良い": "higher", "低いほど良い": "lower"}
ACCUMULATIONS = {a.value: a.value for a in Accumulation} | {"累計": "sum", "水準": "last", "年度計": "yearly"}
COMBINES = {c.value: c.value for c in Combine} | {"合算": "sum", "最新": "latest"}
ACHIEVEMENTS = {a.value: a.value for a in Achievement} | {"進捗": "progress", "比率": "ratio"}
FREQUENCIES = {f.value: f.value for f in Frequency} | {"月次": "month", "四半期": "quarter", "年次": "year"}
BOOLEANS = {
    "true": "true",
    "false": "false",
    "1": "true",
    "0": "false",
    "yes": "true",
    "no": "false",
    "": "false",
}

Record = dict[str, Any]


def parse_organizations(table: RawTable, sink: ErrorSink) -> list[tuple[int, Record]]:
    reader = CellReader(table, ORGANIZATION_COLUMNS, sink)
    if reader.report_missing_columns():
        return []
    out = []
    for row, cells in table.rows:
        record = {
            "organization_code": reader.text(row, cells, "organization_code", required=True),
            "name_ja": reader.text(row, cells, "name", required=True),
            "name_en": reader.text(row, cells, "name_en", required=False),
            "sector": reader.choice(row, cells, "sector", SECTORS, required=True),
            "prefecture": reader.text(row, cells, "prefecture", required=True),
        }
        for name in (n for n in IDENTIFIERS if reader.has(n)):
            reading = read_identifier(reader.raw(cells, name), name)  # a number cell too: 7000012050002.0
            if reading.problem is not None:
                sink.add(reading.problem[0], row, name, **reading.problem[1])
            record[name] = reading.digits
        record.update(_contact(reader, sink, row, cells))
        out.append((row, record))
    return out


def _contact(reader: CellReader, sink: ErrorSink, row: int, cells: Any) -> Record:
    """contact_email and contact_language when the file has the columns (a blank clears them);
    the checks of the registry page's form (kpi/operations/contacts.py)."""
    from kpi.operations.contacts import address_problem, normalize_language

    found: Record = {}
    label = sink.column_labels.get
    if reader.has("contact_email"):
        address = reader.text(row, cells, "contact_email", required=False) or None
        problem = address_problem(address) if address else None
        if problem is not None:
            text = t(f"contacts.{problem}", sink.lang, address=address)
            column = label("contact_email", "contact_email")
            message = t("contacts.file_address", sink.lang, row=row, column=column, problem=text)
            sink.errors.append(ValidationError(problem, message, row, "contact_email", sink.file))
        found["contact_email"] = address
    if reader.has("contact_language"):
        value = reader.raw(cells, "contact_language")
        try:
            found["contact_language"] = normalize_language(value)
        except ValueError:
            message = t("contacts.file_language", sink.lang, row=row,
                        column=label("contact_language", "contact_language"), value=value)  # fmt: skip
            sink.errors.append(ValidationError("invalid_value", message, row, "contact_language", sink.file))
    return found


def parse_projects(table: RawTable, sink: ErrorSink, fy_start: int) -> list[tuple[int, Record]]:
    reader = CellReader(table, PROJECT_COLUMNS, sink)
    if reader.report_missing_columns():
        return []
    out = []
    for row, cells in table.rows:
        start = reader.day(row, cells, "start_date", required=True, fy_start_month=fy_start)
        end = reader.day(row, cells, "end_date", required=False, fy_start_month=fy_start)
        if start and end and end < start:
            sink.add("end_before_start", row, "end_date", start=start, end=end)
        record = {
            "project_code": reader.text(row, cells, "project_code", required=True),
            "name_ja": reader.text(row, cells, "name", required=True),
            "name_en": reader.text(row, cells, "name_en", required=False),
            "field": reader.text(row, cells, "field", required=True),
            "prefecture": reader.text(row, cells, "prefecture", required=True),
            "phase": reader.choice(row, cells, "phase", PHASES, required=True),
            "start_date": start,
            "end_date": end,
            "lead_organization_code": reader.text(row, cells, "lead_organization_code", required=True),
        }
        out.append((row, record))
    return out


def parse_partners(table: RawTable, sink: ErrorSink) -> list[tuple[int, Record]]:
    reader = CellReader(table, PARTNER_COLUMNS, sink)
    if reader.report_missing_columns():
        return []
    return [
        (
            row,
            {
                "project_code": reader.text(row, cells, "project_code", required=True),
                "organization_code": reader.text(row, cells, "organization_code", required=True),
                "role": reader.text(row, cells, "role", required=False) or "",
            },
        )
        for row, cells in table.rows
    ]


def parse_kpis(table: RawTable, sink: ErrorSink) -> list[tuple[int, Record]]:
    reader = CellReader(table, KPI_COLUMNS, sink)
    if reader.report_missing_columns():
        return []
    out = []
    for row, cells in table.rows:
        unit = reader.text(row, cells, "unit", required=True)
        negative = reader.choice(row, cells, "allow_negative", BOOLEANS, required=False)
        record = {
            "kpi_code": reader.text(row, cells, "kpi_code", required=True),
            "name_en": reader.text(row, cells, "name_en", required=True),
            "name_ja": reader.text(row, cells, "name_ja", required=True),
            "unit_ja": unit,
            "unit_en": reader.text(row, cells, "unit_en", required=False) or unit,
            "direction": reader.choice(row, cells, "direction", DIRECTIONS, required=True),
            "accumulation": reader.choice(row, cells, "accumulation", ACCUMULATIONS, required=True),
            "combine": reader.choice(row, cells, "combine", COMBINES, required=True),
            "allow_negative": negative == "true",
            "achievement": reader.choice(row, cells, "achievement", ACHIEVEMENTS, required=False)
            or "progress",
            "frequency": reader.choice(row, cells, "frequency", FREQUENCIES, required=False) or "quarter",
        }
        if record["achievement"] == "ratio" and record["direction"] == "lower":
            sink.add("invalid_value", row, "achievement", value=reader.raw(cells, "achievement"),
                     choices=", ".join(k for k in ACHIEVEMENTS if ACHIEVEMENTS[k] == "progress"))  # fmt: skip
        out.append((row, record))
    return out


def read_value(
    value: object, row: int | None, column: str, sink: ErrorSink, kpi: Mapping[str, Any] | None
) -> float | None:
    """A value as typed (SPEC section 4) in the unit of `kpi` (a definition: unit_ja, unit_en,
    name_ja, name_en). None when blank or a 「－」 mark, and when unreadable: then the sink has
    invalid_number (a hedged 約467 with its own wording) or unit_mismatch. Without `kpi` (an
    unknown KPI, reported on its own) any unit is let through with its scale words applied."""
    reading = cell_value(value)  # blank (None, NaN, "") reads as no value
    if reading.not_reported:
        return None
    if reading.problem is None and kpi and _unit(kpi, "unit_ja"):
        name = kpi.get(f"name_{sink.lang}") or kpi.get("name_ja") or kpi.get("kpi_code")
        unit_ja = _unit(kpi, "unit_ja")
        number, problem = in_kpi_units(reading, value, unit_ja, _unit(kpi, "unit_en") or unit_ja, str(name))
        if problem is None:
            return number
        reading = ValueCell(problem=problem)
    if reading.problem is not None:
        sink.add(reading.problem[0], row, column, **reading.problem[1])
    return reading.value


def _unit(kpi: Mapping[str, Any], key: str) -> str:
    unit = kpi.get(key)
    return unit.strip() if isinstance(unit, str) else ""  # NaN from a table: no unit


# The cells of targets.csv where a 「－」 mark means an empty cell (a ratio KPI's missing 基準値).
_MARKABLE = ("horizon", "target_value", "target_date", "baseline_value", "baseline_date")


def parse_targets(
    table: RawTable, sink: ErrorSink, fy_start: int, kpis: Mapping[str, Mapping[str, Any]] | None = None
) -> list[tuple[int, Record]]:
    """One record per row: a target point (tagged or not) with the plan's baseline, or, without a
    target value and date, only the baseline. Dates may be period labels: 令和7年度 → 2026-03-31.
    Values are converted to the unit of their KPI in `kpis` (definitions by code, see read_value)."""
    reader = CellReader(table, TARGETS_FILE_COLUMNS, sink)
    if reader.report_missing_columns():
        return []
    marked = [reader.index[c] for c in _MARKABLE if reader.has(c)]
    out = []
    for row, raw_cells in table.rows:
        cells = list(raw_cells)
        for position in marked:
            if position < len(cells) and is_not_reported(cells[position]):
                cells[position] = None
        kpi = (kpis or {}).get(str(reader.raw(cells, "kpi_code")))
        horizon = reader.choice(row, cells, "horizon", HORIZONS, required=False)
        has_point = horizon is not None or any(
            reader.raw(cells, c) is not None for c in ("target_value", "target_date")
        )
        target_value = _value(reader, row, cells, "target_value", kpi, required=has_point)
        target_date: date | None = reader.day(
            row, cells, "target_date", required=has_point, fy_start_month=fy_start
        )
        record = {
            "project_code": reader.text(row, cells, "project_code", required=True),
            "kpi_code": reader.text(row, cells, "kpi_code", required=True),
            "horizon": horizon,
            "target_value": target_value,
            "target_date": target_date,
            "baseline_value": _value(reader, row, cells, "baseline_value", kpi, required=False),
            "baseline_date": reader.day(row, cells, "baseline_date", required=False, fy_start_month=fy_start),
            "reason": reader.text(row, cells, "reason", required=False) or "",
            # an unreadable horizon is already an error: the row must not become an untagged point
            "unreadable_horizon": horizon is None and reader.raw(cells, "horizon") is not None,
        }
        # likewise a baseline already reported as unreadable is not also "empty but required"
        record["unreadable_baseline"] = (
            record["baseline_value"] is None and reader.raw(cells, "baseline_value") is not None
        )
        out.append((row, record))
    return out


def _value(
    reader: CellReader,
    row: int,
    cells: list[object],
    name: str,
    kpi: Mapping[str, Any] | None,
    *,
    required: bool,
) -> float | None:
    value = reader.raw(cells, name)
    if value is None:
        if required:
            reader.sink.add("missing_value", row, name)
        return None
    return read_value(value, row, name, reader.sink, kpi)
