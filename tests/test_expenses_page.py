"""The expenditure page (pages/expenses.py, SPEC section 7) as the demo partner uses it: the template
it downloads imports back, a CP932 file as an accounting office keeps it (a title, a 単位 row, a 合計
row, a ▲ correction, 費目 in Japanese) is read, previewed in yen, imported, listed in the history
and rolled back; a bad file shows every error where it is and writes nothing. Administrators choose
the organization; a lead's is fixed.

demo-partner is UNI-SETOUCHI, a partner of P18 (award PREF-2026-009) and P20 (METI-2025-011).
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import openpyxl
import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from kpi.access import Actor, Role
from kpi.funding.expenditure_intake import import_expenditures
from kpi.storage import Database
from tests.conftest import DEMO_ADMIN, DEMO_LEAD, DEMO_PARTNER, DEMO_TODAY, signed_in, table_counts
from tests.test_languages import JAPANESE, shown_text

ROOT = Path(__file__).parent.parent
ORG = "UNI-SETOUCHI"
PARTNER = Actor(DEMO_PARTNER, Role.PARTNER, ORG)
DEMO_COUNT = 73  # UNI-SETOUCHI's expenditures in the demo (kpi/demo/funding.py)


def demo_rows(db_path: Path) -> list[tuple[str, str, date, str, int]]:
    """PREF-2026-009's first two 人件費 payments in the demo: (award, 費目, day, evidence, yen)."""
    with Database(db_path).cursor() as cursor:
        return [
            (a, c, d, e, int(amount))
            for a, c, d, e, amount in cursor.execute(
                "SELECT award_number, category_code, paid_on, evidence, amount FROM expenditures"
                " WHERE organization_code = ? AND award_number = 'PREF-2026-009'"
                " AND category_code = 'personnel' ORDER BY paid_on LIMIT 2",
                [ORG],
            ).fetchall()
        ]


def kept_file(db_path: Path) -> bytes:
    """Two new payments on METI-2025-011 (one a ▲ correction), a demo payment with a new amount and
    one as it is, between a title and a 単位 row above and a 合計 row below, saved as CP932."""
    (_, _, changed_day, changed_evidence, _), (_, _, same_day, same_evidence, same_yen) = demo_rows(db_path)
    lines = [
        "令和8年度 支出明細書（瀬戸内海洋大学）,,,,,",
        "交付決定番号,費目,支払日,金額,内容,証憑番号",
        "単位,,,円,,",
        'METI-2025-011,消耗品費,令和8年10月5日,"12,000",試薬,T-001',
        'METI-2025-011,旅費,2026/10/12,"▲3,000",出張旅費の戻入,T-002',
        f'PREF-2026-009,人件費,{changed_day:%Y/%m/%d},"120,000",研究補助員,{changed_evidence}',
        f'PREF-2026-009,人件費,{same_day.isoformat()},"{same_yen:,}",,{same_evidence}',
        '合計,,,"231,000",,',
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


# Every problem at its row and column, as the file heads them; the 合計 row is read past.
BAD = (
    "支出明細書,,,,,\r\n"
    "交付決定番号,費目,支払日,金額,内容,証憑番号\r\n"
    'METI-2099-999,消耗品費,2026-10-05,"12,000",,X-1\r\n'
    'METI-2025-011,お菓子代,2026-10-05,"5,000",,X-2\r\n'
    'METI-2025-011,旅費,2026-12-24,"8,000",,X-3\r\n'
    "METI-2025-011,旅費,2026-10-06,0,,X-4\r\n"
    'METI-2025-011,旅費,2026-10-07,"約8,000",,X-5\r\n'
    '合計,,,"33,000",,\r\n'
).encode("cp932")


@pytest.fixture
def db_copy(demo_db_path: Path, tmp_path: Path) -> Path:
    """A copy per test: signing in, importing and rolling back write."""
    copy = tmp_path / "expenses.duckdb"
    shutil.copy(demo_db_path, copy)
    return copy


def open_page(monkeypatch: pytest.MonkeyPatch, db: Path, lang: str, user: str = DEMO_PARTNER) -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), user)
    app.query_params["lang"] = lang
    app.switch_page("pages/expenses.py").run()
    assert not app.exception, app.exception
    return app


