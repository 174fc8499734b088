"""`python -m kpi backup DIR` and `python -m kpi restore FILE` (kpi/commands/operations.py): what they
print, their JSON and their exit codes; restore runs on a fresh machine and over a damaged file."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from kpi.commands.main import main
from kpi.storage import Database, migration_files
from tests.test_cli_startup import HEAVY, kpi_process

NEWEST = migration_files()[-1][0]


@pytest.fixture
def live(fresh_db: Database) -> Path:
    fresh_db.close()
    return Path(fresh_db.path)


def backup_json(
    live: Path, folder: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, object]:
    assert main(["backup", str(folder), "--db", str(live), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_backup_prints_the_file_tables_rows_and_checksum(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backups"
    assert main(["backup", str(folder), "--db", str(live)]) == 0
    out = capsys.readouterr().out.splitlines()
    [file] = sorted(folder.glob("kpi-*.duckdb"))
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    manifest = json.loads(file.with_suffix(".json").read_text(encoding="utf-8"))
    tables, rows = len(manifest["row_counts"]), sum(manifest["row_counts"].values())
    assert out[0].startswith(f"Backup written: {file} — {tables} tables, {rows} rows, ")
    assert out[0].endswith(f", schema {NEWEST}.")
    assert out[1] == f"SHA-256: {digest}"
    result = backup_json(live, folder, capsys, "--keep", "1")
    assert result["status"] == "ok" and result["schema_version"] == NEWEST
    assert result["removed"] == [file.name] and not file.exists()  # keep 1: the older one went
    taken = Path(str(result["file"]))
    assert result["sha256"] == hashlib.sha256(taken.read_bytes()).hexdigest()
    assert result["size"] == taken.stat().st_size and result["tables"] == tables


def test_backup_of_a_missing_database_or_with_keep_zero_is_a_usage_error(
    tmp_path: Path, live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", str(tmp_path / "b"), "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "none.duckdb" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["backup", str(tmp_path / "b"), "--db", str(live), "--keep", "0"])
    assert usage.value.code == 2
    assert not (tmp_path / "b").exists()


def test_restore_on_a_fresh_machine_and_over_a_damaged_file(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = backup_json(live, tmp_path / "backups", capsys)
    backup = Path(str(result["file"]))
    fresh = tmp_path / "fresh" / "kpi.duckdb"
    assert main(["restore", str(backup), "--db", str(fresh), "--json"]) == 0
    restored = json.loads(capsys.readouterr().out)
    assert restored == {
        "status": "restored", "path": str(fresh), "backup": backup.name, "created_at": restored["created_at"],
        "replaced": None, "schema_version": NEWEST, "applied": [], "tables": result["tables"],
        "rows": result["rows"],
    }  # fmt: skip
    assert Database(fresh).schema_version() == NEWEST
    fresh.write_bytes(b"not a database at all " * 1000)  # the live file damaged beyond opening
    assert main(["restore", str(backup), "--db", str(fresh)]) == 0
    out = capsys.readouterr().out
    [replaced] = sorted(fresh.parent.glob("kpi.duckdb.replaced-*.duckdb"))
    assert replaced.read_bytes() == b"not a database at all " * 1000
    assert out.startswith(f"Restored {fresh} from {backup.name} (taken ")
    assert out.rstrip().endswith(f"The file it replaced is kept as {replaced}.")
    assert main(["status", "--json", "--db", str(fresh)]) == 0


def test_a_refused_restore_exits_1_with_what_to_change(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = Path(str(backup_json(live, tmp_path / "backups", capsys)["file"]))
    with backup.open("r+b") as file:
        file.truncate(backup.stat().st_size // 2)
    before = live.read_bytes()
    assert main(["restore", str(backup), "--db", str(live), "--lang", "ja"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"エラー: バックアップ {backup.name} は内容票に書かれたファイルと一致しません")
    assert main(["restore", str(backup), "--db", str(live), "--json"]) == 1
    refused = json.loads(capsys.readouterr().out)
    assert refused["status"] == "rejected" and refused["code"] == "checksum_mismatch"
    assert refused["message"].startswith(f"The backup {backup.name} is not the file its manifest describes")
    assert live.read_bytes() == before and list(live.parent.glob("*.replaced-*")) == []


def test_restoring_a_file_that_is_not_there_is_a_usage_error(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restore", str(tmp_path / "kpi-20260101-000000.duckdb"), "--db", str(live)]) == 2
    assert "There is no backup at" in capsys.readouterr().err


def test_a_database_newer_than_this_version_is_not_backed_up(
    demo_db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "kpi.duckdb"
    shutil.copyfile(demo_db_path, live)
    with Database(live).transaction() as cursor:
        cursor.execute("INSERT INTO schema_migrations VALUES (99, '0099_future.sql', now())")
    folder = tmp_path / "backups"
    assert main(["backup", str(folder), "--db", str(live)]) == 2  # this version does not read schema 99
    capsys.readouterr()
    assert list(folder.glob("*.duckdb")) == []


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_help_loads_no_duckdb(command: str) -> None:
    result, packages = kpi_process(command, "--help")
    assert result.returncode == 0 and command in result.stdout
    assert [p for p in HEAVY if p in packages] == []
