"""The sample files the README names (samples/): what the demo partner (demo-partner, UNI-SETOUCHI)
would send for its own projects, imported as that partner into a copy of the demo database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kpi.access import Actor, Role
from kpi.intake.service import import_file, layout_lines
from kpi.storage import Database
from tests.conftest import DEMO_TODAY

SAMPLES = Path(__file__).parent.parent / "samples"
PARTNER = Actor("demo-partner", Role.PARTNER, "UNI-SETOUCHI")


@pytest.mark.parametrize(
    "name, project, counts, lines",
    [
        # P18 and P20's quarter to 2026-09-30 under a title, units in the headers, a 合計 row:
        # P20's two figures are new (its local jobs 「－」, P20 tracks no satisfaction), P18's funding
        # and satisfaction changed, its studies and jobs are the same (their note is revised).
        ("setouchi_wide_2026q2_cp932.csv", None, ("wide", 2, 2, 2, 2), [
            "見出し行: 3 行目。", "読み飛ばした行: 1–2（見出し行より上）、6（合計の行）。",
            "取り込まない列（担当者のメモ欄）: プロジェクト名。", "未報告のセル（空欄または「－」）: 2 件。",
            "値は同じで備考だけ変わったもの（備考の改訂として記録）: 2 件。"]),
        # P20's time to implementation is new; P18's patents and P20's June funding corrected.
        ("setouchi_long.xlsx", None, ("long", 4, 1, 2, 1), []),
        # P20's 効果検証 sheet, the project chosen on upload: FY2024 and FY2025 are new.
        ("setouchi_year_table_p20_cp932.csv", "P20", ("year_table", 1, 2, 0, 0), [
            "見出し行: 2 行目。", "読み飛ばした行: 1（見出し行より上）。",
            "取り込まない列（担当者のメモ欄）: 単位、基準値、目標値、達成率、備考。",
            "未報告のセル（空欄または「－」）: 1 件。"]),
    ],
)  # fmt: skip
def test_sample(
    demo_db_path: Path, tmp_path: Path, name: str, project: str | None,
    counts: tuple[str, int, int, int, int], lines: list[str],
) -> None:  # fmt: skip
    copy = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db_path, copy)
    db = Database(copy)
    data = (SAMPLES / name).read_bytes()
    results = [
        import_file(db, data, file_name=name, organization_code="UNI-SETOUCHI", actor=PARTNER, lang="ja",
                    today=DEMO_TODAY, dry_run=dry_run, project_code=project)
        for dry_run in (True, False)
    ]  # fmt: skip
    for result, status in zip(results, ("valid", "imported"), strict=True):
        assert result.status == status and result.errors == [], [e.message for e in result.errors]
        assert (result.format, result.rows, result.inserted, result.updated, result.unchanged) == counts
        assert layout_lines(result, "ja") == lines
    again = import_file(db, data, file_name=name, organization_code="UNI-SETOUCHI", actor=PARTNER, lang="ja",
                        today=DEMO_TODAY, project_code=project)  # fmt: skip
    assert (again.status, again.batch_id) == ("duplicate", results[1].batch_id)
    db.close()
