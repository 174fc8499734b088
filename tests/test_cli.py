"""python -m kpi, driven through main() in-process and once as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kpi.commands.main import main
from tests.conftest import table_counts
from tests.test_setup import BAD_ORGS, SAMPLE, write_registry

ROOT = Path(__file__).parent.parent


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_creates_and_migrates(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    code, out, _ = run(capsys, "init", "--db", str(db_path))
    assert code == 0 and db_path.exists()
    assert "0001_initial.sql" in out
    code, out, _ = run(capsys, "init", "--db", str(db_path))
    assert code == 0 and "0001_initial.sql" not in out  # already applied, nothing new


def test_database_from_environment(
    capsys: pytest.CaptureFixture[str], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_DB", str(db_path))
    assert run(capsys, "init")[0] == 0
    assert db_path.exists()


def test_status_without_database_is_a_clear_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _out, err = run(capsys, "status", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2
    assert "python -m kpi init" in err
    assert not (tmp_path / "none.duckdb").exists()


def test_setup_exit_codes_and_json(capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path) -> None:
    run(capsys, "init", "--db", str(db_path))
    code, out, _ = run(capsys, "setup", str(SAMPLE), "--db", str(db_path), "--json")
    assert code == 0
    assert json.loads(out)["status"] == "loaded"

    from kpi.storage import Database

    before = table_counts(Database(db_path))
    bad = write_registry(tmp_path / "bad", organizations=BAD_ORGS)
    code, out, _ = run(capsys, "setup", str(bad), "--db", str(db_path), "--json")
    report = json.loads(out)
    assert code == 1 and report["status"] == "rejected"
    assert {"file": "organizations.csv", "row": 5, "column": "sector", "code": "invalid_value"}.items() <= (
        report["errors"][0].items()
    )
    assert table_counts(Database(db_path)) == before

    code, out, _ = run(capsys, "setup", str(bad), "--db", str(db_path), "--lang", "ja")
    assert code == 1 and "何も書き込んでいません" in out and "invalid_value" in out
    assert run(capsys, "setup", str(tmp_path / "missing"), "--db", str(db_path))[0] == 2


def test_status_json_contract(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    run(capsys, "init", "--db", str(db_path))
    run(capsys, "setup", str(SAMPLE), "--db", str(db_path))
    code, out, _ = run(capsys, "status", "--db", str(db_path), "--json", "--as-of", "2026-03-31")
    rows = json.loads(out)
    assert code == 0
    assert [(r["project_code"], r["kpi_code"]) for r in rows] == sorted(
        (r["project_code"], r["kpi_code"]) for r in rows
    )
    first = rows[0]
    assert list(first) == [
        "project_code",
        "kpi_code",
        "as_of",
        "value",
        "baseline",
        "expected",
        "plan_progress",
        "status",
        "last_period_end",
        "achievement",
        "forecast",
        "final_target",
        "final_achievement",
        "year_in_view",
        "grade",
    ]
    assert first["as_of"] == "2026-03-31"
    assert first["status"] == "no_data" and first["value"] is None
    assert set(first["achievement"]) == {"short", "mid", "long"}
    local_jobs = next(r for r in rows if r["kpi_code"] == "local_jobs")
    assert local_jobs["achievement"]["short"] is None  # no short horizon for that KPI
    # The plan: 0 → 20 between 2024-03-31 and 2027-03-31, at 2026-03-31 (730 of 1095 days).
    assert local_jobs["expected"] == pytest.approx(20 * 730 / 1095)


def test_status_rejects_a_bad_date(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    run(capsys, "init", "--db", str(db_path))
    assert run(capsys, "status", "--db", str(db_path), "--as-of", "yesterday")[0] == 2


def test_busy_database_waits_then_fails_cleanly(db_path: Path) -> None:
    """Another process holding the file: a clear message and exit code 3, no traceback."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KPI_DB_WAIT": "1", "KPI_LANG": "en"}
    subprocess.run(
        [sys.executable, "-m", "kpi", "init", "--db", str(db_path)], env=env, check=True, capture_output=True
    )
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db_path)!r})
            print("locked", flush=True)
            time.sleep(20)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "kpi", "status", "--db", str(db_path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 3
        assert "in use by another process" in result.stderr
        assert "Traceback" not in result.stderr
        assert time.monotonic() - started >= 1
    finally:
        holder.kill()
        holder.wait()
