"""python -m kpi agreements import / meetings import / partners timeline (SPEC sections 5 and 8):
exit codes 0/1/2, the JSON objects, the samples as users get them, and `--help` without DuckDB."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kpi.commands.main import main
from kpi.storage import Database
from tests.test_cli_startup import kpi_process
from tests.test_partnership_imports import COMMISSIONED, HEADER, JOINT, bad_rows, counts, csv_bytes

ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "samples"
IMPORT_KEYS = [
    "status",
    "rows",
    "records",
    "created",
    "revised",
    "unchanged",
    "header_row",
    "skipped_rows",
    "ignored_columns",
    "errors",
]


@pytest.fixture
def db_path(demo_db_path: Path, tmp_path: Path) -> str:
    """A copy of the demo (its own agreements and meetings included: the samples use other codes)."""
    path = tmp_path / "cli.duckdb"
    shutil.copyfile(demo_db_path, path)
    return str(path)


def run(capsys: pytest.CaptureFixture[str], db_path: str, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--db", db_path])
    out, err = capsys.readouterr()
    return code, out, err


def stored_counts(db_path: str) -> dict[str, int]:
    db = Database(db_path)
    try:
        return counts(db)
    finally:
        db.close()


def test_the_samples_import_and_import_again_unchanged(
    capsys: pytest.CaptureFixture[str], db_path: str
) -> None:
    code, out, err = run(capsys, db_path, "agreements", "import", str(SAMPLES / "agreements.csv"), "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert list(result) == IMPORT_KEYS
    assert result | {"skipped_rows": None} == {
        "status": "imported",
        "rows": 5,
        "records": 5,
        "created": 5,
        "revised": 0,
        "unchanged": 0,
        "header_row": 2,
        "skipped_rows": None,
        "ignored_columns": [],
        "errors": [],
    }
    assert result["skipped_rows"] == [{"row": 1, "reason": "above_header"}]
    code, out, _ = run(capsys, db_path, "meetings", "import", str(SAMPLES / "meetings.csv"), "--json")
    assert code == 0 and {k: json.loads(out)[k] for k in ("rows", "records", "created")} == {
        "rows": 6,
        "records": 4,
        "created": 4,
    }
    before = stored_counts(db_path)
    code, out, _ = run(capsys, db_path, "meetings", "import", str(SAMPLES / "meetings.csv"), "--lang", "en")
    assert code == 0
    assert (
        out.splitlines()[0]
        == "Imported meetings.csv: 0 new, 0 revised, 4 unchanged (4 meeting(s), 6 data rows)."
    )
    assert stored_counts(db_path) == before


def test_dry_run_and_text_output(capsys: pytest.CaptureFixture[str], db_path: str, tmp_path: Path) -> None:
    before = stored_counts(db_path)
    code, out, _ = run(
        capsys, db_path, "agreements", "import", str(SAMPLES / "agreements.csv"), "--dry-run", "--lang", "ja"
    )
    assert code == 0
    assert out.splitlines() == [
        "agreements.csv は取り込めます（試行のため何も書き込んでいません）: "
        "新規 5 件、改訂 0 件、変更なし 0 件（契約・協定 5 件、データ 5 行）。",
        "見出し行: 2 行目。",
        "読み飛ばした行: 1（見出し行より上）。",
    ]
    assert stored_counts(db_path) == before


def test_a_rejected_file_exits_1_with_every_error(
    capsys: pytest.CaptureFixture[str], db_path: str, tmp_path: Path
) -> None:
    path = tmp_path / "契約.csv"
    path.write_bytes(bad_rows())
    before = stored_counts(db_path)
    code, out, _ = run(capsys, db_path, "agreements", "import", str(path), "--json")
    assert code == 1
    result = json.loads(out)
    assert result["status"] == "rejected" and result["created"] == 0
    assert [(e["row"], e["column"], e["code"]) for e in result["errors"]] == [
        (2, "ip_shares", "joint_shares"),
        (3, "parties", "unknown_organization"),
        (4, "ends_on", "end_before_start"),
    ]
    assert list(result["errors"][0]) == ["row", "column", "code", "message"]
    code, out, _ = run(capsys, db_path, "agreements", "import", str(path), "--lang", "en")
    assert code == 1
    lines = out.splitlines()
    assert (
        lines[0]
        == "契約.csv was not imported (3 error(s)); nothing was written. Fix these and import it again:"
    )
    assert lines[1].startswith("  [joint_shares] Row 2: Joint ownership")
    assert stored_counts(db_path) == before


def test_a_changed_row_is_revised(capsys: pytest.CaptureFixture[str], db_path: str, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([HEADER, JOINT, COMMISSIONED]))
    assert run(capsys, db_path, "agreements", "import", str(path))[0] == 0
    changed = list(COMMISSIONED)
    changed[9] = "60日"
    path.write_bytes(csv_bytes([HEADER, JOINT, changed]))
    code, out, _ = run(capsys, db_path, "agreements", "import", str(path), "--json")
    assert code == 0 and (json.loads(out)["revised"], json.loads(out)["unchanged"]) == (1, 1)


def test_an_unreadable_file_is_a_usage_error(capsys: pytest.CaptureFixture[str], db_path: str) -> None:
    code, out, err = run(capsys, db_path, "meetings", "import", "/nonexistent/会議.csv")
    assert (code, out) == (2, "") and "/nonexistent/会議.csv" in err


def test_the_timeline_of_an_organization(capsys: pytest.CaptureFixture[str], db_path: str) -> None:
    run(capsys, db_path, "agreements", "import", str(SAMPLES / "agreements.csv"))
    run(capsys, db_path, "meetings", "import", str(SAMPLES / "meetings.csv"))
    code, out, err = run(
        capsys,
        db_path,
        "partners",
        "timeline",
        "ＵＮＩ－ＴＯＴＯ",
        "--json",
        "--as-of",
        "2026-11-26",
        "--lang",
        "ja",
    )
    assert (code, err) == (0, "")
    timeline = json.loads(out)
    assert list(timeline) == ["organization_code", "name", "as_of", "events", "projects", "collaborators"]
    assert (timeline["organization_code"], timeline["name"], timeline["as_of"]) == (
        "UNI-TOTO",
        "東都理工大学",
        "2026-11-26",
    )
    refs = {e["ref"]: e for e in timeline["events"]}
    assert refs["MOU-P17-01"] | {"detail": None} == {
        "day": "2025-12-15",
        "kind": "agreement_mou",
        "project_code": "P17",
        "project_name": "山岳観光の混雑予測と分散誘導",
        "title": "山岳観光の混雑予測と分散誘導に関する連携の覚書",
        "detail": None,
        "ref": "MOU-P17-01",
    }
    assert refs["P17-20260420-regular"]["day"] == "2026-04-20"
    days = [e["day"] for e in timeline["events"]]
    assert days == sorted(days)
    assert {p["project_code"] for p in timeline["projects"]} == {"P07", "P12", "P17"}
    assert all(isinstance(p["start_date"], str) for p in timeline["projects"])
    assert timeline["collaborators"][0]["organization_code"] == "CO-SORANE"
    code, out, _ = run(
        capsys, db_path, "partners", "timeline", "UNI-TOTO", "--as-of", "2026-06-30", "--lang", "en"
    )
    assert code == 0
    assert (
        out.splitlines()[0]
        == "Toto University of Science and Engineering (UNI-TOTO): relationship timeline as of 2026-06-30"
    )
    assert "2026-04-20" in out and "2026-07-22" not in out  # meetings after the as-of date are left out


def test_an_unknown_organization_is_a_usage_error(capsys: pytest.CaptureFixture[str], db_path: str) -> None:
    code, out, err = run(capsys, db_path, "partners", "timeline", "NOWHERE", "--lang", "en")
    assert (code, out) == (2, "")
    assert err.strip() == "error: organization “NOWHERE” is not registered"
    assert run(capsys, db_path, "partners", "timeline", "UNI-TOTO", "--as-of", "someday")[0] == 2


@pytest.mark.parametrize("argv", [("agreements", "import", "--help"), ("partners", "timeline", "--help")])
def test_help_loads_no_duckdb(argv: tuple[str, ...]) -> None:
    result, packages = kpi_process(*argv)
    assert result.returncode == 0, result.stderr
    assert not {"duckdb", "pandas"} & packages
