"""python -m kpi funding import FILE --org ORG [--dry-run] [--json] (SPEC sections 5 and 7): the
JSON of `import`, exit codes 0/1/2, a dry run that writes nothing; `batches` and `rollback` with
expenditure batches beside KPI batches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpi.commands.main import main
from kpi.storage import Database
from tests.test_funding_expenditures import EN_HEADER, KEPT, ORG, counts, csv_file, funded_copy, stored

RESULT_KEYS = [
    "status",
    "batch_id",
    "rows",
    "inserted",
    "updated",
    "unchanged",
    "not_reported",
    "skipped_rows",
    "ignored_columns",
    "header_row",
    "errors",
]


@pytest.fixture
def db(demo_db_path: Path, tmp_path: Path) -> Database:
    funded = funded_copy(demo_db_path, tmp_path)
    funded.close()  # the command opens the file itself
    return funded


def run(capsys: pytest.CaptureFixture[str], db: Database, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--db", db.path])
    out, err = capsys.readouterr()
    return code, out, err


def _counts(db: Database) -> dict[str, int]:
    opened = Database(db.path)
    try:
        return counts(opened)
    finally:
        opened.close()


def _stored(db: Database) -> dict[tuple[str, str, str, str], tuple[int, str]]:
    opened = Database(db.path)
    try:
        return stored(opened)
    finally:
        opened.close()


def write(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def test_import_json_duplicate_and_dry_run(
    capsys: pytest.CaptureFixture[str], db: Database, tmp_path: Path
) -> None:
    kept = write(tmp_path, "支出明細.csv", KEPT)
    code, out, err = run(capsys, db, "funding", "import", kept, "--org", ORG, "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert list(result) == RESULT_KEYS
    assert {k: result[k] for k in RESULT_KEYS if k != "batch_id"} == {
        "status": "imported",
        "rows": 4,
        "inserted": 4,
        "updated": 0,
        "unchanged": 0,
        "not_reported": 0,
        "skipped_rows": [
            {"row": 1, "reason": "above_header"},
            {"row": 3, "reason": "unit_row"},
            {"row": 8, "reason": "total_row"},
        ],
        "ignored_columns": [],
        "header_row": 2,
        "errors": [],
    }
    batch = result["batch_id"]
    assert isinstance(batch, int)

    code, out, _ = run(capsys, db, "funding", "import", kept, "--org", ORG, "--json")
    assert (code, json.loads(out)["status"], json.loads(out)["batch_id"]) == (0, "duplicate", batch)

    changed = write(tmp_path, "支出明細-訂正.csv", KEPT.replace(b'"12,000"', b'"12,500"'))
    before = _counts(db)
    code, out, _ = run(capsys, db, "funding", "import", changed, "--org", ORG, "--json", "--dry-run")
    valid = json.loads(out)
    assert (
        code,
        valid["status"],
        valid["batch_id"],
        valid["inserted"],
        valid["updated"],
        valid["unchanged"],
    ) == (0, "valid", None, 0, 1, 3)
    assert _counts(db) == before  # a dry run writes nothing

    code, out, _ = run(capsys, db, "funding", "import", changed, "--org", ORG, "--json")
    assert (code, json.loads(out)["status"], json.loads(out)["updated"]) == (0, "imported", 1)
    key = ("TEST-20-001", "supplies", "2025-05-12", "A-001")
    assert _stored(db)[key] == (12_500, "試薬")


def test_a_rejected_file_exits_1_with_every_error(
    capsys: pytest.CaptureFixture[str], db: Database, tmp_path: Path
) -> None:
    bad = write(
        tmp_path,
        "bad.csv",
        csv_file(
            EN_HEADER, "TEST-99-999,supplies,2025-05-12,100,,", "TEST-20-001,supplies,2025-05-12,12.5,,"
        ),
    )
    before = _counts(db)
    code, out, _ = run(capsys, db, "funding", "import", bad, "--org", ORG, "--json")
    result = json.loads(out)
    assert (code, result["status"], result["batch_id"]) == (1, "rejected", None)
    assert [(e["row"], e["column"], e["code"]) for e in result["errors"]] == [
        (2, "award_number", "unknown_award"),
        (3, "amount", "not_whole_yen"),
    ]
    assert "TEST-99-999" in result["errors"][0]["message"]
    assert _counts(db) == before

    code, out, _ = run(capsys, db, "funding", "import", bad, "--org", ORG, "--lang", "ja")
    assert code == 1
    assert "[unknown_award] 2 行目: 交付決定番号「TEST-99-999」は登録されていません。" in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], db: Database, tmp_path: Path) -> None:
    kept = write(tmp_path, "kept.csv", KEPT)
    before = _counts(db)
    code, out, err = run(capsys, db, "funding", "import", kept, "--org", "NO-SUCH-ORG", "--json")
    assert (code, out) == (2, "")
    assert "NO-SUCH-ORG" in err
    code, out, err = run(capsys, db, "funding", "import", str(tmp_path / "missing.csv"), "--org", ORG)
    assert (code, out) == (2, "")
    assert "missing.csv" in err
    code, _, err = run(capsys, db, "funding", "import", str(tmp_path), "--org", ORG)  # a folder: unreadable
    assert code == 2 and err
    assert _counts(db) == before


def test_batches_list_both_kinds_and_rollback_undoes_an_expenditure_batch(
    capsys: pytest.CaptureFixture[str], db: Database, tmp_path: Path
) -> None:
    kpi_file = write(
        tmp_path,
        "kpi.csv",
        csv_file("project_code,kpi_code,period_end,value", "P20,joint_studies,FY2026Q2,1"),
    )
    code, out, _ = run(capsys, db, "import", kpi_file, "--org", ORG, "--json", "--confirm-warnings")
    assert (code, json.loads(out)["status"]) == (0, "imported"), out
    kept = write(tmp_path, "kept.csv", KEPT)
    code, out, _ = run(capsys, db, "funding", "import", kept, "--org", ORG, "--json")
    batch = json.loads(out)["batch_id"]

    code, out, _ = run(capsys, db, "batches", "--org", ORG, "--json")
    listed = json.loads(out)
    assert code == 0
    assert [(b["kind"], b["file_name"]) for b in listed] == [
        ("expenditures", "kept.csv"),
        ("actuals", "kpi.csv"),
    ]
    code, out, _ = run(capsys, db, "batches", "--org", ORG)
    assert "(expenditures)" in out.splitlines()[0] and "(expenditures)" not in out.splitlines()[1]

    code, out, _ = run(capsys, db, "rollback", str(batch))
    assert (code, out.strip()) == (
        0,
        f"Batch {batch} rolled back: 4 value(s) restored, 0 left because they changed again later.",
    )
    assert _stored(db) == {}
    code, out, _ = run(capsys, db, "funding", "import", kept, "--org", ORG, "--json")
    assert (code, json.loads(out)["status"], json.loads(out)["inserted"]) == (0, "imported", 4)
