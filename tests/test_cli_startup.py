"""python -m kpi imports only what the command it runs needs (issue 18): `--help` loads no DuckDB,
pandas, argon2 or plotly, and `status --json` no password hashing, charts or Streamlit.

Each command runs as a real `python -X importtime -m kpi ...` process: every module the process
imported is named on its stderr. No figure here is a time (benchmarks/processes.py measures those).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

HEAVY = ("pandas", "numpy", "pyarrow", "duckdb", "plotly", "argon2", "streamlit", "openpyxl")
NOT_FOR_STATUS = ("plotly", "argon2", "streamlit", "openpyxl")


def kpi_process(*argv: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `python -m kpi ARGV`; the result and the top-level packages it imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kpi", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # "import time:  self [us] | cumulative | name", the name indented by its depth
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    names.discard("imported package")  # the header line
    assert names, result.stderr  # -X importtime reported: an empty set would prove nothing
    return result, {name.split(".")[0] for name in names}


def test_the_import_listing_names_what_a_process_imports() -> None:
    """The helper itself: a command that reads the database is seen to load DuckDB."""
    result, packages = kpi_process("status", "--db", "/nonexistent/kpi.duckdb")
    assert result.returncode == 2  # no database: a usage error, after DuckDB was loaded
    assert "duckdb" in packages and "kpi" in packages


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("init", "--help"),
        ("status", "--help"),
        ("import", "--help"),
        ("user", "add", "--help"),
        ("oversized-notes", "--help"),
        ("export", "--help"),
    ],
    ids=lambda argv: " ".join(argv),
)
def test_help_imports_no_heavy_package(argv: tuple[str, ...]) -> None:
    result, packages = kpi_process(*argv)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m kpi")
    assert sorted(packages.intersection(HEAVY)) == []


def test_help_still_lists_every_command() -> None:
    result, _ = kpi_process("--help")
    for command in ("init", "setup", "import", "status", "years", "export", "user", "oversized-notes"):
        assert command in result.stdout


def test_a_usage_error_imports_no_heavy_package() -> None:
    result, packages = kpi_process("status", "--no-such-option")
    assert result.returncode == 2 and "--no-such-option" in result.stderr
    assert sorted(packages.intersection(HEAVY)) == []


def test_status_json_loads_no_password_hashing_or_charts(demo_db_path: Path, tmp_path: Path) -> None:
    db = tmp_path / "kpi.duckdb"
    shutil.copyfile(demo_db_path, db)  # a copy: the session's demo database is never written to
    result, packages = kpi_process("status", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert records and {"project_code", "kpi_code", "status"} <= set(records[0])
    assert sorted(packages.intersection(NOT_FOR_STATUS)) == []


def test_oversized_notes_defaults_to_the_note_limit(demo_db_path: Path, tmp_path: Path) -> None:
    """--limit's default is read when the command runs, not when the parser is built."""
    from kpi.admin.purge import NOTE_LIMIT
    from kpi.formatting.numbers import format_number
    from kpi.i18n import t

    db = tmp_path / "kpi.duckdb"
    shutil.copyfile(demo_db_path, db)
    result, _ = kpi_process("oversized-notes", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert t("admin.purge_none", "en", limit=format_number(NOTE_LIMIT, "en")) in result.stdout
