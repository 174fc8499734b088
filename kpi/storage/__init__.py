"""The storage layer: the only place with SQL. Submodules by what they store."""

from kpi.storage.connection import Database, DatabaseBusy, DatabaseMissing, migration_files

__all__ = ["Database", "DatabaseBusy", "DatabaseMissing", "migration_files"]
