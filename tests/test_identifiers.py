"""An organization's 法人番号 and e-Rad 研究機関コード (SPEC section 8): the check digit on published
numbers, setup's optional columns, and the registry page refusing a 法人番号 another organization has."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Forbidden, Role
from kpi.errors import Rejected, StaleWrite
from kpi.formatting.numbers import plain
from kpi.i18n import t
from kpi.partnerships.identifiers import corporate_check_digit, corporate_number_problem
from kpi.registry.organizations import organization_for_editing, read_identifier, save_organization
from kpi.registry.setup import setup_registry
from kpi.storage import Database
from kpi.storage.registry import read_table
from tests.conftest import signed_in, table_counts
from tests.test_setup import ORGS, write_registry

ROOT = Path(__file__).parent.parent
ADMIN = Actor.operator("admin")
NTA = "7000012050002"  # 国税庁 (National Tax Agency), as published on its own corporate number site
UTOKYO = "5010005007398"  # 国立大学法人東京大学
# 9 − (Σ Pn×Qn mod 9) by hand for 123456789012 (Pn from the right: 2,1,0,9,8,7,6,5,4,3,2,1;
# Qn 1,2,1,2…): 2+2+0+18+8+14+6+10+4+6+2+2 = 74, 74 mod 9 = 2, 9 − 2 = 7.
HAND = "7123456789012"


def load(db: Database, folder: Path, lang: str = "en") -> Any:
    return setup_registry(db, folder, actor=ADMIN, lang=lang)


def organizations(db: Database) -> dict[str, tuple[Any, Any]]:
    with db.cursor() as cursor:
        rows = cursor.execute(
            "SELECT organization_code, corporate_number, erad_code FROM organizations"
        ).fetchall()
    return {code: (number, erad) for code, number, erad in rows}


def snapshot(db: Database) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
    with db.cursor() as cursor:
        rows = cursor.execute("SELECT * FROM organizations ORDER BY organization_code").fetchall()
    return table_counts(db), rows


# -- the check digit -------------------------------------------------------------------------------
def test_published_and_hand_worked_numbers_pass_their_check_digit() -> None:
    for number in (NTA, UTOKYO, HAND):
        assert corporate_number_problem(number) is None, number
    assert corporate_check_digit("123456789012") == 7
    assert corporate_check_digit("000000000009") == 9  # Σ = 9, mod 9 = 0: the check digit is 9, never 0
    assert corporate_number_problem("9000000000009") is None


def test_one_digit_changed_is_refused_with_the_check_digit_expected() -> None:
    assert corporate_number_problem("8000012050002") == "corporate_check"  # the check digit itself
    # …12050002 → …12060002: Σ goes from 11 to 12, so the check digit would be 9 − 3 = 6, not 7
    reading = read_identifier("7000012060002", "corporate_number")
    assert reading.digits is None
    assert reading.problem == ("corporate_check", {"value": "7000012060002", "found": "7", "expected": 6})
    assert corporate_number_problem("700001205000") == "corporate_length"  # twelve digits


def test_typed_forms_are_normalized() -> None:
    assert read_identifier("７０００‐０１２０‐５０００２", "corporate_number").digits == NTA  # full-width
    assert read_identifier(" 7000 0120 50002 ", "corporate_number").digits == NTA
    assert read_identifier("０１２３４５６７８９", "erad_code").digits == "0123456789"
    for none in ("", "  ", "－", None):
        assert read_identifier(none, "corporate_number").digits is None
        assert read_identifier(none, "corporate_number").problem is None


def test_spreadsheet_numbers_are_read_as_their_digits() -> None:
    for cell in (7000012050002, 7000012050002.0, 7.000012050002e12, "7000012050002.0", "7.000012050002E+12"):
        assert read_identifier(cell, "corporate_number").digits == NTA, cell
    assert read_identifier("7.00001E+12", "corporate_number").problem == (
        "corporate_exponent",
        {"value": "7.00001E+12"},
    )
    # a code beginning 0 that became the number 123456789: refused, the ten digits suggested
    lost = read_identifier(123456789, "erad_code")
    assert lost.problem == ("erad_number", {"value": "123456789", "digits": 9, "padded": "0123456789"})
    assert read_identifier(1234567890, "erad_code").digits == "1234567890"
    assert read_identifier("123456789", "erad_code").problem == (
        "erad_length",
        {"value": "123456789", "digits": 9},
    )


# -- setup's organizations.csv ---------------------------------------------------------------------
ORGS_IDS = """organization_code,name,name_en,sector,prefecture,corporate_number,erad_code
U1,北浜工業大学,Kitahama Tech,academia,北海道,5010005007398,0123456789
C1,株式会社そらテック,Sora Tech,industry,北海道,－,
G1,浜野市,Hamano City,government,北海道,7123456789012,1234567890
"""
ORGS_JA = """機関コード,名称,英語名,セクター,都道府県,法人番号,e-Rad研究機関コード
U1,北浜工業大学,Kitahama Tech,学,北海道,５０１０-００５０-０７３９８,０１２３４５６７８９
C1,株式会社そらテック,Sora Tech,産,北海道,,
G1,浜野市,Hamano City,官,北海道,7123456789012,
"""


def test_setup_reads_the_optional_columns_in_english_and_japanese(fresh_db: Database, tmp_path: Path) -> None:
    assert load(fresh_db, write_registry(tmp_path / "en", organizations=ORGS_IDS)).status == "loaded"
    assert organizations(fresh_db) == {
        "U1": (UTOKYO, "0123456789"),
        "C1": (None, None),
        "G1": (HAND, "1234567890"),
    }
    again = load(fresh_db, write_registry(tmp_path / "ja", organizations=ORGS_JA), lang="ja")
    assert again.status == "loaded", again.errors
    assert again.counts["organizations"] == {"inserted": 0, "updated": 1, "unchanged": 2}  # G1's code emptied
    assert organizations(fresh_db)["G1"] == (HAND, None)
    # A file without the columns keeps what is stored.
    kept = load(fresh_db, write_registry(tmp_path / "plain", organizations=ORGS))
    assert kept.counts["organizations"]["updated"] == 0
    assert organizations(fresh_db)["U1"] == (UTOKYO, "0123456789")


def test_setup_refuses_a_wrong_check_digit_and_writes_nothing(fresh_db: Database, tmp_path: Path) -> None:
    load(fresh_db, write_registry(tmp_path / "a"))
    before = snapshot(fresh_db)
    wrong = ORGS_IDS.replace("5010005007398", "5010005007399").replace("1234567890\n", "123456789\n")
    result = load(fresh_db, write_registry(tmp_path / "b", organizations=wrong))
    assert result.status == "rejected"
    problems = {(e.code, e.row, e.column, e.file) for e in result.errors}
    assert problems == {
        ("corporate_check", 2, "corporate_number", "organizations.csv"),
        ("erad_length", 4, "erad_code", "organizations.csv"),
    }
    check = next(e for e in result.errors if e.code == "corporate_check")
    # Σ for 010005007399 is 50, 50 mod 9 = 5: the check digit would be 4
    assert check.message.startswith("Row 2: “5010005007399” in “corporate_number” is not a valid corporate")
    assert "must be 4, not 5" in check.message
    assert snapshot(fresh_db) == before


def test_setup_in_japanese_names_the_header_as_written(fresh_db: Database, tmp_path: Path) -> None:
    wrong = ORGS_JA.replace("7123456789012", "712345678901")
    result = load(fresh_db, write_registry(tmp_path, organizations=wrong), lang="ja")
    assert [(e.code, e.row) for e in result.errors] == [("corporate_length", 4)]
    assert result.errors[0].message.startswith(
        "4 行目: 「法人番号」の「712345678901」は法人番号ではありません（数字が 12 桁"
    )
    assert table_counts(fresh_db)["organizations"] == 0


def test_setup_refuses_a_duplicate_in_the_file_and_against_the_database(
    fresh_db: Database, tmp_path: Path
) -> None:
    twice = ORGS_IDS.replace("7123456789012", "5010005007398")
    result = load(fresh_db, write_registry(tmp_path / "twice", organizations=twice))
    assert [(e.code, e.row, e.column) for e in result.errors] == [
        ("corporate_duplicate", 4, "corporate_number")
    ]
    assert result.errors[0].message == (
        "Row 4: corporate number 5010005007398 in “corporate_number” is also given to Kitahama Tech (U1)"
        " in row 2. One corporate number belongs to one organization: check which of the two rows is right."
    )
    assert table_counts(fresh_db)["organizations"] == 0

    assert load(fresh_db, write_registry(tmp_path / "first", organizations=ORGS_IDS)).status == "loaded"
    before = snapshot(fresh_db)
    newcomer = (
        "organization_code,name,sector,prefecture,法人番号\n"
        "X1,北浜工業大学附属研究所,academia,北海道,5010005007398\n"
    )
    result = load(fresh_db, write_registry(tmp_path / "db", organizations=newcomer))
    assert [(e.code, e.row) for e in result.errors] == [("corporate_duplicate", 2)]
    assert "already registered for Kitahama Tech (U1)" in result.errors[0].message
    assert snapshot(fresh_db) == before
    # Keeping one's own number is no duplicate; nor is swapping two numbers in one file.
    assert load(fresh_db, write_registry(tmp_path / "same", organizations=ORGS_IDS)).counts[
        "organizations"
    ] == {
        "inserted": 0,
        "updated": 0,
        "unchanged": 3,
    }
    swapped = ORGS_IDS.replace("5010005007398", "SWAP").replace("7123456789012", "5010005007398")
    swapped = swapped.replace("SWAP", "7123456789012")
    assert load(fresh_db, write_registry(tmp_path / "swap", organizations=swapped)).status == "loaded"
    assert organizations(fresh_db)["U1"][0] == HAND and organizations(fresh_db)["G1"][0] == UTOKYO


def test_setup_reads_excel_number_cells(fresh_db: Database, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["organization_code", "name", "sector", "prefecture", "法人番号", "研究機関コード"])
    sheet.append(["U1", "北浜工業大学", "academia", "北海道", 5010005007398, "0123456789"])
    sheet.append(["C1", "株式会社そらテック", "industry", "北海道", 7.123456789012e12, 123456789])
    sheet.append(["G1", "浜野市", "government", "北海道", None, 1234567890])
    data = io.BytesIO()
    book.save(data)
    folder = write_registry(tmp_path)
    (folder / "organizations.csv").write_bytes(data.getvalue())  # .xlsx content, as README says
    result = load(fresh_db, folder)
    assert [(e.code, e.row, e.column) for e in result.errors] == [("erad_number", 3, "erad_code")]
    assert "type all ten digits, so that no zero is lost" in result.errors[0].message
    assert "such as 0123456789" in result.errors[0].message
    sheet["F3"] = "0123456780"
    data = io.BytesIO()
    book.save(data)
    (folder / "organizations.csv").write_bytes(data.getvalue())
    assert load(fresh_db, folder).status == "loaded"
    assert organizations(fresh_db) == {
        "U1": (UTOKYO, "0123456789"),
        "C1": (HAND, "0123456780"),
        "G1": (None, "1234567890"),
    }


# -- the registry page's organizations -------------------------------------------------------------
@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    assert load(fresh_db, write_registry(tmp_path / "r", organizations=ORGS_IDS)).status == "loaded"
    return fresh_db


def test_saving_an_organization_checks_its_identifiers(db: Database) -> None:
    base = organization_for_editing(db, "C1", actor=ADMIN)
    assert base is not None and base["corporate_number"] is None
    saved = save_organization(
        db, {**base, "corporate_number": "７０００-０１２０-５０００２", "erad_code": " 0987654321 "},
        base=base, actor=ADMIN, lang="en",
    )  # fmt: skip
    assert (saved["corporate_number"], saved["erad_code"]) == (NTA, "0987654321")
    assert organizations(db)["C1"] == (NTA, "0987654321")
    with db.cursor() as cursor:
        audited = cursor.execute(
            "SELECT action, after FROM audit_log WHERE entity = 'organizations' AND entity_key = 'C1'"
            " AND actor = 'admin' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert audited is not None and audited[0] == "update" and NTA in audited[1]


def test_a_duplicate_corporate_number_is_refused_on_the_page_function(db: Database) -> None:
    base = organization_for_editing(db, "C1", actor=ADMIN)
    assert base is not None
    before = snapshot(db)
    with pytest.raises(Rejected) as refused:
        save_organization(db, {**base, "corporate_number": UTOKYO}, base=base, actor=ADMIN, lang="ja")
    assert [(e.code, e.column) for e in refused.value.errors] == [("corporate_duplicate", "corporate_number")]
    assert refused.value.errors[0].message.startswith(
        "法人番号 5010005007398 は、すでに 北浜工業大学 (U1) に登録"
    )
    # A new organization with the number, and one with a wrong check digit and a nine-digit code.
    new = {"organization_code": "X1", "name_ja": "研究所", "sector": "academia", "prefecture": "北海道"}
    with pytest.raises(Rejected) as refused:
        save_organization(db, {**new, "corporate_number": UTOKYO}, base=None, actor=ADMIN, lang="en")
    assert [e.code for e in refused.value.errors] == ["corporate_duplicate"]
    with pytest.raises(Rejected) as refused:
        bad = {**new, "corporate_number": "5010005007399", "erad_code": "12345678"}
        save_organization(db, bad, base=None, actor=ADMIN, lang="en")
    assert [(e.code, e.row) for e in refused.value.errors] == [
        ("corporate_check", None),
        ("erad_length", None),
    ]
    assert refused.value.errors[0].message.startswith(
        "“5010005007399” in “Corporate number (13 digits)” is not a valid corporate number"
    )
    assert snapshot(db) == before
    # U1 keeps its own number while its name changes.
    u1 = organization_for_editing(db, "U1", actor=ADMIN)
    assert u1 is not None
    save_organization(
        db, {**u1, "name_en": "Kitahama Institute of Technology"}, base=u1, actor=ADMIN, lang="en"
    )
    assert organizations(db)["U1"] == (UTOKYO, "0123456789")


def test_an_organization_save_is_the_administrators_and_not_stale(db: Database) -> None:
    base = organization_for_editing(db, "G1", actor=ADMIN)
    assert base is not None
    lead = Actor("lead", Role.LEAD, organization_code="G1")
    with pytest.raises(Forbidden):
        save_organization(db, {**base, "erad_code": ""}, base=base, actor=lead, lang="en")
    save_organization(db, {**base, "erad_code": ""}, base=base, actor=ADMIN, lang="en")
    with pytest.raises(StaleWrite) as stale:
        save_organization(db, {**base, "name_ja": "浜野市役所"}, base=base, actor=ADMIN, lang="en")
    assert stale.value.current["erad_code"] is None
    assert organizations(db)["G1"] == (HAND, None)


# Numbers the demo's organizations cannot have: check digits worked out for made-up base digits.
PAGE_FIRST = f"{corporate_check_digit('918273645500')}918273645500"
PAGE_SECOND = f"{corporate_check_digit('564738291000')}564738291000"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_registry_page_refuses_a_duplicate_and_saves_a_new_number(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path, lang: str
) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    db = Database(copy)
    with db.cursor() as cursor:
        first, second = (str(c) for c in read_table(cursor, "organizations")["organization_code"][:2])
    base = organization_for_editing(db, first, actor=ADMIN)
    assert base is not None
    save_organization(db, {**base, "corporate_number": PAGE_FIRST}, base=base, actor=ADMIN, lang=lang)
    kept = organizations(db)[second]
    db.close()
    monkeypatch.setenv("KPI_DB", str(copy))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    app.query_params["lang"] = lang
    app.switch_page("pages/registry.py").run()
    assert not app.exception

    def label(name: str) -> str:
        return t(f"registry_organizations.{name}", lang)

    def save(number: str) -> None:
        next(w for w in app.text_input if w.label == label("corporate_number")).input(number)
        next(b for b in app.button if b.label == label("save")).click().run()
        assert not app.exception

    assert any(h.value == label("heading") for h in app.header)
    app.selectbox(key="registry_organization").select(second).run()
    save(f"{PAGE_FIRST[:4]}-{PAGE_FIRST[4:8]}-{PAGE_FIRST[8:]}")  # hyphens as the number is often written
    errors = [e.value.replace("\\", "") for e in app.error]  # as shown: Markdown-escaped (plain())
    assert len(errors) == 1 and PAGE_FIRST in errors[0] and f"({first})" in errors[0]
    db = Database(copy)
    assert organizations(db)[second] == kept
    db.close()
    save(PAGE_SECOND)
    assert not app.error
    assert [s.value for s in app.success] == [plain(t("registry_organizations.saved", lang, code=second))]
    db = Database(copy)
    assert organizations(db)[second][0] == PAGE_SECOND
    db.close()
