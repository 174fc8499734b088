"""Backups and restores (SPEC section 9, kpi/operations/backups.py): a copy taken while another thread
writes, restored and compared row by row; the demo restored on a fresh machine reads the same; a
damaged, newer or unmatched backup refused with the live file untouched; the last N kept."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.commands.main import main
from kpi.errors import Rejected
from kpi.operations import backups
from kpi.operations.backup_files import BackupRejected, default_backup_dir, list_backups
from kpi.operations.backups import backup_keep, backup_zip, save_backup_keep, take_backup
from kpi.operations.restore import restore_backup, verify_backup
from kpi.storage import Database, migration_files
from kpi.storage.audit import write_audit
from tests.conftest import OPERATOR

BLOCK = 262_144  # DuckDB's block size: the file is a 12 KB header, then blocks of this size
NEWEST = migration_files()[-1][0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def demo_copy(demo_db_path: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "live" / "kpi.duckdb"
    path.parent.mkdir()
    shutil.copyfile(demo_db_path, path)
    db = Database(path)
    yield db
    db.close()


def tables_of(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()
    return [name for (name,) in rows]


def differences(left: Path, right: Path, *, skip_audit_of: tuple[str, ...] = ("backups",)) -> dict[str, Any]:
    """Rows of each table in one file and not the other (EXCEPT ALL both ways); the audit log without
    the rows the backup and the restore write about themselves."""
    assert tables_of(left) == tables_of(right)
    found: dict[str, Any] = {}
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"ATTACH '{left}' AS l (READ_ONLY)")
        connection.execute(f"ATTACH '{right}' AS r (READ_ONLY)")
        for table in tables_of(left):
            where = ""
            if table == "audit_log":
                where = " WHERE entity NOT IN (" + ", ".join(f"'{e}'" for e in skip_audit_of) + ")"
            one = f"SELECT * FROM l.{table}{where}"
            other = f"SELECT * FROM r.{table}{where}"
            only_left = connection.execute(f"SELECT count(*) FROM ({one} EXCEPT ALL {other})").fetchone()
            only_right = connection.execute(f"SELECT count(*) FROM ({other} EXCEPT ALL {one})").fetchone()
            assert only_left is not None and only_right is not None
            if only_left[0] or only_right[0]:
                found[table] = (only_left[0], only_right[0])
    return found


def count_rows(path: Path, table: str, where: str = "") -> int:
    with duckdb.connect(str(path), read_only=True) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table} {where}").fetchone()
    assert row is not None
    return int(row[0])


def probe(db: Database, n: int) -> None:
    """One short write, as a page's save is: an audit row keyed by its number."""

    def work(cursor: Any) -> None:
        write_audit(cursor, actor="writer", action="insert", entity="probe", entity_key=str(n))

    db.write(work)


