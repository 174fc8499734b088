"""`funding setup DIR`: every error found, in the reader's language, and nothing written; amendments
as versions; the command line's exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.funding.setup import FundingSetupUsageError, setup_funding
from kpi.storage import Database
from tests.conftest import OPERATOR, table_counts, without_demo_funding

FUNDING = Path(__file__).parent / "data" / "funding"


@pytest.fixture
def db(demo_db_path: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "funded.duckdb"
    shutil.copyfile(demo_db_path, path)
    database = without_demo_funding(Database(path))
    yield database
    database.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "funding"
    shutil.copytree(FUNDING, copy)
    return copy


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _errors(
    db: Database, folder: Path, lang: str = "en"
) -> list[tuple[str | None, int | None, str | None, str]]:
    before = table_counts(db)
    result = setup_funding(db, folder, actor=OPERATOR, lang=lang)
    assert result.status == "rejected"
    assert table_counts(db) == before  # a rejected setup writes nothing at all
    return [(e.file, e.row, e.code, e.message) for e in result.errors]


def test_every_error_is_found_and_nothing_is_written(db: Database, folder: Path) -> None:
    _replace(folder / "programmes.csv", "人件費;設備備品費", "人件費;設備費用")
    _replace(folder / "programmes.csv", ",2/3,", ",2/3割,")
    _replace(folder / "budgets.csv", "NAT-001,2025,人件費,UNI-HOKUTO", "NAT-001,2025,人件費,RI-SANGI")
    _replace(folder / "awards.csv", "NAT-002,P03,NAT", "NAT-002,P99,NATX")
    _replace(folder / "award_amounts.csv", "PREF-001,2025", "PREF-001,2027")
    _replace(folder / "payments.csv", "NAT-001,2025-12-20", "NAT-009,2025-12-20")
    found = _errors(db, folder)
    codes = [(file, row, code) for file, row, code, _ in found]
    assert codes == [
        ("programmes.csv", 2, "invalid_rate"),
        ("programmes.csv", 2, "unknown_category"),
        ("awards.csv", 4, "unknown_project"),
        ("awards.csv", 4, "unknown_programme"),
        ("awards.csv", 4, "unknown_call"),  # NATX has no call for 2026
        ("award_amounts.csv", 4, "year_outside_award"),
        ("budgets.csv", 3, "not_a_partner"),
        ("payments.csv", 2, "unknown_award"),
    ]
    messages = dict(((f, c), m) for f, _, c, m in found)
    assert "設備費用" in messages[("programmes.csv", "unknown_category")]
    assert "Equipment (equipment)" in messages[("programmes.csv", "unknown_category")]  # what to use instead
    assert "2/3" in messages[("programmes.csv", "invalid_rate")]
    assert "fiscal year 2027" in messages[("award_amounts.csv", "year_outside_award")]


def test_errors_in_japanese(db: Database, folder: Path) -> None:
    _replace(folder / "budgets.csv", '"3,000,000"', '"3,000,000.5"')
    [(_, row, code, message)] = _errors(db, folder, "ja")
    assert (row, code) == (2, "invalid_yen")
    assert (
        message
        == "2 行目: 「予算額」の「3,000,000.5」は 1 円未満の端数を含みます。円単位の整数で書いてください。"
    )


def test_an_amendment_needs_a_reason_and_becomes_a_version(db: Database, folder: Path) -> None:
    assert setup_funding(db, folder, actor=OPERATOR, lang="en").status == "loaded"
    _replace(folder / "award_amounts.csv", 'NAT-001,2026,"4,000,000"', 'NAT-001,2026,"4,500,000"')
    [(_, row, code, _)] = _errors(db, folder)
    assert (row, code) == (2, "amendment_reason")
    _replace(
        folder / "awards.csv", "精算払,交付決定,,,", "精算払,交付決定,,県の追加採択による増額,経済産業局長"
    )
    result = setup_funding(db, folder, actor=OPERATOR, lang="en")
    assert result.counts["awards"] == {"inserted": 0, "updated": 1, "unchanged": 2}
    with db.cursor() as cursor:
        versions = cursor.execute(
            "SELECT version, reason, approver, amounts FROM award_versions"
            " WHERE award_number = 'NAT-001' ORDER BY version"
        ).fetchall()
    assert [(v, r) for v, r, _, _ in versions] == [(1, ""), (2, "県の追加採択による増額")]
    assert versions[1][3] == [
        {"fiscal_year": 2025, "amount": 4_000_000},
        {"fiscal_year": 2026, "amount": 4_500_000},
    ]


def test_a_programme_losing_a_category_loses_it(db: Database, folder: Path) -> None:
    setup_funding(db, folder, actor=OPERATOR, lang="en")
    _replace(folder / "programmes.csv", "人件費、消耗品費、旅費、その他", "人件費、消耗品費、旅費")
    result = setup_funding(db, folder, actor=OPERATOR, lang="en")
    assert result.counts["programme_categories"]["deleted"] == 1
    with db.cursor() as cursor:
        allowed = cursor.execute(
            "SELECT category_code FROM programme_categories WHERE programme_code = 'PREF' ORDER BY 1"
        ).fetchall()
    assert [a for (a,) in allowed] == ["personnel", "supplies", "travel"]


def test_files_as_kept_in_cp932(db: Database, folder: Path) -> None:
    for name in ("programmes.csv", "awards.csv"):
        path = folder / name
        path.write_bytes(path.read_text(encoding="utf-8").encode("cp932"))
    assert setup_funding(db, folder, actor=OPERATOR, lang="en").status == "loaded"


def test_only_administrators_set_up_funding(db: Database, folder: Path) -> None:
    with pytest.raises(Forbidden):
        setup_funding(db, folder, actor=Actor("lead", Role.LEAD, "CO-HOKUSEI"), lang="en")
    (folder / "programmes.csv").unlink()
    with pytest.raises(FundingSetupUsageError):
        setup_funding(db, folder, actor=OPERATOR, lang="en")


def test_programmes_alone_come_first(db: Database, folder: Path) -> None:
    """An administrator registers the programmes before any award: awards come later (or on the page)."""
    for name in ("awards.csv", "award_amounts.csv", "budgets.csv", "payments.csv", "award_kpis.csv",
                 "calls.csv"):  # fmt: skip
        (folder / name).unlink()
    result = setup_funding(db, folder, actor=OPERATOR, lang="en")
    assert result.status == "loaded" and result.counts["programmes"]["inserted"] == 2


def _cli(db: Database, *args: str) -> subprocess.CompletedProcess[str]:
    db.close()
    return subprocess.run(
        [sys.executable, "-m", "kpi", "funding", *args, "--db", db.path, "--lang", "en"],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_command_line(db: Database, folder: Path) -> None:
    _replace(folder / "programmes.csv", ",2/3,", ",2/3割,")
    rejected = _cli(db, "setup", str(folder), "--json")
    assert rejected.returncode == 1
    assert [e["code"] for e in json.loads(rejected.stdout)["errors"]] == ["invalid_rate"]
    _replace(folder / "programmes.csv", ",2/3割,", ",2/3,")
    loaded = _cli(db, "setup", str(folder))
    assert loaded.returncode == 0, loaded.stderr
    assert "awards: 3 new, 0 changed, 0 unchanged" in loaded.stdout
    assert _cli(db, "setup", str(folder / "missing")).returncode == 2
    status = _cli(db, "status", "--as-of", "2026-02-28", "--json")
    assert status.returncode == 0
    awards = {a["award_number"]: a for a in json.loads(status.stdout)["awards"]}
    assert (awards["NAT-001"]["budget"], awards["NAT-001"]["received"]) == (5_000_000, 1_000_000)
