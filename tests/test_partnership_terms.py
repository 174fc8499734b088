"""The date rules of SPEC section 8, against dates worked out by hand: yearly renewal by 民法 第143条,
notice dates, review cadence and going quiet, including 31 March / 1 April and leap years."""

from __future__ import annotations

from datetime import date

import pytest

from kpi.partnerships.terms import add_months, current_term, next_review_due, one_year_after, quiet_since


@pytest.mark.parametrize(
    ("end", "renewed"),
    [
        (date(2027, 3, 31), date(2028, 3, 31)),  # a fiscal-year term: 1 April 2027 – 31 March 2028
        (date(2028, 3, 31), date(2029, 3, 31)),
        (date(2027, 2, 28), date(2028, 2, 29)),  # begins 1 March 2027, ends the day before 1 March 2028
        (date(2028, 2, 28), date(2029, 2, 28)),  # begins 29 February 2028: no 29 Feb 2029, month's end
        (date(2028, 2, 29), date(2029, 2, 28)),  # begins 1 March 2028, ends the day before 1 March 2029
        (date(2026, 12, 31), date(2027, 12, 31)),
        (date(2027, 4, 30), date(2028, 4, 30)),
    ],
)
def test_a_yearly_renewal_runs_a_year_from_the_day_after_the_end(end: date, renewed: date) -> None:
    assert one_year_after(end) == renewed


def test_an_auto_renewing_agreement_renews_each_year_nobody_objected() -> None:
    # Signed for FY2025 (1 April 2025 – 31 March 2026), renewing yearly unless objected 90 days before.
    on_31_march = current_term(date(2025, 4, 1), date(2026, 3, 31), "auto", 90, date(2026, 3, 31))
    assert (on_31_march.ends_on, on_31_march.renewals, on_31_march.expired) == (date(2026, 3, 31), 0, False)
    # 31 March 2026 − 90 days: 30 to 1 March, 28 more to 1 February, 31 more to 1 January, 1 more: 31 Dec.
    assert on_31_march.notice_by == date(2025, 12, 31)
    on_1_april = current_term(date(2025, 4, 1), date(2026, 3, 31), "auto", 90, date(2026, 4, 1))
    assert (on_1_april.ends_on, on_1_april.renewals) == (date(2027, 3, 31), 1)
    assert on_1_april.notice_by == date(2026, 12, 31)
    # In a leap year the same 90 days end a day later in January: 31 March 2028 − 90 = 1 January 2028.
    later = current_term(date(2025, 4, 1), date(2026, 3, 31), "auto", 90, date(2027, 12, 1))
    assert (later.ends_on, later.renewals, later.notice_by) == (date(2028, 3, 31), 2, date(2028, 1, 1))


def test_an_agreement_without_renewal_expires_the_day_after_its_end() -> None:
    last_day = current_term(date(2025, 4, 1), date(2026, 3, 31), "none", None, date(2026, 3, 31))
    next_day = current_term(date(2025, 4, 1), date(2026, 3, 31), "none", None, date(2026, 4, 1))
    assert (last_day.expired, next_day.expired) == (False, True)
    assert last_day.notice_by is None and next_day.ends_on == date(2026, 3, 31)
    assert current_term(date(2025, 4, 1), None, "none", None, date(2040, 1, 1)).expired is False


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # no 30 February: the month's last day
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap year
        (date(2026, 12, 31), 3, date(2027, 3, 31)),
        (date(2027, 1, 1), 3, date(2027, 4, 1)),
        (date(2026, 3, 31), 12, date(2027, 3, 31)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
    ],
)
def test_months_are_added_within_the_month(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_a_review_is_due_its_cadence_after_the_last_one_or_the_start() -> None:
    assert next_review_due(date(2026, 11, 30), date(2025, 4, 1), 3) == date(2027, 2, 28)
    assert next_review_due(None, date(2026, 4, 1), 3) == date(2026, 7, 1)  # never reviewed: from the start
    assert next_review_due(date(2026, 12, 31), date(2025, 4, 1), 6) == date(2027, 6, 30)


def test_an_organization_goes_quiet_a_setting_of_months_after_its_last_activity() -> None:
    assert quiet_since(date(2025, 3, 31), 12) == date(2026, 3, 31)
    assert quiet_since(date(2024, 2, 29), 12) == date(2025, 2, 28)
