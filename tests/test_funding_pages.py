"""The funding page and the project page's funding part, run signed in (AppTest) for an
administrator, an executive and a partner, in Japanese and English, on the case worked by hand in
tests/test_funding_status.py (as of 2026-02-28: NAT-001 eligible 4,200,000, subsidy 2,800,000, own
share 1,400,000, cash gap 3,200,000; UNI-HOKUTO's part 1,900,000 / 1,266,667 / 633,333)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Role
from kpi.accounts.manage import create_account
from kpi.i18n import catalog, t
from kpi.storage import Database
from tests.conftest import DEMO_ADMIN, DEMO_EXECUTIVE, DEMO_PARTNER, OPERATOR, signed_in
from tests.test_funding_charts import FUNDING_TABLES, hand_worked_copy
from tests.test_funding_status import AS_OF
from tests.test_languages import ENGLISH_WORDS, JAPANESE, QUOTED_JAPANESE, registry_words, shown_text

ROOT = Path(__file__).parent.parent
HOKUTO = "hokuto-partner"  # a partner of P01 (the demo's partner, UNI-SETOUCHI, has no award)
HEADLINE = {
    "ja": {"交付決定額": "10,000千円", "予算額": "8,000千円", "対象経費": "4,200千円",
           "補助金額": "2,800千円", "自己負担": "1,400千円", "立替額": "3,200千円"},
    "en": {"Decided": "¥10,000 thousand", "Budget": "¥8,000 thousand", "Eligible spend": "¥4,200 thousand",
           "Subsidy": "¥2,800 thousand", "Own share": "¥1,400 thousand", "Cash gap": "¥3,200 thousand"},
}  # fmt: skip
# NAT-001 alone on P01's page: 8,000千円 decided over its two years, FY2025's budget of 5,000千円.
NAT_ALONE = {
    "ja": HEADLINE["ja"] | {"交付決定額": "8,000千円", "予算額": "5,000千円"},
    "en": HEADLINE["en"] | {"Decided": "¥8,000 thousand", "Budget": "¥5,000 thousand"},
}
NAT_001 = {
    "ja": "P01 AI画像解析による橋梁点検の自動化",
    "en": "P01 Automated bridge inspection with AI image analysis",
}


@pytest.fixture(scope="module")
def funded_path(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = hand_worked_copy(demo_db_path, tmp_path_factory.mktemp("fund_pages") / "pages.duckdb")
    db = Database(path)
    record = {
        "username": HOKUTO,
        "role": "partner",
        "organization_code": "UNI-HOKUTO",
        "display_name": "北斗 担当",
    }
    create_account(db, record, password="hokuto-partner-2026", actor=OPERATOR, lang="en")
    db.close()
    return path


def run(
    monkeypatch: pytest.MonkeyPatch, path: Path, page: str, lang: str, user: str, **params: str
) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(path))
    monkeypatch.setenv("KPI_TODAY", AS_OF.isoformat())  # the as-of date defaults to today
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), user)
    app.query_params["lang"] = lang
    for key, value in params.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    return app


def tables(app: AppTest) -> list[Any]:
    return [d.value for d in app.dataframe]


def table_with(app: AppTest, *columns: str) -> Any:
    return next(t for t in tables(app) if all(c in t.columns for c in columns))


def figures(app: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def cells(app: AppTest) -> set[str]:
    return {str(v) for t in tables(app) for v in t.astype(str).to_numpy().ravel()}


def check_language(app: AppTest, lang: str, db_path: Path) -> None:
    """Japanese pages say nothing in English (text, widget labels, table headers, chart legends and
    axes); English pages nothing in Japanese but data."""
    texts = shown_text(app)
    headers = [c.get("label") or "" for d in app.dataframe for c in json.loads(d.proto.columns).values()]
    legends = [str(d.get("name") or "") for f in figures(app) for d in f["data"]]
    axes = [str(a.get("title", {}).get("text") or "") for f in figures(app) for k, a in f["layout"].items()
            if k.startswith(("xaxis", "yaxis"))]  # fmt: skip
    if lang == "ja":
        en, ja = catalog("en"), catalog("ja")
        english_only = {v for k, v in en.items() if v != ja[k] and len(v) > 3 and "{" not in v}
        assert [t for t in texts if t in english_only] == []
        assert [t for t in texts if ENGLISH_WORDS.search(t) and not JAPANESE.search(t)] == []
        # an English word in a header, legend or axis title ("KPI" is the Japanese pages' word too)
        assert [
            h for h in [*headers, *legends, *axes] if re.search(r"[A-Za-z]{3,}", h.replace("KPI", ""))
        ] == []
    else:
        with Database(db_path).cursor() as cursor:  # funders are data too (経済産業省, 北海道)
            funders = {str(f) for (f,) in cursor.execute("SELECT funder FROM programmes").fetchall()}
        words = registry_words(Database(db_path)) | funders | QUOTED_JAPANESE | {"北斗 担当"}
        data = sorted(words, key=len, reverse=True)
        leftovers = []
        for text in [*texts, *headers, *legends, *axes]:
            for word in data:
                text = text.replace(word, "")
            if JAPANESE.search(text):
                leftovers.append(text)
        assert leftovers == []


@pytest.mark.parametrize("user", [DEMO_ADMIN, DEMO_EXECUTIVE])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_funding_page_shows_the_hand_worked_numbers(
    monkeypatch: pytest.MonkeyPatch, funded_path: Path, user: str, lang: str
) -> None:
    app = run(monkeypatch, funded_path, "pages/funding.py", lang, user)
    assert {m.label: m.value for m in app.metric} == HEADLINE[lang]
    awards = table_with(app, "award_number", "burn_vs_time").set_index("award_number")
    assert list(awards.index) == ["NAT-001", "NAT-002", "PREF-001"]
    nat = awards.loc["NAT-001"]
    assert (nat["project"], nat["eligible"], nat["subsidy"], nat["own_share"], nat["cash_gap"]) == (
        NAT_001[lang], "4,200", "2,800", "1,400", "3,200",
    )  # fmt: skip
    assert nat["burn_vs_time"] == {"ja": "84%（経過 92%）", "en": "84% of budget, 92% of year"}[lang]
    assert len(app.expander) == 3  # pre_award, not_allowed, over_budget
    sectors = figures(app)[2]["data"]
    assert [d["x"] for d in sectors] == [[1533, 1267, None], [767, 633, None]]
    duties = table_with(app, "due_on", "owner")
    assert list(duties["award_number"]) == ["NAT-001", "PREF-001"]
    check_language(app, lang, funded_path)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_partner_sees_its_projects_awards_and_its_own_spending(
    monkeypatch: pytest.MonkeyPatch, funded_path: Path, lang: str
) -> None:
    app = run(monkeypatch, funded_path, "pages/funding.py", lang, HOKUTO)
    awards = table_with(app, "award_number", "burn_vs_time")
    assert list(awards["award_number"]) == ["NAT-001"]  # P03's awards are not its project's
    own = next(c.value for c in app.caption if "1,267" in c.value)
    assert all(f in own for f in {"ja": ("1,900千円", "1,267千円", "633千円"), "en": ("¥1,900 thousand",
               "¥1,267 thousand", "¥633 thousand")}[lang])  # fmt: skip
    budget, _, sectors, _ = figures(app)
    assert (
        budget["data"][0]["y"]
        == {"ja": ["人件費", "消耗品費", "その他"], "en": ["Personnel", "Supplies", "Other"]}[lang]
    )
    assert [d["x"] for d in sectors["data"]] == [[None, 1267, None], [None, 633, None]]
    shown = cells(app)
    assert "E-1" not in shown and "1,533" not in shown  # CO-HOKUSEI's rows and share stay out of sight
    assert {"S-0", "O-1"} <= shown  # its own flagged rows are there
    check_language(app, lang, funded_path)


def _partnership_labels(lang: str) -> set[str]:
    return {t(f"project_partnership.{k}", lang) for k in ("in_force", "next_review", "open_items")}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_project_page_shows_its_awards(
    monkeypatch: pytest.MonkeyPatch, funded_path: Path, lang: str
) -> None:
    app = run(monkeypatch, funded_path, "pages/project.py", lang, DEMO_ADMIN, project="P01")
    heading = {"ja": "資金（補助金・助成金・委託）", "en": "Funding"}[lang]
    assert heading in [s.value for s in app.subheader]
    partnership = {"ja": "連携の状況", "en": "Partnership"}[lang]  # ui/sections/project_partnership.py, below
    funding = [m for m in app.metric if m.label not in _partnership_labels(lang)]
    assert partnership in [s.value for s in app.subheader]
    assert {m.label: m.value for m in funding} == NAT_ALONE[lang]
    years = table_with(app, "fiscal_year", "time_elapsed")
    assert years.iloc[0][["eligible", "subsidy", "own_share", "burn", "time_elapsed"]].tolist() == [
        "4,200", "2,800", "1,400", "84%", "92%",
    ]  # fmt: skip
    partners = table_with(app, "organization", "own_share")
    assert partners[["subsidy", "own_share"]].to_numpy().tolist() == [["1,533", "767"], ["1,267", "633"]]
    assert any("joint_studies" in m.value for m in app.markdown)  # the KPI the award requires
    assert len([e for e in app.expander if ":material/flag:" in e.label]) == 3
    check_language(app, lang, funded_path)


def test_the_partners_project_page_shows_its_own_share(
    monkeypatch: pytest.MonkeyPatch, funded_path: Path
) -> None:
    app = run(monkeypatch, funded_path, "pages/project.py", "en", HOKUTO, project="P01")
    partners = table_with(app, "organization", "own_share")
    assert partners.to_dict("records") == [
        {"organization": "Hokuto Institute of Technology", "sector": "Academia", "fiscal_year": "FY2025",
         "spent": "1,980", "eligible": "1,900", "subsidy": "1,267", "own_share": "633"},
    ]  # fmt: skip
    assert "E-1" not in cells(app)


def test_no_award_no_funding_part(monkeypatch: pytest.MonkeyPatch, funded_path: Path) -> None:
    app = run(monkeypatch, funded_path, "pages/project.py", "en", DEMO_ADMIN, project="P02")
    assert "Funding" not in [s.value for s in app.subheader]
    assert app.get("plotly_chart")  # the KPI charts are still there


def test_the_money_scale_is_remembered_across_pages(
    monkeypatch: pytest.MonkeyPatch, funded_path: Path
) -> None:
    app = run(monkeypatch, funded_path, "pages/funding.py", "en", DEMO_ADMIN)
    app.session_state["funding_scale"] = "million"
    app.run()
    assert {m.label: m.value for m in app.metric}["Eligible spend"] == "¥4.2 million"
    assert figures(app)[0]["layout"]["xaxis"]["title"]["text"] == "FY2025 (¥ million)"
    app.query_params["project"] = "P01"
    app.switch_page("pages/project.py").run()
    assert {m.label: m.value for m in app.metric}["Subsidy"] == "¥2.8 million"


def test_empty_states_read_well(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, funded_path: Path, tmp_path: Path
) -> None:
    app = run(monkeypatch, funded_path, "pages/funding.py", "ja", DEMO_PARTNER)  # UNI-SETOUCHI: no award
    assert [i.value for i in app.info] == ["貴機関のプロジェクトには、まだ交付決定がありません。"]
    assert not app.metric and not app.get("plotly_chart")
    empty = tmp_path / "empty.duckdb"
    empty.write_bytes(demo_db_path.read_bytes())
    db = Database(empty)
    with db.transaction() as cursor:
        for table in FUNDING_TABLES:
            cursor.execute(f"DELETE FROM {table}")
    db.close()
    app = run(monkeypatch, empty, "pages/funding.py", "en", DEMO_ADMIN)
    assert [i.value for i in app.info] == [
        "No awards yet. Once an administrator registers the programmes and awards, they appear here."
    ]
    assert "No call is open or coming." in [c.value for c in app.caption]
    assert Actor("x", Role.PARTNER, "UNI-SETOUCHI")  # the demo partner's organization, named above
