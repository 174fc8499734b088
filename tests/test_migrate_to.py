"""`python -m kpi migrate-to TARGET` (kpi/storage/transfer.py, kpi/operations/transfer.py,
kpi/commands/transfer.py): the demo database into a fresh PostgreSQL database and back into a new
DuckDB file, row for row; sequences that continue after the copied ids; refusals that write nothing;
the status of every project x KPI compared exactly; the command's exit codes."""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kpi.commands.main import main
from kpi.operations import transfer as operations
from kpi.operations.transfer import TransferRefused, migrate_to, status_differences
from kpi.portfolio.status import portfolio_status
from kpi.storage import Database, migration_files
from kpi.storage import transfer as storage
from kpi.storage.audit import write_audit
from kpi.storage.integrity import quoted
from tests import pg_support
from tests.conftest import DEMO_TODAY, OPERATOR

MIGRATIONS = Path(__file__).parent.parent / "kpi" / "migrations"
NO_SERVER = "postgresql://postgres@/kpi_nowhere?host=/tmp/kpi-no-server-here"


@pytest.fixture
def source(demo_db_path: Path, tmp_path: Path) -> Iterator[Database]:
    """A copy of the demo database (the session's own file is never written)."""
    path = tmp_path / "source.duckdb"
    shutil.copyfile(demo_db_path, path)
    db = Database(path)
    yield db
    db.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a PostgreSQL database that does not exist yet (migrate-to creates it); dropped after."""
    name = pg_support.new_name("kpi_migrate_to")
    url = pg_support.database_url(name)  # fails under CI, skips elsewhere, without a server
    yield url
    pg_support.drop_database(name)


def _counts(db: Database) -> dict[str, int]:
    with db.cursor() as cursor:
        return storage.row_counts(cursor)


def _rows(db: Database) -> dict[str, list[str]]:
    """Every row of every table (schema_migrations aside: each side's own), sorted, as text."""
    with db.cursor() as cursor:
        return {
            table: sorted(repr(row) for row in cursor.execute(f"SELECT * FROM {quoted(table)}").fetchall())
            for table in storage.reference().tables
        }


def _next_ids(db: Database) -> dict[str, tuple[int, int]]:
    """(max id + 1, the sequence's next value) per sequence; draws one value of each."""
    found = {}
    with db.transaction() as cursor:
        for sequence, (table, column) in storage.SEQUENCES.items():
            highest = cursor.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchone()[0]  # type: ignore[index]
            drawn = cursor.execute(f"SELECT nextval('{sequence}')").fetchone()[0]  # type: ignore[index]
            found[sequence] = (int(highest) + 1, int(drawn))
    return found


def _audit_id_after_insert(db: Database) -> tuple[int, int]:
    """(the audit log's max id before, the id a new entry gets)."""
    with db.transaction() as cursor:
        before = cursor.execute("SELECT max(id) FROM audit_log").fetchone()[0]  # type: ignore[index]
        write_audit(cursor, actor="tester", action="check", entity="migrate_to", entity_key="ids")
        after = cursor.execute("SELECT max(id) FROM audit_log").fetchone()[0]  # type: ignore[index]
    return int(before), int(after)


# -- the schema facts the copy relies on -----------------------------------------------------------
def test_the_sequences_are_every_one_of_the_migrations_with_the_column_it_feeds() -> None:
    created = set(
        re.findall(r"CREATE SEQUENCE (\w+)", "".join(p.read_text() for p in MIGRATIONS.glob("*.sql")))
    )
    assert set(storage.SEQUENCES) == created
    db = Database(":memory:")
    db.migrate()
    with db.cursor() as cursor:
        for sequence, (table, column) in storage.SEQUENCES.items():
            default = cursor.execute(
                "SELECT column_default FROM information_schema.columns"
                " WHERE table_name = ? AND column_name = ?",
                [table, column],
            ).fetchone()
            assert default == (f"nextval('{sequence}')",), (sequence, table, column)
    db.close()


def test_the_reference_schema_is_the_shipped_migrations_and_its_seeds_are_what_they_insert() -> None:
    ref = storage.reference()
    assert ref.version == migration_files()[-1][0]
    assert set(ref.seeds) == {"settings", "kpi_definitions", "term_names", "funding_categories"}
    assert ("backup_keep", "14") in ref.seeds["settings"]


# -- DuckDB → PostgreSQL → DuckDB -------------------------------------------------------------------
def test_the_demo_goes_to_postgresql_and_back_row_for_row(
    source: Database, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks, so that the larger tables take several on each side (DuckDB: 2,048 rows a vector).
    monkeypatch.setattr(storage, "CHUNK_VECTORS", 1)
    monkeypatch.setattr(storage, "CHUNK_ROWS", 700)
    expected_counts, expected_rows = _counts(source), _rows(source)
    assert expected_counts["actual_versions"] > 2048 and expected_counts["expenditure_versions"] > 700
    pg = Database(pg_url)
    try:
        there = migrate_to(source, pg, as_of=DEMO_TODAY, actor=OPERATOR)
        assert there.verification.count_differences == {}
        assert _counts(pg) == expected_counts
        assert there.copied == {t: n for t, n in expected_counts.items() if t != "schema_migrations"}
        assert there.rows == sum(there.copied.values()) > 8000
        # ids continue after the copied ones: a new audit entry, and every sequence's next value
        before, after = _audit_id_after_insert(pg)
        assert after == before + 1
        assert all(wanted == drawn for wanted, drawn in _next_ids(pg).values()), _next_ids(pg)

        back = Database(tmp_path / "back.duckdb")
        try:
            again = migrate_to(pg, back, as_of=DEMO_TODAY, actor=OPERATOR)
            assert again.verification.count_differences == {}
            assert _counts(back) == _counts(pg)
            before, after = _audit_id_after_insert(back)
            assert after == before + 1
            assert all(wanted == drawn for wanted, drawn in _next_ids(back).values()), _next_ids(back)
        finally:
            back.close()
    finally:
        pg.close()
    back = Database(tmp_path / "back.duckdb")
    rows = _rows(back)
    back.close()
    # Lossless both ways (dates, structs, lists, JSON, floats), but for the two rows added above.
    rows["audit_log"] = [r for r in rows["audit_log"] if "'migrate_to'" not in r]
    assert rows == expected_rows


def test_the_status_of_every_project_and_kpi_is_identical_on_postgresql(
    source: Database, pg_url: str
) -> None:
    """Kept apart from the round trip: it needs the status query to run on PostgreSQL."""
    pg = Database(pg_url)
    try:
        migration = migrate_to(source, pg, as_of=DEMO_TODAY, actor=OPERATOR)
        assert migration.verification.status_error is None
        assert migration.verification.status_differences == []
        assert migration.verification.ok and migration.verification.status_rows > 50
        for as_of in (date(2025, 3, 31), date(2027, 3, 31)):
            assert status_differences(portfolio_status(source, as_of), portfolio_status(pg, as_of)) == []
    finally:
        pg.close()


def test_duckdb_to_duckdb_is_verified_by_counts_and_status(source: Database, tmp_path: Path) -> None:
    target = Database(tmp_path / "copy.duckdb")
    migration = migrate_to(source, target, as_of=DEMO_TODAY, actor=OPERATOR)
    assert migration.verification.ok, migration.verification.as_dict()
    assert migration.verification.status_rows == len(portfolio_status(source, DEMO_TODAY)) > 50
    assert _rows(target) == _rows(source)
    assert all(wanted == drawn for wanted, drawn in _next_ids(target).values())
    target.close()


def test_an_initialized_target_is_empty_and_its_seeds_become_the_source_s(
    source: Database, tmp_path: Path
) -> None:
    target = Database(tmp_path / "init.duckdb")
    target.migrate()  # what `python -m kpi init` leaves: only the migrations' own rows
    with source.transaction() as cursor:
        cursor.execute("UPDATE settings SET value = '0.85' WHERE key = 'on_track_threshold'")
    migrate_to(source, target, as_of=DEMO_TODAY, actor=OPERATOR)
    with target.cursor() as cursor:
        assert cursor.execute("SELECT value FROM settings WHERE key = 'on_track_threshold'").fetchone() == (
            "0.85",
        )
    assert _rows(target)["settings"] == _rows(source)["settings"]
    target.close()


def test_the_source_file_is_not_held_while_the_target_is_opened(
    source: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = []
    real = operations.prepare_target

    def watched(target: Database) -> list[str]:
        opened.append(source._connection is None)
        return real(target)

    monkeypatch.setattr(operations, "prepare_target", watched)
    migrate_to(source, Database(tmp_path / "copy.duckdb"), as_of=DEMO_TODAY, actor=OPERATOR)
    assert opened == [True] and source._connection is None


# -- the status comparison itself -------------------------------------------------------------------
def test_the_status_comparison_sees_a_changed_value_to_the_last_bit(source: Database, tmp_path: Path) -> None:
    frame = portfolio_status(source, DEMO_TODAY)
    assert status_differences(frame, frame.copy()) == []
    values = frame["value"].to_numpy(dtype="float64", copy=True)
    row = next(i for i, v in enumerate(values) if v == v)  # the first value that is not NaN
    values[row] = math.nextafter(values[row], math.inf)  # one bit more
    [difference] = status_differences(frame, frame.assign(value=values))
    key = f"{frame['project_code'].iloc[row]}/{frame['kpi_code'].iloc[row]}"
    assert difference.startswith(f"{key} value: ")
    assert status_differences(frame, frame.iloc[1:]) != []  # a row missing
    missing = frame.astype({"year_in_view": "float64"})  # <NA> and NaN are both "missing"
    assert status_differences(frame, missing) == []


def test_a_copy_that_differs_is_not_verified(
    source: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = operations.portfolio_status

    def changed(db: Database, as_of: date) -> pd.DataFrame:
        frame = real(db, as_of)
        if db.path.endswith("copy.duckdb"):
            frame.loc[0, "status"] = "off_track" if frame.loc[0, "status"] != "off_track" else "on_track"
        return frame

    monkeypatch.setattr(operations, "portfolio_status", changed)
    migration = migrate_to(source, Database(tmp_path / "copy.duckdb"), as_of=DEMO_TODAY, actor=OPERATOR)
    assert not migration.verification.ok
    first = real(source, DEMO_TODAY).iloc[0]
    assert [d.split(" status: ")[0] for d in migration.verification.status_differences] == [
        f"{first['project_code']}/{first['kpi_code']}"
    ]


# -- refusals: nothing written ----------------------------------------------------------------------
def test_a_target_that_holds_data_is_refused_and_left_unchanged(
    source: Database, demo_db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "full.duckdb"
    shutil.copyfile(demo_db_path, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(TransferRefused) as refused:
        migrate_to(source, Database(path), as_of=DEMO_TODAY, actor=OPERATOR)
    assert refused.value.code == "not_empty" and refused.value.details["tables"]["projects"] > 0
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_a_changed_setting_in_the_target_is_data(source: Database, tmp_path: Path) -> None:
    target = Database(tmp_path / "init.duckdb")
    target.migrate()
    with target.transaction() as cursor:
        cursor.execute("UPDATE settings SET value = '20' WHERE key = 'backup_keep'")
    with pytest.raises(TransferRefused) as refused:
        migrate_to(source, target, as_of=DEMO_TODAY, actor=OPERATOR)
    assert refused.value.details == {"tables": {"settings": 1}}
    target.close()


def test_a_postgresql_target_with_data_is_refused_and_left_unchanged(source: Database, pg_url: str) -> None:
    pg = Database(pg_url)
    try:
        pg.migrate()
        with pg.transaction() as cursor:
            cursor.execute("INSERT INTO organizations VALUES ('X1', 'X社', 'X', 'industry', '東京都')")
        before = _rows(pg)
        with pytest.raises(TransferRefused) as refused:
            migrate_to(source, pg, as_of=DEMO_TODAY, actor=OPERATOR)
        assert refused.value.details == {"tables": {"organizations": 1}}
        assert _rows(pg) == before
    finally:
        pg.close()


def test_an_older_source_is_refused_before_the_target_is_made(source: Database, tmp_path: Path) -> None:
    with source.transaction() as cursor:
        cursor.execute(
            "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)"
        )
    target = tmp_path / "never.duckdb"
    with pytest.raises(TransferRefused) as refused:
        migrate_to(source, Database(target), as_of=DEMO_TODAY, actor=OPERATOR)
    assert refused.value.code == "source_older" and not target.exists()


def test_a_refusal_inside_the_copy_rolls_everything_back(
    source: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after some tables were written (here: in the sequences) leaves the target empty."""
    target = Database(tmp_path / "copy.duckdb")

    def fail(cursor: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(storage, "continue_sequences", fail)
    with pytest.raises(RuntimeError):
        migrate_to(source, target, as_of=DEMO_TODAY, actor=OPERATOR)
    with target.cursor() as cursor:
        assert storage.data_tables(cursor) == {}
    target.close()


# -- the command line -------------------------------------------------------------------------------
def test_the_command_copies_verifies_and_says_so(
    source: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source.close()
    target = tmp_path / "copy.duckdb"
    assert main(["migrate-to", str(target), "--db", source.path, "--as-of", "2026-03-31"]) == 0
    out = capsys.readouterr().out
    assert f"Copied {source.path} into {target}: 34 tables, " in out
    assert "on 2026-03-31 is identical." in out
    assert main(["migrate-to", str(tmp_path / "json.duckdb"), "--db", source.path, "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["status"] == "ok" and said["verified"] and said["as_of"] == DEMO_TODAY.isoformat()
    assert said["row_counts"] == _counts(source)


def test_the_command_refuses_a_target_with_data_with_exit_1(
    source: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source.close()
    target = tmp_path / "copy.duckdb"
    assert main(["migrate-to", str(target), "--db", source.path]) == 0
    capsys.readouterr()
    assert main(["migrate-to", str(target), "--db", source.path]) == 1
    err = capsys.readouterr().err
    assert "already holds data" in err and "Nothing was written" in err
    assert main(["migrate-to", str(target), "--db", source.path, "--json", "--lang", "ja"]) == 1
    said = json.loads(capsys.readouterr().out)
    assert said["code"] == "not_empty" and "すでにデータがあります" in said["message"]
    assert main(["migrate-to", source.path, "--db", source.path]) == 1
    assert "is the database being copied" in capsys.readouterr().err


def test_the_command_tells_an_older_source_to_run_init(
    source: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with source.transaction() as cursor:
        cursor.execute(
            "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)"
        )
    source.close()
    assert main(["migrate-to", str(tmp_path / "copy.duckdb"), "--db", source.path]) == 1
    assert f"python -m kpi init --db {source.path}" in capsys.readouterr().err


def test_an_unreachable_target_is_exit_2(
    source: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source.close()
    assert main(["migrate-to", NO_SERVER, "--db", source.path]) == 2
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "Nothing was copied" in err and "Traceback" not in err
    (tmp_path / "plain").write_text("not a folder")
    assert main(["migrate-to", str(tmp_path / "plain" / "x.duckdb"), "--db", source.path, "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["status"] == "unreachable"


def test_the_command_copies_into_postgresql(
    source: Database, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source.close()
    assert main(["migrate-to", pg_url, "--db", source.path, "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["status"] == "ok" and said["row_counts"] == _counts(source)
    assert main(["migrate-to", pg_url, "--db", source.path]) == 1  # now it holds data
