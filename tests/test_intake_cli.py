"""python -m kpi import / batches / rollback (SPEC section 5): exit codes, JSON, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpi.commands.main import main
from kpi.storage import Database
from tests.conftest import table_counts
from tests.test_intake import JA_LONG_HEADER, csv_bytes, current_values, registry_db, xlsx_bytes

HEADER = "project_code,kpi_code,period_end,value"
GOOD = csv_bytes(
    HEADER, "P1,joint_studies,2026-03-31,2", "P1,local_jobs,2026-03-31,5", "P1,local_jobs,FY2026Q1,3"
)
BAD = csv_bytes(
    JA_LONG_HEADER, "P1,joint_studies,2026-03-31,abc,", "P9,local_jobs,2026-03-31,1,", encoding="cp932"
)
RESULT_KEYS = [
    "status", "batch_id", "rows", "inserted", "updated", "unchanged", "not_reported", "skipped_rows",
    "ignored_columns", "header_row", "errors",
]  # fmt: skip


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    return registry_db(fresh_db, tmp_path / "registry")


def run(capsys: pytest.CaptureFixture[str], db: Database, *argv: str) -> tuple[int, str, str]:
    """The command as typed; an import confirms soft checks (local_jobs has no target in P1: those
    warnings are tests/test_soft_checks.py's), so these tests see the import's own outcome."""
    confirm = ["--confirm-warnings"] if argv[:1] == ("import",) and "--dry-run" not in argv else []
    code = main([*argv, *confirm, "--db", db.path])
    out, err = capsys.readouterr()
    return code, out, err


def write(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def test_import_json_and_exit_codes(capsys: pytest.CaptureFixture[str], db: Database, tmp_path: Path) -> None:
    good = write(tmp_path, "q4.csv", GOOD)
    code, out, err = run(capsys, db, "import", good, "--org", "U1", "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert list(result) == RESULT_KEYS
    assert result == {
        "status": "imported",
        "batch_id": 1,
        "rows": 3,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
        "not_reported": 0,
        "skipped_rows": [],
        "ignored_columns": [],
        "header_row": 1,
        "errors": [],
    }

    code, out, _ = run(capsys, db, "import", good, "--org", "U1", "--json")
    assert (code, json.loads(out)["status"], json.loads(out)["batch_id"]) == (0, "duplicate", 1)
    code, out, _ = run(capsys, db, "import", good, "--org", "U1", "--json", "--dry-run")
    assert (code, json.loads(out)["status"]) == (0, "duplicate")

    changed = write(tmp_path, "q4-fixed.csv", GOOD.replace(b"2026-03-31,5", b"2026-03-31,6"))
    before = table_counts(db)
    code, out, _ = run(capsys, db, "import", changed, "--org", "U1", "--json", "--dry-run")
    assert (code, json.loads(out)) == (
        0,
        {
            "status": "valid",
            "not_reported": 0,
            "skipped_rows": [],
            "ignored_columns": [],
            "header_row": 1,
            "batch_id": None,
            "rows": 3,
            "inserted": 0,
            "updated": 1,
            "unchanged": 2,
            "errors": [],
        },
    )
    assert table_counts(db) == before

    code, out, _ = run(capsys, db, "import", write(tmp_path, "bad.csv", BAD), "--org", "U1", "--json")
    assert code == 1
    result = json.loads(out)
    assert list(result) == RESULT_KEYS
    assert [list(e) for e in result["errors"]] == [["row", "column", "code", "message"]] * 2
    assert [(e["row"], e["column"], e["code"]) for e in result["errors"]] == [
        (2, "value", "invalid_number"),
        (3, "project_code", "unknown_project"),
    ]
    assert result["errors"][0]["message"] == "Row 2: “abc” in “実績値” is not a number."
    assert (result["status"], result["batch_id"], result["rows"]) == ("rejected", None, 2)
    assert table_counts(db) == before

    code, out, _ = run(capsys, db, "import", write(tmp_path, "empty.csv", b""), "--org", "U1", "--json")
    assert code == 1
    assert json.loads(out)["errors"] == [
        {"row": None, "column": None, "code": "empty_file", "message": "The file has no data rows."}
    ]


def test_usage_errors_exit_2_and_write_nothing(
    capsys: pytest.CaptureFixture[str], db: Database, tmp_path: Path
) -> None:
    good = write(tmp_path, "q4.csv", GOOD)
    before = table_counts(db)
    code, out, err = run(capsys, db, "import", good, "--org", "X9", "--json")
    assert (code, out) == (2, "")
    assert err == "error: organization “X9” is not registered\n"
    code, out, err = run(capsys, db, "import", str(tmp_path / "missing.csv"), "--org", "U1")
    assert (code, out) == (2, "")
    assert "missing.csv" in err
    code, _out, err = run(capsys, db, "import", str(tmp_path), "--org", "U1")  # a folder, not a file
    assert code == 2 and err.startswith("error: ")
    with pytest.raises(SystemExit) as info:
        main(["import", good, "--db", db.path])  # --org is required
    assert info.value.code == 2
    assert table_counts(db) == before


def test_text_output_in_japanese(capsys: pytest.CaptureFixture[str], db: Database, tmp_path: Path) -> None:
    good = write(tmp_path, "q4.csv", GOOD)
    code, out, _ = run(capsys, db, "import", good, "--org", "U1", "--lang", "ja")
    assert code == 0
    assert out == "バッチ 1 として取り込みました。\n  3 行: 新規 3、変更 0、変更なし 0\n"
    code, out, _ = run(capsys, db, "import", good, "--org", "U1", "--lang", "ja")
    assert out == "同じファイルはすでに取り込み済みです（バッチ 1）。何も変更していません。\n"

    code, out, _ = run(capsys, db, "import", write(tmp_path, "bad.csv", BAD), "--org", "U1", "--lang", "ja")
    assert code == 1
    assert out.splitlines() == [
        "ファイルを受け付けませんでした（2 行を確認、何も書き込んでいません）。"
        "次の点を修正して再度アップロードしてください:",
        "  [invalid_number] 2 行目: 「実績値」の「abc」は数値ではありません。",
        "  [unknown_project] 3 行目: プロジェクト「P9」は登録されていません。",
    ]
    code, out, _ = run(
        capsys, db, "import", str(tmp_path / "bad.csv"), "--org", "U1", "--lang", "ja", "--json"
    )
    assert json.loads(out)["errors"][0]["message"] == "2 行目: 「実績値」の「abc」は数値ではありません。"
    assert "「実績値」" in out  # JSON keeps Japanese readable, not \\u escapes

    code, _out, err = run(capsys, db, "import", good, "--org", "X9", "--lang", "ja")
    assert (code, err) == (2, "エラー: 機関「X9」は登録されていません\n")


def test_text_output_in_english(capsys: pytest.CaptureFixture[str], db: Database, tmp_path: Path) -> None:
    changed = write(tmp_path, "q4.csv", GOOD)
    code, out, _ = run(capsys, db, "import", changed, "--org", "C1", "--dry-run")
    assert (code, out) == (
        0,
        "The file is valid (dry run: nothing was written).\n  rows 3: 3 new, 0 changed, 0 unchanged\n"
        "Warning: Row 3: P1 has no target and no earlier report for Local jobs created (2 in this file,"
        " 8 people in all). Check that the project tracks this KPI. (If saved: status none → No target)\n",
    )
    assert current_values(db) == {}


def test_today_comes_from_the_environment(
    capsys: pytest.CaptureFixture[str], db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_TODAY", "2026-06-29")
    code, out, _ = run(capsys, db, "import", write(tmp_path, "q.csv", GOOD), "--org", "U1", "--json")
    assert code == 1
    assert [(e["row"], e["code"]) for e in json.loads(out)["errors"]] == [(4, "future_period")]


def test_xlsx_through_the_command_line(
    capsys: pytest.CaptureFixture[str], db: Database, tmp_path: Path
) -> None:
    data = xlsx_bytes(
        [["project_code", "period_end", "共同研究の件数", "地域雇用の創出数"], ["P1", "R8.3.31", 2, 5]]
    )
    code, out, _ = run(capsys, db, "import", write(tmp_path, "wide.xlsx", data), "--org", "C1", "--json")
    assert (code, json.loads(out)["inserted"], json.loads(out)["rows"]) == (0, 2, 1)


def test_batches_and_rollback(capsys: pytest.CaptureFixture[str], db: Database, tmp_path: Path) -> None:
    good = write(tmp_path, "q4.csv", GOOD)
    run(capsys, db, "import", good, "--org", "U1")
    run(capsys, db, "import", write(tmp_path, "c1.csv", GOOD), "--org", "C1")
    code, out, _ = run(capsys, db, "batches", "--json")
    listed = json.loads(out)
    assert code == 0
    columns = ("batch_id", "organization_code", "file_name", "uploaded_by", "rolled_back_by")
    assert [tuple(b[c] for c in columns) for b in listed] == [
        (2, "C1", "c1.csv", "tester", None),
        (1, "U1", "q4.csv", "tester", None),
    ]

    code, out, _ = run(capsys, db, "rollback", "1")
    assert (code, out) == (
        0,
        "Batch 1 rolled back: 3 value(s) restored, 0 left because they changed again later.\n",
    )
    assert {key[3] for key in current_values(db)} == {"C1"}
    code, out, _ = run(capsys, db, "batches", "--org", "U1", "--json")
    assert [(b["batch_id"], b["rolled_back_by"]) for b in json.loads(out)] == [(1, "tester")]
    assert json.loads(out)[0]["rolled_back_at"] is not None
    code, out, _ = run(capsys, db, "batches", "--org", "U1")
    assert out.rstrip().endswith("(rolled back)")

    code, out, err = run(capsys, db, "rollback", "99")
    assert (code, out) == (2, "")
    assert err == "error: there is no import batch 99 for you to roll back\n"

    # After the rollback the same file can be imported again.
    code, out, _ = run(capsys, db, "import", good, "--org", "U1", "--json")
    assert (code, json.loads(out)["status"], json.loads(out)["batch_id"]) == (0, "imported", 3)
