"""The real-world KPI tables of issue 13, loaded as officers write them, read as they mean them.

A registry in Japanese (enumerations and 年度 labels as typed), actuals imported through the
command line, and every figure checked in `status --json` and `years --json` against numbers worked
out by hand from SPEC section 3. Each case is one that the product used to get wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kpi.commands.main import main

ORGANIZATIONS = """機関コード,名称,セクター,都道府県
CITY,浜野市,官,北海道
UNI,浜野大学,学,北海道
"""
PROJECTS = """プロジェクトコード,名称,分野,都道府県,フェーズ,開始日,終了日,代表機関コード
SOSEI,浜野市まち・ひと・しごと創生総合戦略,地方創生,北海道,社会実装,2015-04-01,2061-03-31,CITY
"""
PARTNERS = """プロジェクトコード,機関コード,役割
SOSEI,UNI,共同研究機関
"""
# Enumerated values in Japanese: 年度計 / 水準, 高いほど良い, 合算 / 最新, 進捗 / 比率, 年次 / 月次.
KPIS = """kpi_code,name_en,name_ja,unit,direction,accumulation,combine,achievement,frequency
births,Births,出生数,人,高いほど良い,年度計,合算,進捗,年次
joint_research,Joint research projects,共同研究実施件数,件,高いほど良い,年度計,合算,進捗,年次
visitors,Visitors,入域観光客数,人,高いほど良い,年度計,合算,進捗,月次
population,Population,人口,人,高いほど良い,水準,最新,進捗,年次
employment_rate,Local employment rate,市内就職率,%,高いほど良い,水準,最新,比率,年次
"""
# Dates as period labels: 平成30年度 = FY2018 (last day 2019-03-31), 令和6年度 = 2025-03-31, ...
TARGETS = """プロジェクトコード,KPIコード,期間区分,目標値,目標期日,基準値,基準日,理由
SOSEI,births,長期,4107,令和6年度,3823,平成30年度,
SOSEI,joint_research,,30000,令和4年度,25000,令和元年度,
SOSEI,visitors,,1200000,令和8年度,1000000,令和7年度,
SOSEI,visitors,長期,1500000,令和18年度,1000000,令和7年度,
SOSEI,population,長期,107000,2060年度,109500,令和元年度,人口ビジョン
SOSEI,employment_rate,,40,令和6年度,,,
SOSEI,employment_rate,,45,令和7年度,,,
SOSEI,employment_rate,長期,50,令和8年度,,,
"""
# Reports: births per 年度; joint research per 年度 (29,644 in FY2022); six months of visitors;
# the population counted each March; the employment rate once a year.
ACTUALS = """project_code,kpi_code,period_end,value
SOSEI,births,2023-03-31,3810
SOSEI,births,2024-03-31,3679
SOSEI,joint_research,2021-03-31,28120
SOSEI,joint_research,2022-03-31,28975
SOSEI,joint_research,2023-03-31,29644
SOSEI,visitors,2026-04-30,110000
SOSEI,visitors,2026-05-31,120000
SOSEI,visitors,2026-06-30,90000
SOSEI,visitors,2026-07-31,140000
SOSEI,visitors,2026-08-31,150000
SOSEI,visitors,2026-09-30,90000
SOSEI,population,2025-03-31,109180
SOSEI,population,2026-03-31,108800
SOSEI,employment_rate,2025-03-31,38
SOSEI,employment_rate,2026-03-31,46
"""


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.fixture
def database(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KPI_TODAY", "2026-11-26")
    folder = tmp_path / "registry"
    folder.mkdir()
    for name, text in (("organizations", ORGANIZATIONS), ("projects", PROJECTS), ("partners", PARTNERS),
                       ("kpis", KPIS), ("targets", TARGETS)):  # fmt: skip
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    db = str(tmp_path / "real.duckdb")
    assert _run(capsys, "init", "--db", db)[0] == 0
    code, out = _run(capsys, "setup", str(folder), "--db", db, "--json")
    assert code == 0, out
    actuals = tmp_path / "actuals.csv"
    actuals.write_text(ACTUALS, encoding="utf-8")
    code, out = _run(capsys, "import", str(actuals), "--org", "CITY", "--db", db, "--json")
    assert code == 0, out
    return db


def _status(capsys: pytest.CaptureFixture[str], db: str, as_of: str = "2026-11-26") -> dict[str, Any]:
    code, out = _run(capsys, "status", "--db", db, "--json", "--as-of", as_of)
    assert code == 0
    return {r["kpi_code"]: r for r in json.loads(out)}


def _years(capsys: pytest.CaptureFixture[str], db: str, kpi: str, as_of: str = "2026-11-26") -> list[Any]:
    code, out = _run(capsys, "years", "--db", db, "--json", "--as-of", as_of)
    assert code == 0
    return [r for r in json.loads(out) if r["kpi_code"] == kpi]


def test_births_that_fell_are_off_track_not_achieved(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    """3,823 → 3,679 against 4,107 used to read 達成, 5,359 % (a yearly count added up)."""
    births = _status(capsys, database)["births"]
    assert births["value"] == 3679  # that 年度's count, not a running total
    assert births["year_in_view"] == 2023
    assert births["status"] == "off_track"
    assert births["achievement"]["long"] == pytest.approx((3679 - 3823) / (4107 - 3823))  # -50.7 %
    assert births["final_target"] == 4107 and births["final_achievement"] == births["achievement"]["long"]
    rows = _years(capsys, database, "births")
    assert [(r["fiscal_year"], r["actual"]) for r in rows] == [
        (2018, None), (2019, None), (2020, None), (2021, None), (2022, 3810), (2023, 3679),
        (2024, None), (2025, None), (2026, None),
    ]  # fmt: skip


def test_yearly_joint_research_is_the_years_count(capsys: pytest.CaptureFixture[str], database: str) -> None:
    """29,644 in one 年度 used to become 127,584: each 年度 is its own count."""
    research = _status(capsys, database)["joint_research"]
    assert research["value"] == 29_644
    # 令和4年度 (FY2022) target 30,000 from 25,000: (29,644 - 25,000) / 5,000 = 92.9 %
    assert research["final_achievement"] == pytest.approx(4_644 / 5_000)
    assert research["status"] == "on_track"  # R = 4,644 / 5,000 >= 0.9 against P = 30,000
    rows = {r["fiscal_year"]: r for r in _years(capsys, database, "joint_research")}
    assert [rows[y]["actual"] for y in (2020, 2021, 2022)] == [28_120, 28_975, 29_644]
    assert rows[2022]["year_target"] == 30_000 and rows[2022]["interpolated"] is False
    # FY2020 target on the plan line: 25,000 + 5,000 × 365 / 1,095 days (2020-03-31 → 2023-03-31)
    assert rows[2020]["year_target"] == pytest.approx(25_000 + 5_000 * 365 / 1095)
    assert rows[2020]["interpolated"] is True


def test_six_months_of_visitors_are_not_a_year(capsys: pytest.CaptureFixture[str], database: str) -> None:
    """April–September used to be 'achieved' against the 年度 target and one ten years out."""
    visitors = _status(capsys, database)["visitors"]
    half = 110_000 + 120_000 + 90_000 + 140_000 + 150_000 + 90_000  # 700,000
    assert visitors["value"] == pytest.approx(half * 365 / 183)  # annualised: 1,396,174.9
    assert visitors["year_in_view"] == 2026
    assert visitors["status"] != "achieved"  # the year is not complete
    assert visitors["expected"] == 1_200_000  # the FY2026 target, read at the year's last day
    assert visitors["final_target"] == 1_500_000
    rows = _years(capsys, database, "visitors")
    assert rows == [
        {"project_code": "SOSEI", "kpi_code": "visitors", "fiscal_year": 2025, "actual": None,
         "partial": False, "year_target": 1_000_000, "interpolated": True, "final_target": 1_500_000,
         "year_achievement": None, "final_achievement": None, "grade": None},
        {"project_code": "SOSEI", "kpi_code": "visitors", "fiscal_year": 2026, "actual": half,
         "partial": True, "year_target": 1_200_000, "interpolated": False, "final_target": 1_500_000,
         "year_achievement": None, "final_achievement": None, "grade": None},
    ]  # fmt: skip


def test_population_vision_is_a_managed_decline(capsys: pytest.CaptureFixture[str], database: str) -> None:
    """ "About 107,000 in 2060, from 109,500" used to show as achieved with -17.6 %."""
    population = _status(capsys, database)["population"]
    assert population["value"] == 108_800
    # P(2026-11-26) = 109,500 - 2,500 × 2,431 / 14,975 days = 109,094.16; V is 294 short of the
    # plan, out of a planned change of 2,500: R = 1 - 294.16 / 2,500 = 0.88 → at risk (not achieved
    # before 2061-03-31, and not -17.6 %).
    assert population["status"] == "at_risk"
    planned = 109_500 + (107_000 - 109_500) * 2431 / 14975
    assert population["expected"] == pytest.approx(planned)
    assert population["plan_progress"] == pytest.approx(1 - (planned - 108_800) / 2_500)
    assert population["achievement"]["long"] == 1.0  # at or better than 107,000
    assert _status(capsys, database, "2061-04-01")["population"]["status"] == "achieved"


def test_ratio_kpi_without_baseline_per_year_targets(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    """No 基準値, one target per 年度: 達成率 ① = V / T."""
    rate = _status(capsys, database)["employment_rate"]
    assert rate["baseline"] is None and rate["value"] == 46
    assert rate["final_achievement"] == pytest.approx(46 / 50)
    rows = {r["fiscal_year"]: r for r in _years(capsys, database, "employment_rate")}
    assert rows[2024]["actual"] == 38 and rows[2024]["year_target"] == 40
    assert rows[2024]["year_achievement"] == pytest.approx(38 / 40)  # 95 %
    assert rows[2025]["year_achievement"] == pytest.approx(46 / 45)  # 102 %: achieved that 年度
    assert rows[2025]["grade"] == "achieved"


def test_grades_as_the_evaluation_sheet_writes_them(
    capsys: pytest.CaptureFixture[str], database: str, tmp_path: Path
) -> None:
    from kpi.access import Actor
    from kpi.registry.edits import save_grade_scheme
    from kpi.storage import Database

    db = Database(database)
    save_grade_scheme(db, "abcd", actor=Actor.operator("admin"), lang="ja")
    db.close()
    rows = {r["fiscal_year"]: r["grade"] for r in _years(capsys, database, "employment_rate")}
    assert rows == {2024: "B", 2025: "A", 2026: None}  # 95 % → B (≥ 80 %), 102 % → A
    assert _status(capsys, database)["employment_rate"]["grade"] == "B"  # final: 92 %
    db = Database(database)
    save_grade_scheme(db, "marks", actor=Actor.operator("admin"), lang="ja")
    db.close()
    assert _status(capsys, database)["births"]["grade"] == "×"  # -50.7 %


def test_text_output_never_uses_scientific_notation(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    code, out = _run(capsys, "status", "--db", database, "--as-of", "2026-11-26", "--lang", "en")
    assert code == 0
    assert "1,396,174.86" in out and "e+" not in out  # 700,000 × 365 / 183, as format_number writes it
    code, out = _run(capsys, "years", "--db", database, "--as-of", "2026-11-26", "--lang", "ja")
    assert "700,000（途中）" in out and "2026年度" in out and "e+" not in out
