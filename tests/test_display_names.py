"""Issue 17: one rule for a name in the reader's language (kpi.formatting.names.display_name).

Japanese pages show name_ja; English pages show name_en when it is a real, non-blank string, else
name_ja. None, NaN, pd.NA, "" and whitespace are all missing: a name never reads as "nan".
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.formatting.names import display_name, display_names
from kpi.intake.uploads import organizations_for_upload
from kpi.portfolio.freshness import freshness_frame
from kpi.registry.edits import organization_names
from kpi.storage import Database
from tests.conftest import DEMO_TODAY, OPERATOR, signed_in

ROOT = Path(__file__).parent.parent
MISSING = [None, math.nan, np.nan, pd.NA, "", "   ", "\u3000"]


@pytest.mark.parametrize("english", MISSING)
def test_english_pages_fall_back_to_the_japanese_name(english: object) -> None:
    assert display_name("桜木エナジー株式会社", english, "en") == "桜木エナジー株式会社"


@pytest.mark.parametrize("english", [*MISSING, "Sakuragi Energy"])
def test_japanese_pages_show_the_japanese_name(english: object) -> None:
    assert display_name("桜木エナジー株式会社", english, "ja") == "桜木エナジー株式会社"


def test_english_pages_show_a_real_english_name() -> None:
    assert display_name("桜木エナジー株式会社", "Sakuragi Energy", "en") == "Sakuragi Energy"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_missing_name_is_blank_never_nan(lang: str) -> None:
    for japanese in (None, math.nan, pd.NA):
        assert display_name(japanese, None, lang) == ""


def test_the_frame_variant_follows_the_same_rule() -> None:
    frame = pd.DataFrame(
        {
            "project_name_ja": ["北星", "あおば", "桜木", "つばめ", "こもれび"],
            "project_name_en": ["Hokusei", None, "", "  ", pd.NA],
        },
        index=[10, 11, 12, 13, 14],
    )
    en = display_names(frame, "en", "project_")
    assert en.tolist() == ["Hokusei", "あおば", "桜木", "つばめ", "こもれび"]
    assert en.index.tolist() == [10, 11, 12, 13, 14]
    assert display_names(frame, "ja", "project_").tolist() == frame["project_name_ja"].tolist()
    # A nullable string column (pd.NA, not NaN) and a frame without an English column.
    typed = pd.DataFrame({"name_ja": ["桜木"], "name_en": pd.array([pd.NA], dtype="string")})
    assert display_names(typed, "en").tolist() == ["桜木"]
    assert display_names(pd.DataFrame({"name_ja": ["桜木"]}), "en").tolist() == ["桜木"]


@pytest.fixture
def no_english(demo_db_path: Path, tmp_path: Path) -> Path:
    """The demo database with CO-SAKURAGI (P03's lead) and P03 kept without English names."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    db = Database(copy)
    with db.transaction() as cursor:
        cursor.execute("UPDATE organizations SET name_en = NULL WHERE organization_code = 'CO-SAKURAGI'")
        cursor.execute("UPDATE organizations SET name_en = '  ' WHERE organization_code = 'RI-SANGI'")
    db.close()
    return copy


def test_an_organization_without_an_english_name_reads_in_japanese_on_the_update_page(
    monkeypatch: pytest.MonkeyPatch, no_english: Path
) -> None:
    monkeypatch.setenv("KPI_DB", str(no_english))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    app.query_params["lang"] = "en"
    app.query_params["project"] = "P03"
    app = app.switch_page("pages/update.py").run()
    assert not app.exception
    options = app.selectbox(key="update_org").options
    assert "桜木エナジー株式会社 (CO-SAKURAGI)" in options
    assert not [o for o in options if "nan" in o.lower() or o.startswith(" ") or o.startswith("(")]


def test_the_other_pages_use_the_same_rule(no_english: Path) -> None:
    db = Database(no_english)
    try:
        uploads = organizations_for_upload(db, "en", actor=OPERATOR)
        assert uploads["CO-SAKURAGI"] == "桜木エナジー株式会社"
        assert uploads["RI-SANGI"] == _japanese(db, "RI-SANGI")
        with db.cursor() as cursor:
            organizations = cursor.execute("SELECT * FROM organizations").df()
        names = organization_names(organizations, "en")
        assert names["CO-SAKURAGI"] == "桜木エナジー株式会社"
        assert names["RI-SANGI"] == _japanese(db, "RI-SANGI")
        fresh = freshness_frame(db, DEMO_TODAY, "en", actor=OPERATOR)
        assert not fresh["organization_name"].astype(str).str.strip().isin(["", "nan", "None"]).any()
    finally:
        db.close()


def _japanese(db: Database, code: str) -> str:
    with db.cursor() as cursor:
        row = cursor.execute(
            "SELECT name_ja FROM organizations WHERE organization_code = ?", [code]
        ).fetchone()
    assert row is not None
    return str(row[0])
