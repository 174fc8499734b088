"""Administrators keep programmes in the dashboard (kpi/funding/programmes.py and the administration
page's 制度 section): checked like programmes.csv, audited, allowed 費目 as a whole set."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Forbidden, Role
from kpi.errors import Rejected
from kpi.funding.programmes import programmes_for_editing, save_programme
from kpi.storage import Database
from tests.conftest import DEMO_ADMIN, OPERATOR, signed_in, table_counts

ROOT = Path(__file__).parent.parent
FORM = {
    "programme_code": "CITY-DX",
    "name_ja": "市DX推進補助金",
    "name_en": "City DX subsidy",
    "funder": "仙台市",
    "kind": "subsidy",
    "rate": "1/2",
    "cap": "3,000千円",
    "cap_per": "fiscal_year",
    "transfer_limit": "10%",
    "personnel_cap": "",
    "pre_award_spending": False,
    "report_days": 30,
    "follow_up_years": 3,
}


@pytest.fixture
def db(demo_db_path: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "programmes.duckdb"
    shutil.copyfile(demo_db_path, path)
    database = Database(path)
    yield database
    database.close()


def test_an_administrator_adds_and_changes_a_programme(db: Database) -> None:
    assert save_programme(db, FORM, ["personnel", "supplies"], actor=OPERATOR, lang="en") == "created"
    programmes, allowed, _ = programmes_for_editing(db, actor=OPERATOR)
    row = programmes.set_index("programme_code").loc["CITY-DX"]
    assert (row["rate_numerator"], row["rate_denominator"], row["cap"], row["cap_per"]) == (
        1,
        2,
        3_000_000,
        "fiscal_year",
    )
    assert row["transfer_limit"] == pytest.approx(0.1)
    assert allowed["CITY-DX"] == {"personnel", "supplies"}
    assert save_programme(db, FORM, ["personnel", "supplies"], actor=OPERATOR, lang="en") == "unchanged"
    assert save_programme(db, {**FORM, "rate": "2/3"}, ["supplies"], actor=OPERATOR, lang="en") == "changed"
    _, allowed, _ = programmes_for_editing(db, actor=OPERATOR)
    assert allowed["CITY-DX"] == {"supplies"}  # 人件費 is no longer allowed
    with db.cursor() as cursor:
        actions = cursor.execute(
            "SELECT action, entity FROM audit_log WHERE entity_key LIKE 'CITY-DX%' ORDER BY id"
        ).fetchall()
    assert ("update", "programmes") in actions and ("delete", "programme_categories") in actions


def test_bad_rules_are_refused_with_every_problem_and_nothing_written(db: Database) -> None:
    before = table_counts(db)
    with pytest.raises(Rejected) as refused:
        save_programme(
            db,
            {**FORM, "rate": "3/2", "cap": "1,234.5", "transfer_limit": "abc"},
            ["food"],
            actor=OPERATOR,
            lang="ja",
        )
    assert [e.code for e in refused.value.errors] == [
        "invalid_rate",
        "invalid_yen",
        "invalid_share",
        "unknown_category",
    ]
    assert refused.value.errors[0].message.startswith(
        "「補助率」の「3/2」は補助率として読めません。"
    )  # the form's label
    assert table_counts(db) == before


def test_only_administrators_keep_programmes(db: Database) -> None:
    with pytest.raises(Forbidden):
        save_programme(db, FORM, ["supplies"], actor=Actor("lead", Role.LEAD, "CO-SAKURAGI"), lang="en")
    with pytest.raises(Forbidden):
        programmes_for_editing(db, actor=Actor("exec", Role.EXECUTIVE))


def test_the_administration_page_adds_a_programme(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    db.close()
    monkeypatch.setenv("KPI_DB", db.path)
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), DEMO_ADMIN)
    app.query_params["lang"] = "ja"
    app.switch_page("pages/admin.py").run()
    app.segmented_control(key="admin_section").set_value("programmes").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert "METI-GX" in set(table["制度コード"])  # the demo's programmes
    fields: dict[str, Any] = {}
    for field in app.text_input:  # the programme form's fields come first (the 費目 form reuses 名称)
        fields.setdefault(field.label, field)
    fields["制度コード"].input("CITY-DX")
    fields["名称"].input("市DX推進補助金")
    fields["交付元"].input("仙台市")
    fields["補助率"].input("1/2")
    app.multiselect[0].set_value(["supplies"])
    next(b for b in app.button if b.label == "制度を保存").click().run()
    assert not app.exception
    assert [s.value.replace("\\", "") for s in app.success] == ["制度 CITY-DX を登録しました。"]
    programmes, allowed, _ = programmes_for_editing(Database(db.path), actor=OPERATOR)
    assert "CITY-DX" in set(programmes["programme_code"]) and allowed["CITY-DX"] == {"supplies"}


def test_an_administrator_adds_and_renames_an_expense_category(db: Database) -> None:
    from kpi.funding.programmes import save_category

    form = {"code": "Rent", "name_ja": "借料・損料", "name_en": "Rentals"}
    assert save_category(db, form, actor=OPERATOR, lang="en") == "created"
    assert save_category(db, {**form, "name_en": "Rent and hire"}, actor=OPERATOR, lang="en") == "changed"
    _, _, categories = programmes_for_editing(db, actor=OPERATOR)
    row = categories.set_index("category_code").loc["rent"]
    assert (row["name_ja"], row["name_en"], row["sort_order"]) == ("借料・損料", "Rent and hire", 8)
    assert (
        save_programme(db, FORM, ["rent"], actor=OPERATOR, lang="en") == "created"
    )  # programmes may allow it
    with pytest.raises(Rejected) as refused:
        save_category(db, {"code": "家賃", "name_ja": "", "name_en": "x"}, actor=OPERATOR, lang="en")
    assert [e.code for e in refused.value.errors] == ["invalid_value", "missing_value"]
    with pytest.raises(Forbidden):
        save_category(db, form, actor=Actor("exec", Role.EXECUTIVE), lang="en")
