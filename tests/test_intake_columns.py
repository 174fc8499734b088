"""The column-wise reading of CSV files (pandas, for speed) gives exactly what csv.reader and the
row-by-row parser give: same header, row numbers, cells, parsed rows and errors in the same order."""

from __future__ import annotations

import csv
import io
import random

import pandas as pd
import pytest

from kpi.errors import ValidationError
from kpi.intake.limits import FileRefused
from kpi.intake.parse import KpiHeader, Parsed
from kpi.intake.rows import ErrorSink
from kpi.intake.service import parse_table
from kpi.intake.table import RawTable, _from_rows, read_csv_text

CELLS = ["a", "b", ",", ",", ",", '"', '"', "\n", "\r\n", "\r", " ", "\t", "1", "あ", "\x1c", "\u3000", "#"]
POOLS = {
    "project_code": ["P1", " P2 ", "", "P3", "Ｐ４", "101", "合計", "ＭＡＴＳＵＤＯ－１"],
    "kpi_code": ["joint_studies", "local_jobs", "", "x"],
    "period_end": ["2026/3/31", "R8.3.31", "2026-02-30", "", "FY2025Q4", " 2025-12-31 ", "26/3/31", "bad"],
    "value": [
        "5",
        " 5 ",
        "１２３",
        "1,234",
        "12,34",
        "",
        "  ",
        "abc",
        "-0",
        "1e5",
        "9" * 400,
        "+3",
        "−5",
        "▲1,577",
        "12件",
        "約5",
        "－",
        "N/A",
        "2,720千",
        "52.2%",
        "該当なし",
    ],
    "organization_code": ["", "ORG", "OTHER", " ORG "],
    "note": ["", "memo", " 見直し "],
}


def _row_wise(text: str) -> RawTable:
    return _from_rows([list(cells) for cells in csv.reader(io.StringIO(text, newline=""))])


def _padded(table: RawTable) -> tuple[list[str], list[tuple[int, list[object]]]]:
    """A short row and one padded with empty cells read the same; compare without the padding."""
    rows = []
    for number, cells in table.rows:
        trimmed = list(cells)
        while trimmed and trimmed[-1] == "":
            trimmed.pop()
        rows.append((number, trimmed))
    return table.header, rows


@pytest.mark.parametrize("seed", range(3))
def test_csv_tables_match_csv_reader(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(1500):
        text = "".join(rng.choice(CELLS) for _ in range(rng.randint(0, 40)))
        try:
            expected = _padded(_row_wise(text))
        except csv.Error:
            continue
        try:
            got = read_csv_text(text)
        except FileRefused as refused:  # an unclosed quote: the strict reader must refuse it too
            assert refused.code == "malformed_csv"
            with pytest.raises(csv.Error):
                list(csv.reader(io.StringIO(text), strict=True))
            continue
        assert _padded(got) == expected, repr(text)


def _parse(table: RawTable) -> tuple[Parsed | None, list[ValidationError]]:
    sink = ErrorSink("ja")
    kpis = [KpiHeader("joint_studies", "共同研究の件数")]
    parsed = parse_table(table, uploader="ORG", kpis=kpis, sink=sink)
    return parsed, sink.errors


@pytest.mark.parametrize("seed", range(4))
def test_long_files_parse_the_same_column_wise(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        columns = list(POOLS)[: rng.randint(4, 6)]
        rng.shuffle(columns)
        out = io.StringIO()
        writer = csv.writer(out)
        if rng.random() < 0.3:  # a title above the header, as officers keep files
            writer.writerow(["令和5年度 KPI 進捗状況"] + [""] * (len(columns) - 1))
        writer.writerow(columns)
        if rng.random() < 0.3:
            writer.writerow(["単位"] + [""] * (len(columns) - 1))
        for _ in range(rng.randint(0, 40)):
            if rng.random() < 0.08:
                out.write("\r\n" if rng.random() < 0.5 else ",,,\r\n")
                continue
            writer.writerow([rng.choice(POOLS[c]) for c in columns][: rng.randint(1, len(columns))])
        table = read_csv_text(out.getvalue())
        assert table.frame is not None
        fast, fast_errors = _parse(table)
        slow, slow_errors = _parse(RawTable(table.header, rows=list(table.rows), header_row=table.header_row))
        assert fast_errors == slow_errors
        assert (fast is None) == (slow is None)
        if fast is not None and slow is not None:
            assert (fast.data_rows, fast.header_row, fast.skipped, fast.not_reported) == (
                slow.data_rows, slow.header_row, slow.skipped, slow.not_reported)  # fmt: skip
            pd.testing.assert_frame_equal(fast.rows, slow.rows, check_dtype=False)
