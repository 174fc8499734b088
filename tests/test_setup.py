"""python -m kpi setup: a registry loads whole or not at all, and every error is listed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import cast

import pandas as pd
import pytest

from kpi.access import Actor
from kpi.registry.setup import SetupResult, SetupUsageError, setup_registry
from kpi.storage import Database
from kpi.storage.registry import current_targets, read_table, target_history
from tests.conftest import table_counts

SAMPLE = Path(__file__).parent.parent / "data" / "sample_registry"

ORGS = """organization_code,name,name_en,sector,prefecture
U1,北浜工業大学,Kitahama Tech,academia,北海道
C1,株式会社そらテック,Sora Tech,industry,北海道
G1,浜野市,Hamano City,government,北海道
"""
PROJECTS = """project_code,name,field,prefecture,phase,start_date,end_date,lead_organization_code
P1,雪氷冷熱,エネルギー,北海道,demonstration,2024-04-01,2029-03-31,U1
"""
PARTNERS = """project_code,organization_code,role
P1,C1,共同研究機関
"""
TARGETS = """project_code,kpi_code,horizon,target_value,target_date,baseline_value,baseline_date,reason
P1,joint_studies,short,3,2025-03-31,0,2024-03-31,
P1,joint_studies,long,15,2029-03-31,0,2024-03-31,
"""


def write_registry(folder: Path, **files: str) -> Path:
    contents = {"organizations": ORGS, "projects": PROJECTS, "partners": PARTNERS, "targets": TARGETS}
    contents.update(files)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in contents.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def load(db: Database, folder: Path, lang: str = "en") -> SetupResult:
    return setup_registry(db, folder, actor=Actor.operator("lead@example"), lang=lang)


def test_sample_registry_loads_and_reloading_changes_nothing(fresh_db: Database) -> None:
    first = load(fresh_db, SAMPLE)
    assert first.status == "loaded", first.errors
    assert first.counts["organizations"]["inserted"] == 3
    assert first.counts["targets"]["inserted"] == 3
    before = table_counts(fresh_db)
    second = load(fresh_db, SAMPLE)
    assert second.status == "loaded"
    assert second.counts["targets"] == {"inserted": 0, "updated": 0, "unchanged": 3}
    assert second.counts["projects"] == {"inserted": 0, "updated": 0, "unchanged": 1}
    assert table_counts(fresh_db) == before


def test_lead_is_always_a_partner(fresh_db: Database, tmp_path: Path) -> None:
    assert load(fresh_db, write_registry(tmp_path)).status == "loaded"
    with fresh_db.cursor() as cursor:
        partners = read_table(cursor, "partners")
    assert set(zip(partners["project_code"], partners["organization_code"], strict=True)) == {
        ("P1", "C1"),
        ("P1", "U1"),
    }


def test_changed_target_is_a_revision_and_the_original_stays(fresh_db: Database, tmp_path: Path) -> None:
    load(fresh_db, write_registry(tmp_path / "a"))
    revised = TARGETS.replace(
        "P1,joint_studies,long,15,2029-03-31,0,2024-03-31,",
        "P1,joint_studies,long,20,2029-03-31,0,2024-03-31,二拠点目を追加",
    )
    result = load(fresh_db, write_registry(tmp_path / "b", targets=revised))
    assert result.counts["targets"] == {"inserted": 0, "updated": 1, "unchanged": 0}
    with fresh_db.cursor() as cursor:
        history = target_history(cursor, "P1")
        current = current_targets(cursor, "P1")
    assert list(history["version"]) == [1, 2]
    assert [_points(p) for p in history["points"]] == [
        [(date(2025, 3, 31), 3.0, "short"), (date(2029, 3, 31), 15.0, "long")],
        [(date(2025, 3, 31), 3.0, "short"), (date(2029, 3, 31), 20.0, "long")],
    ]
    assert history["reason"].iloc[1] == "二拠点目を追加"
    assert _points(current["points"].iloc[0])[-1] == (date(2029, 3, 31), 20.0, "long")


def test_horizon_missing_from_a_later_file_is_kept(fresh_db: Database, tmp_path: Path) -> None:
    load(fresh_db, write_registry(tmp_path / "a"))
    only_short = "\n".join(TARGETS.splitlines()[:2]) + "\n"
    result = load(fresh_db, write_registry(tmp_path / "b", targets=only_short))
    assert result.counts["targets"]["unchanged"] == 1
    with fresh_db.cursor() as cursor:
        points = _points(current_targets(cursor, "P1")["points"].iloc[0])
    assert points == [(date(2025, 3, 31), 3.0, "short"), (date(2029, 3, 31), 15.0, "long")]


def _points(stored: object) -> list[tuple[date, float, str | None]]:
    return [(p["day"], p["value"], p["horizon"]) for p in stored]  # type: ignore[attr-defined]


BAD_ORGS = ORGS + "X1,謎の機関,,university,東京都\nX2,,,industry,\n"
BAD_PROJECTS = PROJECTS + "P2,実証,AI,東京都,testing,2025/13/01,,NOPE\n"
BAD_PARTNERS = PARTNERS + "P9,C1,\nP1,Z9,\n"
BAD_TARGETS = (
    TARGETS
    + "P1,local_jobs,short,-5,2025-03-31,0,2024-03-31,\n"
    + "P1,local_jobs,mid,abc,2024-01-01,1,2024-03-31,\n"
    + "P1,patents,short,1,2025-03-31,0,2024-03-31,\n"
    + "P1,time_to_implementation,short,40,2027-03-31,60,2024-03-31,\n"
    + "P1,time_to_implementation,mid,30,2026-03-31,60,2024-03-31,\n"
    + "P1,time_to_implementation,yearly,30,2026-03-31,60,2024-03-31,\n"
)

EXPECTED_ERRORS = {
    ("organizations.csv", 5, "sector", "invalid_value"),
    ("organizations.csv", 6, "name", "missing_value"),
    ("organizations.csv", 6, "prefecture", "missing_value"),
    ("projects.csv", 3, "phase", "invalid_value"),
    ("projects.csv", 3, "start_date", "invalid_date"),
    ("projects.csv", 3, "lead_organization_code", "unknown_organization"),
    ("partners.csv", 3, "project_code", "unknown_project"),
    ("partners.csv", 4, "organization_code", "unknown_organization"),
    ("targets.csv", 4, "target_value", "negative_value"),
    ("targets.csv", 5, "target_value", "invalid_number"),
    ("targets.csv", 5, "baseline_value", "conflicting_baseline"),
    ("targets.csv", 6, "kpi_code", "unknown_kpi"),
    ("targets.csv", 8, "target_date", "target_order"),
    ("targets.csv", 9, "horizon", "invalid_value"),
}


def test_rejected_registry_lists_every_error_and_writes_nothing(fresh_db: Database, tmp_path: Path) -> None:
    load(fresh_db, SAMPLE)
    before = table_counts(fresh_db)
    folder = write_registry(
        tmp_path, organizations=BAD_ORGS, projects=BAD_PROJECTS, partners=BAD_PARTNERS, targets=BAD_TARGETS
    )
    result = load(fresh_db, folder)
    assert result.status == "rejected"
    found = {(e.file, e.row, e.column, e.code) for e in result.errors}
    assert found >= EXPECTED_ERRORS, EXPECTED_ERRORS - found
    assert table_counts(fresh_db) == before
    as_json = result.as_dict()["errors"][0]
    assert list(as_json) == ["file", "row", "column", "code", "message"]


def test_error_messages_follow_the_language(fresh_db: Database, tmp_path: Path) -> None:
    folder = write_registry(tmp_path, organizations=BAD_ORGS)
    japanese = load(fresh_db, folder, lang="ja")
    message = next(e.message for e in japanese.errors if e.code == "invalid_value")
    assert "5 行目" in message and "university" in message


def test_cp932_file_with_japanese_headers(fresh_db: Database, tmp_path: Path) -> None:
    folder = write_registry(tmp_path)
    (folder / "organizations.csv").write_bytes(
        "機関コード,名称,セクター,都道府県\r\nU1,髙橋工業大学①,学,北海道\r\nC1,㈱そら,産,北海道\r\n".encode(
            "cp932"
        )
    )
    result = load(fresh_db, folder)
    assert result.status == "loaded", result.errors
    with fresh_db.cursor() as cursor:
        organizations = read_table(cursor, "organizations").set_index("organization_code")
    assert organizations.loc["U1", "name_ja"] == "髙橋工業大学①"
    assert organizations.loc["C1", "sector"] == "industry"


@pytest.mark.parametrize(
    "file, text, code",
    [
        ("targets", "", "empty_file"),
        (
            "targets",
            "project_code,kpi_code,horizon,target_value,target_date,baseline_value,baseline_date\n",
            "empty_file",
        ),
        ("partners", "project_code,role\nP1,x\n", "missing_column"),
    ],
)
def test_whole_file_errors(fresh_db: Database, tmp_path: Path, file: str, text: str, code: str) -> None:
    result = load(fresh_db, write_registry(tmp_path, **{file: text}))
    assert result.status == "rejected"
    assert [(e.file, e.code) for e in result.errors] == [(f"{file}.csv", code)]
    assert table_counts(fresh_db)["projects"] == 0


def test_duplicate_rows(fresh_db: Database, tmp_path: Path) -> None:
    orgs = ORGS + "U1,別名大学,,academia,北海道\n" + "C1,株式会社そらテック,Sora Tech,industry,北海道\n"
    result = load(fresh_db, write_registry(tmp_path, organizations=orgs))
    assert [(e.row, e.code) for e in result.errors] == [(5, "duplicate_row")]


def test_missing_folder_or_file_is_a_usage_error(fresh_db: Database, tmp_path: Path) -> None:
    with pytest.raises(SetupUsageError):
        load(fresh_db, tmp_path / "nowhere")
    folder = write_registry(tmp_path / "reg")
    (folder / "partners.csv").unlink()
    with pytest.raises(SetupUsageError):
        load(fresh_db, folder)


def test_custom_kpis_and_builtin_rules(fresh_db: Database, tmp_path: Path) -> None:
    kpis = (
        "kpi_code,name_en,name_ja,unit,direction,accumulation,combine,allow_negative\n"
        "patents,Patent applications,特許出願件数,件,higher,sum,sum,false\n"
        "balance,Net balance,収支,百万円,higher,last,latest,true\n"
    )
    targets = TARGETS + "P1,balance,short,-3,2025-03-31,-10,2024-03-31,\n"
    assert load(fresh_db, write_registry(tmp_path / "a", kpis=kpis, targets=targets)).status == "loaded"
    builtin_change = kpis + "joint_studies,Joint studies,共同研究の件数,件,lower,sum,sum,false\n"
    result = load(fresh_db, write_registry(tmp_path / "b", kpis=builtin_change))
    assert [(e.file, e.row, e.column, e.code) for e in result.errors] == [
        ("kpis.csv", 4, "direction", "builtin_rule")
    ]


def test_every_write_is_audited(fresh_db: Database, tmp_path: Path) -> None:
    load(fresh_db, write_registry(tmp_path))
    with fresh_db.cursor() as cursor:
        rows = cursor.execute("SELECT actor, action, entity FROM audit_log ORDER BY id").fetchall()
    assert ("lead@example", "create", "organizations") in rows
    assert ("lead@example", "set_target", "targets") in rows
    assert {actor for actor, _, _ in rows} == {"lead@example"}


KPI_KINDS = (
    "kpi_code,name_en,name_ja,unit,direction,accumulation,combine,achievement,frequency\n"
    "rate,Employment rate,就職率,%,高いほど良い,水準,最新,比率,年次\n"
    "waiting,Waiting days,待機日数,日,低いほど良い,水準,最新,進捗,月次\n"
)


def test_japanese_values_and_period_labels(fresh_db: Database, tmp_path: Path) -> None:
    """SPEC 5: 累計/水準/年度計, 進捗/比率, 月次/四半期/年次, 短期/中期/長期 and 年度 labels as dates."""
    projects = PROJECTS.replace(",demonstration,", ",実証,")
    targets = (
        "project_code,kpi_code,horizon,target_value,target_date,baseline_value,baseline_date,reason\n"
        "P1,rate,,60,令和6年度,,,\n"
        "P1,rate,長期,70,FY2025,,,\n"
        "P1,waiting,短期,20,2025年度第2四半期,30,R6.3.31,\n"
    )
    result = load(fresh_db, write_registry(tmp_path, projects=projects, kpis=KPI_KINDS, targets=targets))
    assert result.status == "loaded", [e.message for e in result.errors]
    with fresh_db.cursor() as cursor:
        kpis = read_table(cursor, "kpi_definitions").set_index("kpi_code")
        current = current_targets(cursor, "P1").set_index("kpi_code")
        phase = read_table(cursor, "projects").set_index("project_code").loc["P1", "phase"]
    kinds = kpis.loc["rate", ["direction", "accumulation", "achievement", "frequency"]]
    assert isinstance(kinds, pd.Series) and kinds.tolist() == [
        "higher",
        "last",
        "ratio",
        "year",
    ]
    assert kpis.loc["waiting", "frequency"] == "month" and phase == "demonstration"
    assert pd.isna(cast("float | None", current.loc["rate", "baseline_value"]))  # no 基準値 for a ratio KPI
    assert _points(current.loc["rate", "points"]) == [
        (date(2025, 3, 31), 60.0, None),
        (date(2026, 3, 31), 70.0, "long"),
    ]
    assert _points(current.loc["waiting", "points"]) == [(date(2025, 9, 30), 20.0, "short")]


def test_plan_rules_in_the_registry(fresh_db: Database, tmp_path: Path) -> None:
    kpis = KPI_KINDS + "bad,Bad,比率の低い,件,低いほど良い,水準,最新,比率,四半期\n"
    targets = (
        "project_code,kpi_code,horizon,target_value,target_date,baseline_value,baseline_date,reason\n"
        "P1,joint_studies,,5,2026-03-31,,2024-03-31,\n"  # row 2: progress KPI without a baseline
        "P1,rate,,60,2026-03-31,,,\n"  # row 3
        "P1,rate,,65,2026-03-31,,,\n"  # row 4: a second target on the same date
        "P1,local_jobs,,10,2025,0,2024-03-31,\n"  # row 5: a bare year
        "P1,local_jobs,長期,8,2030-03-31,12,2024-03-31,\n"  # row 6: another baseline
    )
    before = table_counts(fresh_db)
    result = load(fresh_db, write_registry(tmp_path, kpis=kpis, targets=targets))
    assert result.status == "rejected"
    found = {(e.file, e.row, e.column, e.code) for e in result.errors}
    assert found == {
        ("kpis.csv", 4, "achievement", "invalid_value"),  # ratio for a lower-is-better KPI
        ("targets.csv", 2, "baseline_value", "missing_value"),
        ("targets.csv", 4, "target_date", "duplicate_row"),
        ("targets.csv", 5, "target_date", "ambiguous_period"),
        ("targets.csv", 6, "baseline_value", "conflicting_baseline"),
    }
    bare = next(e for e in result.errors if e.code == "ambiguous_period")
    assert "2025年度" in bare.message and "2025年" in bare.message
    assert table_counts(fresh_db) == before


def test_managed_decline_is_a_valid_plan(fresh_db: Database, tmp_path: Path) -> None:
    targets = TARGETS + "P1,local_jobs,長期,8,2030年度,12,令和5年度,雇用の減少を抑える\n"
    result = load(fresh_db, write_registry(tmp_path, targets=targets))
    assert result.status == "loaded", [e.message for e in result.errors]
