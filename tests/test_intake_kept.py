"""Partner files as officers keep them (SPEC section 4): title rows, 単位 and 合計 rows, the year
table, 年度 and month labels, values with units, scale words and ▲, 「－」, full-width codes, and
.xlsx cells as Excel shows them. Every bad case: the SPEC's code at an exact (row, column), and
nothing written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from kpi.access import Actor
from kpi.intake.service import ImportResult, import_file
from kpi.registry.setup import setup_registry
from kpi.storage import Database
from tests.conftest import table_counts
from tests.pg_support import both_engines
from tests.xlsx_files import with_cached_value, xlsx_bytes

pytestmark = both_engines

TODAY = date(2026, 11, 26)
OPERATOR = Actor.operator("officer@example")

# A city (lead) and a university in one project; a second project for year tables; KPIs with the
# units officers write: 人 (a yearly flow), ‰, %, 千円 (may be negative), 件.
REGISTRY = {
    "organizations": """organization_code,name,name_en,sector,prefecture
MATSUDO-CITY,松戸市,Matsudo City,government,千葉県
UNI-A,千葉工科大学,Chiba Tech,academia,千葉県
""",
    "projects": """project_code,name,field,prefecture,phase,start_date,end_date,lead_organization_code
MATSUDO-SOSEI1,松戸市まち・ひと・しごと創生,地方創生,千葉県,実証,2015-04-01,2030-03-31,MATSUDO-CITY
SHOP-SITE,店舗紹介サイト事業,地方創生,千葉県,実証,2019-04-01,2027-03-31,MATSUDO-CITY
""",
    "partners": """project_code,organization_code,role
MATSUDO-SOSEI1,UNI-A,共同研究機関
""",
    "kpis": """kpi_code,name_en,name_ja,unit,direction,accumulation,combine,allow_negative,achievement,\
frequency
births,Births,出生数,人,higher,yearly,sum,false,progress,year
marriage_rate,Marriage rate,婚姻率,‰,higher,last,latest,false,progress,year
satisfaction,Satisfaction,満足度,%,higher,last,latest,false,ratio,year
balance,Net balance,収支,千円,higher,last,latest,true,progress,year
shops,Registered shops,登録店舗数,店舗,higher,yearly,sum,false,ratio,year
page_views,Yearly page views,年間閲覧件数,回,higher,yearly,sum,false,ratio,year
""",
    "targets": """project_code,kpi_code,horizon,target_value,target_date,baseline_value,baseline_date,reason
