"""Reporting freshness: the period due by each KPI's reporting frequency, who is overdue on the
demo, the grace setting, period labels, reminders."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from kpi.i18n import catalog
from kpi.portfolio.freshness import (
    closed_period_end,
    freshness_frame,
    overdue_pairs,
    owed_by_partner,
    period_label,
    reminder_message,
)
from kpi.storage import Database
from kpi.storage.freshness import DEFAULT_GRACE_DAYS, grace_days
from kpi.storage.registry import write_setting
from tests.conftest import DEMO_TODAY, OPERATOR

# The demo leaves out one partner's report for the latest closed quarter in three projects.
NOW = datetime(2026, 11, 26, 9, 0)
DEMO_OVERDUE = [("P03", "GOV-SHIZUOKA"), ("P20", "UNI-SETOUCHI"), ("P22", "CO-AKANE")]


def _row(frame: pd.DataFrame, project: str, organization: str, frequency: str) -> pd.Series:
    rows = frame[
        (frame["project_code"] == project)
        & (frame["organization_code"] == organization)
        & (frame["frequency"] == frequency)
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_demo_overdue_partners(demo_db: Database) -> None:
    frame = freshness_frame(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    assert overdue_pairs(frame) == DEMO_OVERDUE
    quarterly = frame[frame["frequency"] == "quarter"]
    assert set(quarterly["period_due"]) == {date(2026, 9, 30)}
    assert set(quarterly["deadline"]) == {date(2026, 10, 30)}
    late = frame[frame["overdue"]]
    assert len(late) == 3 and set(late["frequency"]) == {"quarter"}
    assert set(late["last_period_end"]) == {date(2026, 6, 30)}
    assert set(late["owed_label"]) == {"FY2026 Q2"} and set(late["days_overdue"]) == {27}
    assert set(late["state"]) == {"overdue"}


def test_each_frequency_owes_its_own_period(demo_db: Database) -> None:
    """沖縄県 reports 入域観光客数 monthly (up to September 2026) and its other KPIs quarterly; 新潟市
    counts 定住人口 once a year, at the fiscal year's end (FY2025: 2026-03-31)."""
    frame = freshness_frame(demo_db, DEMO_TODAY, "en", actor=OPERATOR)
    monthly = _row(frame, "P08", "GOV-OKINAWA", "month")
    assert monthly["kpi_codes"] == ("tourist_visitors",) and monthly["kpis"] == "Visitors to the islands"
    # October 2026 is due by 31 Oct + 30 days = 30 Nov: not reported, not overdue on 26 Nov.
    assert (monthly["period_due"], monthly["period_label"], monthly["deadline"]) == (
        date(2026, 10, 31),
        "Oct 2026",
        date(2026, 11, 30),
    )
    assert (monthly["reported"], monthly["overdue"], monthly["state"]) == (False, False, "pending")
    assert (monthly["owed_period"], monthly["last_label"]) == (
        date(2026, 9, 30),
        "Sep 2026",
    )  # September is in
    assert _row(frame, "P08", "GOV-OKINAWA", "quarter")["state"] == "reported"
    yearly = _row(frame, "P07", "GOV-NIIGATA", "year")
    assert (yearly["period_due"], yearly["period_label"], yearly["deadline"]) == (
        date(2026, 3, 31),
        "FY2025",
        date(2026, 4, 30),
    )
    assert (yearly["reported"], yearly["overdue"], yearly["kpi_codes"]) == (
        True,
        False,
        ("resident_population",),
    )
    assert _row(frame, "P07", "GOV-NIIGATA", "quarter")["kpi_codes"] == ("joint_studies", "local_jobs")
    assert len(frame[frame["organization_code"] == "CO-YUIMARU"]) == 1  # one frequency, one row


def test_a_monthly_reporter_is_overdue_once_a_months_deadline_passes(demo_db: Database) -> None:
    # 30 Nov: the owed period past its deadline is still September (31 Oct + 30 = 30 Nov, not passed).
    frame = freshness_frame(demo_db, date(2026, 11, 30), "en", actor=OPERATOR)
    assert not _row(frame, "P08", "GOV-OKINAWA", "month")["overdue"]
    # 1 Dec: October's deadline (30 Nov) has passed without a report. The period due is now
    # November (deadline 30 Dec), but October is what is owed: the reminder names it.
    frame = freshness_frame(demo_db, date(2026, 12, 1), "ja", actor=OPERATOR)
    monthly = _row(frame, "P08", "GOV-OKINAWA", "month")
    assert (monthly["period_label"], monthly["deadline"]) == ("2026年11月", date(2026, 12, 30))
    assert (monthly["overdue"], monthly["owed_label"], monthly["owed_deadline"], monthly["days_overdue"]) == (
        True,
        "2026年10月",
        date(2026, 11, 30),
        1,
    )
    message = reminder_message(frame, "GOV-OKINAWA", "ja")
    assert "2026年10月までの報告（期限：2026年11月30日）" in message and "入域観光客数" in message
    assert "共同研究の件数" not in message  # its quarterly KPIs are not owed yet (Q3 ends 31 Dec)


