"""The files of `python -m kpi funding setup DIR`: their columns and how rows become records.

programmes.csv is required; awards.csv, calls.csv, award_amounts.csv (交付決定額 per 年度),
budgets.csv, payments.csv and award_kpis.csv are optional. Enumerations are accepted in English and
Japanese, dates as in partner files (令和7年4月1日, 2025/4/1), money as kpi/funding/money.py reads
it, and 年度 as 2025, 2025年度, FY2025 or 令和7年度.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from kpi.fiscal import fiscal_year
from kpi.funding.money import NotYen, read_rate, read_share, read_yen
from kpi.intake.rows import CellReader, Column, ErrorSink
from kpi.intake.table import RawTable
from kpi.quantities import is_not_reported

Record = dict[str, Any]

PROGRAMME_COLUMNS = (
    Column("programme_code", ("制度コード",)),
    Column("name", ("名称", "制度名", "name_ja")),
    Column("name_en", ("英語名",), required=False),
    Column("funder", ("交付元", "資金提供元", "所管")),
    Column("kind", ("種別", "区分")),
    Column("rate", ("補助率", "助成率")),
    Column("cap", ("上限額",), required=False),
    Column("cap_per", ("上限の単位",), required=False),
    Column("transfer_limit", ("流用制限", "費目間流用"), required=False),
    Column("personnel_cap", ("人件費上限",), required=False),
    Column("pre_award_spending", ("事前着手",), required=False),
    Column("categories", ("対象費目",)),
    Column("report_days", ("報告期限日数",), required=False),
    Column("follow_up_years", ("事業化報告年数",), required=False),
)
CALL_COLUMNS = (
    Column("programme_code", ("制度コード",)),
    Column("fiscal_year", ("年度",)),
    Column("round", ("回", "公募回"), required=False),
    Column("opens_on", ("公募開始日", "開始日")),
    Column("closes_on", ("締切日", "公募締切")),
    Column("url", ("公募要領", "URL"), required=False),
)
AWARD_COLUMNS = (
    Column("award_number", ("交付決定番号", "契約番号", "採択番号")),
    Column("project_code", ("プロジェクトコード",)),
    Column("programme_code", ("制度コード",)),
    Column("call_fiscal_year", ("公募年度",), required=False),
    Column("call_round", ("公募回",), required=False),
    Column("decided_on", ("交付決定日", "契約日"), required=False),
    Column("starts_on", ("事業開始日", "開始日")),
    Column("ends_on", ("事業終了日", "終了日")),
    Column("payment_mode", ("支払方法",)),
    Column("stage", ("段階", "状態")),
    Column("confirmed_amount", ("確定額",), required=False),
    Column("reason", ("変更理由", "理由"), required=False),
    Column("approver", ("承認者",), required=False),
)
AMOUNT_COLUMNS = (
    Column("award_number", ("交付決定番号", "契約番号", "採択番号")),
    Column("fiscal_year", ("年度",)),
    Column("amount", ("交付決定額", "金額")),
)
BUDGET_COLUMNS = (
    Column("award_number", ("交付決定番号", "契約番号", "採択番号")),
    Column("fiscal_year", ("年度",)),
    Column("category", ("費目",)),
    Column("organization_code", ("機関コード",)),
    Column("amount", ("予算額", "金額")),
    Column("reason", ("変更理由", "理由"), required=False),
)
PAYMENT_COLUMNS = (
    Column("award_number", ("交付決定番号", "契約番号", "採択番号")),
    Column("received_on", ("入金日",)),
    Column("amount", ("入金額", "金額")),
)
AWARD_KPI_COLUMNS = (
    Column("award_number", ("交付決定番号", "契約番号", "採択番号")),
    Column("kpi_code", ("KPIコード", "指標コード")),
)

KINDS = {
    "subsidy": "subsidy",
    "commission": "commission",
    "grant": "grant",
    "grant_in_aid": "grant_in_aid",
    "補助": "subsidy",
    "補助金": "subsidy",
    "委託": "commission",
    "委託費": "commission",
    "助成": "grant",
    "助成金": "grant",
    "交付金": "grant_in_aid",
}
CAP_PER = {
    "award": "award",
    "fiscal_year": "fiscal_year",
    "事業全体": "award",
    "総額": "award",
    "年度": "fiscal_year",
    "各年度": "fiscal_year",
    "": "award",
}
PAYMENT_MODES = {
    "advance": "advance",
    "settlement": "settlement",
    "概算払": "advance",
    "精算払": "settlement",
}
STAGES = {
    "applied": "applied",
    "awarded": "awarded",
    "confirmed": "confirmed",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "申請中": "applied",
    "交付決定": "awarded",
    "採択": "awarded",
    "契約": "awarded",
    "額の確定": "confirmed",
    "確定": "confirmed",
    "不採択": "rejected",
    "辞退": "withdrawn",
    "取下げ": "withdrawn",
}
YES_NO = {
    "true": "true",
    "false": "false",
    "yes": "true",
    "no": "false",
    "1": "true",
    "0": "false",
    "可": "true",
    "不可": "false",
    "あり": "true",
    "なし": "false",
    "": "false",
}
_CATEGORY_SEPARATORS = re.compile(r"[;；、,，|/／\n]")
_YEAR = re.compile(r"^(?:FY)?\s*(\d{4})\s*(?:年度)?$", re.IGNORECASE)


class FundingCells:
    """CellReader plus the cells funding files hold: 年度, yen, rates, shares, 費目 lists."""

    def __init__(self, table: RawTable, columns: tuple[Column, ...], sink: ErrorSink, fy_start: int) -> None:
        self.cells = CellReader(table, columns, sink)
        self.sink = sink
        self.fy_start = fy_start

    def year(self, row: int, raw: list[object], name: str, *, required: bool) -> int | None:
        value = self.cells.text(row, raw, name, required=required)
        if value is None:
            return None
        folded = unicodedata.normalize("NFKC", value).strip()
        match = _YEAR.match(folded)
        if match:
            return int(match.group(1))
        day = self.cells.day(row, raw, name, required=required, fy_start_month=self.fy_start)  # 令和7年度
        return None if day is None else fiscal_year(day, self.fy_start)

    def yen(
        self, row: int, raw: list[object], name: str, *, required: bool, negative: bool = False
    ) -> int | None:
        value = self.cells.raw(raw, name)
        if value is None or is_not_reported(value):
            if required:
                self.sink.add("missing_value", row, name)
            return None
        try:
            yen = read_yen(value)
        except NotYen as error:
            self.sink.add("invalid_yen", row, name, value=value, variant=error.reason)
            return None
        if yen is not None and yen < 0 and not negative:
            self.sink.add("invalid_yen", row, name, value=value, variant="negative")
            return None
        return yen

    def parsed(self, row: int, raw: list[object], name: str, read: Callable[[object], Any], code: str) -> Any:
        value = self.cells.raw(raw, name)
        if value is None or is_not_reported(value):
            return None
        try:
            return read(value)
        except ValueError:
            self.sink.add(code, row, name, value=value)
            return None

    def whole(self, row: int, raw: list[object], name: str, default: int) -> int:
        number = self.cells.number(row, raw, name, required=False)
        if number is None:
            return default
        if number < 0 or not float(number).is_integer():
            self.sink.add("invalid_number", row, name, value=self.cells.raw(raw, name))
            return default
        return int(number)


def split_categories(text: str | None) -> list[str]:
    """対象費目 as written: 人件費;消耗品費、旅費 (the names hold ・ themselves, as 外注費・委託費)."""
    return [part.strip() for part in _CATEGORY_SEPARATORS.split(text or "") if part.strip()]


def parse_programmes(table: RawTable, sink: ErrorSink, fy_start: int) -> list[tuple[int, Record]]:
    cells = FundingCells(table, PROGRAMME_COLUMNS, sink, fy_start)
    if cells.cells.report_missing_columns():
        return []
    c = cells.cells
    out = []
    for row, raw in table.rows:
        rate = cells.parsed(row, raw, "rate", read_rate, "invalid_rate")
        if rate is None and c.raw(raw, "rate") is None:
            sink.add("missing_value", row, "rate")
        record = {
            "programme_code": c.text(row, raw, "programme_code", required=True),
            "name_ja": c.text(row, raw, "name", required=True),
            "name_en": c.text(row, raw, "name_en", required=False),
            "funder": c.text(row, raw, "funder", required=True),
            "kind": c.choice(row, raw, "kind", KINDS, required=True),
            "rate_numerator": rate.numerator if rate else None,
            "rate_denominator": rate.denominator if rate else None,
            "cap": cells.yen(row, raw, "cap", required=False),
            "cap_per": c.choice(row, raw, "cap_per", CAP_PER, required=False) or "award",
            "transfer_limit": cells.parsed(row, raw, "transfer_limit", read_share, "invalid_share"),
            "personnel_cap": cells.parsed(row, raw, "personnel_cap", read_share, "invalid_share"),
            "pre_award_spending": c.choice(row, raw, "pre_award_spending", YES_NO, required=False) == "true",
            "report_days": cells.whole(row, raw, "report_days", 30),
            "follow_up_years": cells.whole(row, raw, "follow_up_years", 5),
            "categories": split_categories(c.text(row, raw, "categories", required=True)),
        }
        if record["transfer_limit"] is None:
            record["transfer_limit"] = 0.2
        if record["personnel_cap"] is not None and record["personnel_cap"] > 1:
            sink.add("invalid_share", row, "personnel_cap", value=c.raw(raw, "personnel_cap"))
        out.append((row, record))
    return out


def parse_calls(table: RawTable, sink: ErrorSink, fy_start: int) -> list[tuple[int, Record]]:
    cells = FundingCells(table, CALL_COLUMNS, sink, fy_start)
    if cells.cells.report_missing_columns():
        return []
    c = cells.cells
    out = []
    for row, raw in table.rows:
        opens = c.day(row, raw, "opens_on", required=True, fy_start_month=fy_start)
        closes = c.day(row, raw, "closes_on", required=True, fy_start_month=fy_start)
        if opens and closes and closes < opens:
            sink.add("end_before_start", row, "closes_on", start=opens, end=closes)
        out.append(
            (
                row,
                {
                    "programme_code": c.text(row, raw, "programme_code", required=True),
                    "fiscal_year": cells.year(row, raw, "fiscal_year", required=True),
                    "round": cells.whole(row, raw, "round", 1),
                    "opens_on": opens,
                    "closes_on": closes,
                    "url": c.text(row, raw, "url", required=False) or "",
                },
            )
        )
    return out


def parse_awards(table: RawTable, sink: ErrorSink, fy_start: int) -> list[tuple[int, Record]]:
    cells = FundingCells(table, AWARD_COLUMNS, sink, fy_start)
    if cells.cells.report_missing_columns():
        return []
    c = cells.cells
    out = []
    for row, raw in table.rows:
        starts = c.day(row, raw, "starts_on", required=True, fy_start_month=fy_start)
        ends = c.day(row, raw, "ends_on", required=True, fy_start_month=fy_start)
        if starts and ends and ends < starts:
            sink.add("end_before_start", row, "ends_on", start=starts, end=ends)
        stage = c.choice(row, raw, "stage", STAGES, required=True)
        decided = c.day(
            row, raw, "decided_on", required=stage in ("awarded", "confirmed"), fy_start_month=fy_start
        )
        confirmed = cells.yen(row, raw, "confirmed_amount", required=stage == "confirmed")
        call_round = cells.whole(row, raw, "call_round", 0) or None
        out.append(
            (
                row,
                {
                    "award_number": c.text(row, raw, "award_number", required=True),
                    "project_code": c.text(row, raw, "project_code", required=True),
                    "programme_code": c.text(row, raw, "programme_code", required=True),
                    "call_fiscal_year": cells.year(row, raw, "call_fiscal_year", required=False),
                    "call_round": call_round,
                    "decided_on": decided,
                    "starts_on": starts,
                    "ends_on": ends,
                    "payment_mode": c.choice(row, raw, "payment_mode", PAYMENT_MODES, required=True),
                    "stage": stage,
                    "confirmed_amount": confirmed,
                    "reason": c.text(row, raw, "reason", required=False) or "",
                    "approver": c.text(row, raw, "approver", required=False) or "",
                },
            )
        )
    return out


def parse_amounts(table: RawTable, sink: ErrorSink, fy_start: int) -> list[tuple[int, Record]]:
    cells = FundingCells(table, AMOUNT_COLUMNS, sink, fy_start)
    if cells.cells.report_missing_columns():
        return []
    return [
        (
            row,
            {
                "award_number": cells.cells.text(row, raw, "award_number", required=True),
                "fiscal_year": cells.year(row, raw, "fiscal_year", required=True),
                "amount": cells.yen(row, raw, "amount", required=True),
            },
        )
        for row, raw in table.rows
    ]


def parse_budgets(table: RawTable, sink: ErrorSink, fy_start: int) -> list[tuple[int, Record]]:
    cells = FundingCells(table, BUDGET_COLUMNS, sink, fy_start)
    if cells.cells.report_missing_columns():
        return []
    c = cells.cells
    return [
        (
            row,
            {
                "award_number": c.text(row, raw, "award_number", required=True),
                "fiscal_year": cells.year(row, raw, "fiscal_year", required=True),
                "category": c.text(row, raw, "category", required=True),
                "organization_code": c.text(row, raw, "organization_code", required=True),
                "amount": cells.yen(row, raw, "amount", required=True),
                "reason": c.text(row, raw, "reason", required=False) or "",
            },
        )
        for row, raw in table.rows
    ]


def parse_payments(table: RawTable, sink: ErrorSink, fy_start: int) -> list[tuple[int, Record]]:
    cells = FundingCells(table, PAYMENT_COLUMNS, sink, fy_start)
    if cells.cells.report_missing_columns():
        return []
    c = cells.cells
    return [
        (
            row,
            {
                "award_number": c.text(row, raw, "award_number", required=True),
                "received_on": c.day(row, raw, "received_on", required=True, fy_start_month=fy_start),
                "amount": cells.yen(row, raw, "amount", required=True),
            },
        )
        for row, raw in table.rows
    ]


def parse_award_kpis(table: RawTable, sink: ErrorSink, fy_start: int) -> list[tuple[int, Record]]:
    cells = FundingCells(table, AWARD_KPI_COLUMNS, sink, fy_start)
    if cells.cells.report_missing_columns():
        return []
    c = cells.cells
    return [
        (
            row,
            {
                "award_number": c.text(row, raw, "award_number", required=True),
                "kpi_code": c.text(row, raw, "kpi_code", required=True),
            },
        )
        for row, raw in table.rows
    ]


PARSERS: dict[str, Callable[[RawTable, ErrorSink, int], list[tuple[int, Record]]]] = {
    "programmes.csv": parse_programmes,
    "calls.csv": parse_calls,
    "awards.csv": parse_awards,
    "award_amounts.csv": parse_amounts,
    "budgets.csv": parse_budgets,
    "payments.csv": parse_payments,
    "award_kpis.csv": parse_award_kpis,
}
REQUIRED = ("programmes.csv",)  # programmes come first; awards may follow in a later setup or on the page
