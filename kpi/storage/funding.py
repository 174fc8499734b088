"""Funding's stored facts (migration 0013): programmes' allowed 費目, award, budget and payment
versions, submitted reports. Versions are appended, never updated; the current one is the highest.

Programmes, calls, categories and award KPIs are plain registry tables written with
kpi.storage.registry.upsert_rows (their keys are in its whitelist).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from kpi.storage.audit import AuditEntry, write_audit_entries
from kpi.storage.registry import _object_frame

# Versioned tables: their key columns and the columns a version carries (besides the key).
VERSIONED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "award_versions": (
        ("award_number",),
        (
            "project_code",
            "programme_code",
            "call_fiscal_year",
            "call_round",
            "decided_on",
            "starts_on",
            "ends_on",
            "payment_mode",
            "stage",
            "amounts",
            "confirmed_amount",
            "reason",
            "approver",
        ),
    ),
    "budget_versions": (
        ("award_number", "fiscal_year", "category_code", "organization_code"),
        ("amount", "reason"),
    ),
    "payment_versions": (("award_number", "received_on"), ("amount",)),
}
# The view of each versioned table's current rows.
CURRENT_VIEWS = {
    "award_versions": "awards",
    "budget_versions": "budget_lines",
    "payment_versions": "payments",
}
AWARD_COLUMNS = ("award_number", "version", *VERSIONED["award_versions"][1])


def current_rows(cursor: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    """The current version of every key of a versioned table (its view), ordered by key, as plain
    Python values (dates as dates, amounts as a list of dicts)."""
    keys, columns = VERSIONED[table]  # a KeyError for any name not in the whitelist
    wanted = list(AWARD_COLUMNS) if table == "award_versions" else [*keys, *columns]
    source = CURRENT_VIEWS[table] if table == "award_versions" else _CURRENT_OF[table]
    result = cursor.execute(f"SELECT {', '.join(wanted)} FROM {source} ORDER BY {', '.join(keys)}")
    return [dict(zip(wanted, row, strict=True)) for row in result.fetchall()]


# Budget and payment versions with their reason, current per key (the views leave the reason out).
_CURRENT_OF = {
    table: f"(SELECT * FROM {table}"
    f" QUALIFY row_number() OVER (PARTITION BY {', '.join(keys)} ORDER BY id DESC) = 1)"
    for table, (keys, _) in VERSIONED.items()
}


def _types(cursor: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {row[0]: row[1] for row in cursor.execute("DESCRIBE " + table).fetchall()}


def append_versions(
    cursor: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], *, actor: str, now: datetime
) -> int:
    """Append each row as the next version of its key, with one INSERT … SELECT, and audit each as one
    set (action "create" for a key's first version, "revise" after). Returns the rows written."""
    if not rows:
        return 0
    keys, columns = VERSIONED[table]
    types = _types(cursor, table)
    names = [*keys, *columns]
    frame = _object_frame(rows, names)
    entries = []
    if table == "award_versions":
        current = {r["award_number"]: int(r["version"]) for r in current_rows(cursor, table)}
        frame["version"] = [current.get(r["award_number"], 0) + 1 for r in rows]
        names = [*names, "version"]
        # amounts is a list of {fiscal_year, amount}: DuckDB reads the Python dicts as structs.
        frame["amounts"] = pd.Series(
            [
                [
                    {"fiscal_year": int(a["fiscal_year"]), "amount": int(a["amount"])}
                    for a in r.get("amounts") or []
                ]
                for r in rows
            ],
            dtype=object,
        )
    for row, version in zip(rows, frame.get("version", [None] * len(rows)), strict=True):
        key = "/".join(str(row[k]) for k in keys)
        action = "create" if version in (None, 1) else "revise"
        entries.append(AuditEntry(action, table, key, after={c: row.get(c) for c in names if c != "version"}))
    casts = ", ".join(f"CAST({c} AS {types[c]})" for c in names)
    cursor.register("_version_frame", frame)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(names)}, recorded_by, recorded_at)"
        f" SELECT {casts}, $actor, CAST($at AS TIMESTAMP) FROM _version_frame ORDER BY _n",
        {"actor": actor, "at": now},
    )
    cursor.unregister("_version_frame")
    write_audit_entries(cursor, entries, actor=actor, at=now)
    return len(rows)


def programme_category_sets(cursor: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Each programme's allowed 費目 codes."""
    out: dict[str, set[str]] = {}
    for programme, category in cursor.execute(
        "SELECT programme_code, category_code FROM programme_categories"
    ).fetchall():
        out.setdefault(programme, set()).add(category)
    return out


def drop_programme_categories(
    cursor: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str]], *, actor: str, now: datetime
) -> int:
    """Remove 費目 a programme no longer allows (the file lists its whole set), audited."""
    if not pairs:
        return 0
    frame = pd.DataFrame(pairs, columns=["programme_code", "category_code"])
    cursor.register("_dropped_categories", frame)
    cursor.execute(
        "DELETE FROM programme_categories p USING _dropped_categories d"
        " WHERE p.programme_code = d.programme_code AND p.category_code = d.category_code"
    )
    cursor.unregister("_dropped_categories")
    entries = [
        AuditEntry("delete", "programme_categories", f"{p}/{c}", before={"allowed": True}) for p, c in pairs
    ]
    write_audit_entries(cursor, entries, actor=actor, at=now)
    return len(pairs)