def upload(app: AppTest, name: str, data: bytes) -> AppTest:
    app.file_uploader(key="expense_file").set_value((name, data, "text/csv")).run()
    assert not app.exception, app.exception
    return app


def facts_shown(app: AppTest) -> list[str]:
    """The box of how the file was read: one Markdown bullet per fact, data escaped (plain())."""
    assert len(app.info) == 1
    return [line.removeprefix("- ").replace("\\", "") for line in app.info[0].value.split("\n")]


def table_with(app: AppTest, column: str) -> Any:
    """The one table of the page with this column."""
    (table,) = [d.value for d in app.dataframe if column in d.value.columns]
    return table


def stored(db_path: Path) -> dict[tuple[str, str, str, str], int]:
    with Database(db_path).cursor() as cursor:
        rows = cursor.execute(
            "SELECT award_number, category_code, strftime(paid_on, '%Y-%m-%d'), evidence, amount"
            " FROM expenditures WHERE organization_code = ?",
            [ORG],
        ).fetchall()
    return {(a, c, d, e): int(amount) for a, c, d, e, amount in rows}


def test_the_template_downloads_and_imports_back(monkeypatch: pytest.MonkeyPatch, db_copy: Path) -> None:
    files: dict[str, tuple[str, Callable[[], Any], str]] = {}
    draw = DeltaGenerator.download_button

    def recording(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        if callable(data):  # built on the click: recorded and called as Streamlit's server would
            files[str(kwargs.get("key"))] = (label, data, str(kwargs.get("file_name")))
        return draw(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    app = open_page(monkeypatch, db_copy, "ja")
    assert [(label, name) for label, _, name in files.values()] == [
        ("Excel（.xlsx）", "expenditures_UNI-SETOUCHI.xlsx"),
        ("CSV（UTF-8・Excel 用）", "expenditures_UNI-SETOUCHI.csv"),
    ]
    assert "（2 件: PREF-2026-009, METI-2025-011）" in app.main.caption[0].value.replace("\\", "")
    csv = files["expense_template_csv"][1]()
    assert csv.decode("utf-8-sig").splitlines() == [
        "交付決定番号,費目,支払日,金額,内容,証憑番号",
        "PREF-2026-009,,,,,",
        "METI-2025-011,,,,,",
    ]

    db = Database(db_copy)

    def dry_run(data: bytes, name: str) -> Any:
        return import_expenditures(db, data, file_name=name, organization_code=ORG, actor=PARTNER,
                                   lang="ja", today=DEMO_TODAY, dry_run=True)  # fmt: skip

    as_it_came = dry_run(csv, "template.csv")  # rows with an award number alone report nothing
    assert (as_it_came.status, [e.code for e in as_it_came.errors]) == ("rejected", ["empty_file"])
    book = openpyxl.load_workbook(io.BytesIO(files["expense_template_xlsx"][1]()))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[2]][:2] == ["PREF-2026-009", None]
    sheet["B2"], sheet["C2"], sheet["D2"], sheet["F2"] = "旅費", datetime(2026, 11, 2), 15400, "R-77"
    filled = io.BytesIO()
    book.save(filled)
    result = dry_run(filled.getvalue(), "template.xlsx")
    assert (result.status, result.rows, result.inserted, result.updated, result.not_reported) == (
        "valid", 2, 1, 0, 1
    )  # fmt: skip
    assert result.changes is not None
    assert result.changes[["award_number", "category_code", "evidence", "amount"]].values.tolist() == [
        ["PREF-2026-009", "travel", "R-77", 15400]
    ]


def test_a_kept_cp932_file_is_previewed_imported_listed_and_rolled_back(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    before = stored(db_copy)
    (_, _, changed_day, changed_evidence, demo_yen), _ = demo_rows(db_copy)
    changed_key = ("PREF-2026-009", "personnel", changed_day.isoformat(), changed_evidence)
    data = kept_file(db_copy)
    app = upload(open_page(monkeypatch, db_copy, "ja"), "支出明細_10月.csv", data)
    assert (
        app.success[0].value
        == "ファイルに問題はありません（4 行）。変更内容を確認してから取り込んでください。"
    )
    assert facts_shown(app) == [
        "見出し行: 2 行目。",
        "読み飛ばした行: 1（見出し行より上）、3（単位の行）、8（合計の行）。",
    ]
    assert [(m.label, m.value) for m in app.metric] == [
        ("新規の支出", "2"), ("変更される支出", "1"), ("変更なしの支出", "1")
    ]  # fmt: skip
    preview = app.dataframe[0].value
    assert list(preview.columns) == [
        "交付決定番号", "費目", "支払日", "証憑番号", "現在の値", "取込後の値", "内容", "区分"
    ]  # fmt: skip
    assert preview.values.tolist() == [
        ["METI-2025-011", "消耗品費", "2026年10月5日", "T-001", "—", "12,000円", "試薬", "新規"],
        ["METI-2025-011", "旅費", "2026年10月12日", "T-002", "—", "▲3,000円", "出張旅費の戻入", "新規"],
        ["PREF-2026-009", "人件費", f"{changed_day.year}年{changed_day.month}月{changed_day.day}日",
         changed_evidence, f"{demo_yen:,}円", "120,000円", "研究補助員", "変更"],
    ]  # fmt: skip
    assert stored(db_copy) == before  # a dry run writes nothing

    app.button(key="expense_confirm").click().run()
    assert not app.exception, app.exception
    flash = app.success[0].value
    assert flash.startswith("バッチ ") and flash.endswith(" として取り込みました。")
    batch = int(flash.removeprefix("バッチ ").split(" ")[0])
    after = stored(db_copy)
    assert after[("METI-2025-011", "supplies", "2026-10-05", "T-001")] == 12_000
    assert after[("METI-2025-011", "travel", "2026-10-12", "T-002")] == -3_000
    assert after[changed_key] == 120_000 and len(after) == len(before) + 2
    assert len(app.dataframe) == 2  # the file stays in the uploader, not checked again: no preview
    history = table_with(app, "取消日時")
    shown = ["バッチ", "ファイル", "実行者", "行数", "新規", "変更", "変更なし", "取消日時"]
    assert history[shown].values.tolist() == [[batch, "支出明細_10月.csv", DEMO_PARTNER, 4, 2, 1, 1, ""]]
    assert app.main.caption[-1].value == f"{DEMO_COUNT + 2} 件、合計 {_total(after)}（支払日の新しい順）。"

    upload(app, "同じ内容.csv", data)  # the same bytes again, under another name
    assert (
        app.info[0].value == f"同じファイルはすでに取り込み済みです（バッチ {batch}）。何も変更していません。"
    )

    assert app.selectbox(key="expense_rollback_batch").value == batch
    app.button(key="expense_rollback_button").click().run()
    assert app.warning[0].value.startswith(f"バッチ {batch}（支出明細_10月.csv、")
    assert stored(db_copy) == after  # asked first: nothing rolled back yet
    app.button(key="expense_rollback_yes").click().run()
    assert not app.exception, app.exception
    assert (
        app.success[0].value.replace("\\", "")
        == f"バッチ {batch} を取り消しました: 3 件をバッチ以前の状態に戻しました。"
    )
    assert stored(db_copy) == before  # the new payments gone, the changed one at its demo amount again
    assert table_with(app, "取消日時")["取消日時"].tolist() != [""]
    assert not [s for s in app.selectbox if s.key == "expense_rollback_batch"]  # nothing left to roll back
    assert app.main.caption[-1].value == f"{DEMO_COUNT} 件、合計 {_total(before)}（支払日の新しい順）。"


def test_the_english_page_reads_the_kept_file_in_english(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    (_, _, changed_day, _, demo_yen), _ = demo_rows(db_copy)
    app = upload(open_page(monkeypatch, db_copy, "en"), "october.csv", kept_file(db_copy))
    assert facts_shown(app) == [
        "Header found on row 2.",
        "Rows skipped: 1 (above the header), 3 (unit row), 8 (total row).",
    ]
    assert [(m.label, m.value) for m in app.metric] == [
        ("New payments", "2"), ("Changed payments", "1"), ("Unchanged payments", "1")
    ]  # fmt: skip
    preview = app.dataframe[0].value
    assert preview[["Category", "Paid on", "Now", "After import", "Change"]].values.tolist() == [
        ["Supplies", "5 Oct 2026", "—", "¥12,000", "New"],
        ["Travel", "12 Oct 2026", "—", "-¥3,000", "New"],
        ["Personnel", f"{changed_day.day} {changed_day:%b %Y}", f"¥{demo_yen:,}", "¥120,000", "Changed"],
    ]
    # Nothing in Japanese but what the data says: the main area's text and labels, the file's own
    # words (its descriptions, in the tables) aside.
    main = cast(AppTest, app.main)  # a Block lists its elements as AppTest does; the sidebar names the user
    assert [text for text in shown_text(main) if JAPANESE.search(text)] == []


def _total(amounts: dict[Any, int]) -> str:
    return f"{sum(amounts.values()):,}円"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_bad_file_shows_every_error_where_it_is_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path, lang: str
) -> None:
    app = open_page(monkeypatch, db_copy, lang)
    counts = table_counts(Database(db_copy))
    upload(app, "bad.csv", BAD)
    assert app.error[0].value == (
        "取り込みませんでした: 5 行中 5 件の問題があります。何も書き込んでいません。"
        "修正してから再度アップロードしてください。"
        if lang == "ja"
        else "The file was not imported: 5 problem(s) in 5 rows. Nothing was written."
        " Fix them and upload the file again."
    )
    assert len(app.dataframe) == len(app.table) == 1  # the errors a table whose messages wrap
    errors = app.table[0].value.map(lambda cell: str(cell).replace("\\", ""))  # Markdown-inert cells
    assert len(errors.columns) == 3  # row, column as the file heads it, message
    assert [(int(r), c) for r, c in errors.iloc[:, :2].values.tolist()] == [
        (3, "交付決定番号"), (4, "費目"), (5, "支払日"), (6, "金額"), (7, "金額")
    ]  # fmt: skip
    messages = errors.iloc[:, 2].tolist()
    if lang == "en":
        assert messages[0].startswith("Row 3: award number “METI-2099-999” is not registered.")
        assert messages[1].startswith("Row 4: “お菓子代” in “費目” is not an expense category")
        assert messages[2].startswith(
            "Row 5: the payment date 2026-12-24 in “支払日” is after today (2026-11-26)."
        )
        assert messages[3].startswith("Row 6: the amount in “金額” is zero.")
        assert messages[4].startswith("Row 7: “約8,000” in “金額” is not an amount.")
    else:
        assert [m.split(":")[0] for m in messages] == [f"{row} 行目" for row in range(3, 8)], messages
    assert not app.metric and not [b for b in app.button if b.key == "expense_confirm"]
    assert table_counts(Database(db_copy)) == counts


def test_an_administrator_chooses_the_organization_and_a_lead_has_its_own(
    monkeypatch: pytest.MonkeyPatch, db_copy: Path
) -> None:
    app = open_page(monkeypatch, db_copy, "en", DEMO_ADMIN)
    choice = app.selectbox(key="expense_org")
    assert choice.label == "Organization" and "Setouchi Marine University (UNI-SETOUCHI)" in choice.options
    choice.select(ORG).run()
    assert not app.exception
    assert app.selectbox(key="expense_list_award").options == ["All awards", "METI-2025-011", "PREF-2026-009"]
    assert app.main.caption[-1].value.startswith(f"{DEMO_COUNT} payment(s), ¥")
    table = app.dataframe[-1].value
    assert list(table.columns) == ["Award", "Category", "Paid on", "Evidence", "Amount", "Description"]
    assert table["Amount"].str.startswith("¥").all()
    app.selectbox(key="expense_list_award").select("PREF-2026-009").run()
    assert set(app.dataframe[-1].value["Award"]) == {"PREF-2026-009"}

    lead = open_page(monkeypatch, db_copy, "en", DEMO_LEAD)
    assert not [s for s in lead.selectbox if s.key == "expense_org"]
    assert (
        lead.markdown[0].value.replace("\\", "")
        == "Expenditures of **Sakuragi Energy Co., Ltd.** (CO-SAKURAGI)."
    )
