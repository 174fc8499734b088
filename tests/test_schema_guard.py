"""A database the code cannot read is refused, never half-read (issue 21): a file made by a newer
version (schema 99, a renamed column) stops `init`, every command (exit 2) and the dashboard with the
version it needs; a damaged file is found by the start-up check (every block read, so DuckDB's
checksums speak) and the message says how to restore."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from kpi.admin.file_check import check_file
from kpi.commands.main import main
from kpi.storage import Database, SchemaTooNew, migration_files

ROOT = Path(__file__).resolve().parent.parent
NEWEST = migration_files()[-1][0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def future_db(fresh_db: Database, db_path: Path) -> Path:
    """A database a future version migrated: schema 99, and projects.phase renamed."""
    with fresh_db.transaction() as cursor:
        cursor.execute("INSERT INTO schema_migrations VALUES (99, '0099_future.sql', now())")
        cursor.execute("ALTER TABLE projects RENAME COLUMN phase TO stage")
    fresh_db.close()
    return db_path


@pytest.mark.parametrize(
    "command",
    [
        ["init"],
        ["init", "--demo"],
        ["status"],
        ["check"],
        ["import", str(ROOT / "samples" / "setouchi_wide_2026q2_cp932.csv"), "--org", "UNIV-TOHOKU"],
    ],
)
def test_every_command_refuses_a_newer_schema_and_changes_nothing(
    future_db: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(future_db)
    assert main([*command, "--db", str(future_db)]) == 2
    err = capsys.readouterr().err
    assert f"schema 99; this version reads schemas up to {NEWEST}" in err
    assert "python -m kpi restore" in err and "Traceback" not in err
    assert digest(future_db) == before  # nothing migrated, nothing written
    with duckdb.connect(str(future_db), read_only=True) as raw:
        assert raw.execute("SELECT max(version) FROM schema_migrations").fetchone() == (99,)


def test_in_japanese_too(future_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--db", str(future_db), "--lang", "ja"]) == 2
    assert f"スキーマ 99。この版が読めるのは {NEWEST} まで" in capsys.readouterr().err


def test_the_database_object_raises_before_reading(future_db: Path) -> None:
    db = Database(future_db)
    with pytest.raises(SchemaTooNew) as refused:
        db.ensure_ready()
    assert (refused.value.found, refused.value.supported) == (99, NEWEST)
    db.close()


def test_the_dashboard_says_which_version_it_needs(future_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPI_DB", str(future_db))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.query_params["lang"] = "en"
    app.run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "This database was made by a newer version of the product (schema 99; this version reads schemas up "
        f"to {NEWEST}), so nothing was read or changed. Install the newer version, or restore a backup made "
        "by this one: python -m kpi restore FILE"
    ]
    assert not app.text_input  # no sign-in form over a database it cannot read


@pytest.fixture
def damaged_db(fresh_db: Database, db_path: Path) -> Path:
    """Most of the file is audit rows (which no sign-in or status reads); a block in the middle of the
    file is overwritten, as a failing disk would."""
    with fresh_db.transaction() as cursor:
        cursor.execute(
            "INSERT INTO audit_log (recorded_at, actor, action, entity, entity_key, after)"
            " SELECT now(), 'x', 'update', 'note', md5(i::VARCHAR),"
            " to_json(md5(i::VARCHAR) || md5((i + 1)::VARCHAR))"
            " FROM range(300000) r(i)"
        )
    fresh_db.close()
    size = db_path.stat().st_size
    with open(db_path, "r+b") as raw:
        raw.seek(size // 2)
        raw.write(os.urandom(4096))
    return db_path


def test_the_check_finds_damage_that_other_commands_never_read(
    damaged_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--db", str(damaged_db)]) == 0  # status reads no audit rows: damage unseen
    capsys.readouterr()
    assert main(["check", "--db", str(damaged_db)]) == 4
    err = capsys.readouterr().err
    assert "The database file is damaged" in err and "python -m kpi restore BACKUP_FILE" in err
    assert "Traceback" not in err


def test_the_dashboard_checks_the_file_at_start_up(damaged_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPI_DB", str(damaged_db))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.query_params["lang"] = "ja"
    app.run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "データベースファイルが破損しているか、このプログラムで読めない形式です。何も変更していません。"
        "管理者は最新のバックアップを復元できます: python -m kpi restore バックアップファイル"
        "（バックアップの一覧は管理ページにあります）。"
    ]


def test_a_truncated_file_is_damaged_too(
    fresh_db: Database, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_db.close()
    os.truncate(db_path, db_path.stat().st_size // 3)
    assert main(["check", "--db", str(db_path)]) == 4
    assert "The database file is damaged" in capsys.readouterr().err


def test_a_sound_file_passes_with_its_row_counts(
    demo_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    found = check_file(demo_db)
    assert found.schema_version == NEWEST
    with demo_db.cursor() as cursor:
        projects = cursor.execute("SELECT count(*) FROM projects").fetchone()
    assert projects is not None and found.rows["projects"] == projects[0] > 0
    assert main(["check", "--db", demo_db.path, "--json"]) == 0
    assert f'"schema_version": {NEWEST}' in capsys.readouterr().out