# -- taken while another thread writes ----------------------------------------------------------
def test_a_backup_taken_while_another_thread_writes_is_a_consistent_snapshot(
    demo_copy: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = demo_copy
    copying: list[float] = []
    real_copy = backups.copy_database

    def timed_copy(cursor: Any, target: str) -> Any:
        copying.append(time.monotonic())
        try:
            return real_copy(cursor, target)
        finally:
            copying.append(time.monotonic())

    monkeypatch.setattr(backups, "copy_database", timed_copy)
    writes: list[tuple[float, float]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            try:
                probe(db, n)
            except BaseException as error:  # the test asserts there is none
                errors.append(error)
                return
            writes.append((started, time.monotonic()))
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(writes) < 5:
            time.sleep(0.01)
        backup = take_backup(db, tmp_path / "backups", actor=OPERATOR, keep=5)
        written_after = len(writes)
        while len(writes) < written_after + 5:  # the writer goes on after the backup too
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    began, ended = copying
    # Writes were committed while the copy ran: the copy does not hold writers up.
    assert [w for w in writes if began <= w[0] and w[1] <= ended], (began, ended, writes)
    assert verify_backup(backup.path) == backup.manifest  # checksum, every block read, rows as counted
    with duckdb.connect(str(backup.path), read_only=True) as copy:
        probes = sorted(
            int(k)
            for (k,) in copy.execute("SELECT entity_key FROM audit_log WHERE entity = 'probe'").fetchall()
        )
        total = copy.execute("SELECT count(*) FROM audit_log").fetchone()
    # A snapshot: the writer's first k rows, none missing in between, and fewer than it wrote in the end.
    assert probes == list(range(len(probes))) and 5 <= len(probes) < len(writes)
    assert total is not None and backup.manifest.row_counts["audit_log"] == total[0]
    db.close()
    restored = tmp_path / "restored" / "kpi.duckdb"
    result = restore_backup(restored, backup.path, actor=OPERATOR, lang="en")
    assert result.replaced is None and result.applied == []
    assert differences(backup.path, restored) == {}
    assert count_rows(restored, "audit_log", "WHERE entity = 'probe'") == len(probes)


def test_with_the_writer_stopped_the_restored_database_equals_the_source_row_for_row(
    demo_copy: Database, tmp_path: Path
) -> None:
    db = demo_copy
    for n in range(20):
        probe(db, n)
    backup = take_backup(db, tmp_path / "backups", actor=OPERATOR)
    assert backup.path.name.startswith("kpi-") and backup.manifest_path.exists()
    db.close()
    restored = tmp_path / "fresh" / "kpi.duckdb"
    restore_backup(restored, backup.path, actor=OPERATOR, lang="en")
    assert differences(Path(db.path), restored) == {}  # every table, every row, both ways
    manifest = json.loads(backup.manifest_path.read_text(encoding="utf-8"))
    assert manifest["format"] == 1 and manifest["schema_version"] == NEWEST
    assert manifest["migrations"] == [[v, name] for v, name, _ in migration_files()]
    assert manifest["sha256"] == sha256(backup.path) and manifest["size"] == backup.path.stat().st_size
    assert manifest["source"] == str(Path(db.path).resolve())
    for table, rows in manifest["row_counts"].items():
        expected = rows + (1 if table == "audit_log" else 0)  # the restore's own audit row
        assert count_rows(restored, table) == expected, table
    with duckdb.connect(str(restored), read_only=True) as connection:
        audits = connection.execute(
            "SELECT action, entity, entity_key, actor FROM audit_log WHERE entity = 'backups'"
        ).fetchall()
    assert audits == [("restore", "backups", backup.path.name, "tester")]
    with duckdb.connect(db.path, read_only=True) as source:  # the backup is audited in the source
        after = source.execute("SELECT after FROM audit_log WHERE action = 'backup'").fetchone()
    assert after is not None and json.loads(after[0])["rows"] == backup.manifest.rows


def test_the_demo_restored_on_a_fresh_machine_reads_the_same(
    demo_db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = tmp_path / "live.duckdb"
    shutil.copyfile(demo_db_path, live)
    assert main(["backup", str(tmp_path / "backups"), "--db", str(live)]) == 0
    [backup] = list_backups(tmp_path / "backups")
    fresh = tmp_path / "new-machine" / "data" / "kpi.duckdb"  # no folder, no file yet
    assert main(["restore", str(backup.path), "--db", str(fresh)]) == 0
    capsys.readouterr()
    assert main(["status", "--json", "--db", str(live)]) == 0
    before = capsys.readouterr().out
    assert main(["status", "--json", "--db", str(fresh)]) == 0
    after = capsys.readouterr().out
    assert after == before and len(json.loads(after)) == 96  # every project × KPI of the demo


# -- refused, and nothing touched ---------------------------------------------------------------
@pytest.fixture
def taken(fresh_db: Database, tmp_path: Path) -> tuple[Database, Path]:
    with fresh_db.transaction() as cursor:
        cursor.execute(
            "INSERT INTO organizations (organization_code, name_ja, sector, prefecture)"
            " VALUES ('U1', '大学', 'academia', '宮城県')"
        )
    backup = take_backup(fresh_db, tmp_path / "backups", actor=OPERATOR)
    return fresh_db, backup.path


def refused(db: Database, backup: Path, code: str) -> BackupRejected:
    """Restoring `backup` over db is refused with `code`; the live file is byte for byte as it was."""
    live = Path(db.path)
    db.close()
    before = sha256(live)
    with pytest.raises(BackupRejected) as rejected:
        restore_backup(live, backup, actor=OPERATOR, lang="en")
    assert rejected.value.code == code
    assert sha256(live) == before
    assert (
        sorted(p.name for p in live.parent.iterdir() if ".replaced-" in p.name or ".restoring-" in p.name)
        == []
    )
    return rejected.value


@pytest.mark.parametrize("damage", ["flipped", "truncated"])
def test_a_damaged_backup_is_refused_and_the_live_file_is_untouched(
    taken: tuple[Database, Path], damage: str
) -> None:
    db, backup = taken
    size = backup.stat().st_size
    if damage == "flipped":
        with backup.open("r+b") as file:
            file.seek(size // 2)
            file.write(b"\xff" * 64)
    else:
        with backup.open("r+b") as file:
            file.truncate(size // 2)
    error = refused(db, backup, "checksum_mismatch")
    found = size if damage == "flipped" else size // 2
    assert error.details == {"file": backup.name, "expected": size, "found": found}
    assert error.message("en") == (
        f"The backup {backup.name} is not the file its manifest describes ({size:,} bytes expected,"
        f" {found:,} bytes found, or a different SHA-256): it was changed, damaged or cut short after it was"
        " taken. Nothing was replaced. Restore another backup, such as an earlier one in the same folder."
    )
    assert "取得後に変更されたか、壊れたか" in error.message("ja")


def rewrite_manifest(backup: Path, **changes: Any) -> None:
    """The manifest made to match the file as it is now (and `changes`): what a checksum cannot catch."""
    path = backup.with_suffix(".json")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(sha256=sha256(backup), size=backup.stat().st_size, **changes)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_damage_the_manifest_matches_is_found_by_reading_every_block(taken: tuple[Database, Path]) -> None:
    db, backup = taken
    data = bytearray(backup.read_bytes())
    for block in range(12_288, len(data), BLOCK):  # inside every block, past its checksum
        data[block + 100 : block + 164] = b"\xa5" * 64
    backup.write_bytes(bytes(data))
    rewrite_manifest(backup)
    error = refused(db, backup, "cannot_open")
    assert error.message("en").startswith(
        f"The backup {backup.name} cannot be read as a database: it is damaged."
    )
    assert "checksum" in error.details["reason"].lower() or "corrupt" in error.details["reason"].lower()


def test_a_backup_of_a_newer_schema_is_refused(fresh_db: Database, tmp_path: Path) -> None:
    with fresh_db.transaction() as cursor:
        cursor.execute("INSERT INTO schema_migrations VALUES (99, '0099_future.sql', now())")
    backup = take_backup(fresh_db, tmp_path / "backups", actor=OPERATOR)
    assert backup.manifest.schema_version == 99
    with fresh_db.transaction() as cursor:
        cursor.execute("DELETE FROM schema_migrations WHERE version = 99")  # the live file: this version's
    error = refused(fresh_db, backup.path, "newer_schema")
    assert error.details == {"file": backup.path.name, "needed": 99, "supported": NEWEST}
    assert error.message("en") == (
        f"The backup {backup.path.name} was made by a newer version of the product (schema 99; this version"
        f" reads up to schema {NEWEST}). Nothing was replaced. Install a version of the product that reads"
        " schema 99, then restore again."
    )
    assert "スキーマ 99 を読める版の製品を入れてから" in error.message("ja")


def test_a_missing_or_unmatched_manifest_is_refused(taken: tuple[Database, Path]) -> None:
    db, backup = taken
    manifest = backup.with_suffix(".json")
    kept = manifest.read_text(encoding="utf-8")
    rewrite_manifest(backup, row_counts={**json.loads(kept)["row_counts"], "organizations": 5})
    assert refused(db, backup, "row_counts_differ").details["tables"] == ["organizations"]
    manifest.write_text("{not json", encoding="utf-8")
    refused(db, backup, "bad_manifest")
    manifest.unlink()
    assert refused(db, backup, "missing_manifest").details["manifest"] == manifest.name
    with pytest.raises(BackupRejected) as missing:
        verify_backup(backup.parent / "kpi-20260101-000000.duckdb")
    assert missing.value.code == "not_found"


def test_a_backup_older_than_this_version_is_migrated_when_restored(tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as connection:
        connection.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMP NOT NULL)"
        )
        for version, name, sql in migration_files()[:-1]:
            connection.execute(sql)
            connection.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    db = Database(old)
    backup = take_backup(db, tmp_path / "backups", actor=OPERATOR)
    db.close()
    assert backup.manifest.schema_version == migration_files()[-2][0]
    restored = tmp_path / "restored.duckdb"
    result = restore_backup(restored, backup.path, actor=OPERATOR, lang="en")
    assert result.applied == [migration_files()[-1][1]]
    assert Database(restored).schema_version() == NEWEST
    assert result.message("en").endswith(f"Migrated to this version: {migration_files()[-1][1]}.")


def test_restoring_over_a_live_file_keeps_it_and_a_zip_download_restores_too(
    taken: tuple[Database, Path], tmp_path: Path
) -> None:
    db, backup = taken
    with db.transaction() as cursor:  # changed after the backup: the restore takes it back
        cursor.execute("DELETE FROM organizations")
    live = Path(db.path)
    changed = sha256(live)
    db.close()
    archive = tmp_path / "download.zip"
    archive.write_bytes(backup_zip(backup.parent, backup.name, actor=OPERATOR))
    assert sorted(zipfile.ZipFile(archive).namelist()) == [backup.name, backup.with_suffix(".json").name]
    result = restore_backup(live, archive, actor=OPERATOR, lang="en")
    assert result.replaced is not None and result.replaced.name.startswith("kpi.duckdb.replaced-")
    assert result.replaced.name.endswith(".duckdb") and sha256(result.replaced) == changed
    assert count_rows(live, "organizations") == 1
    assert [p.name for p in tmp_path.rglob(".kpi-restore-*")] == []  # the unpacked copy is gone
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as other:
        other.writestr("notes.txt", "hello")
    before = sha256(live)
    with pytest.raises(BackupRejected) as rejected:
        restore_backup(live, bad, actor=OPERATOR, lang="en")
    assert rejected.value.code == "bad_zip" and sha256(live) == before


# -- the folder, the setting, who may --------------------------------------------------------------
def test_keeping_the_last_n_deletes_only_the_oldest_of_ours(fresh_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    others = ["notes.txt", "kpi-old.duckdb", "kpi-20200101-000000.duckdb.bak", "kpi-20200101-000000.txt"]
    for name in others:
        (folder / name).write_text("keep me", encoding="utf-8")
    names = []
    for hour in (1, 2, 3, 3, 4):
        names.append(
            take_backup(fresh_db, folder, actor=OPERATOR, keep=3, now=datetime(2026, 11, 26, hour)).path.name
        )
    assert names == [
        "kpi-20261126-010000.duckdb",
        "kpi-20261126-020000.duckdb",
        "kpi-20261126-030000.duckdb",
        "kpi-20261126-030000-2.duckdb",  # the same second: a suffix
        "kpi-20261126-040000.duckdb",
    ]
    kept = [n for n in names[2:]]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        others + kept + [n.replace(".duckdb", ".json") for n in kept]
    )
    assert [info.name for info in list_backups(folder)] == kept[::-1]  # newest first
    assert all(info.manifest_ok and info.schema_version == NEWEST for info in list_backups(folder))
    assert backup_keep(fresh_db) == 14  # migration 0015's default
    assert save_backup_keep(fresh_db, 2, actor=OPERATOR, lang="en") is True
    take_backup(fresh_db, folder, actor=OPERATOR, now=datetime(2026, 11, 26, 5))
    assert [info.name for info in list_backups(folder)] == [
        "kpi-20261126-050000.duckdb",
        "kpi-20261126-040000.duckdb",
    ]
    assert all((folder / name).exists() for name in others)


def test_the_setting_is_checked_and_audited(fresh_db: Database) -> None:
    with pytest.raises(Rejected) as rejected:
        save_backup_keep(fresh_db, 0, actor=OPERATOR, lang="ja")
    assert (
        rejected.value.errors[0].message == "残すバックアップの数は 1〜365 で指定してください（0 は範囲外）。"
    )
    assert save_backup_keep(fresh_db, 30, actor=OPERATOR, lang="en") is True
    assert save_backup_keep(fresh_db, 30, actor=OPERATOR, lang="en") is False  # unchanged: no audit row
    with fresh_db.cursor() as cursor:
        rows = cursor.execute(
            "SELECT before, after FROM audit_log WHERE entity_key = 'backup_keep'"
        ).fetchall()
    assert rows == [('"14"', '"30"')] and backup_keep(fresh_db) == 30


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.LEAD, Role.PARTNER])
def test_only_administrators_take_download_or_restore(taken: tuple[Database, Path], role: Role) -> None:
    db, backup = taken
    someone = Actor("someone", role, organization_code="U1")
    with pytest.raises(Forbidden):
        take_backup(db, backup.parent, actor=someone)
    with pytest.raises(Forbidden):
        backup_zip(backup.parent, backup.name, actor=someone)
    with pytest.raises(Forbidden):
        restore_backup(db.path, backup, actor=someone, lang="en")
    with pytest.raises(Forbidden):
        save_backup_keep(db, 3, actor=someone, lang="en")
    assert len(list_backups(backup.parent)) == 1


def test_the_folder_is_the_variable_or_backups_beside_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_backup_dir("/srv/kpi/data/kpi.duckdb") == Path("/srv/kpi/data/backups")
    monkeypatch.setenv("KPI_BACKUP_DIR", "/mnt/nas/kpi")
    assert default_backup_dir("/srv/kpi/data/kpi.duckdb") == Path("/mnt/nas/kpi")


def test_a_download_holds_the_file_and_its_manifest(taken: tuple[Database, Path]) -> None:
    _, backup = taken
    with zipfile.ZipFile(io.BytesIO(backup_zip(backup.parent, backup.name, actor=OPERATOR))) as archive:
        assert archive.read(backup.name) == backup.read_bytes()
        assert json.loads(archive.read(backup.with_suffix(".json").name))["sha256"] == sha256(backup)
    with pytest.raises(BackupRejected):
        backup_zip(backup.parent, "../kpi.duckdb", actor=OPERATOR)
