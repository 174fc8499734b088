"""Moving the whole database to another engine or file (`python -m kpi migrate-to TARGET`), then
proving the copy: every table's row count equal, and the status of every project x KPI on an as-of
date identical on both sides (the overview's own computation, kpi/portfolio/status.py, run on each;
floats compared exactly). Administrators only (the command line acts as one).

The copy itself is kpi/storage/transfer.py: one target transaction, refused (nothing written) when the
target holds data or either schema is not this version's. The source is held only while it is read:
its version checked, then its snapshot copied, then its counts and status read for the proof.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from kpi.access import Actor, Role, require_role
from kpi.portfolio.status import portfolio_status
from kpi.storage import Database, DatabaseBusy
from kpi.storage.transfer import (
    TargetUnreachable,
    TransferRefused,
    check_source,
    copy_database,
    prepare_target,
    row_counts,
    same_database,
)

__all__ = ["Migration", "TargetUnreachable", "TransferRefused", "Verification", "migrate_to", "verify"]
SHOWN_DIFFERENCES = 10  # differences listed in a failed verification (the count says how many in all)


@dataclass(frozen=True)
class Verification:
    """What the proof compared: rows per table on each side, and the status frames on `as_of`."""

    as_of: date
    source_counts: dict[str, int]
    target_counts: dict[str, int]
    status_rows: int = 0
    status_differences: list[str] = field(default_factory=list)
    status_error: str | None = None  # the status could not be computed on one side

    @property
    def count_differences(self) -> dict[str, tuple[int | None, int | None]]:
        names = sorted(set(self.source_counts) | set(self.target_counts))
        return {
            name: (self.source_counts.get(name), self.target_counts.get(name))
            for name in names
            if self.source_counts.get(name) != self.target_counts.get(name)
        }

    @property
    def ok(self) -> bool:
        return not self.count_differences and not self.status_differences and self.status_error is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "verified": self.ok,
            "as_of": self.as_of.isoformat(),
            "row_counts": self.target_counts,
            "count_differences": {k: list(v) for k, v in self.count_differences.items()},
            "status_rows": self.status_rows,
            "status_differences": self.status_differences[:SHOWN_DIFFERENCES],
            "status_difference_count": len(self.status_differences),
            "status_error": self.status_error,
        }


@dataclass(frozen=True)
class Migration:
    """A copy made: where from and to, the migrations the target got first, rows copied, the proof."""

    source: str
    target: str
    applied: list[str]
    copied: dict[str, int]
    verification: Verification

    @property
    def rows(self) -> int:
        return sum(self.copied.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.verification.ok else "unverified",
            "source": self.source,
            "target": self.target,
            "applied": self.applied,
            "tables": len(self.copied),
            "rows": self.rows,
            **self.verification.as_dict(),
        }


def migrate_to(source: Database, target: Database, *, as_of: date, actor: Actor) -> Migration:
    """Copy `source` into the empty `target` (migrated first), then verify. TransferRefused when the
    copy must not be made (nothing written); TargetUnreachable when the target cannot be opened."""
    require_role(actor, Role.ADMINISTRATOR)
    if same_database(source, target):
        raise TransferRefused("same_database")
    check_source(source)  # before the target is touched: an old source is not worth a new database
    applied = prepare_target(target)
    try:
        copied = copy_database(source, target)
    except DatabaseBusy as busy:
        if busy.path != target.path:
            raise  # the source's: main.py says "busy" (exit 3)
        raise TargetUnreachable(target.path, str(busy)) from busy
    return Migration(source.path, target.path, applied, copied, verify(source, target, as_of))


def verify(source: Database, target: Database, as_of: date) -> Verification:
    with source.cursor() as cursor:
        source_counts = row_counts(cursor)
    with target.cursor() as cursor:
        target_counts = row_counts(cursor)
    try:
        before = portfolio_status(source, as_of)
        after = portfolio_status(target, as_of)
    except Exception as error:  # e.g. a query the PostgreSQL translation cannot run yet: said, not hidden
        return Verification(as_of, source_counts, target_counts, status_error=_first_line(error))
    return Verification(as_of, source_counts, target_counts, len(before), status_differences(before, after))


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def status_differences(source: pd.DataFrame, target: pd.DataFrame) -> list[str]:
    """Every way the two status frames differ: columns, rows (by project and KPI), then each value;
    missing values (None, NaN, NaT, <NA>) are equal to each other, floats only to the same float.
    Empty when identical."""
    if list(source.columns) != list(target.columns):
        return [f"columns: {list(source.columns)} != {list(target.columns)}"]
    keys = ["project_code", "kpi_code"]
    left, right = _records(source), _records(target)
    left_keys = [tuple(row[k] for k in keys) for row in left]
    right_keys = [tuple(row[k] for k in keys) for row in right]
    if left_keys != right_keys:
        only_source = sorted(set(left_keys) - set(right_keys))
        only_target = sorted(set(right_keys) - set(left_keys))
        return [
            f"rows: only in the source {only_source}, only in the target {only_target}, or in another order"
        ]
    found = []
    for key, a, b in zip(left_keys, left, right, strict=True):
        for column in source.columns:
            if not _same(a[column], b[column]):
                found.append(f"{'/'.join(map(str, key))} {column}: {a[column]!r} != {b[column]!r}")
    return found


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {column: _plain(value) for column, value in zip(frame.columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def _plain(value: Any) -> Any:
    """A frame's cell as a Python value: numpy scalars unwrapped, every kind of missing as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)  # exactly: 0.1 + 0.2 is not 0.3 here
    return bool(a == b)
