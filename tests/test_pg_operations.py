"""The operations commands on a PostgreSQL database: `check` reads every row there too, and `backup` /
`restore` (which copy a DuckDB file) say that PostgreSQL's backups are pg_dump's, writing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpi.commands.main import main
from kpi.storage import Database
from tests.conftest import table_counts


@pytest.fixture
def pg_db(fresh_db: Database) -> Database:
    return fresh_db


on_postgresql = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


@on_postgresql
def test_check_reads_every_table_on_postgresql(pg_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--db", pg_db.url, "--json"]) == 0  # type: ignore[attr-defined]
    found = json.loads(capsys.readouterr().out)
    assert found["status"] == "ok", found
    with pg_db.cursor() as cursor:
        tables = cursor.execute(
            "SELECT count(*) FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        ).fetchone()
    assert tables is not None and len(found["rows"]) == tables[0] > 30


@on_postgresql
@pytest.mark.parametrize("command", ["backup", "restore"])
def test_backup_and_restore_refer_to_pg_dump(
    pg_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    before = table_counts(pg_db)
    target = tmp_path / ("backups" if command == "backup" else "kpi-20260101-000000.duckdb")
    assert main([command, str(target), "--db", pg_db.url, "--lang", "en"]) == 1  # type: ignore[attr-defined]
    said = capsys.readouterr().err
    assert "pg_dump" in said and "pg_restore" in said
    assert not (tmp_path / "backups").exists()
    assert table_counts(pg_db) == before


def test_the_database_url_may_come_from_the_secrets_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpi.storage.connection import database_path

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[database]\nurl = "postgresql://kpi:s3cret@db.internal/kpi"\n', encoding="utf-8")
    monkeypatch.setenv("KPI_SECRETS", str(secrets))
    assert database_path() == "postgresql://kpi:s3cret@db.internal/kpi"
    monkeypatch.setenv("KPI_DB", str(tmp_path / "kpi.duckdb"))  # the environment still wins
    assert database_path() == str(tmp_path / "kpi.duckdb")
    assert database_path("other.duckdb") == "other.duckdb"
    assert Database("postgresql://kpi:s3cret@db.internal/kpi").path == "postgresql://kpi:***@db.internal/kpi"


@on_postgresql
def test_every_pooled_connection_busy_is_a_busy_database_not_a_traceback(pg_db: Database) -> None:
    from contextlib import ExitStack

    from kpi.storage import DatabaseBusy
    from kpi.storage.pg_engine import POOL_SIZE

    busy = Database(pg_db.url, wait_seconds=0.5)  # type: ignore[attr-defined]
    with ExitStack() as held:
        for _ in range(POOL_SIZE):
            held.enter_context(busy.cursor())
        with pytest.raises(DatabaseBusy), busy.cursor():
            pass
    with busy.cursor() as cursor:  # and once they are back, work goes on
        assert cursor.execute("SELECT 1").fetchone() == (1,)
    busy.close()


def test_a_server_that_does_not_answer_is_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No server at the socket: exit 3 and what PostgreSQL's client said, not "in use by another
    process" and not a traceback."""
    monkeypatch.setenv("KPI_DB_WAIT", "1")
    url = f"postgresql://postgres@/kpi?host={tmp_path}"
    assert main(["status", "--db", url, "--lang", "en"]) == 3
    said = capsys.readouterr().err
    assert said.startswith(f"The database server for {url} did not answer (")
    assert str(tmp_path) in said and "Check that PostgreSQL is running" in said
