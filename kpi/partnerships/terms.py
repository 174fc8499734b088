"""The date rules of agreements and reviews (SPEC section 8), pure functions of dates.

Periods follow 民法 第143条: a year or months counted from a day that is not the first of a year or
month end on the day before the corresponding day, and when that month has no corresponding day,
on the month's last day. So a yearly renewal of a term ending 31 March runs to the next 31 March,
and one beginning 29 February 2028 ends on 28 February 2029.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kpi.fiscal import month_end

AGREEMENT_KINDS = ("mou", "joint_research", "commissioned", "nda", "comprehensive", "license")
RESEARCH_AGREEMENT_KINDS = ("joint_research", "commissioned")  # what 実証 and 社会実装 need
FLAGGED_PHASES = ("demonstration", "implementation")
RENEWALS = ("none", "auto")
IP_OWNERSHIPS = ("none", "sole", "joint")
ETHICS = ("not_needed", "needed", "approved")
MEETING_KINDS = ("regular", "results", "new_theme", "midterm")
REVIEW_KINDS = ("regular", "midterm")  # the meetings that count as a project's review (振り返り)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, kept within the month: 30 November + 3 → 28 February (29 in a
    leap year), 31 December + 3 → 31 March."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = month_end(year, month + 1)
    return date(year, month + 1, min(day.day, last.day))


def one_year_after(end: date) -> date:
    """The last day of the year-long term that begins the day after `end` (民法 第143条)."""
    start = end + timedelta(days=1)
    year = start.year + 1
    if start.month == 2 and start.day == 29 and month_end(year, 2).day == 28:
        return date(year, 2, 28)  # no 29 February: the month's last day
    return date(year, start.month, start.day) - timedelta(days=1)


@dataclass(frozen=True)
class Term:
    """Where an agreement stands on a day: the end of its current term (None: open-ended), the last
    day to object to its renewal (auto-renewing only), and how many times it has renewed."""

    ends_on: date | None
    notice_by: date | None
    renewals: int
    expired: bool


def current_term(
    starts_on: date, ends_on: date | None, renewal: str, notice_days: int | None, as_of: date
) -> Term:
    """An agreement's term on `as_of`. An auto-renewing agreement whose end has passed has renewed
    yearly, as nobody objected; one without renewal has expired after its end."""
    if ends_on is None:
        return Term(None, None, 0, False)
    if renewal != "auto":
        return Term(ends_on, None, 0, as_of > ends_on)
    end, renewals = ends_on, 0
    while as_of > end:
        end, renewals = one_year_after(end), renewals + 1
    notice_by = end - timedelta(days=notice_days or 0)
    return Term(end, notice_by, renewals, False)


def next_review_due(last_review: date | None, project_start: date, cadence_months: int) -> date:
    """The day a project's next review is due: `cadence_months` after its last review (or its start)."""
    return add_months(last_review or project_start, cadence_months)


def quiet_since(last_activity: date, quiet_months: int) -> date:
    """The day after which an organization with no activity since `last_activity` is going quiet."""
    return add_months(last_activity, quiet_months)
