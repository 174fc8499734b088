"""Reporting duties generated from an award and its programme (SPEC section 7, "Obligations").

- 実績報告 (final_report): `report_days` after the award period ends.
- 年度報告 (annual_report): `report_days` after each fiscal year that ends inside the award period.
- 事業化状況報告 (commercialization_report): `report_days` after each of the `follow_up_years` fiscal
  years after the one the award period ends in.

A duty's owner is the project's lead organization; its state is `submitted` once recorded,
`late` after its due date, else `due`. Only decided and confirmed awards owe reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from kpi.fiscal import fiscal_year, fiscal_year_end

KINDS = ("final_report", "annual_report", "commercialization_report")
OWING_STAGES = ("awarded", "confirmed")


@dataclass(frozen=True)
class Obligation:
    award_number: str
    project_code: str
    kind: str
    due_on: date
    owner: str  # organization code
    state: str  # due | submitted | late
    submitted_on: date | None = None
    fiscal_year: int | None = None  # the year a yearly report is for

    def as_dict(self) -> dict[str, object]:
        return {
            "award_number": self.award_number,
            "project_code": self.project_code,
            "kind": self.kind,
            "fiscal_year": self.fiscal_year,
            "due_on": self.due_on.isoformat(),
            "owner": self.owner,
            "state": self.state,
            "submitted_on": self.submitted_on.isoformat() if self.submitted_on else None,
        }


@lru_cache(maxsize=1024)  # 10,000 awards ask for the same few years' ends
def _year_end(fiscal_year_: int, fy_start: int) -> date:
    return fiscal_year_end(fiscal_year_, fy_start)


def duties(
    starts_on: date, ends_on: date, *, report_days: int, follow_up_years: int, fy_start: int
) -> list[tuple[str, int | None, date]]:
    """(kind, fiscal year, due date) of every report one award owes, in date order."""
    after = timedelta(days=report_days)
    out: list[tuple[str, int | None, date]] = []
    for year in range(fiscal_year(starts_on, fy_start), fiscal_year(ends_on, fy_start)):
        out.append(("annual_report", year, _year_end(year, fy_start) + after))
    out.append(("final_report", fiscal_year(ends_on, fy_start), ends_on + after))
    last = fiscal_year(ends_on, fy_start)
    for k in range(1, follow_up_years + 1):
        out.append(("commercialization_report", last + k, _year_end(last + k, fy_start) + after))
    return sorted(out, key=lambda d: d[2])


def _day(value: object) -> date:
    """A date, also from a pandas Timestamp (a datetime) as DuckDB's frames give it."""
    if isinstance(value, datetime):
        return value.date()
    assert isinstance(value, date)
    return value


def obligations(
    awards: list[dict[str, object]],
    submitted: dict[tuple[str, str, date], date],
    *,
    as_of: date,
    fy_start: int,
) -> list[Obligation]:
    """Every duty of every owing award, with its state on `as_of`, by due date."""
    out = []
    for award in awards:
        if award["stage"] not in OWING_STAGES:
            continue
        starts_on, ends_on = _day(award["starts_on"]), _day(award["ends_on"])
        for kind, year, due_on in duties(
            starts_on,
            ends_on,
            report_days=int(str(award["report_days"])),
            follow_up_years=int(str(award["follow_up_years"])),
            fy_start=fy_start,
        ):
            number = str(award["award_number"])
            done = submitted.get((number, kind, due_on))
            state = "submitted" if done else ("late" if as_of > due_on else "due")
            out.append(
                Obligation(
                    number,
                    str(award["project_code"]),
                    kind,
                    due_on,
                    str(award.get("lead_organization_code") or ""),
                    state,
                    done,
                    year,
                )
            )
    return sorted(out, key=lambda o: (o.due_on, o.award_number, o.kind))
