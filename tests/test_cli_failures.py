"""python -m kpi as real subprocesses meeting what is not the input: a damaged database file, a full
disk, an internal error. Each ends with exit code 4 and a plain message, never a traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpi.i18n import t
from tests.conftest import CI

ROOT = Path(__file__).parent.parent
SAMPLE_REGISTRY = ROOT / "data" / "sample_registry"
# Two values for the sample registry's project (data/sample_registry), as a partner would send them.
SNOW_VALUES = (
    "project_code,kpi_code,period_end,value\n"
    "PJ-SNOW,joint_studies,2026-09-30,2\n"
    "PJ-SNOW,local_jobs,2026-09-30,3\n"
)


def kpi(*argv: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KPI_LANG": lang, "KPI_DB_WAIT": "1"}
    return subprocess.run(
        [sys.executable, "-m", "kpi", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def assert_plain(result: subprocess.CompletedProcess[str]) -> None:
    """No traceback and no source path: what a person reads, not what a developer debugs."""
    for text in (result.stdout, result.stderr):
        assert "Traceback" not in text
        assert 'File "' not in text and ".py" not in text


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_file_that_is_not_a_database_is_said_to_be_damaged(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "kpi.duckdb"
    noise = os.urandom(20_000)
    path.write_bytes(noise)
    result = kpi("status", "--db", str(path), lang=lang)
    assert result.returncode == 4
    assert t("app.damaged", lang) in result.stderr
    assert_plain(result)
    assert path.read_bytes() == noise  # left as found, for whoever restores it


def test_a_database_with_a_damaged_block_is_said_to_be_damaged(tmp_path: Path) -> None:
    path = tmp_path / "kpi.duckdb"
    assert kpi("init", "--db", str(path)).returncode == 0
    with path.open("r+b") as file:  # the first block after the two headers: its checksum now fails
        file.seek(3 * 4096)
        file.write(bytes(range(256)) * 16)
    result = kpi("import", str(tmp_path / "any.csv"), "--org", "ORG-KITA-U", "--db", str(path))
    assert result.returncode == 4
    assert t("app.damaged", "en") in result.stderr
    assert_plain(result)
    log = Path(f"{path}.log").read_text(encoding="utf-8")
    assert "damaged in python -m kpi import" in log and "checksum" in log


def test_an_internal_error_exits_4_with_an_incident_id_found_in_the_log(tmp_path: Path) -> None:
    db = tmp_path / "kpi.duckdb"
    assert kpi("init", "--db", str(db)).returncode == 0
    script = textwrap.dedent(f"""
        import sys
        import kpi.commands.main

        def broken(*args, **kwargs):
            raise ZeroDivisionError("forced for the test")

        kpi.commands.main.portfolio_status = broken  # a core function the status command calls
        sys.exit(kpi.commands.main.main(["status", "--db", {str(db)!r}]))
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KPI_LANG": "en"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 4
    assert_plain(result)
    found = re.search(r"incident ([0-9a-f]{8})", result.stderr)
    assert found, result.stderr
    log_path = Path(f"{db}.log")
    assert str(log_path) in result.stderr  # the operator is told where the details are
    log = log_path.read_text(encoding="utf-8")
    entry = log[log.index(f"incident {found.group(1)} in python -m kpi status") :]
    assert "Traceback (most recent call last)" in entry and "ZeroDivisionError: forced for the test" in entry


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs: a real filesystem that fills up. Root only; under CI=true it must work."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        if CI:
            pytest.fail("CI=true: this test mounts a tmpfs and must run as root")
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        if CI:
            pytest.fail(f"CI=true but the tmpfs could not be mounted: {mounted.stderr}")
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def fill(folder: Path) -> Path:
    """Write zeros until the filesystem refuses another byte."""
    filler = folder / "filler"
    with filler.open("wb") as file:
        try:
            while True:
                file.write(b"\0" * 65536)
                file.flush()
        except OSError as error:
            assert error.errno == 28  # ENOSPC
    return filler


def test_import_onto_a_full_disk_exits_4_and_changes_nothing(full_disk: Path, tmp_path: Path) -> None:
    db = str(full_disk / "kpi.duckdb")
    assert kpi("init", "--db", db).returncode == 0
    assert kpi("setup", str(SAMPLE_REGISTRY), "--db", db).returncode == 0
    before = kpi("status", "--db", db, "--json")
    assert before.returncode == 0 and len(json.loads(before.stdout)) == 3
    values = tmp_path / "snow.csv"
    values.write_text(SNOW_VALUES, encoding="utf-8")
    filler = fill(full_disk)

    result = kpi("import", str(values), "--org", "ORG-KITA-U", "--db", db)
    assert result.returncode == 4
    assert t("app.disk_full", "en") in result.stderr
    assert_plain(result)
    export = kpi("export", "--out", str(full_disk / "table.xlsx"), "--db", db)
    assert export.returncode == 4 and "No space left on device" in export.stderr
    assert not (full_disk / "table.xlsx").exists()  # no half-written export left behind
    assert_plain(export)

    filler.unlink()
    after = kpi("status", "--db", db, "--json")
    assert after.returncode == 0 and after.stdout == before.stdout
    assert json.loads(kpi("batches", "--db", db, "--json").stdout) == []
    # With space again, the same file imports: the failed attempt left nothing behind.
    assert kpi("import", str(values), "--org", "ORG-KITA-U", "--db", db).returncode == 0
    assert [r["value"] for r in json.loads(kpi("status", "--db", db, "--json").stdout)][:2] == [2.0, 3.0]
