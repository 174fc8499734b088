"""Every page in each language: no English catalog text on a Japanese page, no Japanese on an English one.

Data (project, organization, field and prefecture names as registered) may be in Japanese on an
English page; everything else the page says must come from the catalog in the page's language.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.i18n import catalog
from kpi.operations.digests import build_digests
from kpi.storage import Database
from kpi.storage.registry import read_table
from tests.conftest import DEMO_TODAY, OPERATOR, signed_in

ROOT = Path(__file__).parent.parent
PAGES = {
    "pages/overview.py": {},
    "pages/project.py": {"project": "P03"},
    "pages/update.py": {"project": "P03"},
    "pages/upload.py": {},
    "pages/expenses.py": {},
    "pages/agreements.py": {"project": "P03"},
    "pages/meetings.py": {"project": "P07"},
    "pages/partners.py": {"org": "UNI-SETOUCHI"},
    "pages/admin.py": {},
    "pages/audit.py": {},
    "pages/reminders.py": {},
    "pages/registry.py": {},
    "pages/account.py": {},
}
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{3,}")
# Japanese that English text shows on purpose: date spellings partners may use, the domain's terms.
QUOTED_JAPANESE = {"2026年3月31日", "令和8年3月31日", "要因分析", "年度", "産", "学", "官", "産・学・官"}
TEXT_ELEMENTS = ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success")
LABELLED = (
    "metric",
    "button",
    "selectbox",
    "multiselect",
    "date_input",
    "text_input",
    "text_area",
    "number_input",
    "checkbox",
    "expander",
    "tabs",
)


def shown_text(app: AppTest) -> list[str]:
    texts: list[str] = []
    for kind in TEXT_ELEMENTS:
        texts += [str(element.value) for element in getattr(app, kind)]
    for kind in LABELLED:
        texts += [str(element.label) for element in getattr(app, kind) if getattr(element, "label", None)]
    return texts


def registry_words(db: Database) -> set[str]:
    """Names as registered: data, allowed in either language."""
    with db.cursor() as cursor:
        words: set[str] = set()
        for table, columns in (
            ("projects", ("name_ja", "field", "prefecture")),
            ("organizations", ("name_ja", "prefecture")),
            ("partners", ("role",)),
            ("kpi_definitions", ("name_ja", "unit_ja")),
        ):
            frame = read_table(cursor, table)
            for column in columns:
                words |= {str(v) for v in frame[column].dropna()}
        words |= {str(r) for (r,) in cursor.execute("SELECT DISTINCT reason FROM target_versions").fetchall()}
        words |= {str(r) for (r,) in cursor.execute("SELECT DISTINCT note FROM actual_versions").fetchall()}
        words |= {str(r) for (r,) in cursor.execute("SELECT display_name FROM accounts").fetchall()}
        words |= {str(r) for (r,) in cursor.execute("SELECT funder FROM programmes").fetchall()}  # 経済産業省
        words |= partnership_words(cursor)
    return {w for w in words if w}


def partnership_words(cursor: Any) -> set[str]:
    """Agreements' and meetings' own text (titles, minutes, IP terms, reasons, action items): data."""
    words: set[str] = set()
    for sql in (
        "SELECT title FROM agreement_versions UNION SELECT ip_terms FROM agreement_versions"
        " UNION SELECT reason FROM agreement_versions UNION SELECT reason FROM phase_exceptions",
        "SELECT title FROM meeting_versions UNION SELECT minutes FROM meeting_versions"
        " UNION SELECT decisions FROM meeting_versions UNION SELECT reason FROM review_cadence_versions",
        "SELECT DISTINCT unnest(action_items).description FROM meeting_versions",
    ):
        for (text,) in cursor.execute(sql).fetchall():
            words |= {str(text)} | {line for line in str(text).splitlines() if line}
    return words


def digest_words(db: Database) -> set[str]:
    """The reminder e-mails the reminders page previews, each in its contact's language (an English
    page shows a Japanese contact's digest as it will be sent): data, like a name."""
    words: set[str] = set()
    for digest in build_digests(db, DEMO_TODAY, actor=OPERATOR):
        for text in (digest.subject, digest.body):
            words |= {text} | {line.strip() for line in text.splitlines() if line.strip()}
    return words


