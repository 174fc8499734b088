"""Soft checks (issue 16, kpi/progress/soft_checks.py): warnings with the status change they would cause."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from kpi.access import Actor
from kpi.commands.main import main
from kpi.progress.soft_checks import change_text, check_plan, check_values
from kpi.storage import Database
from kpi.storage.actuals import record_actuals
from kpi.storage.registry import append_target_version
from tests.conftest import table_counts
from tests.test_intake import TODAY, csv_bytes, registry_db

ADMIN = Actor.operator("admin@example")
SHORT, MID, LONG = date(2025, 3, 31), date(2027, 3, 31), date(2029, 3, 31)
NOW = datetime(2026, 11, 1, 9, 0)


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    """The intake tests' registry (P1, partners U1 and C1) with joint_studies reported by U1:
    46.4 in FY2024 and 100 in FY2025, so 146.4 to date, and P1's plan 0 → 50 → 100 → 210."""
    db = registry_db(fresh_db, tmp_path / "registry")
    rows = pd.DataFrame(
        {
            "project_code": "P1",
            "kpi_code": "joint_studies",
            "period_end": [date(2025, 3, 31), date(2026, 3, 31)],
            "organization_code": "U1",
            "value": [46.4, 100.0],
            "note": "",
        }
    )
    meant = {**plan(0, (SHORT, 50), (MID, 100), (LONG, 210)), "reason": "as agreed"}
    with db.transaction() as cursor:
        record_actuals(cursor, rows, actor="u1@example", source="form", now=NOW)
        append_target_version(cursor, meant, actor="lead@example", now=NOW)
    return db


def plan(baseline: float, *points: tuple[date, float]) -> dict[str, object]:
    return {
        "project_code": "P1",
        "kpi_code": "joint_studies",
        "baseline_value": baseline,
        "baseline_date": date(2024, 3, 31),
        "points": [{"day": day, "value": value, "horizon": None} for day, value in points],
    }


def test_twenty_instead_of_210_warns_with_the_732_percent_it_would_show(db: Database) -> None:
    typo = check_plan(
        db, "P1", "joint_studies", plan(0, (SHORT, 50), (MID, 100), (LONG, 20)), TODAY, "en", ADMIN
    )
    codes = [c.code for c in typo]
    assert codes == ["targets_out_of_order", "target_already_reached"]
    first = typo[0]
    assert "FY2028" in first.message and "20" in first.message and "100" in first.message
    # Now: 146.4 against the final target 210 → on track, 70 %; with 20: achieved, 732 %.
    assert (first.status_before, first.status_after) == ("on_track", "achieved")
    assert first.achievement_before == pytest.approx(146.4 / 210)
    assert first.achievement_after == pytest.approx(7.32)
    assert change_text(first, "en") == (
        "If saved: status On track → Achieved, final-target achievement 70% → 732%"
    )
    assert change_text(first, "ja") == "保存すると: 状況 順調 → 達成、最終目標の達成率 70% → 732%"
    # The plan as meant: 210 at the end reads 70 % and on track or behind, and warns of nothing.
    assert check_plan(db, "P1", "joint_studies", plan(0, (SHORT, 50), (MID, 100), (LONG, 210)), TODAY, "en",
                      ADMIN) == []  # fmt: skip
    # The preview wrote nothing: still one target version of P1 × joint_studies.
    with db.cursor() as cursor:
        versions = cursor.execute(
            "SELECT count(*) FROM target_versions WHERE project_code = 'P1' AND kpi_code = 'joint_studies'"
        ).fetchone()
    assert versions == (2,)


def test_a_point_below_the_baseline_warns_and_a_managed_decline_does_not(db: Database) -> None:
    dip = check_plan(db, "P1", "joint_studies", plan(10, (SHORT, 5), (LONG, 300)), TODAY, "ja", ADMIN)
    assert [c.code for c in dip] == ["targets_out_of_order", "target_worse_than_baseline"]
    assert "基準値 10" in dip[1].message
    # A population vision: 109,500 → 108,000 → 107,000 on purpose (SPEC: managed decline).
    decline = plan(109_500, (SHORT, 108_000), (LONG, 107_000))
    assert check_plan(db, "P1", "joint_studies", decline, TODAY, "en", ADMIN) == []


def values(*rows: tuple[str, str, date, str, float], written: list[str | None] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["project_code", "kpi_code", "period_end", "organization_code", "value"]
    )
    frame["note"] = ""
    if written is not None:
        frame["written"] = written
    return frame


def test_500_patents_for_a_kpi_p1_has_no_target_for(db: Database) -> None:
    found = check_values(db, values(("P1", "patents", date(2026, 9, 30), "C1", 500.0)), TODAY, "en", ADMIN)
    assert [c.code for c in found] == ["no_target"]
    assert "P1 has no target and no earlier report for Patent applications" in found[0].message
    assert "500" in found[0].message
    assert (found[0].status_before, found[0].status_after) == (None, "no_target")


def test_ten_times_the_history_and_a_lost_man_warn(db: Database) -> None:
    q2 = date(2026, 9, 30)
    found = check_values(db, values(("P1", "joint_studies", q2, "U1", 732.0)), TODAY, "en", ADMIN)
    assert [c.code for c in found] == ["far_from_history"]
    assert "median 73.2" in found[0].message and "10 times" in found[0].message
    # 146.4 + 732 against 210: on track, 70 % → achieved, 418 %.
    assert (found[0].status_before, found[0].status_after) == ("on_track", "achieved")
    assert found[0].achievement_after == pytest.approx((146.4 + 732) / 210)
    assert check_values(db, values(("P1", "joint_studies", q2, "U1", 80.0)), TODAY, "en", ADMIN) == []
    # 「7万」 read as 70,000: the scale word, and about 10,000 times the history (万 added).
    typed = values(("P1", "joint_studies", q2, "U1", 70_000.0), written=["7万"])
    assert [c.code for c in check_values(db, typed, TODAY, "ja", ADMIN)] == ["looks_scaled", "scale_word"]
    flipped = check_values(db, values(("P1", "joint_studies", q2, "U1", -50.0)), TODAY, "en", ADMIN)
    assert [c.code for c in flipped] == ["sign_flip"]


UNTRACKED = csv_bytes("project_code,kpi_code,period_end,value", "P1,patents,2026-09-30,500")


def test_the_command_line_refuses_warnings_unless_confirmed(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "patents.csv"
    path.write_bytes(UNTRACKED)
    before = table_counts(db)
    assert main(["import", str(path), "--org", "C1", "--db", db.path]) == 5
    out, err = capsys.readouterr()
    assert "P1 has no target and no earlier report for Patent applications" in out + err
    assert "--confirm-warnings" in err
    assert table_counts(db) == before  # refused: nothing written
    assert main(["import", str(path), "--org", "C1", "--db", db.path, "--dry-run", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["status"] == "valid" and [w["code"] for w in listed["warnings"]] == ["no_target"]
    assert main(["import", str(path), "--org", "C1", "--db", db.path, "--confirm-warnings"]) == 0
    assert "batch 1" in capsys.readouterr().out
    assert table_counts(db)["actual_versions"] == before["actual_versions"] + 1