def test_a_yearly_reporter_is_not_overdue_every_quarter(demo_db: Database) -> None:
    # 15 Feb 2027: Q3 (to 31 Dec 2026) is overdue for every quarterly reporter of the demo, whose
    # reports stop at September; 新潟市's yearly count for FY2025 is in, FY2026 is not due yet.
    frame = freshness_frame(demo_db, date(2027, 2, 15), "en", actor=OPERATOR)
    assert _row(frame, "P07", "GOV-NIIGATA", "quarter")["overdue"]
    yearly = _row(frame, "P07", "GOV-NIIGATA", "year")
    assert (yearly["overdue"], yearly["state"], yearly["period_label"]) == (False, "reported", "FY2025")
    # FY2026 ends 31 Mar 2027: due by 30 Apr 2027, overdue from 1 May.
    frame = freshness_frame(demo_db, date(2027, 4, 30), "en", actor=OPERATOR)
    yearly = _row(frame, "P07", "GOV-NIIGATA", "year")
    assert (yearly["period_label"], yearly["state"]) == ("FY2026", "pending")
    frame = freshness_frame(demo_db, date(2027, 5, 1), "en", actor=OPERATOR)
    yearly = _row(frame, "P07", "GOV-NIIGATA", "year")
    assert (yearly["state"], yearly["owed_label"], yearly["days_overdue"]) == ("overdue", "FY2026", 1)


def test_projects_not_running_at_the_period_due_are_left_out(demo_db: Database) -> None:
    codes = set(freshness_frame(demo_db, DEMO_TODAY, actor=OPERATOR)["project_code"])
    assert {"P09", "P10"}.isdisjoint(codes)  # not started by 30 Sep 2026
    assert {"P14", "P15", "P21", "P24"}.isdisjoint(codes)  # closed
    assert {"P01", "P03", "P22"} <= codes


def test_nothing_is_overdue_within_the_grace_period(demo_db: Database) -> None:
    frame = freshness_frame(demo_db, date(2026, 10, 30), "en", actor=OPERATOR)
    assert overdue_pairs(frame) == []
    missing = frame[~frame["reported"]]
    assert sorted(zip(missing["project_code"], missing["organization_code"], strict=True)) == DEMO_OVERDUE
    assert set(missing["state"]) == {"pending"}


def test_grace_days_is_a_setting(fresh_db: Database) -> None:
    with fresh_db.cursor() as cursor:
        assert grace_days(cursor) == DEFAULT_GRACE_DAYS == 30
    with fresh_db.transaction() as cursor:
        write_setting(cursor, "reminder_grace_days", "10", actor="tester", now=NOW)
    with fresh_db.cursor() as cursor:
        assert grace_days(cursor) == 10


