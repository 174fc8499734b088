"""Funding in a real browser (issue 19's journey): a lead sets up an award with its budget, a partner
uploads its expenditure file as kept (CP932, a title row, 費目 in Japanese, a ▲ correction, a 合計
row), and the funding page, the project page, the report and `funding status --json` show the
subsidy, own share, burn, cash gap and the right flags.

Worked by hand. NAT (地域イノベーション補助金) pays 2/3, capped at 5,000千円 per award, allows 消耗品費, and
no 事前着手. The lead's award NAT-101 on P03: decided 2025-06-01 for 2025-04-01 to 2027-03-31, 4,000,000
yen decided for FY2025; budget FY2025 設備備品費 3,000,000 (CO-SAKURAGI) and 消耗品費 500,000 (RI-SANGI).
RI-SANGI's file: 50,000 on 令和7年5月20日 (before the decision: flagged, not eligible), 800,000 on
2025-10-15 and ▲100,000 on 2025-11-01 (a return). Eligible E = 700,000; subsidy floor(700,000 × 2/3) =
466,666; own share 233,334; burn 700,000 / 3,500,000 = 20 %; nothing received: cash gap 700,000; 消耗品費
spends 700,000 against 500,000 × 1.2 = 600,000: over budget by 200,000.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kpi.accounts.manage import create_account
from kpi.funding.setup import setup_funding
from kpi.storage import Database
from tests.browser_support import add_row, choose, serve, settled, shot, sign_in, type_date, type_into_cell
from tests.conftest import OPERATOR, without_demo_funding

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).parent.parent
PARTNER, PASSWORD = "sangi-accounting", "sangi-accounting-2026"
EXPENDITURES = (
    "支出報告（令和7年度）\r\n"
    "交付決定番号,費目,支払日,金額,内容,証憑番号\r\n"
    'NAT-101,消耗品費,令和7年5月20日,"50,000",試薬（交付決定前）,S-0\r\n'
    'NAT-101,消耗品費,2025/10/15,"800,000",計測機器部材,S-1\r\n'
    'NAT-101,消耗品費,2025/11/1,"▲100,000",返品,S-1R\r\n'
    '合計,,,"750,000",,\r\n'
).encode("cp932")


@pytest.fixture
def funding_server(demo_db_path: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The demo registry without its funding, the programmes of tests/data/funding, and an account
    for RI-SANGI (a partner of P03)."""
    path = tmp_path / "funding.duckdb"
    shutil.copyfile(demo_db_path, path)
    db = without_demo_funding(Database(path))
    programmes = tmp_path / "programmes"
    programmes.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "funding" / "programmes.csv", programmes)
    assert setup_funding(db, programmes, actor=OPERATOR, lang="ja").status == "loaded"
    record = {"username": PARTNER, "display_name": "産技研 経理", "role": "partner",
              "organization_code": "RI-SANGI", "email": None}  # fmt: skip
    create_account(db, record, password=PASSWORD, actor=OPERATOR, lang="ja")
    db.close()
    with serve(path) as url:
        yield url, path


def _lead_sets_up_the_award(page: Page, url: str) -> None:
    sign_in(page, f"{url}/awards?lang=ja&project=P03", "demo-lead")
    expect(page.get_by_role("heading", name="交付決定と予算")).to_be_visible()
    choose(
        page,
        page.get_by_role("combobox", name="交付決定", exact=True),
        page.get_by_role("option", name="新しい交付決定"),
    )
    expect(page.get_by_role("heading", name="新しい交付決定を登録")).to_be_visible()
    settled(page)
    page.get_by_role("textbox", name="交付決定番号").fill("NAT-101")
    page.get_by_role("textbox", name="交付決定番号").press("Enter")
    settled(page)
    choose(
        page,
        page.get_by_role("combobox", name="制度"),
        page.get_by_role("option", name="地域イノベーション補助金"),
    )
    settled(page)
    choose(
        page,
        page.get_by_role("combobox", name="段階"),
        page.get_by_role("option", name="交付決定", exact=True),
    )
    settled(page)
    type_date(page, "事業開始日", "2025-04-01")
    type_date(page, "事業終了日", "2027-03-31")
    type_date(page, "交付決定日", "2025-06-01")
    amounts = page.get_by_test_id("stDataFrame").last  # below the project's awards, when it has some
    add_row(page, amounts, row=0)
    type_into_cell(page, amounts, row=0, column=0, text="2025")
    type_into_cell(page, amounts, row=0, column=1, text="4,000,000")
    shot(page, "funding-award-form-ja")
    page.get_by_role("button", name="交付決定を保存").click()
    expect(page.get_by_text("交付決定 NAT-101 を保存しました。")).to_be_visible()

    # The budget, a line at a time with the form beside the grid.
    page.get_by_test_id("stButtonGroup").get_by_text("予算", exact=True).click()
    settled(page)
    form = page.get_by_test_id("stForm")
    for category, amount, organization, total in (
        ("設備備品費", "3,000,000", "桜木エナジー株式会社", "3,000,000円"),
        ("消耗品費", "500,000", "地域産業技術総合研究センター", "3,500,000円"),
    ):
        choose(page, form.get_by_role("combobox", name="費目"), page.get_by_role("option", name=category))
        choose(
            page,
            form.get_by_role("combobox", name="機関"),
            page.get_by_role("option", name=re.compile(organization)),
        )
        form.get_by_role("textbox", name="金額（円）").fill(amount)
        form.get_by_role("button", name="この行を保存").click()
        expect(
            page.get_by_text("予算を保存しました: 新規 1、変更 0、削除 0、変更なし", exact=False)
        ).to_be_visible()
        expect(page.get_by_text(re.compile(f"予算の合計: {total}"))).to_be_visible()
    shot(page, "funding-budget-ja")


