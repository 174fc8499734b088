"""Purging a poisoned note (issue 15, item 3): a huge note that arrived before size limits existed
makes the project page fail for every reader, and a rollback keeps it (versions are kept). An
administrator blanks it with an audited action; the value stays, the text is gone from every read."""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from kpi.access import Actor, Forbidden, Role
from kpi.admin.purge import oversized_notes, purge_note
from kpi.commands.purge import add_purge_parsers, run_purge_command
from kpi.errors import Rejected
from kpi.progress.forms import progress_grid
from kpi.project.view import build_project_view
from kpi.storage import Database
from kpi.storage.actuals import actual_history, recent_reports, record_actuals
from kpi.storage.notes import current_notes
from tests.conftest import table_counts
from tests.test_intake import TODAY, current_values, registry_db

ADMIN = Actor.operator("admin@example")
LEAD = Actor("u1-lead", Role.LEAD, organization_code="U1")  # leads P1, the project of the note
MARKER = '=HYPERLINK("http://x")'
POISON = MARKER + "ああ" * 150_000  # 300,022 characters, 900,022 bytes of UTF-8
REVISED = "改訂: " + "x" * 800
JS, PERIOD = "joint_studies", date(2026, 3, 31)
NOW = datetime(2026, 11, 20, 10, 0)


def _row(note: str, value: float = 2.0) -> pd.DataFrame:
    row = {"project_code": "P1", "kpi_code": JS, "period_end": PERIOD, "organization_code": "U1"}
    return pd.DataFrame([{**row, "value": value, "note": note}])


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    """P1's joint_studies for FY2025 Q4 as an old import left it: a poisoned note, then a note
    revision that is too long as well, and C1's ordinary report beside it."""
    database = registry_db(fresh_db, tmp_path / "registry")
    with database.transaction() as cursor:
        record_actuals(cursor, _row(POISON), actor="u1@example", source="import", now=NOW)
        record_actuals(cursor, _row(REVISED), actor="u1@example", source="import", now=NOW)
        other = _row("普通の備考").assign(organization_code="C1", value=1.0)
        record_actuals(cursor, other, actor="c1@example", source="import", now=NOW)
    return database


def _version(db: Database, organization: str = "U1") -> int:
    with db.cursor() as cursor:
        found = cursor.execute(
            "SELECT version_id FROM actual_current WHERE organization_code = ?", [organization]
        ).fetchall()
    return int(found[0][0])


def every_note(db: Database) -> list[str]:
    """The notes of P1 wherever the product reads them: history, reports, grid, project page."""
    with db.cursor() as cursor:
        notes = list(actual_history(cursor, "P1")["note"]) + list(recent_reports(cursor, "P1")["note"])
        notes += list(current_notes(cursor, [_version(db), _version(db, "C1")]).values())
    notes += list(progress_grid(db, "P1", PERIOD, "U1", "en", actor=ADMIN)["note"])
    view = build_project_view(db, "P1", TODAY, "en", actor=ADMIN)
    assert view is not None
    return notes + list(view.reports["note"])


def test_oversized_notes_are_listed_for_administrators(db: Database) -> None:
    found = oversized_notes(db, actor=ADMIN)
    found = found.assign(period_end=pd.to_datetime(found["period_end"]).dt.date)
    assert found[["version_id", "project_code", "kpi_code", "period_end", "organization_code", "note_chars",
                  "long_notes", "is_current"]].values.tolist() == [
        [_version(db), "P1", JS, PERIOD, "U1", len(POISON), 2, True],
    ]  # fmt: skip
    assert oversized_notes(db, actor=ADMIN, limit=len(POISON)).empty
    with pytest.raises(Forbidden):
        oversized_notes(db, actor=LEAD)


