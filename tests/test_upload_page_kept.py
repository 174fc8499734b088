"""The upload page with files as officers keep them (SPEC section 4): the layout of the templates,
the project choice for files that name no project, and what the importer read past (header row,
skipped rows, ignored columns, cells not reported) shown before confirming and on rejection."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.storage import Database
from tests.conftest import DEMO_ADMIN, DEMO_PARTNER, signed_in

ROOT = Path(__file__).parent.parent

# A CP932 CSV as a Japanese Excel saves it: a title and a date of issue above the header, a 単位
# row under it, a 合計 row at the end; P20's 地域雇用の創出数 not reported (－).
WIDE_KEPT = (
    "令和8年度 第2四半期 KPI 実績報告（瀬戸内海洋大学）,,,,,,\r\n"
    "作成日: 令和8年10月15日,,,,,,\r\n"
    "プロジェクトコード,プロジェクト名,期末日,共同研究の件数,地域雇用の創出数,外部資金獲得額,備考\r\n"
    "単位,,,件,人,百万円,\r\n"
    "P18,遠隔服薬指導と見守りの実証,2026-09-30,2,1,1.5,\r\n"
    "P20,IoTブイによる牡蠣養殖の水温管理,令和8年9月30日,1,－,0.8,水温センサー増設\r\n"
    "合計,,,3,1,2.3,\r\n"
).encode("cp932")
# A 効果検証 year table kept for one project (P20): no project column, the officer's own columns,
# a level KPI (a flow reported per quarter has no year figure: see test_intake_kept.py).
YEAR_TABLE = (
    "IoTブイによる牡蠣養殖の水温管理 効果検証シート,,,,,,,,\r\n"
    "指標名,単位,基準値,目標値,令和5年度,令和6年度,令和7年度,達成率,備考\r\n"
    "社会実装までの期間,か月,60,24,－,54,48,,\r\n"
).encode("utf-8-sig")

FACTS = {
    "wide": {
        "ja": [
            "読み取った形式: プロジェクト・期間ごとに 1 行（横持ち）。",
            "見出し行: 3 行目。",
            "読み飛ばした行: 1–2（見出し行より上）、4（単位の行）、7（合計の行）。",
            "取り込まない列（担当者のメモ欄）: プロジェクト名。",
            "未報告のセル（空欄または「－」）: 1 件。",
        ],
        "en": [
            "Read as: one row per project and period (wide format).",
            "Header found on row 3.",
            "Rows skipped: 1–2 (above the header), 4 (unit row), 7 (total row).",
            "Columns not imported (the officer’s own notes): プロジェクト名.",
            "Cells not reported (empty or －): 1.",
        ],
    },
    "year_table": {
        "ja": [
            "読み取った形式: 年度表。",
            "見出し行: 2 行目。",
            "読み飛ばした行: 1（見出し行より上）。",
            "取り込まない列（担当者のメモ欄）: 単位、基準値、目標値、達成率、備考。",
            "未報告のセル（空欄または「－」）: 1 件。",
        ],
        "en": [
            "Read as: year table.",
            "Header found on row 2.",
            "Rows skipped: 1 (above the header).",
            "Columns not imported (the officer’s own notes): 単位, 基準値, 目標値, 達成率, 備考.",
            "Cells not reported (empty or －): 1.",
        ],
    },
}


@pytest.fixture(scope="module")
def db_copy(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy for the module's dry runs (signing in and visiting pages may write)."""
    copy = tmp_path_factory.mktemp("kept") / "demo.duckdb"
    shutil.copy(demo_db_path, copy)
    return copy


def open_upload(monkeypatch: pytest.MonkeyPatch, db: Path, lang: str, user: str = DEMO_PARTNER) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), user)
    app.query_params["lang"] = lang
    app.switch_page("pages/upload.py").run()
    assert not app.exception, app.exception
    return app


def upload(app: AppTest, name: str, data: bytes) -> AppTest:
    app.file_uploader(key="upload_file").set_value((name, data, "text/csv")).run()
    assert not app.exception, app.exception
    return app


def facts_shown(app: AppTest) -> list[str]:
    """The facts box: one Markdown bullet per fact, data escaped (plain())."""
    assert len(app.info) == 1
    return [line.removeprefix("- ").replace("\\", "") for line in app.info[0].value.split("\n")]


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("ja", ["（ファイルに記載）", "P10  洋上風力と地域漁業の共生モデル",
                "P18  遠隔服薬指導と見守りの実証", "P20  IoTブイによる牡蠣養殖の水温管理"]),
        ("en", ["(named in the file)", "P10  Offshore wind power coexisting with local fisheries",
                "P18  Remote medication guidance and monitoring",
                "P20  IoT buoys for water-temperature control in oyster farming"]),
    ],
)  # fmt: skip
def test_project_choice_lists_the_organizations_projects(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str, expected: list[str]
) -> None:
    app = open_upload(monkeypatch, db_copy, lang)
    choice = app.selectbox(key="upload_project")
    assert choice.label == ("対象プロジェクト" if lang == "ja" else "Project the file is for")
    assert choice.options == expected
    assert choice.value == ""  # "(named in the file)" by default