MATSUDO-SOSEI1,births,long,"4,107",平成31年度,"3,823",平成26年度,
SHOP-SITE,shops,,100,令和元年度,－,,
""",
}
REAL = Path(__file__).parent / "data" / "real"
_FILE: list[bytes] = []


@pytest.fixture
def db(fresh_db: Database, tmp_path: Path) -> Database:
    path = Path(fresh_db.path)
    on_postgresql = fresh_db.path.startswith("postgresql://")  # no file to copy: load each time
    if _FILE and not on_postgresql:
        path.write_bytes(_FILE[0])
        return fresh_db
    for name, text in REGISTRY.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    result = setup_registry(fresh_db, tmp_path, actor=OPERATOR, lang="en")
    assert result.status == "loaded", result.errors
    if not on_postgresql:
        _FILE.append(path.read_bytes())
    return fresh_db


def run(db: Database, data: bytes, *, org: str = "MATSUDO-CITY", project: str | None = None,
        lang: str = "en") -> ImportResult:  # fmt: skip
    return import_file(db, data, file_name="kept.csv", organization_code=org, actor=OPERATOR, lang=lang,
                       today=TODAY, project_code=project)  # fmt: skip


def values(db: Database) -> dict[tuple[str, str, str], float]:
    with db.cursor() as cursor:
        rows = cursor.execute(
            "SELECT project_code, kpi_code, period_end, value FROM actual_current"
        ).fetchall()
    return {(p, k, d.isoformat()): v for p, k, d, v in rows}


def rejected(db: Database, data: bytes, expected: Sequence[tuple[int | None, str | None, str]], **kw: object
             ) -> ImportResult:  # fmt: skip
    before = table_counts(db)
    result = run(db, data, **kw)  # type: ignore[arg-type]
    assert result.status == "rejected"
    found = [(e.row, e.column, e.code) for e in result.errors]
    assert found == list(expected), [e.message for e in result.errors]
    assert table_counts(db) == before  # nothing written
    return result


def cp932(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


# -- the two real files, exactly as officers keep them ------------------------------------------
def test_the_real_wide_file_with_title_unit_and_total_rows(db: Database) -> None:
    result = run(db, (REAL / "matsudo_sosei_wide_cp932.csv").read_bytes())
    assert result.status == "imported", result.errors
    assert (result.format, result.header_row, result.rows, result.inserted, result.not_reported) == (
        "wide", 2, 4, 7, 1)  # fmt: skip
    assert [s.as_dict() for s in result.skipped_rows] == [
        {"row": 1, "reason": "above_header"},
        {"row": 3, "reason": "unit_row"},
        {"row": 8, "reason": "total_row"},
    ]  # fmt: skip
    # 5.3‰ for a ‰ KPI is 5.3; "3,823人" is 3,823; the full-width ３，６７９ is 3,679; the 合計
    # 15,259 is not a report; 「－」 for 平成29年度 marriage rate is not reported.
    assert values(db) == {
        ("MATSUDO-SOSEI1", "marriage_rate", "2015-03-31"): 5.3,
        ("MATSUDO-SOSEI1", "marriage_rate", "2016-03-31"): 5.4,
        ("MATSUDO-SOSEI1", "marriage_rate", "2017-03-31"): 5.0,
        ("MATSUDO-SOSEI1", "births", "2015-03-31"): 3823.0,
        ("MATSUDO-SOSEI1", "births", "2016-03-31"): 3975.0,
        ("MATSUDO-SOSEI1", "births", "2017-03-31"): 3782.0,
        ("MATSUDO-SOSEI1", "births", "2018-03-31"): 3679.0,
    }


def test_the_real_year_table_for_one_project(db: Database) -> None:
    data = (REAL / "funabashi_kensho_year_table_cp932.csv").read_bytes()
    # The file names no project: refused until the upload names one.
    no_project = rejected(db, data, [(None, "project_code", "missing_column")], lang="ja")
    assert "プロジェクト" in no_project.errors[0].message and "--project" in no_project.errors[0].message
    result = run(db, data, project="SHOP-SITE")
    assert result.status == "imported", result.errors
    assert (result.format, result.header_row, result.rows, result.inserted) == ("year_table", 2, 2, 2)
    assert result.ignored_columns == ["単位", "基準値", "目標値", "達成率", "評価", "備考"]
    assert [s.as_dict() for s in result.skipped_rows] == [{"row": 1, "reason": "above_header"}]
    # 令和元年度 is FY2019, ending 2020-03-31; 101.0% and A are the officer's own columns.
    assert values(db) == {
        ("SHOP-SITE", "shops", "2020-03-31"): 101.0,
        ("SHOP-SITE", "page_views", "2020-03-31"): 10155.0,
    }


# -- a long file with everything at once ----------------------------------------------------------
LONG_KEPT = cp932(
    "令和5年度 KPI 進捗状況,,,,",
    "（単位：各指標のとおり）,,,,",
    "プロジェクトコード,指標コード,期末日,実績値,備考",
    'ＭＡＴＳＵＤＯ－ＳＯＳＥＩ１,births,令和5年度,"3,412人",',
    "MATSUDO-SOSEI1,births,2022年度,3512,",
    "MATSUDO-SOSEI1,births,H29年度,－,未集計",
    'MATSUDO-SOSEI1,balance,平成27年4月,"▲1,577",',
    'MATSUDO-SOSEI1,balance,2015/6,"2,720千円",',
    "MATSUDO-SOSEI1,balance,2015/7,△250,",
    "MATSUDO-SOSEI1,satisfaction,令和7年度第4四半期,５２．２％,",
    "MATSUDO-SOSEI1,marriage_rate,R6年度,5.9‰,",
    "MATSUDO-SOSEI1,births,2021年度,該当なし,",
    '合計,,,"6,924",',
)


def test_a_long_file_as_kept(db: Database) -> None:
    result = run(db, LONG_KEPT, lang="ja")
    assert result.status == "imported", [e.message for e in result.errors]
    assert (result.format, result.header_row, result.rows, result.inserted, result.not_reported) == (
        "long", 3, 9, 7, 2)  # fmt: skip
    assert [(s.row, s.reason) for s in result.skipped_rows] == [
        (1, "above_header"), (2, "above_header"), (13, "total_row"),
    ]  # fmt: skip
    assert values(db) == {
        ("MATSUDO-SOSEI1", "births", "2024-03-31"): 3412.0,  # full-width code, 人 after the number
        ("MATSUDO-SOSEI1", "births", "2023-03-31"): 3512.0,
        ("MATSUDO-SOSEI1", "balance", "2015-04-30"): -1577.0,  # ▲ is minus; 平成27年4月 is the month
        ("MATSUDO-SOSEI1", "balance", "2015-06-30"): 2720.0,  # 2,720千円 in a 千円 KPI
        ("MATSUDO-SOSEI1", "balance", "2015-07-31"): -250.0,
        ("MATSUDO-SOSEI1", "satisfaction", "2026-03-31"): 52.2,  # a fiscal quarter, full-width %
        ("MATSUDO-SOSEI1", "marriage_rate", "2025-03-31"): 5.9,
    }


def test_scale_words_convert_to_the_kpis_unit(db: Database) -> None:
    data = cp932(
        "project_code,kpi_code,period_end,value",
        "MATSUDO-SOSEI1,balance,2025-03-31,272万円",
        'MATSUDO-SOSEI1,balance,2025-06-30,"484億3600万円"',
        'MATSUDO-SOSEI1,balance,2025-09-30,"3,000千"',
    )
    assert run(db, data).status == "imported"
    assert values(db) == {
        ("MATSUDO-SOSEI1", "balance", "2025-03-31"): 2720.0,
        ("MATSUDO-SOSEI1", "balance", "2025-06-30"): 48_436_000.0,
        ("MATSUDO-SOSEI1", "balance", "2025-09-30"): 3000.0,
    }


def test_header_search_stops_after_ten_rows(db: Database) -> None:
    titles = [f"メモ{i}," for i in range(10)]
    data = cp932(*titles, "project_code,kpi_code,period_end,value", "MATSUDO-SOSEI1,births,2025年度,1")
    result = rejected(db, data, [(None, "kpi_code", "missing_column"), (None, "period_end", "missing_column"),
                                 (None, "project_code", "missing_column"),
                                 (None, "value", "missing_column")])  # fmt: skip
    assert result.errors[0].message.startswith(
        "The required column “kpi_code” is missing. No row among the first 10"
    )
    # Nine rows above are fine.
    assert run(db, cp932(*titles[:9], "project_code,kpi_code,period_end,value",
                         "MATSUDO-SOSEI1,births,2025年度,1")).header_row == 10  # fmt: skip


def test_missing_column_names_the_closest_row(db: Database) -> None:
    data = cp932(
        "令和5年度 KPI 進捗状況,,", "プロジェクトコード,指標コード,期末日", "MATSUDO-SOSEI1,births,2025年度"
    )
    result = rejected(db, data, [(None, "value", "missing_column")], lang="ja")
    assert result.errors[0].message == (
        "必須の列「value」がありません。先頭 10 行のどれも見出し行"
        "（プロジェクトコード・KPIコード・期末日・実績値）"
        "になっていません。最も近いのは 2 行目です: プロジェクトコード | 指標コード | 期末日"
    )


# -- the year table ----------------------------------------------------------------------------
def test_year_table_with_a_project_column_and_labels_of_every_kind(db: Database) -> None:
    data = cp932(
        "KPI 効果検証（R6）,,,,,,",
        "プロジェクトコード,指標名,単位,目標値,令和4年度,2023年度,FY2024,評価",
        'MATSUDO-SOSEI1,出生数,人,"4,107","3,600",－,"3,500人",B',
        "MATSUDO-SOSEI1,marriage_rate,‰,6.0,5.1‰,5.0,,C",
        "合計,,,,,,,",
    )
    result = run(db, data)
    assert result.status == "imported", [e.message for e in result.errors]
    assert (result.format, result.header_row, result.rows, result.inserted, result.not_reported) == (
        "year_table", 2, 2, 4, 2)  # fmt: skip
    assert result.ignored_columns == ["単位", "目標値", "評価"]
    assert values(db) == {
        ("MATSUDO-SOSEI1", "births", "2023-03-31"): 3600.0,
        ("MATSUDO-SOSEI1", "births", "2025-03-31"): 3500.0,
        ("MATSUDO-SOSEI1", "marriage_rate", "2023-03-31"): 5.1,
        ("MATSUDO-SOSEI1", "marriage_rate", "2024-03-31"): 5.0,
    }


def test_year_table_errors_name_the_period_label_as_written(db: Database) -> None:
    data = cp932(
        "指標名,令和5年度,令和8年度",
        "出生数,約3500,1",
        "婚姻数,1,2",
        "満足度,12件,－",
    )
    result = rejected(db, data, [
        (2, "令和5年度", "invalid_number"), (2, "令和8年度", "future_period"), (3, "kpi_code", "unknown_kpi"),
        (3, "令和8年度", "future_period"), (4, "令和5年度", "unit_mismatch"),
    ], project="MATSUDO-SOSEI1")  # fmt: skip
    messages = [e.message for e in result.errors]
    assert (
        messages[0] == "Row 2: “約3500” in “令和5年度” is an approximate figure. "
        "Enter the figure itself, without 約 (for example 3500)."
    )
    assert messages[4] == (
        "Row 4: “12件” in “令和5年度” is written in 件, but KPI “Satisfaction” is counted in %. "
        "Write the figure in %, or the number alone."
    )


def test_a_bare_year_is_ambiguous_in_a_cell_and_in_a_header(db: Database) -> None:
    long = cp932("project_code,kpi_code,period_end,value", "MATSUDO-SOSEI1,births,2025,1",
                 "MATSUDO-SOSEI1,births,R6,1")  # fmt: skip
    expected = [(2, "period_end", "ambiguous_period"), (3, "period_end", "ambiguous_period")]
    result = rejected(db, long, expected,
                      lang="ja")  # fmt: skip
    assert [e.message for e in result.errors] == [
        "2 行目: 「period_end」の「2025」が年度か暦年か分かりません。"
        "年度なら「2025年度」、暦年なら「2025年」と書いてください。",
        "3 行目: 「period_end」の「R6」が年度か暦年か分かりません。"
        "年度なら「R6年度」、暦年なら「R6年」と書いてください。",
    ]
    table = cp932("kpi_code,2024,2025年度", "births,1,2")
    rejected(db, table, [(1, "2024", "ambiguous_period")], project="MATSUDO-SOSEI1")


# -- .xlsx as Excel shows it -------------------------------------------------------------------
def test_xlsx_with_a_merged_title_and_percent_cells(db: Database) -> None:
    data = xlsx_bytes(
        [
            ["令和6年度 満足度調査", None, None, None],
            ["project_code", "kpi_code", "period_end", "value"],
            ["MATSUDO-SOSEI1", "satisfaction", "2025-03-31", 0.522],
            ["MATSUDO-SOSEI1", "satisfaction", "2024-03-31", 0.5],
            ["MATSUDO-SOSEI1", "births", "令和5年度", 3412],
        ],
        formats={"D3": "0.0%", "D4": "0%"},
        merged=["A1:D1"],
    )
    result = run(db, data)
    assert result.status == "imported", [e.message for e in result.errors]
    assert (result.header_row, [(s.row, s.reason) for s in result.skipped_rows]) == (2, [(1, "above_header")])
    # The silent-percent case: a cell showing 52.2% is 52.2 for a % KPI, never 0.522.
    assert values(db) == {
        ("MATSUDO-SOSEI1", "satisfaction", "2025-03-31"): 52.2,
        ("MATSUDO-SOSEI1", "satisfaction", "2024-03-31"): 50.0,
        ("MATSUDO-SOSEI1", "births", "2024-03-31"): 3412.0,
    }


def test_xlsx_percent_cell_for_a_kpi_not_in_percent(db: Database) -> None:
    data = xlsx_bytes([["project_code", "kpi_code", "period_end", "value"],
                       ["MATSUDO-SOSEI1", "births", "2025-03-31", 0.35]], formats={"D2": "0%"})  # fmt: skip
    result = rejected(db, data, [(2, "value", "unit_mismatch")])
    assert "“35%”" in result.errors[0].message and "counted in 人" in result.errors[0].message


def test_xlsx_formulas_by_their_saved_result(db: Database) -> None:
    rows: list[list[object]] = [["project_code", "kpi_code", "period_end", "value"],
                                ["MATSUDO-SOSEI1", "births", "2025-03-31", None]]  # fmt: skip
    unsaved = xlsx_bytes(rows, formulas={"D2": "=1200+34"})
    result = rejected(db, unsaved, [(2, "value", "invalid_number")])
    assert "formula with no saved result (=1200+34)" in result.errors[0].message
    saved = with_cached_value(unsaved, "D2", "1234")
    assert run(db, saved).status == "imported"
    assert values(db) == {("MATSUDO-SOSEI1", "births", "2025-03-31"): 1234.0}


def test_full_width_organization_codes_and_headers(db: Database) -> None:
    data = cp932("ＰＲＯＪＥＣＴ＿ＣＯＤＥ,ＫＰＩ＿ＣＯＤＥ,期末日,実績値,機関コード",
                 "MATSUDO-SOSEI1,births,2025年度,1,ＵＮＩ－Ａ")  # fmt: skip
    assert run(db, data, org="UNI-A").status == "imported"
    assert values(db) == {("MATSUDO-SOSEI1", "births", "2026-03-31"): 1.0}


# -- the command line --------------------------------------------------------------------------
def test_command_line_year_table_with_project(
    db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpi.commands.main import main

    monkeypatch.setenv("KPI_TODAY", TODAY.isoformat())
    path = str(REAL / "funabashi_kensho_year_table_cp932.csv")
    common = ["--org", "MATSUDO-CITY", "--db", db.path, "--lang", "ja"]
    assert main(["import", path, *common, "--project", "NO-SUCH"]) == 2
    assert "プロジェクト「NO-SUCH」は登録されていません" in capsys.readouterr().err
    assert main(["import", path, *common, "--project", "ＳＨＯＰ－ＳＩＴＥ", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "ファイルに問題はありません（確認のみ: 何も書き込んでいません）。",
        "見出し行: 2 行目。",
        "読み飛ばした行: 1（見出し行より上）。",
        "取り込まない列（担当者のメモ欄）: 単位、基準値、目標値、達成率、評価、備考。",
        "  2 行: 新規 2、変更 0、変更なし 0",
        # The site's page views are not a KPI the project set a target for: said before anything is saved.
        "注意: 4 行目: SHOP-SITE には 年間閲覧件数 の目標も過去の報告もありません"
        "（このファイルに 1 件、合計 10,155 回）。"
        "このプロジェクトで追う指標か確かめてください。（保存すると: 状況 なし → 目標未設定）",
    ]
    assert main(["import", path, *common, "--project", "SHOP-SITE"]) == 5  # stopped until confirmed
    assert "--confirm-warnings" in capsys.readouterr().err
    # The city's 婚姻率 has no target either: a real import says it saw the warning.
    wide = [str(REAL / "matsudo_sosei_wide_cp932.csv"), *common, "--json"]
    assert main(["import", *wide]) == 5
    assert "婚姻率 の目標も過去の報告もありません（このファイルに 3 件、最新 " in capsys.readouterr().out
    assert main(["import", *wide, "--confirm-warnings"]) == 0
    printed = capsys.readouterr().out
    assert '"not_reported": 1' in printed and '"header_row": 2' in printed


def test_a_years_total_for_a_kpi_reported_per_quarter_is_refused(db: Database) -> None:
    # joint_studies is a flow reported per quarter: a 年度 figure would be stored at the year's last
    # day and counted as the fourth quarter's report. Levels (婚姻率) and yearly flows (出生数) are fine.
    table = cp932("指標名,令和5年度,令和6年度", "共同研究の件数,3,4", "婚姻率,5.1,5.0", "出生数,3600,3500")
    result = rejected(db, table, [(2, "令和5年度", "wrong_frequency"), (2, "令和6年度", "wrong_frequency")],
                      project="MATSUDO-SOSEI1", lang="ja")  # fmt: skip
    assert result.errors[0].message == (
        "2 行目: 列「令和5年度」は年度単位ですが、指標「共同研究の件数」は四半期ごとに報告する指標です"
        "（年度の合計が最後の"
        "四半期の値として数えられてしまいます）。四半期ごとの値を縦型・横型のファイルで報告するか、管理者に指標の報告頻度を"
        "「年次」に変えてもらってください。"
    )
    long = cp932("project_code,kpi_code,period_end,value", "MATSUDO-SOSEI1,joint_studies,FY2024,3",
                 "MATSUDO-SOSEI1,joint_studies,2024年度第3四半期,1",
                 "MATSUDO-SOSEI1,joint_studies,2025/1,1")  # fmt: skip
    result = rejected(db, long, [(2, "period_end", "wrong_frequency")])
    assert result.errors[0].message.startswith(
        "Row 2: “FY2024” in “period_end” is a whole year, but KPI “Joint studies”"
    )
