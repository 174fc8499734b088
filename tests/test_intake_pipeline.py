"""Issue 17: an upload goes through kpi.intake.PIPELINE's stages in order, each entered once.

import_file is traced (tests/intake_trace.py) while it imports a long CSV, a kept CP932 file with
a title row, a 単位 row and a 合計 row, and an .xlsx year table: the stage modules it enters,
leaves and the driver left out, are the declared pipeline, no module twice, and nothing climbs
out of intake between the first stage and the last.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kpi.access import Actor
from kpi.intake import DRIVER, LEAVES, PIPELINE, STAGE_MODULES
from kpi.intake.service import ImportResult, import_file
from kpi.registry.setup import setup_registry
from kpi.storage import Database
from tests.intake_trace import climbs_between_stages, intake_modules, path, stages, traced
from tests.pg_support import both_engines
from tests.test_intake_kept import REAL, REGISTRY
from tests.xlsx_files import xlsx_bytes

pytestmark = both_engines

TODAY = date(2026, 11, 26)
OPERATOR = Actor.operator("officer@example")
LONG = "project_code,kpi_code,period_end,value,note\nMATSUDO-SOSEI1,births,2024-03-31,3500,\n"
YEAR_TABLE = xlsx_bytes([
    ["令和元年度 地方創生事業 効果検証シート"],
    ["指標名", "単位", "令和元年度", "備考"],
    ["登録店舗数", "店舗", 101, "新規登録数"],
    ["年間閲覧件数", "回", 10155, None],
])  # fmt: skip
READ = ["table", "layout", "cell_limits", "parse"]  # the stage modules every file enters
# name → (bytes, the upload's project, the stage modules entered, what was read)
FILES = {
    "long_csv": (LONG.encode(), None, ["decode", *READ, "columnar", "validate"], ("long", 1, 1)),
    "kept_cp932": ((REAL / "matsudo_sosei_wide_cp932.csv").read_bytes(), None, ["decode", *READ, "validate"],
                   ("wide", 2, 7)),
    "xlsx_year_table": (YEAR_TABLE, "SHOP-SITE", ["decode", "xlsx", *READ, "year_table", "validate"],
                        ("year_table", 2, 2)),
}  # fmt: skip


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    for name, text in REGISTRY.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    assert setup_registry(fresh_db, tmp_path, actor=OPERATOR, lang="en").status == "loaded"
    return fresh_db


def test_the_declared_pipeline_names_every_intake_module_once() -> None:
    assert tuple(STAGE_MODULES) == PIPELINE
    modules = [m for stage in PIPELINE for m in STAGE_MODULES[stage]]
    assert len(modules) == len(set(modules)) and not set(modules) & {*LEAVES, *DRIVER}
    folder = Path(__file__).parent.parent / "kpi" / "intake"
    pipeline_files = {*modules, *LEAVES, *DRIVER}
    # The other modules of intake are no part of an upload's path (templates, pages' helpers).
    assert pipeline_files <= {p.stem for p in folder.glob("*.py")}
    assert {p.stem for p in folder.glob("*.py")} - pipeline_files == {"__init__", "error_report", "templates",
                                                                      "uploads"}  # fmt: skip


@pytest.mark.parametrize("name", list(FILES))
def test_an_import_enters_each_stage_once_in_order(db: Database, name: str) -> None:
    data, project, modules, (layout, header_row, inserted) = FILES[name]

    def upload() -> ImportResult:
        return import_file(db, data, file_name=name, organization_code="MATSUDO-CITY", actor=OPERATOR,
                           lang="en", today=TODAY, project_code=project)  # fmt: skip

    result, visits = traced(upload)
    assert result.status == "imported", result.errors
    assert (result.format, result.header_row, result.inserted) == (layout, header_row, inserted)
    assert stages(visits) == list(PIPELINE), path(visits)
    assert intake_modules(visits) == modules, path(visits)
    assert climbs_between_stages(visits) == [], path(visits)
    # The registry is read before the first stage and the batch written after the last.
    steps = path(visits)
    assert steps[0] == "service" and any(s.startswith("^storage") for s in steps[steps.index("validate") :])
