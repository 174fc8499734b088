"""An .xlsx cell means what Excel shows (SPEC section 4, "Files as they are kept")."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time

import pytest

from kpi.intake.decode import DecodeError
from kpi.intake.table import TooManyRows
from kpi.intake.xlsx import FormulaWithoutValue, read_xlsx_records
from tests.xlsx_files import (
    rewrite_sheet,
    sheet_xml,
    with_builtin_formats,
    with_cached_value,
    with_dimension,
    with_merge,
    with_prefixed_tags,
    xlsx_bytes,
)

# -- percentages ------------------------------------------------------------------------------------


def test_percent_cells_read_as_the_percentage_excel_shows_with_every_digit() -> None:
    cases = [
        ("0.0%", 0.522, "52.2%"),
        ("0%", 0.5, "50%"),
        ("0.0%", 1.015, "101.5%"),
        ("0.0%", 0.52244, "52.244%"),  # shown 52.2%, but no digit of the value is rounded away
        ("0%", 1, "100%"),  # an integer cell
        ("#,##0.00%", 12.3456, "1234.56%"),
        ("0.00%", 0.0123, "1.23%"),
        ("0.0%;[Red]-0.0%", -0.052, "-5.2%"),
        ('0.0%;"▲"0.0%', -0.052, "-5.2%"),  # the value, not the ▲ the format draws
        ("0%", 0, "0%"),
        ("0.0%", 0.1 + 0.2, "30%"),  # 0.30000000000000004: Excel keeps 15 significant digits
        ("0.0%", 1 / 3, "33.3333333333333%"),
        ("[Blue]0.0%", 0.25, "25%"),
    ]
    data = xlsx_bytes(
        [["value"]] + [[value] for _, value, _ in cases],
        formats={f"A{row}": number_format for row, (number_format, _, _) in enumerate(cases, 2)},
    )
    assert read_xlsx_records(data) == [["value"]] + [[shown] for _, _, shown in cases]


def test_percent_signs_that_do_not_make_a_percentage() -> None:
    cases = [
        ('0"%"', 52, 52),  # a quoted % is printed as is: the number is not multiplied
        ("0\\%", 52, 52),
        ("0.0_%", 0.5, 0.5),  # _% is a space as wide as %
        ("0.000", 0.522, 0.522),
        ("General", 101.0, 101.0),
        ("0.0;-0.0%", 0.5, 0.5),  # only the negative section shows a percentage
        ("0.0;-0.0%", -0.5, "-50%"),
        ('0%;-0%;"-"', 0, 0),  # the zero section draws a dash
    ]
    data = xlsx_bytes(
        [[value] for _, value, _ in cases],
        formats={f"A{row}": number_format for row, (number_format, _, _) in enumerate(cases, 1)},
    )
    assert read_xlsx_records(data) == [[shown] for _, _, shown in cases]


def test_text_that_looks_like_a_percentage_stays_as_typed() -> None:
    data = xlsx_bytes(
        [["52.2%", "0.522", 0.522, "▲1,577"]],
        formats={"A1": "0.0%", "B1": "0.0%", "C1": "@"},  # text cells formatted as percent, a number as text
    )
    assert read_xlsx_records(data) == [["52.2%", "0.522", 0.522, "▲1,577"]]


# -- dates, numbers, bools, errors ------------------------------------------------------------------


def test_date_cells_are_datetimes_and_numbers_stay_numbers() -> None:
    data = xlsx_bytes(
        [
            [datetime(2026, 3, 31), date(2025, 12, 31), 46112, 46112, 0.5],
            [1234, 1234.5, 101.0, True, False],
        ],
        formats={"C1": "yyyy/m/d", "D1": '[$-ja-JP]ggge"年"m"月"d"日"', "E1": "h:mm", "D2": "0%"},
    )
    assert read_xlsx_records(data) == [
        [
            datetime(2026, 3, 31),
            datetime(2025, 12, 31),
            datetime(2026, 3, 31),
            datetime(2026, 3, 31),
            time(12),
        ],
        [1234, 1234.5, 101.0, True, False],  # a bool formatted 0% is still a bool
    ]


def test_dates_in_japanese_excels_built_in_formats_are_dates() -> None:
    # Saved as numFmtId 57 ([$-411]ge.m.d), 31 (yyyy"年"m"月"d"日") and 32 (h"時"mm"分"), with no
    # format code in the file: openpyxl alone reads them as General and gives 46112.
    data = xlsx_bytes(
        [[46112, 46112, 0.5, 46112]],
        formats={"A1": "yyyy/m/d", "B1": "yyyy/mm/dd", "C1": "hh:mm", "D1": "0.0000"},
    )
    data = with_builtin_formats(data, {"yyyy/m/d": 57, "yyyy/mm/dd": 31, "hh:mm": 32, "0.0000": 50})
    assert read_xlsx_records(data) == [
        [datetime(2026, 3, 31), datetime(2026, 3, 31), time(12), datetime(2026, 3, 31)]
    ]


def test_a_number_whose_style_the_file_does_not_define_is_a_plain_number() -> None:
    data = xlsx_bytes([[0.5, 2]], formats={"B1": "0%"})
    data = rewrite_sheet(data, lambda xml: xml.replace('<c r="A1" t="n">', '<c r="A1" s="9" t="n">'))
    assert read_xlsx_records(data) == [[0.5, "200%"]]


def test_error_cells_are_their_error_codes() -> None:
    assert read_xlsx_records(xlsx_bytes([["#DIV/0!", "#N/A", 3]])) == [["#DIV/0!", "#N/A", 3]]


# -- rows -------------------------------------------------------------------------------------------


def test_every_row_is_returned_so_that_index_plus_one_is_the_row_number() -> None:
    data = xlsx_bytes([["title"], [], ["a", None, "c"], [None, None], [None, "b"]], start_row=3)
    assert read_xlsx_records(data) == [[], [], ["title"], [], ["a", None, "c"], [], [None, "b"]]


def test_a_wrong_declared_size_does_not_cut_rows_or_columns_off() -> None:
    data = with_dimension(xlsx_bytes([["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]]), "A1")
    assert read_xlsx_records(data) == [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]]


# -- merged cells -----------------------------------------------------------------------------------


def test_a_merged_title_counts_once_at_its_top_left_cell() -> None:
    data = xlsx_bytes(
        [["令和7年度 KPI実績"], ["project_code", "value"], ["P1", 3]],
        merged=["A1:H1"],
    )
    assert read_xlsx_records(data) == [["令和7年度 KPI実績"], ["project_code", "value"], ["P1", 3]]


def test_values_kept_under_a_merge_are_not_read() -> None:
    # LibreOffice can keep the hidden cells' contents; Excel shows only the top-left cell.
    rows: list[list[object]] = [
        [f"t{column}" for column in range(1, 9)],
        ["P1", "joint_studies", 1, "x"],
        ["P1", "local_jobs", 2, "y"],
        ["P1", "hidden", 3, "z"],
    ]
    data = with_merge(xlsx_bytes(rows), "A1:H1", "A2:A4", "C3:D4")
    expected: list[list[object]] = [
        ["t1"],
        ["P1", "joint_studies", 1, "x"],
        [None, "local_jobs", 2],
        [None, "hidden"],
    ]
    assert read_xlsx_records(data) == expected
    assert read_xlsx_records(with_prefixed_tags(data)) == expected


def test_vertical_merges_leave_the_cells_below_empty() -> None:
    data = xlsx_bytes(
        [["project", "kpi", "value"], ["P1", "joint_studies", 1], [None, "local_jobs", 2]],
        merged=["A2:A3"],
    )
    assert read_xlsx_records(data) == [
        ["project", "kpi", "value"],
        ["P1", "joint_studies", 1],
        [None, "local_jobs", 2],
    ]


# -- formulas ---------------------------------------------------------------------------------------

SUMS: list[list[object]] = [["kpi", "value"], ["a", 5], ["b", 7]]


def test_a_formula_with_a_cached_value_is_its_value() -> None:
    data = with_cached_value(xlsx_bytes(SUMS, formulas={"B4": "=SUM(B2:B3)"}), "B4", "12")
    assert read_xlsx_records(data) == [*SUMS, [None, 12]]


def test_a_cached_value_takes_the_cells_percent_format() -> None:
    data = xlsx_bytes(SUMS, formulas={"B4": "=B2/B3"}, formats={"B4": "0.0%"})
    data = with_cached_value(data, "B4", "0.71428571428571397")
    assert read_xlsx_records(data) == [*SUMS, [None, "71.4285714285714%"]]


def test_formulas_with_text_error_and_empty_results() -> None:
    data = xlsx_bytes(
        SUMS, formulas={"C2": '=IF(B2>6,"high","")', "C3": '=IF(B3>6,"high","")', "D2": "=B2/0"}
    )
    data = with_cached_value(data, "C2", "", cell_type="str")  # =IF(...,"") shows a blank
    data = with_cached_value(data, "C3", "high", cell_type="str")
    data = with_cached_value(data, "D2", "#DIV/0!", cell_type="e")
    assert read_xlsx_records(data) == [["kpi", "value"], ["a", 5, None, "#DIV/0!"], ["b", 7, "high"]]


def test_a_formula_without_a_cached_value_is_marked() -> None:
    data = xlsx_bytes(SUMS, formulas={"B4": "=SUM(B2:B3)", "B5": "=B4*2"}, formats={"C2": "0%", "B5": "0%"})
    data = with_cached_value(data, "B5", "24")  # one formula has its result, one has not
    records = read_xlsx_records(data)
    assert records == [*SUMS, [None, FormulaWithoutValue("=SUM(B2:B3)")], [None, "2400%"]]
    assert str(records[3][1]) == "=SUM(B2:B3)"
    assert read_xlsx_records(with_prefixed_tags(data)) == records  # <x:f> is a formula too


def test_shared_formulas_without_cached_values_are_marked_with_their_own_formula() -> None:
    data = xlsx_bytes(SUMS, formulas={"B4": "=SUM(B2:B3)", "C4": "=SUM(C2:C3)"})

    def shared(xml: str) -> str:  # as Excel saves a formula filled right: C4 refers to B4's
        xml = xml.replace("<f>SUM(B2:B3)</f>", '<f t="shared" ref="B4:C4" si="0">SUM(B2:B3)</f>')
        return xml.replace("<f>SUM(C2:C3)</f><v /></c>", '<f t="shared" si="0"/></c>')

    data = rewrite_sheet(data, shared)
    assert '<f t="shared" si="0"/></c>' in sheet_xml(data)
    assert read_xlsx_records(data) == [
        *SUMS,
        [None, FormulaWithoutValue("=SUM(B2:B3)"), FormulaWithoutValue("=SUM(C2:C3)")],
    ]


def test_empty_styled_cells_in_a_sheet_with_formulas_stay_empty() -> None:
    data = xlsx_bytes(SUMS, formulas={"B4": "=SUM(B2:B3)"}, formats={"C2": "0%", "C3": "0%"})
    data = with_cached_value(data, "B4", "12")
    assert '<c r="C2" s="' in sheet_xml(data)
    assert read_xlsx_records(data) == [*SUMS, [None, 12]]


# -- limits and damaged files -----------------------------------------------------------------------


def test_too_many_rows_by_the_declared_size() -> None:
    data = xlsx_bytes([["value"]] + [[n] for n in range(5)])
    assert len(read_xlsx_records(data, max_rows=5)) == 6
    with pytest.raises(TooManyRows) as raised:
        read_xlsx_records(data, max_rows=4)
    assert (raised.value.rows, raised.value.limit) == (5, 4)
    # A declared size is never trusted: the rows the sheet holds decide.
    assert len(read_xlsx_records(with_dimension(data, "A1:E300001"), max_rows=200_000)) == 6


def _not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


GOOD = xlsx_bytes(SUMS)


@pytest.mark.parametrize(
    "data",
    [
        GOOD[:300],
        b"PK\x03\x04" + b"\x00" * 64,
        b"project_code,value\nP1,3\n",
        _not_a_workbook(),
        rewrite_sheet(GOOD, lambda xml: xml.replace("</sheetData>", "")),
    ],
    ids=["truncated", "zip-header-only", "csv", "zip-without-workbook", "broken-sheet-xml"],
)
def test_a_damaged_file_is_a_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError):
        read_xlsx_records(data)
    assert read_xlsx_records(GOOD) == SUMS