def test_an_administrator_purges_the_note_and_keeps_the_value(db: Database) -> None:
    version, values = _version(db), current_values(db)
    assert any(MARKER in note for note in every_note(db))
    result = purge_note(
        db, version, reason="200 MB の備考でページが開けない", actor=ADMIN, lang="en", now=NOW
    )
    assert [(r.kind, r.chars, r.bytes, r.sha256) for r in result.removed] == [
        ("version", len(POISON), len(POISON.encode()), hashlib.sha256(POISON.encode()).hexdigest()),
        ("revision", len(REVISED), len(REVISED.encode()), hashlib.sha256(REVISED.encode()).hexdigest()),
    ]
    assert result.removed[0].id == version
    assert result.chars == len(POISON) + len(REVISED)
    notes = every_note(db)
    assert not any(MARKER in n or "改訂" in n for n in notes)
    assert "普通の備考" in notes  # another report's note is not touched
    assert current_values(db) == values
    assert oversized_notes(db, actor=ADMIN).empty

    with db.cursor() as cursor:
        [(actor, at, entity, key, before, after)] = cursor.execute(
            "SELECT actor, recorded_at, entity, entity_key, CAST(before AS VARCHAR), CAST(after AS VARCHAR)"
            " FROM audit_log WHERE action = 'purge_note'"
        ).fetchall()
    assert (actor, at, entity, key) == ("admin@example", NOW, "actual_versions", str(version))
    assert json.loads(after) == {"reason": "200 MB の備考でページが開けない", "note": ""}
    removed = json.loads(before)
    assert removed["key"]["project_code"] == "P1" and removed["key"]["organization_code"] == "U1"
    assert [(r["kind"], r["chars"], r["bytes"], r["sha256"]) for r in removed["removed"]] == [
        (r.kind, r.chars, r.bytes, r.sha256) for r in result.removed
    ]
    assert MARKER not in before + after and "ああ" not in before  # sizes and digests, never the text


def test_only_an_administrator_may_purge_and_refusals_write_nothing(db: Database) -> None:
    version, before = _version(db), table_counts(db)
    with pytest.raises(Forbidden):
        purge_note(db, version, reason="not mine to purge", actor=LEAD, lang="en")
    for number, reason, code in (
        (version, "  ", "purge_reason_required"),
        (999_999, "typo", "purge_unknown_version"),
    ):
        with pytest.raises(Rejected) as refused:
            purge_note(db, number, reason=reason, actor=ADMIN, lang="ja")
        assert [e.code for e in refused.value.errors] == [code]
    assert "999999" in refused.value.errors[0].message and "版番号" in refused.value.errors[0].message
    assert table_counts(db) == before
    assert any(MARKER in note for note in every_note(db))
    purge_note(db, version, reason="once", actor=ADMIN, lang="en")
    with pytest.raises(Rejected) as again:
        purge_note(db, version, reason="twice", actor=ADMIN, lang="en")
    assert [e.code for e in again.value.errors] == ["purge_nothing"]


def _cli(db: Database, *argv: str) -> int:
    common = argparse.ArgumentParser(add_help=False)
    parser = argparse.ArgumentParser()
    add_purge_parsers(parser.add_subparsers(dest="command", required=True), common)
    return run_purge_command(db, parser.parse_args(argv), "en")


def test_the_command_line_lists_and_purges(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    version = _version(db)
    assert _cli(db, "oversized-notes") == 0
    assert capsys.readouterr().out.split() == [str(version), f"P1/{JS}/2026-03-31/U1", f"{len(POISON):,}"]
    assert _cli(db, "oversized-notes", "--json") == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["version_id"], listed["note_chars"], listed["period_end"]) == (
        version,
        len(POISON),
        "2026-03-31",
    )
    assert _cli(db, "purge-note", str(version), "--reason", "") == 1
    assert "a reason is required" in capsys.readouterr().err
    assert _cli(db, "purge-note", str(version), "--reason", "page fails") == 0
    assert capsys.readouterr().out.strip() == (
        f"Note of version {version} purged: {len(POISON) + len(REVISED):,} characters removed."
    )
    assert _cli(db, "oversized-notes") == 0
    assert capsys.readouterr().out.strip() == "No note is longer than 500 characters."


def _section(path: str) -> None:
    """The administration page's purge section on its own (pages/admin.py calls it for its tab)."""
    from kpi.access import Actor
    from kpi.storage import Database
    from ui.sections.purge import render_purge_section

    render_purge_section(Database(path), Actor.operator("admin@example"), "en")


def test_the_purge_section_lists_and_purges_after_confirmation(db: Database) -> None:
    from streamlit.testing.v1 import AppTest

    version = _version(db)
    app = AppTest.from_function(_section, args=(db.path,), default_timeout=60).run()
    [table] = app.dataframe
    assert table.value[["version_id", "note_chars"]].values.tolist() == [[version, len(POISON)]]
    assert MARKER not in app.dataframe[0].value.to_string()  # lengths, never the text
    app.text_input[0].input("page fails for every reader")
    app.button[0].click().run()  # not confirmed: nothing purged
    assert app.warning[0].value.startswith("Nothing was purged")
    assert not oversized_notes(db, actor=ADMIN).empty
    app.checkbox[0].check()
    app.button[0].click().run()
    assert app.session_state["admin_flash"].startswith(f"Note of version {version} purged")
    assert oversized_notes(db, actor=ADMIN).empty
