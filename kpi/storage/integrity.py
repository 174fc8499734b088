"""A check of the whole file: every block of every table read once, so DuckDB's block checksums
find damage (a disk error, a truncated copy) before a page or an import trips over it.

`count(*)` alone is not enough: DuckDB answers it from the row groups' metadata without reading a
column. Hashing each whole row reads every column's blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

_BASE_TABLES = (
    "SELECT table_name FROM information_schema.tables"
    " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    " AND table_catalog = current_database()"
    " ORDER BY table_name"
)


@dataclass(frozen=True)
class FileCheck:
    """What the check read: the schema version, and each table's row count."""

    schema_version: int
    rows: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def quoted(identifier: str) -> str:
    """An identifier from the catalog itself, quoted for SQL (a name with a quote in it stays one name)."""
    return '"' + identifier.replace('"', '""') + '"'


def base_tables(cursor: duckdb.DuckDBPyConnection) -> list[str]:
    """The current database's own tables (not an attached backup's), by name. The names come from the
    catalog, so the SQL built with them (quoted) names only tables that exist."""
    return [str(name) for (name,) in cursor.execute(_BASE_TABLES).fetchall()]


def row_count(cursor: duckdb.DuckDBPyConnection, table: str) -> int:
    """The rows of a table named by the catalog (quoted here)."""
    row = cursor.execute(f"SELECT count(*) FROM {quoted(table)}").fetchone()
    return int(row[0]) if row else 0


def check_tables(cursor: duckdb.DuckDBPyConnection) -> FileCheck:
    """Read every row of every table; a damaged block raises DuckDB's own error (kpi/incidents.py
    tells it apart as DAMAGED)."""
    rows: dict[str, int] = {}
    for table in base_tables(cursor):
        found = cursor.execute(f"SELECT count(*), bit_xor(hash(t)) FROM {quoted(table)} AS t").fetchone()
        rows[table] = int(found[0]) if found else 0
    version = cursor.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return FileCheck(int(version[0]) if version else 0, rows)
