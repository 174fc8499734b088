"""The storage layer: the only place with SQL. Submodules by what they store."""

from kpi.storage.connection import (
    Database,
    DatabaseBusy,
    DatabaseMissing,
    DatabaseUnreachable,
    SchemaTooNew,
    WriteConflict,
    is_write_conflict,
    migration_files,
)

__all__ = [
    "Database",
    "DatabaseBusy",
    "DatabaseMissing",
    "DatabaseUnreachable",
    "SchemaTooNew",
    "WriteConflict",
    "is_write_conflict",
    "migration_files",
]