def test_project_choice_follows_the_organization(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    app = open_upload(monkeypatch, db_copy, "en", DEMO_ADMIN)
    app.selectbox(key="upload_org").select("CO-KIRAMEKI").run()
    assert app.selectbox(key="upload_project").options[1:] == [
        "P15  Mass-production process for next-generation batteries"
    ]


def test_template_layout_choice(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    app = open_upload(monkeypatch, db_copy, "ja")
    layout = app.radio(key="template_layout")
    assert layout.options == [
        "プロジェクトごとに 1 行（直近の四半期）",
        "年度表（指標ごとに 1 行、年度ごとに 1 列）",
    ]
    assert app.caption[0].value.startswith("直近に終わった四半期について")
    layout.set_value("year_table").run()
    assert not app.exception
    assert app.caption[0].value.startswith("プロジェクトと指標の組ごとに 1 行")
    assert len(app.get("download_button")) == 3  # CSV (UTF-8), CSV (Shift_JIS), Excel


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_kept_wide_file_shows_how_it_was_read(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str
) -> None:
    app = upload(open_upload(monkeypatch, db_copy, lang), "q2.csv", WIDE_KEPT)
    assert app.success[0].value == (
        "ファイルに問題はありません（2 行）。変更内容を確認してから取り込んでください。"
        if lang == "ja"
        else "The file is valid (2 rows). Check what will change, then confirm."
    )
    assert facts_shown(app) == FACTS["wide"][lang]
    # Of 2026-09-30: P20's two values are new; P18's joint studies (1 → 2) and funding (3.5 → 1.5)
    # change, its local jobs (1) do not.
    assert [m.value for m in app.metric] == ["2", "2", "1"]
    preview = app.dataframe[0].value
    after = "取込後の値" if lang == "ja" else "After import"
    assert sorted(preview[after].tolist()) == [0.8, 1.0, 1.5, 2.0]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_year_table_needs_its_project(monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str) -> None:
    app = upload(open_upload(monkeypatch, db_copy, lang), "p20.csv", YEAR_TABLE)
    assert app.error  # rejected: the file names no project
    errors = app.dataframe[0].value
    assert errors.iloc[:, 2].tolist() == ["missing_column"]
    message = errors.iloc[0, 3]
    assert isinstance(message, str) and ("プロジェクト選択" if lang == "ja" else "project choice") in message

    app.selectbox(key="upload_project").select("P20").run()
    assert not app.exception
    assert not app.error
    assert facts_shown(app) == FACTS["year_table"][lang]
    # 社会実装までの期間 of FY2024 and FY2025 is new; FY2023 is 「－」 (not reported).
    assert [m.value for m in app.metric] == ["2", "0", "0"]


def test_a_rejected_kept_file_shows_what_was_read(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    bad = WIDE_KEPT.decode("cp932").replace("2026-09-30,2,", "2026-09-30,約2,")  # an approximate figure
    app = upload(open_upload(monkeypatch, db_copy, "ja"), "bad.csv", bad.encode("cp932"))
    assert app.error[0].value.startswith("取り込みませんでした: 2 行中 1 件の問題があります。")
    assert facts_shown(app) == FACTS["wide"]["ja"]
    errors = app.dataframe[0].value
    assert errors.iloc[:, :3].values.tolist() == [
        [5, "共同研究の件数", "invalid_number"]
    ]  # the KPI by its name


def test_confirming_a_year_table_writes_it_for_the_chosen_project(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, copy)
    app = open_upload(monkeypatch, copy, "ja")
    app.selectbox(key="upload_project").select("P20").run()
    upload(app, "p20.csv", YEAR_TABLE)
    app.button(key="confirm_import").click().run()
    assert not app.exception
    assert app.success[0].value.endswith("として取り込みました。")
    with Database(copy).cursor() as cursor:
        values = cursor.execute(
            "SELECT kpi_code, strftime(period_end, '%Y-%m-%d'), value FROM actual_current"
            " WHERE project_code = 'P20' AND organization_code = 'UNI-SETOUCHI'"
            " AND kpi_code IN ('time_to_implementation', 'joint_studies') AND month(period_end) = 3"
            " ORDER BY 1, 2"
        ).fetchall()
    assert values == [
        ("joint_studies", "2024-03-31", 0.0),  # the demo's quarterly reports, untouched
        ("joint_studies", "2025-03-31", 0.0),
        ("joint_studies", "2026-03-31", 0.0),
        ("time_to_implementation", "2025-03-31", 54.0),  # 令和5年度 「－」: not reported
        ("time_to_implementation", "2026-03-31", 48.0),
    ]
