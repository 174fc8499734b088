"""python -m kpi setup: target and baseline values typed as in partner files (SPEC sections 4, 5).

▲ for a minus, a unit after the number when it is the KPI's own, scale words (千円, 万円, 億円) in
a 円 or 百万円 KPI's unit, 「－」 for an empty cell; 約 and other units are errors naming the cell.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kpi.access import Actor
from kpi.commands.main import main
from kpi.registry.setup import SetupResult, setup_registry
from kpi.storage import Database
from kpi.storage.registry import current_targets
from tests.conftest import table_counts
from tests.test_setup import write_registry

KPIS = """kpi_code,name_en,name_ja,unit,unit_en,direction,accumulation,combine,allow_negative,achievement
budget,Project budget,事業費,円,yen,higher,sum,sum,false,progress
balance,Net balance,収支,百万円,million yen,higher,last,latest,true,progress
grant,Grants received,補助金額,千円,thousand yen,higher,sum,sum,false,progress
rate,Employment rate,就職率,%,%,higher,last,latest,false,ratio
"""

HEADER = "project_code,kpi_code,horizon,target_value,target_date,baseline_value,baseline_date,reason\n"
TYPED = HEADER + (
    'P1,budget,short,272万円,2025-03-31,"1,000千円",2024-03-31,\n'
    'P1,budget,long,484億3600万円,2029-03-31,"1,000千円",2024-03-31,\n'
    'P1,balance,short,"▲1,577",2025-03-31,▲1.5億円,2024-03-31,\n'
    'P1,balance,long,"△ 2,720千円",2029-03-31,▲1.5億円,2024-03-31,\n'
    'P1,grant,,272万円,令和6年度,"2,720千",2024-03-31,\n'
    'P1,grant,,1.5億円,令和7年度,"2,720千",2024-03-31,\n'
    "P1,rate,,52.2%,令和6年度,－,－,\n"
    "P1,rate,長期,６０．５％,FY2025,－,－,\n"
    "P1,joint_studies,short,3件,2025-03-31,0件,2024-03-31,\n"
    "P1,time_to_implementation,long,40ヶ月,2029-03-31,60か月,2024-03-31,\n"
    'P1,local_jobs,long,"1,234人",2029-03-31,0人,2024-03-31,\n'
)


def load(db: Database, folder: Path, lang: str = "en") -> SetupResult:
    return setup_registry(db, folder, actor=Actor.operator("lead@example"), lang=lang)


def plans(db: Database) -> dict[str, tuple[float | None, list[tuple[date, float, str | None]]]]:
    with db.cursor() as cursor:
        current = current_targets(cursor, "P1").set_index("kpi_code")
    return {
        str(code): (
            None if pd.isna(row["baseline_value"]) else row["baseline_value"],
            [(p["day"], p["value"], p["horizon"]) for p in row["points"]],
        )
        for code, row in current.iterrows()
    }


def test_values_as_people_type_them_are_stored_in_the_kpis_unit(fresh_db: Database, tmp_path: Path) -> None:
    result = load(fresh_db, write_registry(tmp_path, kpis=KPIS, targets=TYPED))
    assert result.status == "loaded", [(e.row, e.column, e.message) for e in result.errors]
    assert result.counts["targets"] == {"inserted": 7, "updated": 0, "unchanged": 0}
    assert plans(fresh_db) == {
        # 円: scale words multiply out
        "budget": (
            1_000_000.0,
            [(date(2025, 3, 31), 2_720_000.0, "short"), (date(2029, 3, 31), 48_436_000_000.0, "long")],
        ),
        # 百万円: ▲/△ are minus signs; a plain number is already in 百万円, 億円 and 千円 convert
        "balance": (-150.0, [(date(2025, 3, 31), -1577.0, "short"), (date(2029, 3, 31), -2.72, "long")]),
        # 千円: 万円 and 億円 convert; 2,720千 (a scale word alone) is 2,720 thousand
        "grant": (2720.0, [(date(2025, 3, 31), 2720.0, None), (date(2026, 3, 31), 150_000.0, None)]),
        # %: exactly 52.2, and 「－」 for the ratio KPI's baseline and its date
        "rate": (None, [(date(2025, 3, 31), 52.2, None), (date(2026, 3, 31), 60.5, "long")]),
        "joint_studies": (0.0, [(date(2025, 3, 31), 3.0, "short")]),
        "time_to_implementation": (60.0, [(date(2029, 3, 31), 40.0, "long")]),
        "local_jobs": (0.0, [(date(2029, 3, 31), 1234.0, "long")]),
    }


def test_the_same_amount_written_another_way_changes_nothing(fresh_db: Database, tmp_path: Path) -> None:
    targets = HEADER + (
        'P1,budget,short,272万円,2025-03-31,"1,000千円",2024-03-31,\n'
        'P1,grant,,0.272万円,2025年度,"2,720千",2024-03-31,\n'
        "P1,rate,,52.2%,令和6年度,－,－,\n"
    )
    assert load(fresh_db, write_registry(tmp_path / "a", kpis=KPIS, targets=targets)).status == "loaded"
    before = table_counts(fresh_db)
    again = HEADER + (
        'P1,budget,short,"2,720,000",2025-03-31,100万円,2024-03-31,\n'
        'P1,grant,,"2,720円",2025年度,272万円,2024-03-31,\n'
        "P1,rate,,52.2,令和6年度,,,\n"
    )
    # no kpis.csv this time: the units come from the catalog in the database
    result = load(fresh_db, write_registry(tmp_path / "b", targets=again))
    assert result.status == "loaded", [e.message for e in result.errors]
    assert result.counts["targets"] == {"inserted": 0, "updated": 0, "unchanged": 3}
    assert table_counts(fresh_db) == before


REJECTED = HEADER + (
    "P1,budget,short,約467万円,2025-03-31,0,2024-03-31,\n"  # row 2
    "P1,budget,long,500万人,2029-03-31,0,2024-03-31,\n"  # row 3: 人 for a 円 KPI
    "P1,rate,,52.2人,令和6年度,－,－,\n"  # row 4
    "P1,rate,長期,5.9‰,FY2025,－,－,\n"  # row 5: per mille for a % KPI
    "P1,grant,,3600万484億円,2025年度,467程度,2024-03-31,\n"  # row 6: scales out of order; a hedge
    "P1,joint_studies,short,12 件,2025-03-31,－,2024-03-31,\n"  # row 7: 「－」 is empty, and required
    "P1,local_jobs,short,－,2025-03-31,0,2024-03-31,\n"  # row 8: a date without a target
    "P1,nope,short,12件,2025-03-31,0,2024-03-31,\n"  # row 9: unknown KPI, its unit not checked
    "P1,time_to_implementation,short,3年,2025-03-31,1e2,2024-03-31,\n"  # row 10
)
REJECTED_ERRORS = [
    (2, "target_value", "invalid_number"),
    (3, "target_value", "unit_mismatch"),
    (4, "target_value", "unit_mismatch"),
    (5, "target_value", "unit_mismatch"),
    (6, "target_value", "invalid_number"),
    (6, "baseline_value", "invalid_number"),
    (8, "target_value", "missing_value"),
    (10, "target_value", "unit_mismatch"),
    (10, "baseline_value", "invalid_number"),
    (9, "kpi_code", "unknown_kpi"),
    (7, "baseline_value", "missing_value"),
]


def test_hedges_and_other_units_are_rejected_and_nothing_is_written(
    fresh_db: Database, tmp_path: Path
) -> None:
    assert load(fresh_db, write_registry(tmp_path / "a", kpis=KPIS)).status == "loaded"
    before = table_counts(fresh_db)
    result = load(fresh_db, write_registry(tmp_path / "b", kpis=KPIS, targets=REJECTED))
    assert result.status == "rejected"
    assert [(e.file, e.row, e.column, e.code) for e in result.errors] == [
        ("targets.csv", *error) for error in REJECTED_ERRORS
    ]
    assert table_counts(fresh_db) == before
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(2, "target_value")] == (
        "Row 2: “約467万円” in “target_value” is an approximate figure. Enter the figure itself,"
        " without 約 (for example 467万円)."
    )
    assert messages[(6, "baseline_value")].endswith("(for example 467).")
    assert messages[(3, "target_value")] == (
        "Row 3: “500万人” in “target_value” is written in 人, but KPI “Project budget” is counted in 円."
        " Write the figure in 円, or the number alone."
    )
    assert "written in ‰, but KPI “Employment rate” is counted in %" in messages[(5, "target_value")]
    assert (
        "written in 年, but KPI “Time to social implementation” is counted in か月"
        in (messages[(10, "target_value")])
    )
    assert messages[(6, "target_value")] == "Row 6: “3600万484億円” in “target_value” is not a number."


def test_messages_in_japanese_name_the_kpi_in_japanese(fresh_db: Database, tmp_path: Path) -> None:
    targets = HEADER + "P1,rate,,52.2人,令和6年度,－,－,\nP1,rate,長期,約60%,FY2025,－,－,\n"
    result = load(fresh_db, write_registry(tmp_path, kpis=KPIS, targets=targets), lang="ja")
    assert [e.message for e in result.errors] == [
        "2 行目: 「target_value」の「52.2人」は単位が「人」ですが、指標「就職率」の単位は「%」です。"
        "「%」で書くか、数値だけを入力してください。",
        "3 行目: 「target_value」の「約60%」は概数です。"
        "「約」を付けずに数値そのもの（例: 60%）を入力してください。",
    ]


def test_japanese_headers_and_full_width_values(fresh_db: Database, tmp_path: Path) -> None:
    targets = (
        "プロジェクトコード,KPIコード,期間区分,目標値,目標年度,基準値,基準年度\n"
        "P1,grant,短期,１，５００万円,令和6年度,５００千円,令和5年度\n"
        "P1,grant,長期,約３億円,令和10年度,５００千円,令和5年度\n"
    )
    result = load(fresh_db, write_registry(tmp_path, kpis=KPIS, targets=targets), lang="ja")
    assert [(e.row, e.column, e.code) for e in result.errors] == [(3, "target_value", "invalid_number")]
    assert "「目標値」の「約３億円」は概数です" in result.errors[0].message
    assert "（例: 3億円）" in result.errors[0].message


def test_a_unit_kpis_csv_changes_applies_to_the_same_files_targets(
    fresh_db: Database, tmp_path: Path
) -> None:
    first = load(fresh_db, write_registry(tmp_path / "a", kpis=KPIS))
    assert first.status == "loaded"
    in_millions = KPIS.replace(
        "budget,Project budget,事業費,円,yen", "budget,Project budget,事業費,百万円,million yen"
    )
    targets = HEADER + "P1,budget,short,1.5億円,2025-03-31,0円,2024-03-31,\n"
    result = load(fresh_db, write_registry(tmp_path / "b", kpis=in_millions, targets=targets))
    assert result.status == "loaded", [e.message for e in result.errors]
    assert plans(fresh_db)["budget"] == (0.0, [(date(2025, 3, 31), 150.0, "short")])


@pytest.mark.parametrize("mark", ["－", "-", "—", "―", "‐", "–", "\u2212", "該当なし", "N/A", "n/a"])
def test_every_not_reported_mark_is_an_empty_baseline(fresh_db: Database, tmp_path: Path, mark: str) -> None:
    targets = HEADER + f"P1,rate,,52.2%,令和6年度,{mark},{mark},\n"
    result = load(fresh_db, write_registry(tmp_path, kpis=KPIS, targets=targets))
    assert result.status == "loaded", [e.message for e in result.errors]
    assert plans(fresh_db)["rate"] == (None, [(date(2025, 3, 31), 52.2, None)])


def test_the_command_line_reports_the_cells(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path
) -> None:
    assert main(["init", "--db", str(db_path)]) == 0
    targets = HEADER + "P1,rate,,約52%,令和6年度,－,－,\nP1,rate,長期,60人,FY2025,－,－,\n"
    folder = write_registry(tmp_path, kpis=KPIS, targets=targets)
    capsys.readouterr()
    code = main(["setup", str(folder), "--db", str(db_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["status"] == "rejected"
    assert [(e["file"], e["row"], e["column"], e["code"]) for e in report["errors"]] == [
        ("targets.csv", 2, "target_value", "invalid_number"),
        ("targets.csv", 3, "target_value", "unit_mismatch"),
    ]
