"""The files of `python -m kpi agreements import` and `meetings import` (SPEC sections 4 and 8):
their columns (English or Japanese headers, compared after NFKC) and their rows read as officers
write them — kinds by code or Japanese name, parties as 「CO-A、UNI-B」, IP shares as
「CO-A:60、UNI-B:40」 or "CO-A 60%, UNI-B 40%", dates as 2026/4/1, 令和8年4月1日 or Excel date
cells, 「90日」 for a notice period, 「－」 for a blank cell.

An agreements file has one row per agreement. A meetings file has one row per action item: the
rows of one project, day and type are one meeting, its items in row order; a meeting column left
blank on a later row repeats the one above (Excel's merged cells read that way), a different value
is `meeting_conflict`, naming both rows. Parsers report what a cell cannot be read as to the sink
and leave None; the rules of a record are kpi/partnerships/checks.py's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from kpi.i18n import catalog
from kpi.intake.cells import CellCache, code
from kpi.intake.layout import Layout
from kpi.intake.limits import CELL_CHARS, NOTE_CHARS
from kpi.intake.raw import RawTable
from kpi.intake.rows import CellReader, Column, ErrorSink
from kpi.partnerships.checks import MAX_TEXT
from kpi.partnerships.terms import AGREEMENT_KINDS, ETHICS, IP_OWNERSHIPS, MEETING_KINDS, RENEWALS
from kpi.quantities import is_not_reported
from kpi.values import to_number

Record = dict[str, Any]

AGREEMENT_COLUMNS = (
    Column("agreement_code", ("契約番号", "契約コード", "協定番号")),
    Column("project_code", ("プロジェクトコード",)),  # blank: an agreement between organizations
    Column("kind", ("種類", "契約種別", "種別")),
    Column("title", ("件名", "契約名"), required=False),
    Column("parties", ("当事者", "契約当事者")),
    Column("signed_on", ("締結日", "契約締結日"), required=False),
    Column("starts_on", ("開始日", "契約開始日")),
    Column("ends_on", ("終了日", "契約終了日"), required=False),
    Column("renewal", ("更新", "自動更新"), required=False),
    Column("notice_days", ("申し出期限（日）", "申し出期限", "申出期限（日）", "申出期限"), required=False),
    Column("ip_ownership", ("知財の帰属", "知的財産権の帰属"), required=False),
    Column("ip_shares", ("持分", "知財の持分"), required=False),
    Column("bayh_dole", ("バイ・ドール", "日本版バイ・ドール", "バイドール"), required=False),
    Column("ethics", ("倫理審査",), required=False),
    Column("ethics_approved_on", ("承認日", "倫理審査の承認日"), required=False),
    Column("ip_terms", ("知財条項", "知的財産条項"), required=False),
    Column("reason", ("理由", "変更理由"), required=False),
)
MEETING_COLUMNS = (
    Column("project_code", ("プロジェクトコード",)),
    Column("held_on", ("開催日", "実施日")),
    Column("kind", ("種類", "会議の種類", "種別")),
    Column("title", ("件名", "会議名"), required=False),
    Column("organizations", ("参加機関", "出席機関")),
    Column("minutes", ("議事録", "議事概要"), required=False),
    Column("decisions", ("決定事項",), required=False),
    Column("kpi_codes", ("KPI", "議論したKPI", "KPIコード", "関連KPI"), required=False),
    Column("action", ("対応事項", "アクション", "アクションアイテム"), required=False),
    Column("action_owner", ("担当機関", "担当"), required=False),
    Column("action_due", ("期限", "対応期限"), required=False),
    Column("action_done", ("完了日",), required=False),
    Column("reason", ("理由", "変更理由"), required=False),
)
# Each column's name in a Japanese file (what messages call a column the file does not have).
JAPANESE = {c.name: c.aliases[0] for c in (*AGREEMENT_COLUMNS, *MEETING_COLUMNS)}
FREE_TEXT = frozenset({"title", "minutes", "decisions", "ip_terms", "reason", "action"})
LISTS = frozenset({"parties", "organizations", "kpi_codes", "ip_shares"})
MEETING_FIELDS = ("title", "organizations", "minutes", "decisions", "kpi_codes", "reason")
ITEM_CELLS = ("action", "action_owner", "action_due", "action_done")

# Spellings people write, beside each code and its names in both catalogs (see _spellings).
_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "kind": {
        "mou": ("覚書", "基本合意書", "覚書・基本合意書", "MOU"),
        "joint_research": ("共同研究契約", "共同研究"),
        "commissioned": ("受託研究契約", "委託研究契約", "受託研究", "委託研究"),
        "nda": ("秘密保持契約", "NDA"),
        "comprehensive": ("包括連携協定",),
        "license": ("ライセンス契約", "実施許諾契約", "特許実施許諾契約"),
    },
    "meeting_kind": {
        "regular": ("定例会", "定例", "振り返り", "振返り", "定例会・振り返り"),
        "results": ("成果報告会",),
        "new_theme": ("新テーマ検討会",),
        "midterm": ("中間評価",),
    },
    "renewal": {"none": ("なし", "無し", "更新なし"), "auto": ("自動更新", "自動", "あり")},
    "ip": {"none": ("なし", "無し", "定めなし"), "sole": ("単独", "単独帰属"), "joint": ("共有",)},
    "ethics": {
        "not_needed": ("不要", "対象外"),
        "needed": ("必要", "未承認"),
        "approved": ("承認済み", "承認済"),
    },
}
_CODES = {"kind": AGREEMENT_KINDS, "meeting_kind": MEETING_KINDS, "renewal": RENEWALS, "ip": IP_OWNERSHIPS,
          "ethics": ETHICS}  # fmt: skip
_YES = frozenset({"有", "あり", "はい", "yes", "y", "true", "○", "〇", "◯", "適用"})
_NO = frozenset({"無", "なし", "いいえ", "no", "n", "false", "×", "✕", "非適用", "不適用"})
_LIST_SEPARATORS = re.compile(r"[、,;/\n\r]+")  # after NFKC: ，；／ are , ; /
_SHARE = re.compile(r"^(?P<code>.+?)\s*[:=]?\s*\(?\s*(?P<percent>\d+(?:\.\d+)?)\s*%?\s*\)?$")
_DAYS_SUFFIX = re.compile(r"\s*日前?$")


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower()


@cache
def _spellings(table: str) -> dict[str, str]:
    """Folded spelling → code: each code, its names in both catalogs, and the aliases above."""
    found: dict[str, str] = {}
    for value in _CODES[table]:
        names = [value, *_ALIASES[table].get(value, ())]
        names += [catalog(lang).get(f"partnerships.{table}.{value}", "") for lang in ("ja", "en")]
        found.update({_fold(name): value for name in names if name})
    return found


def split_codes(text: str | None) -> list[str]:
    """Organization or KPI codes as listed in one cell (、 , ; / or one per line), NFKC-folded."""
    return [
        code(part)
        for part in _LIST_SEPARATORS.split(unicodedata.normalize("NFKC", text or ""))
        if part.strip()
    ]


class PartnershipCells(CellReader):
    """CellReader for these files: 「－」 alone is a blank cell; codes, lists, days and choices."""

    def __init__(self, table: RawTable, columns: tuple[Column, ...], sink: ErrorSink, fy_start: int) -> None:
        super().__init__(table, columns, sink)
        for name, position in self.index.items():  # messages name each column as the file heads it
            sink.column_labels[name] = table.labels[position]
        self.dates = CellCache(fy_start)

    def raw(self, cells: list[object], name: str) -> object:
        value = super().raw(cells, name)
        return None if is_not_reported(value) else value

    def code(self, row: int, cells: list[object], name: str) -> str | None:
        text = self.text(row, cells, name, required=False)
        return code(text) if text else None

    def codes(self, row: int, cells: list[object], name: str) -> list[str]:
        return split_codes(self.text(row, cells, name, required=False))

    def free(self, row: int, cells: list[object], name: str) -> str:
        return self.text(row, cells, name, required=False) or ""

    def choose(self, row: int, cells: list[object], name: str, table: str, default: str | None) -> str | None:
        """A code from its spellings; as written when unknown (the checks say what is allowed)."""
        text = self.text(row, cells, name, required=False)
        if text is None:
            return default
        return _spellings(table).get(_fold(text), text)

    def on(self, row: int, cells: list[object], name: str) -> date | None:
        """A day (a month or a 年度 is no day: invalid_date)."""
        raw = self.raw(cells, name)
        if raw is None:
            return None
        period = self.dates.period(raw)
        if period.problem is not None or period.kind != "date":  # 2025, 2025年度 or a month
            self.sink.add("invalid_date", row, name, value=raw)
            return None
        return period.day

    def days(self, row: int, cells: list[object], name: str) -> int | None:
        """A whole number of days: 90, ９０, 「90日」, 「90日前」."""
        raw = self.raw(cells, name)
        if raw is None:
            return None
        text = _DAYS_SUFFIX.sub("", unicodedata.normalize("NFKC", raw)) if isinstance(raw, str) else raw
        try:
            number = to_number(text)
        except ValueError:
            number = None
        if number is None or number < 0 or not float(number).is_integer():
            self.sink.add("invalid_days", row, name, value=raw)
            return None
        return int(number)

    def yes_no(self, row: int, cells: list[object], name: str) -> bool:
        raw = self.raw(cells, name)
        if raw is None or isinstance(raw, bool) or raw in (0, 1):  # an Excel TRUE, or 1 and 0
            return bool(raw)
        folded = _fold(str(raw))
        if folded in _YES or folded == "1":
            return True
        if folded not in _NO and folded != "0":
            self.sink.add("invalid_yes_no", row, name, value=raw)
        return False

    def shares(self, row: int, cells: list[object], name: str) -> list[Record]:
        text = self.text(row, cells, name, required=False)
        shares = []
        for part in _LIST_SEPARATORS.split(unicodedata.normalize("NFKC", text or "")):
            if not part.strip():
                continue
            match = _SHARE.match(part.strip())
            if match is None:
                self.sink.add("invalid_shares", row, name, value=text, part=part.strip())
                return []
            shares.append({"organization_code": code(match["code"]), "percent": float(match["percent"])})
        return shares


def check_lengths(table: RawTable, columns: tuple[Column, ...], sink: ErrorSink) -> bool:
    """Cells over their limit, before any is read: free text MAX_TEXT characters, lists of codes
    NOTE_CHARS, other cells and header cells CELL_CHARS; columns not imported are not read."""
    index = CellReader(table, columns, ErrorSink(sink.lang)).index
    limits = {
        p: MAX_TEXT if n in FREE_TEXT else NOTE_CHARS if n in LISTS else CELL_CHARS for n, p in index.items()
    }
    names = {p: n for n, p in index.items()}
    found = [(table.header_row, p, label) for p, label in enumerate(table.labels) if len(label) > CELL_CHARS]
    for number, cells in table.rows:
        found += [(number, p, c) for p, c in enumerate(cells)
                  if p in limits and isinstance(c, str) and len(c) > limits[p]]  # fmt: skip
    for row, position, text in found:
        limit = CELL_CHARS if row == table.header_row else limits[position]
        sink.add("cell_too_long", row, names.get(position, table.labels[position][:20]),
                 length=f"{len(text):,}", limit=f"{limit:,}", start=text[:20])  # fmt: skip
    return not found


def parse_agreements(layout: Layout, sink: ErrorSink, fy_start: int) -> list[tuple[int, Record]]:
    """One record per row, in AGREEMENT_COLUMNS' shape (kpi/storage/partnerships.py)."""
    table = layout.table
    c = PartnershipCells(table, AGREEMENT_COLUMNS, sink, fy_start)
    out = []
    for row, cells in table.rows:
        if all(c.raw(cells, name) is None for name in c.index):
            continue  # a row of 「－」 only
        record = {
            "agreement_code": c.code(row, cells, "agreement_code"),
            "project_code": c.code(row, cells, "project_code"),
            "kind": c.choose(row, cells, "kind", "kind", None),
            "title": c.free(row, cells, "title"),
            "parties": c.codes(row, cells, "parties"),
            "signed_on": c.on(row, cells, "signed_on"),
            "starts_on": c.on(row, cells, "starts_on"),
            "ends_on": c.on(row, cells, "ends_on"),
            "renewal": c.choose(row, cells, "renewal", "renewal", "none"),
            "notice_days": c.days(row, cells, "notice_days"),
            "ip_ownership": c.choose(row, cells, "ip_ownership", "ip", "none"),
            "ip_shares": c.shares(row, cells, "ip_shares"),
            "bayh_dole": c.yes_no(row, cells, "bayh_dole"),
            "ethics": c.choose(row, cells, "ethics", "ethics", "not_needed"),
            "ethics_approved_on": c.on(row, cells, "ethics_approved_on"),
            "ip_terms": c.free(row, cells, "ip_terms"),
            "withdrawn": False,
            "reason": c.free(row, cells, "reason"),
        }
        out.append((row, record))
    return out