@pytest.fixture(scope="module")
def db_copy(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("lang") / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    return copy


def run_page(monkeypatch: pytest.MonkeyPatch, db: Path, page: str, lang: str) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    app.query_params["lang"] = lang
    for key, value in PAGES[page].items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("page", list(PAGES))
def test_english_pages_say_nothing_in_japanese_but_data(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, page: str
) -> None:
    app = run_page(monkeypatch, db_copy, page, "en")
    data = sorted(registry_words(Database(db_copy)) | QUOTED_JAPANESE, key=len, reverse=True)
    leftovers = []
    for text in shown_text(app):
        for word in data:
            text = text.replace(word, "")
        if JAPANESE.search(text):
            leftovers.append(text)
    assert leftovers == []


@pytest.mark.parametrize("page", list(PAGES))
def test_japanese_pages_show_no_english_catalog_text(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, page: str
) -> None:
    app = run_page(monkeypatch, db_copy, page, "ja")
    en, ja = catalog("en"), catalog("ja")
    english_only = {
        value for key, value in en.items() if value != ja[key] and len(value) > 3 and "{" not in value
    }
    found = [text for text in shown_text(app) if text in english_only]
    assert found == []
    # Text written inline in a page, not from the catalog: English words and no Japanese at all.
    inline = [t for t in shown_text(app) if ENGLISH_WORDS.search(t) and not JAPANESE.search(t)]
    assert inline == []
    assert any(JAPANESE.search(text) for text in shown_text(app))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_sign_in_page_speaks_the_users_language(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str
) -> None:
    monkeypatch.setenv("KPI_DB", str(db_copy))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.query_params["lang"] = lang
    app.run()
    app.text_input(key="signin_username").input("demo-admin")
    app.text_input(key="signin_password").input("wrong password")
    app.button[0].click().run()  # the refusal too
    texts = shown_text(app)
    assert texts and app.error
    if lang == "en":
        assert [t for t in texts if JAPANESE.search(t) and t not in ("日本語",)] == []
    else:
        assert [t for t in texts if ENGLISH_WORDS.search(t) and not JAPANESE.search(t)] == []


# -- registry names in English, and the audit log in words (issue 16) --------------------------------
def test_registry_names_in_english_or_marked_as_having_none(fresh_db: Database) -> None:
    from kpi.formatting.names import names_for
    from kpi.formatting.prefectures import PREFECTURES

    assert len({ja for ja, _ in PREFECTURES}) == len({en for _, en in PREFECTURES}) == 47
    named = names_for(fresh_db)  # migration 0011's common fields and roles
    assert named.prefecture("北海道", "en") == "Hokkaido"
    assert named.prefecture("東京", "en") == named.prefecture("東京都", "en") == "Tokyo"
    assert named.field("スマート農業", "en") == "Smart agriculture"
    assert named.role("代表機関", "en") == "Lead organization"
    # No English name: the Japanese one, marked, on English pages; Japanese pages as registered.
    assert named.field("宇宙開発", "en") == "宇宙開発 (no English name)"
    assert named.prefecture("架空県", "en") == "架空県 (no English name)"
    assert named.field("宇宙開発", "ja") == "宇宙開発"
    assert named.prefecture("北海道", "ja") == "北海道"
    assert named.role(None, "en") == named.role("", "en") == ""


def test_the_audit_log_in_words_with_numbers_as_read() -> None:
    from kpi.admin.audit_log import audit_table, changes_text

    before = '{"mid_value": 11.0, "role": "lead", "active": true, "email": null}'
    after = '{"mid_value": 9.0, "role": "partner", "active": false, "email": null}'
    assert changes_text(before, after, "ja") == (
        "中期目標値: 11 → 9；ロール: プロジェクトリーダー → 連携機関；有効: はい → いいえ"
    )
    assert changes_text(before, after, "en") == (
        "Mid-term target: 11 → 9; Role: Project lead → Partner institution; Active: yes → no"
    )
    assert (
        changes_text(None, '{"rows": 2477, "baseline_value": 1234.5}', "en")
        == "Rows: 2,477; Baseline: 1,234.5"
    )
    assert changes_text('"0.9"', '"0.85"', "en") == "Value: 0.9 → 0.85"
    entries = pd.DataFrame(
        {
            "recorded_at": [pd.Timestamp("2026-11-26 09:00")],
            "actor": ["demo-admin"],
            "action": ["load_demo"],
            "entity": ["actual_versions"],
            "entity_key": ["*"],
            "before": [None],
            "after": ['{"rows": 2477}'],
        }
    )
    shown = audit_table(entries, "ja").iloc[0].to_dict()
    assert (shown["action"], shown["entity"], shown["entity_key"], shown["changes"]) == (
        "デモデータの読み込み",
        "実績値の版",
        "（表全体）",
        "行数: 2,477",
    )
    assert audit_table(entries.assign(action="someday_new"), "en").iloc[0]["action"] == "someday_new"


def test_the_kpi_catalog_table_names_its_rules() -> None:
    from ui.sections.catalog import catalog_table

    kpis = pd.DataFrame(
        [{"kpi_code": "joint_studies", "direction": "higher", "accumulation": "sum", "combine": "sum",
          "achievement": "progress", "frequency": "quarter"}]
    )  # fmt: skip
    for lang in ("ja", "en"):
        row = catalog_table(kpis, lang).iloc[0]
        assert row["direction"] == catalog(lang)["admin.direction_higher"]
        assert row["accumulation"] == catalog(lang)["admin.accumulation_sum"]
        assert row["combine"] == catalog(lang)["admin.combine_sum"]
        assert row["frequency"] == catalog(lang)["admin.frequency_quarter"]
    assert catalog_table(kpis, "ja").iloc[0]["kpi_code"] == "joint_studies"


def test_administration_reads_thresholds_in_percent_and_offers_no_default_role(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    app = run_page(monkeypatch, db_copy, "pages/admin.py", "ja")
    role = app.selectbox(key="acc_new_role")
    assert role.value is None and role.placeholder == catalog("ja")["accounts.choose_role"]
    app.session_state["admin_section"] = "settings"
    app.run()
    values = {n.label: n.value for n in app.number_input}
    assert values[catalog("ja")["admin.on_track_percent"]] == 90
    assert values[catalog("ja")["admin.at_risk_percent"]] == 70


def test_an_existing_kpi_loads_into_the_form_and_saves(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "kpi.duckdb"
    shutil.copy(demo_db_path, copy)
    app = run_page(monkeypatch, copy, "pages/admin.py", "ja")
    app.session_state["admin_section"] = "kpis"
    app.run()
    app.selectbox(key="kpi_pick").select("tourist_visitors").run()
    names = {box.label: box for box in app.text_input}
    assert names[catalog("ja")["admin.name_ja"]].value == "入域観光客数"
    names[catalog("ja")["admin.name_en"]].input("Visitors to the area")
    next(b for b in app.button if b.label == catalog("ja")["admin.save_kpi"]).click().run()
    assert not app.exception and app.success, [e.value for e in app.error]
    with Database(copy).cursor() as cursor:
        row = cursor.execute(
            "SELECT name_en FROM kpi_definitions WHERE kpi_code = 'tourist_visitors'"
        ).fetchone()
    assert row == ("Visitors to the area",)
