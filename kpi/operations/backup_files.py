"""Backup files (SPEC section 9): their names, manifests and the folder's list.

A backup is `kpi-YYYYMMDD-HHMMSS.duckdb` (`-2`, `-3` … when the second is taken) with its manifest
`kpi-YYYYMMDD-HHMMSS.json` beside it: format, time, schema version, migrations, rows per table, the
file's SHA-256 and size, and the database it was taken from. Taking one is kpi/operations/backups.py,
checking and restoring one kpi/operations/restore.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from kpi.formatting.numbers import format_bytes, format_moment, format_number
from kpi.i18n import t

FORMAT = 1
BACKUP_DIR_VARIABLE = "KPI_BACKUP_DIR"
_NAME = re.compile(r"^kpi-(\d{8})-(\d{6})(?:-(\d+))?\.duckdb$")
CHUNK = 1024 * 1024


class BackupRejected(Exception):
    """A backup that must not be restored (or a folder that cannot hold one); nothing was replaced.
    `code` names the problem, `details` its facts; message(lang) says what to change."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details

    def message(self, lang: str) -> str:
        values = {k: _worded(v, lang) for k, v in self.details.items()}
        return t(f"backups.rejected_{self.code}", lang, **values)


def _worded(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format_number(value, lang)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Manifest:
    """What `<backup>.json` records."""

    created_at: datetime
    schema_version: int
    migrations: list[tuple[int, str]]
    row_counts: dict[str, int]
    sha256: str
    size: int
    source: str
    format: int = FORMAT

    @property
    def rows(self) -> int:
        return sum(self.row_counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "schema_version": self.schema_version,
            "migrations": [[version, name] for version, name in self.migrations],
            "row_counts": dict(self.row_counts),
            "sha256": self.sha256,
            "size": self.size,
            "source": self.source,
        }

    def summary(self) -> dict[str, Any]:
        """What the audit log keeps of a backup."""
        return {
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "schema_version": self.schema_version,
            "tables": len(self.row_counts),
            "rows": self.rows,
            "sha256": self.sha256,
            "size": self.size,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Manifest:
        """A manifest as read back; ValueError (or KeyError, TypeError) when it is not one."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a format-1 manifest")
        migrations = [(int(version), str(name)) for version, name in data["migrations"]]
        counts = {str(table): int(n) for table, n in dict(data["row_counts"]).items()}
        sha = str(data["sha256"])
        if not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise ValueError("sha256")
        return cls(
            created_at=datetime.fromisoformat(str(data["created_at"])),
            schema_version=int(data["schema_version"]),
            migrations=migrations,
            row_counts=counts,
            sha256=sha,
            size=int(data["size"]),
            source=str(data.get("source", "")),
        )


@dataclass(frozen=True)
class BackupInfo:
    """One backup in a folder as the list shows it; the manifest's figures when it can be read."""

    name: str
    path: Path
    created_at: datetime
    size: int
    schema_version: int | None
    rows: int | None
    manifest_ok: bool


# -- where and what -----------------------------------------------------------------------------
def default_backup_dir(db_path: str | Path) -> Path:
    """$KPI_BACKUP_DIR, else `backups/` beside the database file."""
    configured = os.environ.get(BACKUP_DIR_VARIABLE)
    return Path(configured) if configured else Path(db_path).parent / "backups"


def manifest_path(backup: Path) -> Path:
    return backup.with_suffix(".json")


def order_of(name: str) -> tuple[str, str, int] | None:
    """A backup's place in time (its name), None for a file that is not one of ours."""
    found = _NAME.match(name)
    return None if found is None else (found[1], found[2], int(found[3] or 1))


def our_backups(folder: Path) -> list[Path]:
    """Our backups in a folder, oldest first."""
    if not folder.is_dir():
        return []
    found = [(order, p) for p in folder.iterdir() if p.is_file() and (order := order_of(p.name)) is not None]
    return [p for _, p in sorted(found)]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# -- the list and the download ------------------------------------------------------------------
def read_manifest(path: Path) -> Manifest | None:
    try:
        return Manifest.from_dict(json.loads(manifest_path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def list_backups(directory: str | Path) -> list[BackupInfo]:
    """Our backups in a folder, newest first; `manifest_ok` when the manifest reads and names the
    file's size (the checksum is verify_backup's)."""
    infos = []
    for path in reversed(our_backups(Path(directory))):
        try:
            size = path.stat().st_size
        except OSError:
            continue  # deleted meanwhile
        manifest = read_manifest(path)
        order = order_of(path.name)
        assert order is not None
        named_at = datetime.strptime(order[0] + order[1], "%Y%m%d%H%M%S")
        infos.append(
            BackupInfo(
                name=path.name,
                path=path,
                created_at=manifest.created_at if manifest else named_at,
                size=size,
                schema_version=manifest.schema_version if manifest else None,
                rows=manifest.rows if manifest else None,
                manifest_ok=manifest is not None and manifest.size == size,
            )
        )
    return infos


BACKUP_COLUMNS = ("time", "file", "size", "schema", "rows", "manifest")


def backups_table(infos: list[BackupInfo], lang: str) -> pd.DataFrame:
    """The list as the administration page shows it: every figure as the reader's language writes it."""
    yes, no = t("backups.manifest_ok", lang), t("backups.manifest_missing", lang)
    rows = [
        {
            "time": format_moment(info.created_at, lang),
            "file": info.name,
            "size": format_bytes(info.size, lang),
            "schema": "—" if info.schema_version is None else str(info.schema_version),
            "rows": format_number(info.rows, lang),
            "manifest": yes if info.manifest_ok else no,
        }
        for info in infos
    ]
    return pd.DataFrame(rows, columns=list(BACKUP_COLUMNS))
