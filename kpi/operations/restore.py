"""Checking and restoring a backup (SPEC section 9), administrators only.

A restore checks everything before it touches the live file: the manifest, the checksum, the file
opened and every row of every table read (DuckDB's block checksums), the migrations against the ones
this version ships (a newer schema is refused, never migrated backwards) and the rows against the
manifest. Then, with the live file held (DuckDB's lock) and checkpointed, it moves the live file aside
as `<db>.replaced-YYYYMMDD-HHMMSS.duckdb` (kept), puts a copy of the backup in its place, migrates it
when the backup is older than this version, and records the restore in the restored database's audit
log. A `.zip` of a backup and its manifest (what the administration page's download gives) restores
the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from kpi.access import Actor, Role, require_role
from kpi.formatting.numbers import format_moment, format_number
from kpi.i18n import t
from kpi.operations.backup_files import (
    CHUNK,
    BackupRejected,
    Manifest,
    manifest_path,
    sha256_of,
)
from kpi.storage import Database, migration_files
from kpi.storage.audit import write_audit
from kpi.storage.backups import held_still, read_backup_file


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    backup: str
    created_at: datetime
    replaced: Path | None  # the live file as it was, kept; None on a fresh machine
    schema_version: int  # the backup's
    applied: list[str]  # migrations run on the restored copy (a backup older than this version)
    row_counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.row_counts.values())

    def message(self, lang: str) -> str:
        text = t(
            "backups.restored",
            lang,
            path=self.path,
            file=self.backup,
            at=format_moment(self.created_at, lang),
            tables=format_number(len(self.row_counts), lang),
            rows=format_number(self.rows, lang),
        )
        space = "" if lang == "ja" else " "  # Japanese sentences follow each other without one
        if self.replaced is not None:
            text += space + t("backups.restored_replaced", lang, replaced=self.replaced)
        if self.applied:
            text += space + t("backups.restored_migrated", lang, applied=", ".join(self.applied))
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "restored",
            "path": str(self.path),
            "backup": self.backup,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "replaced": None if self.replaced is None else str(self.replaced),
            "schema_version": self.schema_version,
            "applied": self.applied,
            "tables": len(self.row_counts),
            "rows": self.rows,
        }


# -- checking one -------------------------------------------------------------------------------
@contextmanager
def _unpacked(path: Path, scratch: Path | None = None) -> Iterator[Path]:
    """The backup file to check: the file itself, or, for a .zip, its .duckdb unpacked (with its
    .json) into a scratch folder removed afterwards."""
    if not path.is_file():
        raise BackupRejected("not_found", file=path)
    if not zipfile.is_zipfile(path):
        yield path
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            names = [Path(m.filename).name for m in members]
            backups = [n for n in names if n.endswith(".duckdb")]
            if (
                len(backups) != 1
                or len(members) > 2
                or any(not n.endswith((".duckdb", ".json")) for n in names)
            ):
                raise BackupRejected("bad_zip", file=path.name)
            with tempfile.TemporaryDirectory(prefix=".kpi-restore-", dir=scratch) as folder:
                for member, name in zip(members, names, strict=True):
                    with archive.open(member) as source, open(Path(folder) / name, "wb") as target:
                        shutil.copyfileobj(source, target, CHUNK)  # zipfile checks each CRC
                yield Path(folder) / backups[0]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        raise BackupRejected("bad_zip", file=path.name) from error


def _check(path: Path) -> Manifest:
    """Every check of a backup file and its manifest beside it; BackupRejected at the first failure."""
    name = path.name
    try:
        text = manifest_path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BackupRejected("missing_manifest", file=name, manifest=manifest_path(path).name) from None
    try:
        manifest = Manifest.from_dict(json.loads(text))
    except (ValueError, KeyError, TypeError) as error:
        raise BackupRejected("bad_manifest", file=name, manifest=manifest_path(path).name) from error
    size = path.stat().st_size
    if size != manifest.size or sha256_of(path) != manifest.sha256:
        raise BackupRejected("checksum_mismatch", file=name, expected=manifest.size, found=size)
    try:
        facts = read_backup_file(str(path))
    except duckdb.Error as error:
        reason = str(error).splitlines()[0][:200]
        raise BackupRejected("cannot_open", file=name, reason=reason) from error
    if not facts.migrations:
        raise BackupRejected("not_a_database", file=name)
    shipped = {version: migration for version, migration, _ in migration_files()}
    newest = max(shipped, default=0)
    found = max(version for version, _ in facts.migrations)
    if found > newest:
        raise BackupRejected("newer_schema", file=name, needed=found, supported=newest)
    unknown = [
        f"{version} {migration}"
        for version, migration in facts.migrations
        if shipped.get(version) != migration
    ]
    if unknown:
        raise BackupRejected("unknown_migrations", file=name, migrations=unknown)
    if facts.migrations != manifest.migrations:
        raise BackupRejected("migrations_differ", file=name)
    if facts.row_counts != manifest.row_counts:
        tables = sorted(
            table
            for table in set(facts.row_counts) | set(manifest.row_counts)
            if facts.row_counts.get(table) != manifest.row_counts.get(table)
        )
        raise BackupRejected("row_counts_differ", file=name, tables=tables)
    return manifest


def verify_backup(path: str | Path) -> Manifest:
    """The manifest of a backup that may be restored (a .duckdb with its .json beside it, or a .zip
    of both); BackupRejected with the first problem found. Nothing is written."""
    with _unpacked(Path(path)) as file:
        return _check(file)


# -- restoring one ------------------------------------------------------------------------------
def _aside(db_file: Path, at: datetime) -> Path:
    base = f"{db_file.name}.replaced-{at:%Y%m%d-%H%M%S}"
    for n in range(1, 10_000):
        candidate = db_file.with_name(f"{base}.duckdb" if n == 1 else f"{base}-{n}.duckdb")
        if not candidate.exists():
            return candidate
    raise BackupRejected("no_free_name", folder=db_file.parent)


def restore_backup(db_path: str | Path, backup_path: str | Path, *, actor: Actor, lang: str) -> RestoreResult:
    """Put a checked backup in place of the database file (which is kept, renamed); migrate it when it
    is older than this version; audit the restore in it. BackupRejected: nothing was touched."""
    require_role(actor, Role.ADMINISTRATOR)
    db_file = Path(db_path)
    db_file.parent.mkdir(parents=True, exist_ok=True)
    with _unpacked(Path(backup_path), scratch=db_file.parent) as file:
        manifest = _check(file)
        incoming = db_file.with_name(f".{db_file.name}.restoring-{uuid.uuid4().hex[:8]}")
        try:
            shutil.copyfile(file, incoming)
            if sha256_of(incoming) != manifest.sha256:  # the copy itself went wrong (a disk error)
                raise BackupRejected("checksum_mismatch", file=file.name, expected=manifest.size,
                                     found=incoming.stat().st_size)  # fmt: skip
            live = Database(db_file)
            replaced = None
            with held_still(live):
                if db_file.exists():
                    replaced = _aside(db_file, datetime.now())
                    os.replace(db_file, replaced)
                    log = Path(f"{db_file}.wal")  # a file DuckDB could not open keeps its log with it
                    if log.exists():
                        os.replace(log, f"{replaced}.wal")
                os.replace(incoming, db_file)
            live.close()
        finally:
            incoming.unlink(missing_ok=True)
    restored = Database(db_file)
    try:
        applied = restored.migrate()
        result = RestoreResult(
            path=db_file,
            backup=file.name,
            created_at=manifest.created_at,
            replaced=replaced,
            schema_version=manifest.schema_version,
            applied=applied,
            row_counts=manifest.row_counts,
        )
        after = {**result.as_dict(), "sha256": manifest.sha256}
        after.pop("status")
        restored.write(
            lambda cursor: write_audit(
                cursor, actor=actor.username, action="restore", entity="backups", entity_key=file.name,
                after=after, at=datetime.now(),
            )
        )  # fmt: skip
    finally:
        restored.close()
    return result