def record_submission(
    cursor: duckdb.DuckDBPyConnection,
    award_number: str,
    kind: str,
    due_on: date,
    submitted_on: date,
    *,
    actor: str,
    now: datetime,
) -> None:
    """A report duty marked as submitted (once; a second mark keeps the first date), audited."""
    cursor.execute(
        "INSERT INTO obligation_submissions VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [award_number, kind, due_on, submitted_on, actor, now],
    )
    write_audit_entries(
        cursor,
        [
            AuditEntry(
                "submit",
                "obligation_submissions",
                f"{award_number}/{kind}/{due_on}",
                after={"submitted_on": submitted_on},
            )
        ],
        actor=actor,
        at=now,
    )


def submissions(cursor: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, date], date]:
    return {
        (a, k, d): s
        for a, k, d, s in cursor.execute(
            "SELECT award_number, kind, due_on, submitted_on FROM obligation_submissions"
        ).fetchall()
    }


def award_projects(cursor: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Award number → its project, for access checks."""
    return dict(cursor.execute("SELECT award_number, project_code FROM awards").fetchall())


_BULK_EXPENDITURES = """
INSERT INTO expenditure_versions (award_number, category_code, organization_code, paid_on, evidence, amount,
                                  description, recorded_by, recorded_at, source)
SELECT award_number, category_code, organization_code, CAST(paid_on AS DATE), evidence,
       CAST(amount AS BIGINT), description, $actor, CAST($at AS TIMESTAMP), $source
FROM _bulk_expenditures ORDER BY _n
"""
_BULK_SUBMISSIONS = """
INSERT INTO obligation_submissions
SELECT award_number, kind, CAST(due_on AS DATE), CAST(submitted_on AS DATE), $actor, CAST($at AS TIMESTAMP)
FROM _bulk_submissions ORDER BY _n
"""


def bulk_funding_rows(
    cursor: duckdb.DuckDBPyConnection,
    expenditures: list[dict[str, Any]],
    submissions: list[dict[str, Any]],
    *,
    actor: str,
    now: datetime,
    source: str,
) -> None:
    """A whole set of expenditures and submitted reports at once (the demo, benchmarks), audited as one
    row per table like kpi/storage/bulk.py's load."""
    columns = [
        "award_number",
        "category_code",
        "organization_code",
        "paid_on",
        "evidence",
        "amount",
        "description",
    ]
    stamp = {"actor": actor, "at": now}
    for name, sql, rows, names, params in (
        ("_bulk_expenditures", _BULK_EXPENDITURES, expenditures, columns, stamp | {"source": source}),
        (
            "_bulk_submissions",
            _BULK_SUBMISSIONS,
            submissions,
            ["award_number", "kind", "due_on", "submitted_on"],
            stamp,
        ),
    ):
        if not rows:
            continue
        cursor.register(name, _object_frame(rows, names))
        cursor.execute(sql, params)
        cursor.unregister(name)
    entries = [
        AuditEntry("load_demo" if source == "demo" else "load", table, "*", after={"rows": len(rows)})
        for table, rows in (("expenditure_versions", expenditures), ("obligation_submissions", submissions))
        if rows
    ]
    write_audit_entries(cursor, entries, actor=actor, at=now)


# Tables a whole synthetic funding portfolio is loaded into (benchmarks), in this order.
BULK_TABLES = (
    "programmes", "programme_categories", "award_versions", "budget_versions", "expenditure_versions",
    "payment_versions",
)  # fmt: skip


def insert_frames(cursor: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Whole frames into the funding tables (names from BULK_TABLES, columns from each table's own
    schema, the frame's extra columns refused), one INSERT … SELECT each; call in a transaction."""
    counts = {}
    for table in BULK_TABLES:
        frame = frames.get(table)
        if frame is None or frame.empty:
            continue
        types = _types(cursor, table)
        unknown = set(frame.columns) - set(types)
        if unknown:
            raise ValueError(f"{table}: no such columns {sorted(unknown)}")
        columns = list(frame.columns)
        casts = ", ".join(f"CAST({c} AS {types[c]})" for c in columns)
        cursor.register("_funding_frame", frame)
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {casts} FROM _funding_frame")
        cursor.unregister("_funding_frame")
        counts[table] = len(frame)
    return counts


# --- award editing
# What the awards page (kpi/funding/editing.py, award_forms.py) reads besides current_rows: one
# award's every version, and the current budget lines and payments of one award.
def award_history(cursor: duckdb.DuckDBPyConnection, award_number: str) -> list[dict[str, Any]]:
    """Every version of one award, oldest first, with who recorded it and when."""
    wanted = [*AWARD_COLUMNS, "recorded_by", "recorded_at"]
    result = cursor.execute(
        f"SELECT {', '.join(wanted)} FROM award_versions WHERE award_number = ? ORDER BY version",
        [award_number],
    )
    return [dict(zip(wanted, row, strict=True)) for row in result.fetchall()]


def award_rows(cursor: duckdb.DuckDBPyConnection, table: str, award_number: str) -> list[dict[str, Any]]:
    """The current rows of one award in budget_versions or payment_versions, ordered by key."""
    if table == "award_versions":
        raise KeyError(table)  # one award's versions: award_history
    keys, columns = VERSIONED[table]  # a KeyError for any name not in the whitelist
    wanted = [*keys, *columns]
    result = cursor.execute(
        f"SELECT {', '.join(wanted)} FROM {_CURRENT_OF[table]}"
        f" WHERE award_number = ? ORDER BY {', '.join(keys)}",
        [award_number],
    )
    return [dict(zip(wanted, row, strict=True)) for row in result.fetchall()]
