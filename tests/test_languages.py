"""Every page in each language: no English catalog text on a Japanese page, no Japanese on an English one.

Data (project, organization, field and prefecture names as registered) may be in Japanese on an
English page; everything else the page says must come from the catalog in the page's language.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.i18n import catalog
from kpi.storage import Database
from kpi.storage.registry import read_table
from tests.conftest import signed_in

ROOT = Path(__file__).parent.parent
PAGES = {
    "views/overview.py": {},
    "views/project.py": {"project": "P03"},
    "views/update.py": {"project": "P03"},
    "views/upload.py": {},
    "views/admin.py": {},
    "views/audit.py": {},
    "views/reminders.py": {},
    "views/projects.py": {},
    "views/account.py": {},
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
    return {w for w in words if w}


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