def test_a_shorter_grace_period_moves_the_deadline(demo_db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(demo_db_path.read_bytes())
    db = Database(copy)
    with db.transaction() as cursor:
        write_setting(cursor, "reminder_grace_days", "5", actor="tester", now=NOW)
    frame = freshness_frame(db, date(2026, 10, 6), "en", actor=OPERATOR)
    db.close()
    assert set(frame.loc[frame["frequency"] == "quarter", "deadline"]) == {date(2026, 10, 5)}
    assert overdue_pairs(frame) == DEMO_OVERDUE


def test_owed_by_partner(demo_db: Database) -> None:
    owed = owed_by_partner(freshness_frame(demo_db, DEMO_TODAY, "ja", actor=OPERATOR))
    assert list(owed["organization_code"]) == ["CO-AKANE", "GOV-SHIZUOKA", "UNI-SETOUCHI"]
    assert list(owed["projects"]) == ["P22", "P03", "P20"]
    assert list(owed["periods"]) == [
        "P22 2026年度第2四半期",
        "P03 2026年度第2四半期",
        "P20 2026年度第2四半期",
    ]
    assert list(owed["organization_name"])[1] == "静岡県"
    assert set(owed["deadline"]) == {date(2026, 10, 30)} and set(owed["days_overdue"]) == {27}


@pytest.mark.parametrize(
    "lang, words",
    [
        ("ja", ["静岡県", "P03", "2026年度第2四半期までの報告", "2026年10月30日", "共同研究の件数"]),
        ("en", ["Shizuoka", "P03", "reports up to FY2026 Q2", "30 Oct 2026", "Joint studies"]),
    ],
)
def test_reminder_message(demo_db: Database, lang: str, words: list[str]) -> None:
    frame = freshness_frame(demo_db, DEMO_TODAY, lang, actor=OPERATOR)
    message = reminder_message(frame, "GOV-SHIZUOKA", lang)
    for word in words:
        assert word in message
    assert "P20" not in message
    assert reminder_message(frame, "CO-SAKURAGI", lang) == ""


@pytest.mark.parametrize(
    "end, frequency, lang, start_month, wareki, label",
    [
        (date(2026, 10, 31), "month", "ja", 4, False, "2026年10月"),
        (date(2026, 10, 31), "month", "en", 4, False, "Oct 2026"),
        (date(2026, 10, 31), "month", "ja", 4, True, "令和8年10月"),
        (date(2026, 9, 30), "quarter", "ja", 4, False, "2026年度第2四半期"),
        (date(2026, 9, 30), "quarter", "en", 4, False, "FY2026 Q2"),
        (date(2027, 3, 31), "quarter", "ja", 4, True, "令和8年度第4四半期"),
        (date(2026, 3, 31), "quarter", "en", 1, False, "FY2026 Q1"),
        (date(2026, 3, 31), "year", "ja", 4, False, "2025年度"),
        (date(2026, 3, 31), "year", "en", 4, False, "FY2025"),
        (date(2026, 3, 31), "year", "ja", 4, True, "令和7年度"),
        (date(2026, 12, 31), "year", "en", 1, False, "FY2026"),
    ],
)
def test_period_labels(
    end: date, frequency: str, lang: str, start_month: int, wareki: bool, label: str
) -> None:
    assert period_label(end, frequency, lang, start_month, wareki=wareki) == label


@pytest.mark.parametrize(
    "day, frequency, start_month, end",
    [
        (date(2026, 11, 26), "month", 4, date(2026, 10, 31)),
        (date(2026, 10, 31), "month", 4, date(2026, 10, 31)),
        (date(2026, 3, 1), "month", 4, date(2026, 2, 28)),
        (date(2026, 1, 15), "month", 4, date(2025, 12, 31)),
        (date(2026, 11, 26), "quarter", 4, date(2026, 9, 30)),
        (date(2026, 11, 26), "year", 4, date(2026, 3, 31)),
        (date(2026, 3, 31), "year", 4, date(2026, 3, 31)),
        (date(2026, 3, 30), "year", 4, date(2025, 3, 31)),
        (date(2026, 11, 26), "year", 1, date(2025, 12, 31)),
    ],
)
def test_closed_period_end(day: date, frequency: str, start_month: int, end: date) -> None:
    assert closed_period_end(day, frequency, start_month) == end


def test_era_labels_on_request(demo_db: Database) -> None:
    frame = freshness_frame(demo_db, DEMO_TODAY, "ja", actor=OPERATOR, wareki=True)
    assert _row(frame, "P03", "GOV-SHIZUOKA", "quarter")["owed_label"] == "令和8年度第2四半期"
    assert _row(frame, "P07", "GOV-NIIGATA", "year")["period_label"] == "令和7年度"


def test_reminder_keys_in_both_catalogs() -> None:
    keys = {k for k in catalog("en") if k.startswith("reminders.")}
    assert keys and keys == {k for k in catalog("ja") if k.startswith("reminders.")}


@pytest.mark.parametrize(
    "lang, monthly, yearly",
    [("ja", ("月次", "2026年10月", "2026年9月", "期限前"), ("年次", "2025年度", "2025年度", "報告済み")),
     ("en", ("monthly", "Oct 2026", "Sep 2026", "not yet due"), ("yearly", "FY2025", "FY2025", "reported"))],
)  # fmt: skip
def test_reminders_page_lists_each_frequency(
    monkeypatch: pytest.MonkeyPatch,
    demo_db_path: Path,
    lang: str,
    monthly: tuple[str, ...],
    yearly: tuple[str, ...],
) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import signed_in

    monkeypatch.setenv("KPI_DB", str(demo_db_path))
    app = signed_in(AppTest.from_file(str(Path(__file__).parent.parent / "dashboard.py"), default_timeout=60))
    app.query_params["lang"] = lang
    app.switch_page("pages/reminders.py").run()
    assert not app.exception, app.exception
    owed, detail = app.dataframe[0].value, app.dataframe[1].value
    assert list(owed["organization_code"]) == ["CO-AKANE", "GOV-SHIZUOKA", "UNI-SETOUCHI"]
    columns = ["frequency", "period_label", "last", "state"]
    okinawa = detail[(detail["project_code"] == "P08") & (detail["kpis"].str.contains("観光客|Visitors"))]
    niigata = detail[(detail["project_code"] == "P07") & (detail["kpis"].str.contains("定住|Resident"))]
    assert [tuple(r) for r in okinawa[columns].itertuples(index=False)] == [monthly]
    assert [tuple(r) for r in niigata[columns].itertuples(index=False)] == [yearly]
    late = detail[detail["organization_name"].isin(["静岡県", "Shizuoka Prefecture"])]
    assert list(late["state"]) == [
        "期限超過（2026年度第2四半期分）" if lang == "ja" else "overdue (FY2026 Q2)"
    ]
