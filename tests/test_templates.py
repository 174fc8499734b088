"""Upload templates per project (issue 16): only the KPIs the project tracks, units in the headers,
an instructions sheet in the .xlsx; every template, filled with numbers, imports with no error."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.intake.service import import_file
from kpi.intake.templates import (
    FORMATS,
    LAYOUTS,
    YEAR_TABLE_FIXED,
    instructions_frame,
    template_bytes,
    template_frame,
    template_projects,
)
from kpi.storage import Database
from tests.conftest import DEMO_TODAY

ORG = "UNI-SETOUCHI"  # the demo partner's organization: P10 (from 2026-10-01), P18, P20
PARTNER = Actor("demo-partner", Role.PARTNER, ORG)


def test_the_projects_to_choose_from(demo_db: Database) -> None:
    assert template_projects(demo_db, ORG, "en", actor=PARTNER) == {
        "P10": "Offshore wind power coexisting with local fisheries",
        "P18": "Remote medication guidance and monitoring",
        "P20": "IoT buoys for water-temperature control in oyster farming",
    }
    with pytest.raises(Forbidden):
        template_projects(demo_db, "UNI-HOKUTO", "ja", actor=PARTNER)


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("ja", ["プロジェクトコード", "プロジェクト名", "期末日", "共同研究の件数（件）",
                "地域雇用の創出数（人）", "社会実装までの期間（か月）", "外部資金獲得額（百万円）", "備考"]),
        ("en", ["project_code", "project_name", "period_end", "joint_studies (studies)",
                "local_jobs (people)", "time_to_implementation (months)", "external_funding (million JPY)",
                "note"]),
    ],
)  # fmt: skip
def test_a_projects_template_has_only_its_kpis_with_their_units(
    demo_db: Database, lang: str, expected: list[str]
) -> None:
    # P20 tracks four KPIs: not P18's patents or user satisfaction.
    frame = template_frame(demo_db, ORG, lang, DEMO_TODAY, actor=PARTNER, project_code="P20")
    assert list(frame.columns) == expected
    assert frame.iloc[:, :3].values.tolist() == [
        ["P20", "IoTブイによる牡蠣養殖の水温管理" if lang == "ja" else
         "IoT buoys for water-temperature control in oyster farming", "2026-09-30"]]  # fmt: skip


def test_a_project_of_another_organization_is_refused(demo_db: Database) -> None:
    with pytest.raises(ValueError, match="P01"):  # UNI-SETOUCHI takes no part in P01
        template_frame(demo_db, ORG, "ja", DEMO_TODAY, actor=PARTNER, project_code="P01")


def _filled(frame: pd.DataFrame, layout: str) -> tuple[pd.DataFrame, int]:
    """Every KPI (or year) cell typed in as a number, 1, 2, 3 … down the rows; the count of cells."""
    filled = frame.copy()
    first = 3 if layout == "wide" else YEAR_TABLE_FIXED
    columns = [c for c in frame.columns[first:] if c not in ("備考", "note")]
    for column in columns:
        filled[column] = [str(n + 1) for n in range(len(frame))]
    return filled, len(columns) * len(frame)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_template_filled_with_numbers_imports_back(demo_db: Database, lang: str, layout: str) -> None:
    imported = {}
    for project in (None, "P10", "P18", "P20"):
        frame = template_frame(
            demo_db, ORG, lang, DEMO_TODAY, actor=PARTNER, layout=layout, project_code=project
        )
        if layout == "year_table" and project == "P10":  # starts 2026-10-01: no fiscal year has ended
            assert len(frame.columns) == YEAR_TABLE_FIXED
            continue
        instructions = instructions_frame(demo_db, ORG, lang, DEMO_TODAY, actor=PARTNER, layout=layout,
                                          project_code=project)  # fmt: skip
        filled, cells = _filled(frame, layout)
        for fmt in FORMATS:
            data = template_bytes(filled, fmt, instructions, lang)
            result = import_file(demo_db, data, file_name=f"t.{fmt}", organization_code=ORG, actor=PARTNER,
                                 lang=lang, today=DEMO_TODAY, dry_run=True)  # fmt: skip
            assert (result.status, result.errors, result.not_reported) == ("valid", [], 0), (project, fmt)
            assert result.inserted + result.updated + result.unchanged == cells
            imported[project, fmt] = (result.inserted, result.updated, result.unchanged)
    # P20's latest quarter is not reported yet (all new); P18's is (1 is new only where it differs).
    if layout == "wide":
        assert imported["P20", "xlsx"] == (4, 0, 0)
        assert imported["P18", "csv"] == (0, 4, 2)  # its joint studies and local jobs were 1 already
        # all projects: a row each with every KPI any of them tracks; P10's and P20's are new, P18's 2s differ
        assert imported[None, "csv-cp932"] == (6 + 6, 6, 0)


def test_the_xlsx_template(demo_db: Database) -> None:
    frame = template_frame(demo_db, ORG, "ja", DEMO_TODAY, actor=PARTNER, project_code="P18")
    instructions = instructions_frame(demo_db, ORG, "ja", DEMO_TODAY, actor=PARTNER, project_code="P18")
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(frame, "xlsx", instructions, "ja")))
    assert book.sheetnames == ["データ", "記入方法"]  # the importer reads the first sheet
    data = book["データ"]
    assert data.freeze_panes == "A2"
    assert [c.value for c in data[1]][3:5] == ["共同研究の件数（件）", "地域雇用の創出数（人）"]
    assert [c.value for c in data[2]][:3] == ["P18", "遠隔服薬指導と見守りの実証", "2026-09-30"]
    assert data.column_dimensions["F"].width >= 16  # 社会実装までの期間（か月） can be read
    notes = {row[0]: row[1] for row in book["記入方法"].iter_rows(min_row=2, values_only=True)}
    assert notes["報告機関"] == "瀬戸内海洋大学（UNI-SETOUCHI）"
    assert notes["プロジェクト"] == "P18 遠隔服薬指導と見守りの実証"
    assert notes["作成日"] == "2026-11-26"
    assert "「－」" in notes["報告しない値"] and "備考の列" in notes["備考"]
    assert "2026-09-30" in notes["入力するもの"] and "R8.3.31" in notes["期末日の書き方"]
    assert notes["利用者満足度（%）"] == "利用者満足度（satisfaction_rate）: 期末時点の値"
    assert (
        notes["共同研究の件数（件）"]
        == "共同研究の件数（joint_studies）: その期間に増えた分（累計ではありません）"
    )


def test_english_instructions(demo_db: Database) -> None:
    notes = instructions_frame(demo_db, ORG, "en", DEMO_TODAY, actor=PARTNER, layout="year_table")
    items = dict(zip(notes["Item"], notes["What to do"], strict=True))
    assert items["Reporting organization"] == "Setouchi Marine University (UNI-SETOUCHI)"
    assert list(notes["Item"]).count("Project") == 3  # all three projects
    assert "Year columns" in items and "Period end" not in items
    # the year table lists the KPIs a year's figure fits: the levels only
    assert [i for i in notes["Item"] if "(" in i] == [
        "time_to_implementation (months)",
        "satisfaction_rate (%)",
    ]