def _partner_uploads(page: Page, url: str, tmp_path: Path) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/expenses?lang=ja")
    form = page.get_by_test_id("stForm")
    form.locator("input[type=text]").fill(PARTNER)
    form.locator("input[type=password]").fill(PASSWORD)
    form.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    expect(page.get_by_role("heading", name="支出の報告")).to_be_visible()
    settled(page)
    kept = tmp_path / "支出報告_産技研.csv"
    kept.write_bytes(EXPENDITURES)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(kept))
    settled(page)
    expect(
        page.get_by_text("ファイルに問題はありません（3 行）。変更内容を確認してから取り込んでください。")
    ).to_be_visible()
    inserted = page.get_by_test_id("stMetric").filter(has_text="新規の支出")
    expect(inserted.get_by_test_id("stMetricValue")).to_have_text("3")
    shot(page, "funding-expenses-preview-ja")
    page.get_by_role("button", name="支出を取り込む").click()
    expect(page.get_by_text(re.compile(r"バッチ \d+ として取り込みました。"))).to_be_visible()


def test_lead_sets_up_an_award_partner_uploads_and_the_numbers_show(
    funding_server: tuple[str, Path], page: Page, tmp_path: Path
) -> None:
    url, path = funding_server
    _lead_sets_up_the_award(page, url)
    _partner_uploads(page, url, tmp_path)

    # The command line reads the same numbers.
    status = subprocess.run(
        [sys.executable, "-m", "kpi", "funding", "status", "--json", "--db", str(path)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    award = next(a for a in json.loads(status.stdout)["awards"] if a["award_number"] == "NAT-101")
    assert (award["budget"], award["spent"], award["eligible"]) == (3_500_000, 750_000, 700_000)
    assert (award["subsidy"], award["own_share"], award["cash_gap"]) == (466_666, 233_334, 700_000)
    assert award["burn"] == pytest.approx(0.2)
    flags = [(f["code"], f["amount"]) for f in json.loads(status.stdout)["flags"]]
    assert flags == [("pre_award", 50_000), ("over_budget", 200_000)]

    # The funding page, as the lead sees it, in 千円.
    sign_in(page, f"{url}/funding?lang=ja", "demo-lead")
    expect(page.get_by_role("heading", name="資金", exact=True)).to_be_visible()
    expect(page.get_by_text("467千円").first).to_be_visible()  # the subsidy, 466,666 yen
    expect(page.get_by_text(re.compile("交付決定前の支出")).first).to_be_visible()
    expect(page.get_by_text(re.compile("流用制限を超える費目の超過")).first).to_be_visible()
    shot(page, "funding-overview-journey-ja")

    # The project page's funding part.
    page.goto(f"{url}/project?lang=ja&project=P03")
    settled(page)
    expect(page.get_by_text("NAT-101").first).to_be_visible()
    assert not page.get_by_test_id("stException").count()

    # The report: its funding page names the award with its subsidy in 千円.
    report = subprocess.run(
        [sys.executable, "-m", "kpi", "report", "--out", str(tmp_path / "report.html"), "--db", str(path),
         "--lang", "ja"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    assert report.returncode == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    funding = html[html.index("class='funding-page'") :]
    assert (
        "NAT-101" in funding and ">467<" in funding and ">233<" in funding and "交付決定前の支出" in funding
    )
