"""Taking backups (SPEC section 9), administrators only (the command line acts as one).

The copy is one transaction of the running database (kpi/storage/backups.py): readers keep reading
and writers are not held up. It is written under a hidden name and renamed when whole; then the
oldest of *our* backups in the folder beyond the setting `backup_keep` are deleted (never any other
file). Names and manifests: kpi/operations/backup_files.py.
"""

from __future__ import annotations

import io
import json
import os
import threading
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kpi.access import Actor, Role, require_role
from kpi.operations.backup_files import (
    BackupRejected,
    Manifest,
    manifest_path,
    order_of,
    our_backups,
    sha256_of,
)
from kpi.operations.settings import LIMITS, number_setting, save_number_setting
from kpi.storage import Database
from kpi.storage.audit import write_audit
from kpi.storage.backups import copy_database

KEEP_SETTING = "backup_keep"
KEEP_LIMITS = LIMITS[KEEP_SETTING][1:]
_lock = threading.Lock()  # one backup at a time in this process: names and pruning do not race


@dataclass(frozen=True)
class Backup:
    """A backup just taken: its file, manifest and the old backups deleted to keep the last N."""

    path: Path
    manifest_path: Path
    manifest: Manifest
    removed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "manifest": str(self.manifest_path),
            "schema_version": self.manifest.schema_version,
            "tables": len(self.manifest.row_counts),
            "rows": self.manifest.rows,
            "row_counts": self.manifest.row_counts,
            "sha256": self.manifest.sha256,
            "size": self.manifest.size,
            "removed": self.removed,
        }


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _reserve(folder: Path, at: datetime) -> Path:
    """A free name for a backup taken at `at`, created empty (O_EXCL) so no other process takes it."""
    base = f"kpi-{at:%Y%m%d-%H%M%S}"
    for n in range(1, 10_000):
        path = folder / (f"{base}.duckdb" if n == 1 else f"{base}-{n}.duckdb")
        if manifest_path(path).exists():
            continue
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            continue
        return path
    raise BackupRejected("no_free_name", folder=folder)


# -- taking one ---------------------------------------------------------------------------------
def backup_keep(db: Database) -> int:
    """How many backups a folder keeps (setting `backup_keep`; 14 when unset or mistyped)."""
    return number_setting(db, KEEP_SETTING)


def save_backup_keep(db: Database, keep: int, *, actor: Actor, lang: str) -> bool:
    """Store how many backups to keep (administrators; audited). False when it was already so."""
    return save_number_setting(db, KEEP_SETTING, keep, actor=actor, lang=lang)


def take_backup(
    db: Database, directory: str | Path, *, actor: Actor, keep: int | None = None, now: datetime | None = None
) -> Backup:
    """A consistent copy of the database into `directory` with its manifest; then the oldest of our
    backups there beyond `keep` (default: the setting) are deleted. Audited in the database."""
    require_role(actor, Role.ADMINISTRATOR)
    if db.engine == "postgresql":
        raise BackupRejected("postgresql")
    if keep is not None and keep < KEEP_LIMITS[0]:
        raise BackupRejected("keep_too_small", keep=keep)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    keep = backup_keep(db) if keep is None else keep
    with _lock:
        at = (now or datetime.now()).replace(microsecond=0)
        path = _reserve(folder, at)
        partial = folder / f".{path.name}.{uuid.uuid4().hex[:8]}.partial"
        try:
            with db.cursor() as cursor:
                snapshot = copy_database(cursor, str(partial))
            manifest = Manifest(
                created_at=at,
                schema_version=snapshot.schema_version,
                migrations=snapshot.migrations,
                row_counts=snapshot.row_counts,
                sha256=sha256_of(partial),
                size=partial.stat().st_size,
                source=str(Path(db.path).resolve()),
            )
            os.replace(partial, path)
            _write_atomically(
                manifest_path(path), json.dumps(manifest.as_dict(), indent=2, ensure_ascii=False)
            )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        finally:
            partial.unlink(missing_ok=True)
            Path(f"{partial}.wal").unlink(missing_ok=True)
        removed = _prune(folder, keep)
    db.write(
        lambda cursor: write_audit(
            cursor, actor=actor.username, action="backup", entity="backups", entity_key=path.name,
            after={**manifest.summary(), "removed": removed}, at=datetime.now(),
        )
    )  # fmt: skip
    return Backup(path, manifest_path(path), manifest, removed)


def _prune(folder: Path, keep: int) -> list[str]:
    """Delete the oldest of our backups (and their manifests) beyond the newest `keep`."""
    ours = our_backups(folder)
    removed = []
    for old in ours[: max(len(ours) - keep, 0)]:
        old.unlink(missing_ok=True)
        manifest_path(old).unlink(missing_ok=True)
        removed.append(old.name)
    return removed


def backup_zip(directory: str | Path, name: str, *, actor: Actor) -> bytes:
    """One backup and its manifest as a .zip (the page's download; `restore` takes it as it is)."""
    require_role(actor, Role.ADMINISTRATOR)
    path = Path(directory) / name
    if order_of(name) is None or not path.is_file():
        raise BackupRejected("not_found", file=name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.write(path, path.name)
        if manifest_path(path).is_file():
            archive.write(manifest_path(path), manifest_path(path).name)
    return buffer.getvalue()
