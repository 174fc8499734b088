"""What the funding views add to the funding status: budget against spend per 費目 (scoped like the
status), the names of organizations and 費目, a narrower selection by programme and stage, the
headline sums, and each award's pace (burn against time).

A partner reads its own organization's 費目 lines, as funding_status() gives it its own partner
rows: the award totals are the consortium's, the breakdowns are its own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from kpi.access import Actor, Role, readable_projects
from kpi.fiscal import fiscal_year
from kpi.funding.obligations import Obligation
from kpi.funding.status import FundingStatus, _sectors
from kpi.storage import Database
from kpi.storage.funding_breakdown import category_lines, category_names, organization_names
from kpi.storage.registry import read_settings

ACTIVE_STAGES = ("awarded", "confirmed")  # the stages that spend and owe (as the status counts them)
STAGES = ("applied", "awarded", "confirmed", "rejected", "withdrawn")
PACE_TOLERANCE = 0.10  # burn within 10 points of the share of the year elapsed is on pace
HEADLINE = ("decided", "budget", "eligible", "subsidy", "own_share", "cash_gap")


@dataclass(frozen=True)
class FundingDetail:
    categories: pd.DataFrame  # award × 年度 × 費目 × partner: budget, spent, eligible
    organizations: pd.DataFrame  # organization_code, name_ja, name_en, sector
    category_names: pd.DataFrame  # category_code, name_ja, name_en: every 費目 the administrator keeps
    fy_start: int


def funding_detail(db: Database, as_of: date, actor: Actor) -> FundingDetail:
    """The 費目 lines of the awards the actor may read (a partner: its own organization's)."""
    with db.cursor() as cursor:
        fy_start = read_settings(cursor).fiscal_year_start_month
        lines = category_lines(cursor, as_of, fy_start)
        allowed = readable_projects(cursor, actor)
        organizations = organization_names(cursor)
        categories = category_names(cursor)
    if allowed is not None:
        lines = lines[lines["project_code"].isin(allowed)]
    if actor.role == Role.PARTNER:
        lines = lines[lines["organization_code"] == (actor.organization_code or "")]
    return FundingDetail(lines.reset_index(drop=True), organizations, categories, fy_start)


def narrow(
    status: FundingStatus,
    detail: FundingDetail,
    *,
    programmes: Collection[str] = (),
    stages: Collection[str] = (),
    projects: Collection[str] = (),
) -> tuple[FundingStatus, FundingDetail]:
    """The status and detail of the chosen programmes, stages and projects only (empty: all)."""
    awards = status.awards
    if programmes:
        awards = awards[awards["programme_code"].isin(programmes)]
    if stages:
        awards = awards[awards["stage"].isin(stages)]
    if projects:
        awards = awards[awards["project_code"].isin(projects)]
    numbers = set(awards["award_number"])

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["award_number"].isin(numbers)].reset_index(drop=True)

    partners = keep(status.partners)
    calls = status.calls
    if programmes:
        calls = calls[calls["programme_code"].isin(programmes)].reset_index(drop=True)
    narrowed = replace(
        status,
        awards=awards.reset_index(drop=True),
        years=keep(status.years),
        partners=partners,
        sectors=_sectors(partners),
        flags=[f for f in status.flags if f.award_number in numbers],
        obligations=[o for o in status.obligations if o.award_number in numbers],
        calls=calls,
        award_kpis=keep(status.award_kpis),
    )
    return narrowed, replace(detail, categories=keep(detail.categories))


def headline(status: FundingStatus) -> dict[str, int]:
    """Sums over the awards: decided (of decided and confirmed awards), budget, eligible spend,
    subsidy, own share, and the cash gap — the spending not yet received, over the awards where
    spending is ahead of payments (an advance paid on one award does not hide another's gap)."""
    awards = status.awards
    active = awards[awards["stage"].isin(ACTIVE_STAGES)]
    out = {
        c: int(awards[c].sum()) for c in ("budget", "spent", "eligible", "subsidy", "own_share", "received")
    }
    out["decided"] = int(active["decided"].sum())
    out["cash_gap"] = int(active["cash_gap"].clip(lower=0).sum())
    return out


def own_share_sums(status: FundingStatus) -> dict[str, int]:
    """A partner's own organization's eligible spend, subsidy and own share (its partner rows)."""
    return {c: int(status.partners[c].sum()) for c in ("spent", "eligible", "subsidy", "own_share")}


def pace_of(burn: float, elapsed: float) -> str:
    if burn > elapsed + PACE_TOLERANCE:
        return "ahead"
    if burn < elapsed - PACE_TOLERANCE:
        return "behind"
    return "on_pace"


def burn_points(status: FundingStatus) -> pd.DataFrame:
    """Per award, its latest started 年度 with a budget: burn (eligible / budget), the share of that
    year's award period elapsed, and the pace (ahead, on_pace, behind)."""
    years = status.years
    started = years[(years["budget"] > 0) & years["time_elapsed"].notna() & (years["time_elapsed"] > 0)]
    latest = started.sort_values(["award_number", "fiscal_year"]).groupby("award_number").tail(1)
    out = latest[["award_number", "fiscal_year", "budget", "eligible", "burn", "time_elapsed"]].copy()
    out["burn"] = out["burn"].astype(float)
    out["time_elapsed"] = out["time_elapsed"].astype(float)
    out["pace"] = [pace_of(b, e) for b, e in zip(out["burn"], out["time_elapsed"], strict=True)]
    return out.reset_index(drop=True)


BURN_CHART_AWARDS = 25  # bars one chart can show legibly; a portfolio of hundreds shows its outliers


def burn_outliers(points: pd.DataFrame, most: int = BURN_CHART_AWARDS) -> pd.DataFrame:
    """The awards whose spend is furthest ahead of or behind the time elapsed, at most `most`, in the
    order burn_points gives them (all of them when there are no more)."""
    if len(points) <= most:
        return points
    gap = (points["burn"] - points["time_elapsed"]).abs()
    return points.loc[gap.sort_values(ascending=False, kind="stable").index[:most]].sort_index()


DUTY_HORIZON_DAYS = 183  # the overview lists duties late or due within about half a year


def duties_in_view(status: FundingStatus, *, days: int = DUTY_HORIZON_DAYS) -> tuple[list[Obligation], int]:
    """The duties not yet submitted that are late or due within `days` of the as-of date, and how
    many more fall due later (a 5-year 事業化状況報告 series would otherwise fill the list)."""
    owing = [o for o in status.obligations if o.state != "submitted"]
    soon = [o for o in owing if o.state == "late" or (o.due_on - status.as_of).days <= days]
    return soon, len(owing) - len(soon)


def lines_to_date(detail: FundingDetail, as_of: date) -> pd.DataFrame:
    """The 費目 lines of the fiscal years begun by `as_of`: later years hold budgets only, and five
    years of them would bury the year being spent (the award's years table shows them)."""
    lines = detail.categories
    return lines[lines["fiscal_year"] <= fiscal_year(as_of, detail.fy_start)].reset_index(drop=True)