@dataclass
class MeetingRows:
    """One meeting of a file: its first row, its record (MEETING_COLUMNS' shape without a code) and
    the row each of its action items came from."""

    row: int
    record: Record
    item_rows: list[int] = field(default_factory=list)
    origins: dict[str, int] = field(default_factory=dict)  # meeting column → the row that gave it


def parse_meetings(layout: Layout, sink: ErrorSink, fy_start: int) -> list[MeetingRows]:
    """The file's meetings in the order they first appear, their action items collected."""
    table = layout.table
    c = PartnershipCells(table, MEETING_COLUMNS, sink, fy_start)
    sink.column_labels["action_items"] = sink.column_labels.get("action_owner", JAPANESE["action_owner"])
    meetings: dict[tuple[Any, ...], MeetingRows] = {}
    for row, cells in table.rows:
        if all(c.raw(cells, name) is None for name in c.index):
            continue
        record: Record = {
            "project_code": c.code(row, cells, "project_code"),
            "held_on": c.on(row, cells, "held_on"),
            "kind": c.choose(row, cells, "kind", "meeting_kind", None),
            "title": c.free(row, cells, "title"),
            "organizations": c.codes(row, cells, "organizations"),
            "minutes": c.free(row, cells, "minutes"),
            "decisions": c.free(row, cells, "decisions"),
            "kpi_codes": c.codes(row, cells, "kpi_codes"),
            "reason": c.free(row, cells, "reason"),
        }
        item = None
        if any(c.raw(cells, name) is not None for name in ITEM_CELLS):
            item = {
                "description": c.free(row, cells, "action"),
                "owner": c.code(row, cells, "action_owner"),
                "due_on": c.on(row, cells, "action_due"),
                "done_on": c.on(row, cells, "action_done"),
            }
        key = (record["project_code"], record["held_on"], record["kind"])
        meeting = meetings.get(key) if None not in key else None
        if meeting is None:  # a new meeting (or a row whose key could not be read: on its own)
            meeting = MeetingRows(row, {**record, "action_items": [], "withdrawn": False})
            meetings[key if None not in key else ("row", row)] = meeting
        else:
            _merge(meeting, record, row, sink)
        if item is not None:
            meeting.record["action_items"].append(item)
            meeting.item_rows.append(row)
    return list(meetings.values())


def _merge(meeting: MeetingRows, record: Record, row: int, sink: ErrorSink) -> None:
    """A later row of a meeting: blank meeting cells repeat the first's, others must agree."""
    for name in MEETING_FIELDS:
        mine, theirs = record[name], meeting.record[name]
        if not mine:
            continue
        if not theirs:
            meeting.record[name] = mine
            meeting.origins[name] = row
        elif mine != theirs:
            sink.add("meeting_conflict", row, name, first=meeting.origins.get(name, meeting.row))
