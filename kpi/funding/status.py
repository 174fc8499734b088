"""The funding status on an as-of date (SPEC section 7): per award and 年度 the budget, spend,
eligible spend, subsidy, own share, burn against time and cash gap; shares per partner and sector;
the flags with the rows behind them; reporting duties; open and coming calls.

The arithmetic is kpi/storage/funding_status.py's SQL; this module scopes it to what the reader may
see and assembles it. Partners read the awards of their projects, their own organization's spend
and flags, and the award totals their consortium reports together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from kpi.access import Actor, Role, readable_projects
from kpi.funding.obligations import Obligation, obligations
from kpi.storage import Database
from kpi.storage.funding import submissions
from kpi.storage.funding_status import funding_frames
from kpi.storage.registry import read_settings

FLAG_CODES = ("pre_award", "outside_period", "not_allowed", "over_budget", "personnel_over_cap")
SECTORS = ("industry", "academia", "government")


@dataclass(frozen=True)
class Flag:
    code: str  # one of FLAG_CODES
    award_number: str
    project_code: str
    fiscal_year: int | None
    amount: int  # the yen the flag is about (the rows' sum, or the excess over the limit)
    rows: list[dict[str, Any]] = field(default_factory=list)  # the expenditures behind it
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "award_number": self.award_number,
            "project_code": self.project_code,
            "fiscal_year": self.fiscal_year,
            "amount": self.amount,
            **self.details,
            "rows": self.rows,
        }


@dataclass
class FundingStatus:
    as_of: date
    awards: pd.DataFrame  # one row per award (current version) with its totals
    years: pd.DataFrame  # award × 年度
    partners: pd.DataFrame  # award × 年度 × organization
    sectors: pd.DataFrame  # sector totals of eligible spend, subsidy and own share
    flags: list[Flag]
    obligations: list[Obligation]
    calls: pd.DataFrame  # open and coming calls, with `state` open | coming
    award_kpis: pd.DataFrame

    def as_dict(self) -> dict[str, Any]:
        """`python -m kpi funding status --json`."""
        years = _records(self.years)
        partners = _records(self.partners)
        awards = []
        for award in _records(self.awards):
            number = award["award_number"]
            award["years"] = _of_award(years, number)
            award["partners"] = _of_award(partners, number)
            award["kpis"] = sorted(self.award_kpis.loc[self.award_kpis["award_number"] == number, "kpi_code"])
            awards.append(award)
        return {
            "as_of": self.as_of.isoformat(),
            "awards": awards,
            "sectors": _records(self.sectors),
            "flags": [f.as_dict() for f in self.flags],
            "obligations": [o.as_dict() for o in self.obligations],
            "calls": _records(self.calls),
        }


def _plain(value: Any) -> Any:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if isinstance(value, list | tuple) or (hasattr(value, "tolist") and not isinstance(value, str)):
        return [_plain(v) for v in list(value)]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _of_award(rows: list[dict[str, Any]], number: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "award_number"} for r in rows if r["award_number"] == number]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.astype(object).to_dict("records")]


def funding_status(db: Database, as_of: date, actor: Actor) -> FundingStatus:
    """Everything the funding overview, the project page's funding part, the report and
    `funding status --json` show, as the actor may read it."""
    with db.cursor() as cursor:
        settings = read_settings(cursor)
        frames = funding_frames(cursor, as_of, settings.fiscal_year_start_month)
        allowed = readable_projects(cursor, actor)
        done = submissions(cursor)
    awards = frames["awards"]
    if allowed is not None:
        awards = awards[awards["project_code"].isin(allowed)]
    numbers = set(awards["award_number"])
    years = frames["years"][frames["years"]["award_number"].isin(numbers)].reset_index(drop=True)
    partners = frames["partners"][frames["partners"]["award_number"].isin(numbers)]
    own = actor.organization_code if actor.role == Role.PARTNER else None
    if own is not None:
        partners = partners[partners["organization_code"] == own]
    partners = partners.reset_index(drop=True)
    project_of = dict(zip(awards["award_number"], awards["project_code"], strict=True))
    flags = _flags(frames, project_of, own)
    duties = obligations(
        _duty_inputs(awards),
        done,
        as_of=as_of,
        fy_start=settings.fiscal_year_start_month,
    )
    received = frames["received"].set_index("award_number")["received"]
    return FundingStatus(
        as_of=as_of,
        awards=_award_totals(awards, years, received).reset_index(drop=True),
        years=years,
        partners=partners,
        sectors=_sectors(partners),
        flags=flags,
        obligations=duties,
        calls=_calls(frames["calls"], as_of),
        award_kpis=frames["award_kpis"][frames["award_kpis"]["award_number"].isin(numbers)],
    )


_DUTY_FIELDS = (
    "award_number", "project_code", "stage", "starts_on", "ends_on", "report_days", "follow_up_years",
    "lead_organization_code",
)  # fmt: skip


def _duty_inputs(awards: pd.DataFrame) -> list[dict[str, object]]:
    """What obligations() reads of each award (a narrow frame converts ten times faster at 10,000)."""
    narrow = awards[list(_DUTY_FIELDS)]
    return [dict(zip(_DUTY_FIELDS, row, strict=True)) for row in narrow.itertuples(index=False, name=None)]


def _award_totals(awards: pd.DataFrame, years: pd.DataFrame, received: pd.Series) -> pd.DataFrame:
    columns = ["budget", "spent", "eligible", "subsidy", "own_share"]
    totals = years.groupby("award_number")[columns].sum() if len(years) else pd.DataFrame(columns=columns)
    out = awards.drop(columns=["amounts"]).copy()
    out["decided"] = [sum(int(a["amount"]) for a in amounts) for amounts in awards["amounts"]]
    for column in columns:
        out[column] = out["award_number"].map(totals[column]).fillna(0).astype("int64")
    out["received"] = out["award_number"].map(received).fillna(0).astype("int64")
    out["cash_gap"] = out["eligible"] - out["received"]
    out["burn"] = [e / b if b else None for e, b in zip(out["eligible"], out["budget"], strict=True)]
    return out


def _sectors(partners: pd.DataFrame) -> pd.DataFrame:
    columns = ["eligible", "subsidy", "own_share"]
    grouped = partners.groupby("sector")[columns].sum() if len(partners) else pd.DataFrame(columns=columns)
    rows = [{"sector": s, **{c: int(grouped[c].get(s, 0)) for c in columns}} for s in SECTORS]
    return pd.DataFrame(rows)


def _calls(calls: pd.DataFrame, as_of: date) -> pd.DataFrame:
    out = calls.copy()
    out["state"] = ["open" if pd.Timestamp(o).date() <= as_of else "coming" for o in out["opens_on"]]
    return out


def _flags(frames: dict[str, pd.DataFrame], project_of: dict[str, str], own: str | None) -> list[Flag]:
    """Each flag once, with the rows behind it; a partner sees the flags on its own spending (and the
    award-wide ones, 費目 over budget and 人件費 over its cap, of its projects)."""
    out: list[Flag] = []
    spend = frames["spend_flags"]
    spend = spend[spend["award_number"].isin(project_of)]
    if own is not None:
        spend = spend[spend["organization_code"] == own]
    row_columns = ["category_code", "organization_code", "paid_on", "evidence", "amount", "description"]
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for row in _records(spend):  # one conversion; the groups are built in Python (thousands at L)
        for code in ("pre_award", "outside_period", "not_allowed"):
            if row[code]:
                groups.setdefault((code, row["award_number"], int(row["fiscal_year"])), []).append(
                    {c: row[c] for c in row_columns}
                )
    for (code, award, year), rows in sorted(groups.items(), key=lambda g: (g[0][1], g[0][2])):
        out.append(Flag(code, award, project_of[award], year, sum(int(r["amount"]) for r in rows), rows))
    for row in _records(frames["over_budget"]):
        if row["award_number"] in project_of:
            limit = row["budget"] * (1 + row["transfer_limit"])
            out.append(
                Flag(
                    "over_budget",
                    row["award_number"],
                    project_of[row["award_number"]],
                    row["fiscal_year"],
                    int(row["spent"] - row["budget"]),
                    details={
                        "category_code": row["category_code"],
                        "spent": row["spent"],
                        "budget": row["budget"],
                        "transfer_limit": row["transfer_limit"],
                        "limit": int(limit),
                    },
                )
            )
    for row in _records(frames["personnel"]):
        if row["award_number"] in project_of:
            out.append(
                Flag(
                    "personnel_over_cap",
                    row["award_number"],
                    project_of[row["award_number"]],
                    None,
                    int(row["personnel"] - row["eligible"] * row["personnel_cap"]),
                    details={
                        "personnel": row["personnel"],
                        "eligible": row["eligible"],
                        "personnel_cap": row["personnel_cap"],
                    },
                )
            )
    return sorted(out, key=lambda f: (f.award_number, f.fiscal_year or 0, FLAG_CODES.index(f.code)))
