"""Partner file intake (SPEC section 4): errors in rows and cells, all listed, in reading order.

Each rejected file lists exactly the expected (row, column, code) triples, where row is the line
as a spreadsheet shows it and column the canonical name (in wide format the KPI code), and leaves
every table as it was. Messages name the header as the file wrote it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from kpi.storage import Database
from tests.test_intake import (
    JA_LONG_HEADER,
    csv_bytes,
    current_values,
    registry_db,
    rejected,
    run_import,
    xlsx_bytes,
)

HEADER = "project_code,kpi_code,period_end,value"


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    return registry_db(fresh_db, tmp_path / "registry")


# -- cell errors ------------------------------------------------------------------------------------


def test_missing_value_long(db: Database) -> None:
    data = csv_bytes(
        HEADER,
        ",joint_studies,2026-03-31,1",
        "P1,,2026-03-31,1",
        "P1,joint_studies,,1",
        "P1,joint_studies,2026-03-31,",
        "P1,local_jobs,2026-03-31,  ",
        "P1,patents,2026-03-31",  # a short row: the value cell is not there at all
        "P1,local_jobs,2025-12-31,3",
    )
    rejected(
        db,
        data,
        [
            (2, "project_code", "missing_value"),
            (3, "kpi_code", "missing_value"),
            (4, "period_end", "missing_value"),
            (5, "value", "missing_value"),
            (6, "value", "missing_value"),
            (7, "value", "missing_value"),
        ],
        rows=7,
    )


def test_missing_value_wide(db: Database) -> None:
    data = csv_bytes(
        "project_code,period_end,joint_studies,local_jobs",
        ",2026-03-31,1,2",
        "P1,,1,",
        "P1,2025-12-31,,",  # empty KPI cells are "not reported", not missing
    )
    rejected(db, data, [(2, "project_code", "missing_value"), (3, "period_end", "missing_value")], rows=3)


def test_unknown_project(db: Database) -> None:
    data = csv_bytes(
        HEADER, "P9,joint_studies,2026-03-31,1", "P1,joint_studies,2026-03-31,1", "p1,local_jobs,2026-03-31,1"
    )
    result = rejected(
        db, data, [(2, "project_code", "unknown_project"), (4, "project_code", "unknown_project")]
    )
    assert result.errors[0].message == "Row 2: project “P9” is not registered."


@pytest.mark.filterwarnings("error")  # no KPI known: pandas must not warn (it will raise in pandas 4)
def test_unknown_kpi_in_a_long_cell(db: Database) -> None:
    data = csv_bytes(HEADER, "P1,joint_study,2026-03-31,1", "P1,共同研究件数,2026-03-31,1")
    result = rejected(db, data, [(2, "kpi_code", "unknown_kpi"), (3, "kpi_code", "unknown_kpi")])
    assert result.errors[0].message == "Row 2: KPI “joint_study” is not in the KPI catalog."


def test_unknown_kpi_in_a_wide_header(db: Database) -> None:
    data = csv_bytes("project_code,period_end,joint_studies,特許件数,local_job", "P1,2026-03-31,1,2,3")
    result = rejected(db, data, [(1, "local_job", "unknown_kpi"), (1, "特許件数", "unknown_kpi")], rows=1)
    assert result.errors[1].message == "Row 1: KPI “特許件数” is not in the KPI catalog."


def test_unknown_organization(db: Database) -> None:
    data = csv_bytes(
        HEADER + ",organization_code", "P1,joint_studies,2026-03-31,1,X9", "P1,local_jobs,2026-03-31,1,U1"
    )
    result = rejected(db, data, [(2, "organization_code", "unknown_organization")])
    assert result.errors[0].message == "Row 2: organization “X9” is not registered."


def test_not_a_partner(db: Database) -> None:
    data = csv_bytes(HEADER, "P1,joint_studies,2026-03-31,1")
    result = rejected(db, data, [(2, "project_code", "not_a_partner")], org="G1")
    assert result.errors[0].message == "Row 2: organization “G1” is not a partner of project “P1”."
    wide = csv_bytes(
        "project_code,period_end,organization_code,joint_studies,local_jobs", "P1,2026-03-31,G1,1,2"
    )
    rejected(db, wide, [(2, "project_code", "not_a_partner")], org="G1")  # once per row, not per cell


def test_row_level_errors_in_wide_format_are_listed_once_per_row(db: Database) -> None:
    data = csv_bytes(
        "project_code,period_end,organization_code,joint_studies,local_jobs,patents",
        "P9,2026-03-31,,1,2,3",
        "P1,2027-03-31,,1,2,3",
        "P1,2026-03-31,C1,1,,3",
        "P1,2025-12-31,U1,-1,,-3",
    )
    rejected(db, data, [
        (2, "project_code", "unknown_project"),
        (3, "period_end", "future_period"),
        (4, "organization_code", "wrong_organization"),
        (5, "joint_studies", "negative_value"),
        (5, "patents", "negative_value"),
    ], rows=4)  # fmt: skip


def test_wrong_organization(db: Database) -> None:
    data = csv_bytes(
        "project_code,kpi_code,period_end,value,機関コード",
        "P1,joint_studies,2026-03-31,1,C1",
        "P1,local_jobs,2026-03-31,1,U1",
        "P1,local_jobs,2025-12-31,1,G1",
    )
    result = rejected(
        db,
        data,
        [(2, "organization_code", "wrong_organization"), (4, "organization_code", "wrong_organization")],
    )
    assert result.errors[0].message == "Row 2: you can only report for your own organization (U1), not “C1”."
    # The same rows are fine for the organization they name.
    rejected(
        db,
        data,
        [(3, "organization_code", "wrong_organization"), (4, "organization_code", "wrong_organization")],
        org="C1",
    )


@pytest.mark.parametrize(
    "cell", ["abc", '"1,2,3x"', '"12,34"', "1e5", "¥100", "1.2.3", "nan", "inf", "0x10", "12 34", "5%3"]
)
def test_invalid_number(db: Database, cell: str) -> None:
    data = csv_bytes(HEADER, f"P1,joint_studies,2026-03-31,{cell}", "P1,local_jobs,2026-03-31,1")
    result = rejected(db, data, [(2, "value", "invalid_number")], rows=2)
    shown = cell.strip('"')
    assert result.errors[0].message == f"Row 2: “{shown}” in “value” is not a number."


def test_invalid_number_wide_and_xlsx(db: Database) -> None:
    wide = csv_bytes(
        "project_code,period_end,joint_studies,local_jobs", "P1,2026-03-31,abc,2", 'P1,2025-12-31,1,"12,34"'
    )
    rejected(db, wide, [(2, "joint_studies", "invalid_number"), (3, "local_jobs", "invalid_number")])
    workbook = xlsx_bytes(
        [
            ["project_code", "kpi_code", "period_end", "value"],
            ["P1", "joint_studies", "2026-03-31", True],
            ["P1", "local_jobs", "2026-03-31", "abc"],
        ]
    )
    rejected(db, workbook, [(2, "value", "invalid_number"), (3, "value", "invalid_number")])


def test_negative_value(db: Database) -> None:
    data = csv_bytes(
        HEADER,
        "P1,joint_studies,2026-03-31,-1",
        "P1,local_jobs,2026-03-31,－３",
        "P1,time_to_implementation,2026-03-31,\u22122",
        "P1,patents,2026-03-31,-0.5",  # an administrator's KPI without allow_negative
        "P1,balance,2026-03-31,-7",  # allow_negative: fine
        "P1,joint_studies,2025-12-31,-0",  # zero is not negative
    )
    result = rejected(
        db,
        data,
        [
            (2, "value", "negative_value"),
            (3, "value", "negative_value"),
            (4, "value", "negative_value"),
            (5, "value", "negative_value"),
        ],
        rows=6,
    )
    assert result.errors[0].message == "Row 2: “value” is -1, but KPI “joint_studies” cannot be negative."
    wide = csv_bytes("project_code,period_end,local_jobs,balance", "P1,2026-03-31,-5,-5")
    rejected(db, wide, [(2, "local_jobs", "negative_value")])


@pytest.mark.parametrize(
    "cell",
    [
        "2026/13/1",
        "26/3/31",
        "2026-02-30",
        "令和元年4月30日",
        "R8.2.30",
        "FY2025Q5",
        "2025年度Q0",
        "46112",
        "2026-03-31 10:30",
        "3/31/2026",
        "31.03.2026",
        "来年度",
        "2026-3-",
    ],
)
def test_invalid_date(db: Database, cell: str) -> None:
    data = csv_bytes(HEADER, f"P1,joint_studies,{cell},1")
    result = rejected(db, data, [(2, "period_end", "invalid_date")], rows=1)
    assert result.errors[0].message.startswith(f"Row 2: “{cell}” in “period_end” is not a date")


def test_invalid_date_in_xlsx(db: Database) -> None:
    data = xlsx_bytes(
        [
            ["project_code", "kpi_code", "period_end", "value"],
            ["P1", "joint_studies", 46112, 1],  # an Excel serial number that lost its date format
            ["P1", "local_jobs", datetime(2026, 3, 31, 10, 30), 1],  # a time of day, not a period end
        ]
    )
    rejected(db, data, [(2, "period_end", "invalid_date"), (3, "period_end", "invalid_date")])


def test_future_period(db: Database) -> None:
    data = csv_bytes(
        HEADER,
        "P1,joint_studies,2026-11-26,1",  # today: fine
        "P1,joint_studies,2026-11-27,1",
        "P1,joint_studies,FY2026Q3,1",  # October–December 2026
        "P1,local_jobs,2026年度第4四半期,1",
        "P1,local_jobs,R9.3.31,1",
    )
    result = rejected(
        db,
        data,
        [
            (3, "period_end", "future_period"),
            (4, "period_end", "future_period"),
            (5, "period_end", "future_period"),
            (6, "period_end", "future_period"),
        ],
        rows=5,
    )
    assert (
        result.errors[1].message
        == "Row 4: the period ending 2026-12-31 has not ended yet (today is 2026-11-26)."
    )


def test_duplicate_row_with_different_values(db: Database) -> None:
    data = csv_bytes(
        HEADER + ",organization_code",
        "P1,joint_studies,2026-03-31,1,",
        "P1,joint_studies,R8.3.31,2,",  # the same period written another way
        "P1,local_jobs,2026-03-31,5,",
        "P1,local_jobs,FY2025Q4,5,U1",  # same key, same value: harmless
        "P1,time_to_implementation,2026-03-31,40,U1",
        "P1,time_to_implementation,2026-03-31,41,",  # organization defaults to the uploader
    )
    result = rejected(db, data, [(3, "value", "duplicate_row"), (7, "value", "duplicate_row")], rows=6)
    assert (
        result.errors[0].message
        == "Row 3: P1/joint_studies/2026-03-31/U1 appears more than once with different values."
    )
    wide = csv_bytes(
        "project_code,period_end,joint_studies,local_jobs", "P1,2026-03-31,1,2", "P1,FY2025Q4,1,3"
    )
    rejected(db, wide, [(3, "local_jobs", "duplicate_row")])


def test_same_key_with_the_same_value_is_not_an_error(db: Database) -> None:
    data = csv_bytes(
        HEADER,
        "P1,joint_studies,2026-03-31,1234",
        'P1,joint_studies,R8.3.31,"1,234"',
        "P1,joint_studies,2026年3月31日,１２３４",
    )
    result = run_import(db, data)
    assert (result.status, result.rows, result.inserted, result.errors) == ("imported", 3, 1, [])
    assert current_values(db) == {("P1", "joint_studies", "2026-03-31", "U1"): 1234.0}


# -- every error, in reading order ------------------------------------------------------------------


def test_one_bad_row_among_many_writes_nothing_and_every_bad_row_is_listed(db: Database) -> None:
    start = date(2024, 4, 1)
    good = [
        f"P1,{kpi},{start + timedelta(days=i)},{i % 7}"
        for i in range(250)
        for kpi in ("joint_studies", "local_jobs")
    ]
    bad = ["P1,joint_studies,2026-03-31,abc", "P9,local_jobs,2026-03-31,1", "P1,local_jobs,2027-03-31,2"]
    lines = [HEADER, *good[:100], bad[0], *good[100:300], bad[1], *good[300:], bad[2]]
    assert len(good) == 500
    rejected(
        db,
        csv_bytes(*lines),
        [
            (102, "value", "invalid_number"),
            (303, "project_code", "unknown_project"),
            (504, "period_end", "future_period"),
        ],
        rows=503,
    )
    # Without the bad rows the same file goes in whole.
    fixed = run_import(db, csv_bytes(HEADER, *good))
    assert (fixed.status, fixed.rows, fixed.inserted) == ("imported", 500, 500)


def test_several_errors_in_one_row_and_reading_order(db: Database) -> None:
    data = csv_bytes(
        HEADER + ",organization_code",
        "P1,joint_studies,2026-12-31,-1,",
        ",joint_studies,someday,abc,",
        "P1,local_jobs,2026-03-31,1,C1",
        "P9,patents,2026-03-31,1,X9",
    )
    rejected(
        db,
        data,
        [
            (2, "period_end", "future_period"),
            (2, "value", "negative_value"),
            (3, "period_end", "invalid_date"),
            (3, "project_code", "missing_value"),
            (3, "value", "invalid_number"),
            (4, "organization_code", "wrong_organization"),
            (5, "organization_code", "unknown_organization"),
            (5, "project_code", "unknown_project"),
        ],
        rows=4,
    )


def test_errors_as_json_objects(db: Database) -> None:
    result = rejected(
        db, csv_bytes(HEADER, "P1,joint_studies,2026-03-31,x"), [(2, "value", "invalid_number")]
    )
    assert result.as_dict() == {
        "status": "rejected",
        "batch_id": None,
        "rows": 1,
        "inserted": 0,
        "updated": 0,
        "unchanged": 0,
        "not_reported": 0,
        "skipped_rows": [],
        "ignored_columns": [],
        "header_row": 1,
        "errors": [
            {
                "row": 2,
                "column": "value",
                "code": "invalid_number",
                "message": "Row 2: “x” in “value” is not a number.",
            }
        ],
    }
    whole = rejected(db, b"", [(None, None, "empty_file")])
    assert whole.as_dict()["errors"] == [
        {"row": None, "column": None, "code": "empty_file", "message": "The file has no data rows."}
    ]


# -- messages name the header as the file wrote it --------------------------------------------------


def test_messages_name_the_japanese_header_of_a_long_file(db: Database) -> None:
    data = csv_bytes(
        JA_LONG_HEADER,
        "P1,joint_studies,2026-03-31,,",
        "P1,local_jobs,2026-03-31,約5,",
        "P1,patents,来期,1,",
        encoding="cp932",
    )
    expected = [
        (2, "value", "missing_value"),
        (3, "value", "invalid_number"),
        (4, "period_end", "invalid_date"),
    ]
    ja = rejected(db, data, expected, lang="ja")
    assert [e.message for e in ja.errors[:2]] == [
        "2 行目: 「実績値」が空欄です（必須）。",
        "3 行目: 「実績値」の「約5」は概数です。「約」を付けずに数値そのもの（例: 5）を入力してください。",
    ]
    assert ja.errors[2].message.startswith("4 行目: 「期末日」の「来期」は日付として読めません")
    en = rejected(db, data, expected, lang="en")
    assert en.errors[0].message == "Row 2: “実績値” is empty but required."
    other_alias = csv_bytes("プロジェクトコード,KPIコード,対象期間末日,値", "P1,joint_studies,2026-03-31,-1")
    result = rejected(db, other_alias, [(2, "value", "negative_value")], lang="ja")
    assert (
        result.errors[0].message == "2 行目: 「値」が -1 ですが、KPI「joint_studies」は負の値にできません。"
    )


def test_messages_name_the_japanese_kpi_header_of_a_wide_file(db: Database) -> None:
    data = csv_bytes("プロジェクトコード,期末日,共同研究の件数,local_jobs", "P1,2026-03-31,12個,-1")
    result = rejected(
        db, data, [(2, "joint_studies", "unit_mismatch"), (2, "local_jobs", "negative_value")], lang="ja"
    )
    assert [e.message for e in result.errors] == [
        "2 行目: 「共同研究の件数」の「12個」は単位が「個」ですが、指標「共同研究の件数」の単位は「件」です。"
        "「件」で書くか、数値だけを入力してください。",
        "2 行目: 「local_jobs」が -1 ですが、KPI「local_jobs」は負の値にできません。",
    ]


def test_japanese_messages_for_registry_errors(db: Database) -> None:
    data = csv_bytes(JA_LONG_HEADER, "P9,joint_studies,2026-03-31,1,", "P1,joint_studies,2027-03-31,1,")
    result = rejected(
        db, data, [(2, "project_code", "unknown_project"), (3, "period_end", "future_period")], lang="ja"
    )
    assert [e.message for e in result.errors] == [
        "2 行目: プロジェクト「P9」は登録されていません。",
        "3 行目: 2027-03-31 に終わる期間はまだ終わっていません（本日 2026-11-26）。",
    ]
