"""The start-up check of the database file (SPEC section 9): every table read once, so a damaged
file is found when the dashboard starts or `python -m kpi check` runs, not in the middle of an
import. The dashboard runs it once per process and file (ui/database.py)."""

from __future__ import annotations

from kpi.storage import Database
from kpi.storage.integrity import FileCheck, check_tables


def check_file(db: Database) -> FileCheck:
    """Rows per table and the schema version; DuckDB's error (DAMAGED in kpi/incidents.py) when a
    block fails its checksum or the file is cut short."""
    with db.cursor() as cursor:
        return check_tables(cursor)
