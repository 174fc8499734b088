"""The demo's funding (SPEC section 7): three programmes, their calls, awards on half the projects,
budgets and about a year and a half of expenditures up to the last month end before today, payments
received and submitted reports, so that the funding pages have something true to show.

Every flag shows somewhere: P01 spent before its decision (交付決定前), P03's 設備備品費 runs 40 % over
its budget, P13's 人件費 is over its cap, P20's partner booked a category the programme does not allow,
P12 paid a bill before its period began. One annual report is late. Deterministic (a fixed seed),
anchored on `today` like the rest of the demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kpi.fiscal import fiscal_year, fiscal_year_bounds, fiscal_year_end, month_end

FUNDING_SEED = 20250601
Record = dict[str, Any]

PROGRAMMES: list[Record] = [
    {
        "programme_code": "METI-GX",
        "name_ja": "地域GX実証補助金",
        "name_en": "Regional GX demonstration subsidy",
        "funder": "経済産業省",
        "kind": "subsidy",
        "rate_numerator": 2,
        "rate_denominator": 3,
        "cap": 60_000_000,
        "cap_per": "award",
        "transfer_limit": 0.2,
        "personnel_cap": 0.4,
        "pre_award_spending": False,
        "report_days": 30,
        "follow_up_years": 5,
    },
    {
        "programme_code": "PREF-SANGAKU",
        "name_ja": "県産学官連携推進助成金",
        "name_en": "Prefectural industry-academia-government collaboration grant",
        "funder": "都道府県",
        "kind": "grant",
        "rate_numerator": 1,
        "rate_denominator": 2,
        "cap": 5_000_000,
        "cap_per": "fiscal_year",
        "transfer_limit": 0.1,
        "personnel_cap": None,
        "pre_award_spending": True,
        "report_days": 45,
        "follow_up_years": 3,
    },
    {
        "programme_code": "JST-COI",
        "name_ja": "共創の場形成支援（委託）",
        "name_en": "Co-creation platform (commission)",
        "funder": "JST",
        "kind": "commission",
        "rate_numerator": 1,
        "rate_denominator": 1,
        "cap": None,
        "cap_per": "award",
        "transfer_limit": 0.5,
        "personnel_cap": None,
        "pre_award_spending": False,
        "report_days": 61,
        "follow_up_years": 5,
    },
]
ALLOWED = {
    "METI-GX": ("personnel", "equipment", "supplies", "travel", "outsourcing"),
    "PREF-SANGAKU": ("personnel", "supplies", "travel", "other"),
    "JST-COI": ("personnel", "equipment", "supplies", "travel", "outsourcing", "other", "indirect"),
}
# What each sector spends on, and its share of a year's budget.
SPENDING = {
    "industry": (("equipment", 0.45), ("outsourcing", 0.35), ("personnel", 0.2)),
    "academia": (("personnel", 0.5), ("supplies", 0.35), ("travel", 0.15)),
    "government": (("travel", 0.6), ("supplies", 0.4)),
}
# project, programme, first fiscal year (relative to the last closed one), years, stage, payment mode,
# yearly budget (yen, all partners), what goes wrong
AWARDS = [
    ("P01", "METI-GX", 0, 3, "awarded", "settlement", 36_000_000, "pre_award"),
    ("P03", "METI-GX", 0, 3, "awarded", "advance", 30_000_000, "over_budget"),
    ("P05", "JST-COI", 0, 5, "awarded", "settlement", 45_000_000, None),
    ("P06", "PREF-SANGAKU", 0, 1, "confirmed", "advance", 8_000_000, None),
    ("P07", "METI-GX", 2, 3, "applied", "settlement", 24_000_000, None),
    ("P12", "PREF-SANGAKU", 1, 1, "awarded", "advance", 9_000_000, "outside_period"),
    ("P13", "METI-GX", 0, 2, "awarded", "settlement", 27_000_000, "personnel"),
    ("P16", "JST-COI", 0, 3, "awarded", "settlement", 40_000_000, "late_report"),
    ("P18", "PREF-SANGAKU", 1, 1, "awarded", "advance", 7_000_000, None),
    ("P19", "METI-GX", 1, 2, "rejected", "settlement", 20_000_000, None),
    ("P20", "METI-GX", 0, 3, "awarded", "settlement", 24_000_000, "not_allowed"),
    ("P22", "JST-COI", 1, 4, "awarded", "settlement", 35_000_000, None),
]


@dataclass
class FundingDemo:
    programmes: list[Record] = field(default_factory=list)
    allowed: list[Record] = field(default_factory=list)
    calls: list[Record] = field(default_factory=list)
    awards: list[Record] = field(default_factory=list)
    budgets: list[Record] = field(default_factory=list)
    expenditures: list[Record] = field(default_factory=list)
    payments: list[Record] = field(default_factory=list)
    award_kpis: list[Record] = field(default_factory=list)
    submissions: list[Record] = field(default_factory=list)


def _thousands(yen: float) -> int:
    return int(yen // 1000 * 1000)


def _months(first: date, last: date) -> list[date]:
    """The month ends from `first`'s month to `last`'s."""
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(month_end(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def demo_funding(
    today: date, start_month: int, partners: dict[str, list[tuple[str, str]]], kpis: dict[str, list[str]]
) -> FundingDemo:
    """`partners`: project → [(organization, sector)]; `kpis`: project → its KPI codes."""
    closed = fiscal_year(today, start_month) - 1  # the last closed fiscal year
    demo = FundingDemo(programmes=[dict(p) for p in PROGRAMMES])
    demo.allowed = [{"programme_code": p, "category_code": c} for p, cs in ALLOWED.items() for c in cs]
    for programme in ALLOWED:
        for offset, round_ in ((0, 1), (1, 1), (2, 1)):
            year = closed + offset
            opens = fiscal_year_bounds(year, start_month)[0] - timedelta(days=60)
            demo.calls.append(
                {
                    "programme_code": programme,
                    "fiscal_year": year,
                    "round": round_,
                    "opens_on": opens,
                    "closes_on": opens + timedelta(days=45),
                    "url": f"https://example.go.jp/{programme.lower()}/{year}",
                }
            )
        # and one call open now
        demo.calls.append(
            {
                "programme_code": programme,
                "fiscal_year": closed + 1,
                "round": 2,
                "opens_on": today - timedelta(days=20),
                "closes_on": today + timedelta(days=25),
                "url": "",
            }
        )
    last_month_end = today.replace(day=1) - timedelta(days=1)
    for number, (project, programme, first, years, stage, mode, yearly, trouble) in enumerate(AWARDS, 1):
        rules = next(p for p in PROGRAMMES if p["programme_code"] == programme)
        rng = random.Random(FUNDING_SEED + number)  # each award its own draws, whatever today is
        start_year = closed + first
        starts_on = fiscal_year_bounds(start_year, start_month)[0] + (
            timedelta(days=30) if trouble == "outside_period" else timedelta()
        )
        ends_on = fiscal_year_end(start_year + years - 1, start_month)
        decided_on = starts_on + timedelta(days=61 if trouble == "pre_award" else 14)
        award_number = f"{programme.split('-')[0]}-{start_year}-{number:03d}"
        fiscal_years = list(range(start_year, start_year + years))
        rate = rules["rate_numerator"] / rules["rate_denominator"]
        amounts = [{"fiscal_year": y, "amount": _thousands(yearly * rate)} for y in fiscal_years]
        award = {
            "award_number": award_number,
            "project_code": project,
            "programme_code": programme,
            "call_fiscal_year": start_year,
            "call_round": 1,
            "decided_on": None if stage in ("applied", "rejected") else decided_on,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "payment_mode": mode,
            "stage": stage,
            "amounts": amounts if stage not in ("rejected",) else [],
            "confirmed_amount": None,
            "reason": "",
            "approver": "",
        }
        demo.awards.append(award)
        if stage in ("applied", "rejected"):
            continue
        demo.award_kpis += [{"award_number": award_number, "kpi_code": k} for k in kpis.get(project, [])[:2]]
        spenders = [
            (o, s) for o, s in partners[project] if not (programme == "METI-GX" and s == "government")
        ]
        share = 1 / len(spenders)
        spent_total = 0
        for year in fiscal_years:
            for organization, sector in spenders:
                for category, part in SPENDING[sector]:
                    if category not in ALLOWED[programme]:
                        continue
                    plan = 3 if trouble == "personnel" and category == "personnel" else 1  # 人件費-heavy
                    budget = _thousands(yearly * share * part * plan)
                    demo.budgets.append(
                        {
                            "award_number": award_number,
                            "fiscal_year": year,
                            "category_code": category,
                            "organization_code": organization,
                            "amount": budget,
                            "reason": "",
                        }
                    )
                    year_from, year_to = fiscal_year_bounds(year, start_month)
                    # bills are paid monthly from the month after the decision (the exceptions: _troubles),
                    # at a pace against the year's budget; the current year only up to today
                    months = _months(max(year_from, decided_on + timedelta(days=31)), min(year_to, ends_on))
                    over = trouble == "over_budget" and category == "equipment"
                    pace = 1.4 if over else rng.uniform(0.7, 1.0)
                    for month in (m for m in months if m <= last_month_end):
                        amount = _thousands(budget / len(months) * pace * rng.uniform(0.9, 1.1))
                        spent_total += amount
                        demo.expenditures.append(
                            _spend(award_number, category, organization, month, amount, rng)
                        )
        _troubles(demo, award, trouble, partners[project], rng)
        _money_received(demo, award, rate, spent_total, today, start_month, closed)
        if stage == "confirmed":
            award["confirmed_amount"] = _thousands(min(sum(a["amount"] for a in amounts), spent_total * rate))
        _reports(demo, award, rules, trouble, today, start_month)
    return demo


def _spend(
    award: str, category: str, organization: str, day: date, amount: int, rng: random.Random
) -> Record:
    return {
        "award_number": award,
        "category_code": category,
        "organization_code": organization,
        "paid_on": day,
        "evidence": f"{organization[:3]}-{day:%Y%m}-{rng.randint(100, 999)}",
        "amount": amount,
        "description": "",
    }


def _troubles(
    demo: FundingDemo, award: Record, trouble: str | None, partners: list[tuple[str, str]], rng: random.Random
) -> None:
    """The one thing that goes wrong with this award, so that each flag shows once."""
    number, starts_on = award["award_number"], award["starts_on"]
    academia = next((o for o, s in partners if s == "academia"), partners[0][0])
    industry = next((o for o, s in partners if s == "industry"), partners[0][0])
    if trouble == "pre_award":  # bought before the decision, with no 事前着手 allowed
        demo.expenditures.append(
            {
                **_spend(number, "supplies", academia, starts_on + timedelta(days=19), 480_000, rng),
                "description": "試薬（交付決定前に発注）",
            }
        )
    if trouble == "outside_period":  # a bill paid a week before the period began
        demo.expenditures.append(
            {
                **_spend(number, "supplies", academia, starts_on - timedelta(days=7), 220_000, rng),
                "description": "前年度分の消耗品",
            }
        )
    if trouble == "not_allowed":  # その他 is not a METI-GX category
        demo.expenditures.append(
            {
                **_spend(number, "other", academia, starts_on + timedelta(days=140), 150_000, rng),
                "description": "会議費",
            }
        )
    if trouble == "over_budget":  # and a correction (▲) of one purchase, as partners' files hold
        demo.expenditures.append(
            {
                **_spend(number, "equipment", industry, starts_on + timedelta(days=200), -350_000, rng),
                "description": "返品による減額",
            }
        )


def _money_received(
    demo: FundingDemo, award: Record, rate: float, spent: int, today: date, start_month: int, closed: int
) -> None:
    """精算払: the closed year's subsidy two months after it ends; 概算払: quarterly advances."""
    number = award["award_number"]
    if award["payment_mode"] == "settlement":
        for amount in award["amounts"]:
            paid = fiscal_year_end(amount["fiscal_year"], start_month) + timedelta(days=61)
            if amount["fiscal_year"] <= closed and paid <= today:
                demo.payments.append(
                    {
                        "award_number": number,
                        "received_on": paid,
                        "amount": _thousands(amount["amount"] * 0.92),
                    }
                )
        return
    for amount in award["amounts"]:
        year_from = fiscal_year_bounds(amount["fiscal_year"], start_month)[0]
        for quarter in range(4):
            paid = year_from + timedelta(days=91 * quarter + 20)
            if award["starts_on"] <= paid <= today:
                demo.payments.append(
                    {"award_number": number, "received_on": paid, "amount": _thousands(amount["amount"] / 4)}
                )


def _reports(
    demo: FundingDemo, award: Record, rules: Record, trouble: str | None, today: date, start_month: int
) -> None:
    """Reports due before today were submitted a few days early, except the one that is late."""
    from kpi.funding.obligations import duties

    for kind, _, due_on in duties(
        award["starts_on"],
        award["ends_on"],
        report_days=rules["report_days"],
        follow_up_years=rules["follow_up_years"],
        fy_start=start_month,
    ):
        if due_on < today and trouble != "late_report":
            demo.submissions.append(
                {
                    "award_number": award["award_number"],
                    "kind": kind,
                    "due_on": due_on,
                    "submitted_on": due_on - timedelta(days=5),
                }
            )
