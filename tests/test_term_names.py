"""English names of fields and partner roles, kept by administrators (kpi/registry/term_names.py, the
admin page)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Forbidden, Role
from kpi.admin.audit_log import audit_table
from kpi.errors import Rejected
from kpi.formatting.names import names_for
from kpi.formatting.numbers import plain
from kpi.i18n import catalog
from kpi.registry.setup import setup_registry
from kpi.registry.term_names import save_term_names, term_name_rows
from kpi.storage import Database
from kpi.storage.audit_query import AuditFilter, search_audit
from tests.conftest import OPERATOR, signed_in, table_counts
from tests.test_languages import ENGLISH_WORDS, JAPANESE, registry_words, shown_text
from tests.test_setup import PARTNERS, PROJECTS, write_registry

ROOT = Path(__file__).parent.parent
AT = datetime(2026, 11, 26, 10, 0)
# Two projects in エネルギー (named by migration 0011), one in 宇宙 (not named); U1 joins P2.
MORE_PROJECTS = (
    "P2,宇宙ロケット,宇宙,北海道,planning,2025-04-01,,C1\nP3,蓄電,エネルギー,北海道,planning,2025-04-01,,C1\n"
)


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    folder = write_registry(
        tmp_path / "r", projects=PROJECTS + MORE_PROJECTS, partners=PARTNERS + "P2,U1,共同研究機関\n"
    )
    assert setup_registry(fresh_db, folder, actor=OPERATOR, lang="en").status == "loaded"
    return fresh_db


def rows_of(db: Database) -> dict[tuple[str, str], tuple[Any, int]]:
    frame = term_name_rows(db, actor=OPERATOR)
    return {(k, j): (e, u) for k, j, e, u in frame[["kind", "name_ja", "name_en", "uses"]].values}


def term_audit(db: Database) -> list[tuple[str, str, Any, Any]]:
    with db.cursor() as cursor:
        found = search_audit(cursor, AuditFilter(entity="term_names"))
    return [
        (a, k, json.loads(b) if isinstance(b, str) else None, json.loads(f) if isinstance(f, str) else None)
        for a, k, b, f in found[["action", "entity_key", "before", "after"]].values[::-1]
    ]


def test_every_term_of_the_registry_is_listed_with_its_uses(db: Database) -> None:
    frame = term_name_rows(db, actor=OPERATOR)
    assert list(frame.columns) == ["kind", "name_ja", "name_en", "uses"]
    assert list(frame["kind"]) == sorted(frame["kind"])  # fields first, then roles
    fields = frame[frame["kind"] == "field"]
    assert list(fields["name_ja"]) == sorted(fields["name_ja"])
    terms = rows_of(db)
    assert terms[("field", "エネルギー")] == ("Energy", 2)
    assert terms[("field", "宇宙")] == (None, 1)  # used, not named yet
    assert terms[("role", "共同研究機関")] == ("Joint research partner", 2)
    assert terms[("field", "農業")] == ("Agriculture", 0)  # named by the migration, used by none
    assert len(frame) == len(set(zip(frame["kind"], frame["name_ja"], strict=True)))


def test_saving_adds_changes_and_removes_english_names_audited(db: Database) -> None:
    rows = [
        {"kind": "field", "name_ja": "宇宙", "name_en": "  Space  "},  # added (stripped)
        {"kind": "field", "name_ja": "エネルギー", "name_en": "Energy systems"},  # changed
        {"kind": "role", "name_ja": "共同研究機関", "name_en": "   "},  # blank: removed
        {"kind": "field", "name_ja": "農業", "name_en": "Agriculture"},  # as stored: nothing
    ]
    assert save_term_names(db, rows, actor=Actor.operator("admin"), lang="en", now=AT) == 3
    terms = rows_of(db)
    assert terms[("field", "宇宙")] == ("Space", 1)
    assert terms[("field", "エネルギー")] == ("Energy systems", 2)
    assert terms[("role", "共同研究機関")] == (None, 2)
    assert term_audit(db) == [
        ("update", "field/エネルギー", {"name_en": "Energy"}, {"name_en": "Energy systems"}),
        ("create", "field/宇宙", None, {"name_en": "Space"}),
        ("delete", "role/共同研究機関", {"name_en": "Joint research partner"}, None),
    ]
    with db.cursor() as cursor:
        actors = cursor.execute(
            "SELECT DISTINCT actor, recorded_at FROM audit_log WHERE entity = 'term_names'"
        )
        assert actors.fetchall() == [("admin", AT)]
    # Saving the same again changes nothing and writes no audit entry.
    before = table_counts(db)
    assert save_term_names(db, rows, actor=Actor.operator("admin"), lang="en") == 0
    assert table_counts(db) == before


def test_the_audit_page_words_the_changes(db: Database) -> None:
    save_term_names(db, [{"kind": "field", "name_ja": "宇宙", "name_en": "Space"}], actor=OPERATOR, lang="ja")
    with db.cursor() as cursor:
        entries = search_audit(cursor, AuditFilter(entity="term_names"))
    ja, en = audit_table(entries, "ja").iloc[0], audit_table(entries, "en").iloc[0]
    assert (ja["action"], ja["entity"], ja["entity_key"]) == ("登録", "英語名", "分野/宇宙")
    assert (en["action"], en["entity"], en["entity_key"]) == ("Registered", "English names", "Field/宇宙")
    assert en["changes"] == "Name (English): Space"


def test_names_on_english_pages_follow_a_save(db: Database) -> None:
    assert names_for(db).field("宇宙", "en") == "宇宙 (no English name)"
    save_term_names(db, [{"kind": "field", "name_ja": "宇宙", "name_en": "Space"}], actor=OPERATOR, lang="en")
    named = names_for(db)
    assert named.field("宇宙", "en") == "Space"
    assert named.field("宇宙", "ja") == "宇宙"
    save_term_names(db, [{"kind": "field", "name_ja": "宇宙", "name_en": ""}], actor=OPERATOR, lang="en")
    assert names_for(db).field("宇宙", "en") == "宇宙 (no English name)"


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.LEAD, Role.PARTNER])
def test_only_administrators_list_or_save(db: Database, role: Role) -> None:
    someone = Actor("someone", role, organization_code="C1")
    before = table_counts(db)
    with pytest.raises(Forbidden):
        term_name_rows(db, actor=someone)
    with pytest.raises(Forbidden):
        save_term_names(
            db, [{"kind": "field", "name_ja": "宇宙", "name_en": "Space"}], actor=someone, lang="en"
        )
    assert table_counts(db) == before and rows_of(db)[("field", "宇宙")] == (None, 1)


@pytest.mark.parametrize(
    "row, lang, message",
    [
        ({"kind": "field", "name_ja": "宇宙", "name_en": "S" * 101}, "en",
         "“宇宙” (Field): the English name has 101 characters; shorten it to 100 or fewer."),
        ({"kind": "field", "name_ja": "宇宙", "name_en": "S" * 101}, "ja",
         "分野「宇宙」の英語名が 101 文字あります。100 文字以内にしてください。"),
        ({"kind": "role", "name_ja": "自治体", "name_en": "Local\ngovernment"}, "en",
         "“自治体” (Partner’s role): the English name contains a control character or another invisible one."
         " Remove it."),
        ({"kind": "role", "name_ja": "自治体", "name_en": "Local\u200bgovernment"}, "ja",
         "連携機関の役割「自治体」の英語名に、制御文字などの見えない文字が含まれています。取り除いてください。"),
        ({"kind": "prefecture", "name_ja": "北海道", "name_en": "Hokkaido"}, "en",
         "The kind “prefecture” is not allowed; use one of: Field, Partner’s role."),
        ({"kind": "prefecture", "name_ja": "北海道", "name_en": "Hokkaido"}, "ja",
         "種類「prefecture」は使えません。分野、連携機関の役割のいずれかを指定してください。"),
        ({"kind": "field", "name_ja": " ", "name_en": "Space"}, "en",
         "A term of kind “Field” has no Japanese name."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_nothing_written(
    db: Database, row: dict[str, Any], lang: str, message: str
) -> None:
    good = {"kind": "field", "name_ja": "エネルギー", "name_en": "Power"}  # valid, but not saved alone
    before, terms = table_counts(db), rows_of(db)
    with pytest.raises(Rejected) as refused:
        save_term_names(db, [good, row], actor=OPERATOR, lang=lang)
    assert [e.message for e in refused.value.errors] == [message]
    assert table_counts(db) == before and rows_of(db) == terms


def test_a_term_twice_is_refused(db: Database) -> None:
    twice = [
        {"kind": "field", "name_ja": "宇宙", "name_en": "Space"},
        {"kind": "field", "name_ja": "宇宙", "name_en": "Outer space"},
    ]
    with pytest.raises(Rejected) as refused:
        save_term_names(db, twice, actor=OPERATOR, lang="ja")
    assert [e.message for e in refused.value.errors] == [
        "分野「宇宙」が複数の行にあります。1 行にまとめてください。"
    ]
    assert rows_of(db)[("field", "宇宙")] == (None, 1)


def test_many_terms_save_in_one_go(db: Database) -> None:
    rows = [{"kind": "field", "name_ja": f"分野{i:03}", "name_en": f"Field {i}"} for i in range(300)]
    assert save_term_names(db, rows, actor=OPERATOR, lang="en") == 300
    assert len(term_audit(db)) == 300
    assert rows_of(db)[("field", "分野299")] == ("Field 299", 0)


# The page: AppTest cannot type into st.data_editor (a canvas), so the edit goes in as the JSON
# the browser sends (edited_rows by row position), as tests/test_pages_leads.py does.
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_an_administrator_names_a_term_on_the_page(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path, lang: str
) -> None:
    copy = tmp_path / "kpi.duckdb"
    shutil.copy(demo_db_path, copy)
    monkeypatch.setenv("KPI_DB", str(copy))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    app.query_params["lang"] = lang
    app.switch_page("pages/admin.py").run()
    app.session_state["admin_section"] = "terms"
    app.run()
    assert not app.exception, app.exception
    other_language = ENGLISH_WORDS if lang == "ja" else JAPANESE
    data = sorted(registry_words(Database(copy)), key=len, reverse=True)  # names as registered
    texts = shown_text(app)
    for word in data:
        texts = [text.replace(word, "") for text in texts]
    assert [text for text in texts if other_language.search(text)] == []
    editor = next(d for d in app.dataframe if d.key and d.key.startswith("term_names::"))
    shown = editor.value
    assert set(shown["kind"]) <= {catalog(lang)["terms.kind_field"], catalog(lang)["terms.kind_role"]}
    position = list(shown["name_ja"]).index("防災")
    edits = {"edited_rows": {str(position): {"name_en": "Disaster risk reduction"}}, "added_rows": [],
             "deleted_rows": []}  # fmt: skip
    next(b for b in app.button if b.key == "save_term_names").click()
    states = app._tree.get_widget_states()
    states.widgets.append(WidgetState(id=editor.proto.id, string_value=json.dumps(edits)))
    app = app._run(states)
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert [s.value for s in app.success] == [plain(catalog(lang)["terms.saved"].format(count=1))]
    database = Database(copy)
    assert names_for(database).field("防災", "en") == "Disaster risk reduction"
    assert term_audit(database) == [
        ("update", "field/防災", {"name_en": "Disaster prevention"}, {"name_en": "Disaster risk reduction"})
    ]
    database.close()
