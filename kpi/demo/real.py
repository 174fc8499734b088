"""KPIs of the demo as real programmes define them (SPEC sections 2 and 3).

Besides the classic three-horizon KPIs of kpi/demo/portfolio.py, the demo portfolio carries:
- 入域観光客数 (P08): a yearly flow reported monthly by the prefecture, with one target per 年度;
- 利用者満足度 (P03, P18): a rate in % with no baseline (達成率 = V / T), one target per 年度;
- 定住人口 (P07): a population vision, a managed decline reported once a year.
Each generator returns rows in kpi/demo/portfolio.py's column lists; all of it is fixed arithmetic on the
project's dates, so the demo stays deterministic for a given `today`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from kpi.fiscal import DEFAULT_START_MONTH, fiscal_year, fiscal_year_end, month_end

REAL_KPIS = (
    # kpi_code, name_ja, name_en, unit_ja, unit_en, direction, accumulation, combine,
    # allow_negative, builtin, achievement, frequency
    ("tourist_visitors", "入域観光客数", "Visitors to the islands", "人", "visitors",
     "higher", "yearly", "sum", False, False, "progress", "month"),
    ("satisfaction_rate", "利用者満足度", "User satisfaction", "%", "%",
     "higher", "last", "latest", False, False, "ratio", "quarter"),
    ("resident_population", "定住人口", "Resident population", "人", "residents",
     "higher", "last", "latest", False, False, "progress", "year"),
)  # fmt: skip

# 入域観光客数: the year's total per fiscal year since the one the project started in, and the
# plan (baseline 182,000 in the year before; +9,000 a year). Seasonal shares per month, Apr–Mar.
_VISITOR_BASELINE = 182_000.0
_VISITOR_TOTALS = (193_000, 198_500, 204_000, 213_000, 221_000, 229_000)
_VISITOR_STEP = 9_000.0
_SEASON = (0.08, 0.08, 0.085, 0.09, 0.095, 0.07, 0.08, 0.075, 0.08, 0.085, 0.085, 0.095)

# 利用者満足度 (%): quarterly levels since the project began, and a target per 年度.
_SATISFACTION = {
    "P03": (62.0, 66.0, 68.0, 71.0, 72.0, 74.0, 73.0, 76.0, 78.0, 79.0, 80.0, 82.0),
    "P18": (55.0, 58.0, 57.0, 60.0, 61.0, 63.0, 62.0, 64.0, 66.0, 67.0, 68.0, 70.0),
}
_SATISFACTION_TARGETS = (70.0, 75.0, 80.0, 85.0, 90.0)

# 定住人口 (P07): 12,400 at the end of the fiscal year before the project; the vision is 12,100 by
# FY2030 and 11,800 by FY2040; counted once a year at the fiscal year's end.
_POPULATION_BASELINE = 12_400.0
_POPULATION_POINTS = ((2030, 12_100.0, "mid"), (2040, 11_800.0, "long"))
_POPULATION_COUNTS = (12_330.0, 12_240.0, 12_170.0, 12_090.0)


def _stamp(day: date, today: date, lag_days: int = 12) -> datetime:
    at = datetime.combine(day, time(10)) + timedelta(days=lag_days)
    return min(at, datetime.combine(today, time(8)))


def real_kpi_rows(
    projects: dict[str, tuple[date, date, str]],
    contacts: dict[str, str],
    anchor: date,
    today: date,
    start_month: int = DEFAULT_START_MONTH,
) -> tuple[list[Any], list[Any], list[Any]]:
    """(target version rows without points, point rows, actual rows) for the KPIs above.

    `projects` maps a project code to (start, end, lead organization); `anchor` is the last
    quarter end on or before today: reports reach up to it, as in kpi/demo/portfolio.py. Targets
    are set per fiscal year starting in `start_month`.
    """
    targets: list[Any] = []
    points: list[Any] = []
    actuals: list[Any] = []

    def target(code: str, kpi: str, baseline: float | None, baseline_date: date | None,
               plan: list[tuple[date, float, str | None]]) -> None:  # fmt: skip
        start, _end, lead = projects[code]
        targets.append((code, kpi, 1, baseline, baseline_date, "", contacts[lead], _stamp(start, today, 0)))
        points.extend((code, kpi, 1, day, value, tag) for day, value, tag in plan)

    def report(code: str, kpi: str, org: str, day: date, value: float) -> None:
        actuals.append([code, kpi, day, org, value, "", contacts[org], _stamp(day, today), "demo"])

    # 入域観光客数 (P08), reported monthly by 沖縄県 from the start of the project's first 年度.
    start, end, _lead = projects["P08"]
    first_fy = fiscal_year(start, start_month)
    last_fy = fiscal_year(end, start_month)
    plan = [
        (fiscal_year_end(fy, start_month), _VISITOR_BASELINE + _VISITOR_STEP * (fy - first_fy + 1),
         "long" if fy == last_fy else None)
        for fy in range(first_fy, last_fy + 1)
    ]  # fmt: skip
    target("P08", "tourist_visitors", _VISITOR_BASELINE, fiscal_year_end(first_fy - 1, start_month), plan)
    for k, total in enumerate(_VISITOR_TOTALS):
        fy = first_fy + k
        for m in range(12):  # the fiscal year's months; _SEASON is by calendar month from April
            month = start_month + m
            share = _SEASON[(month - 4) % 12]
            day = month_end(fy + (month - 1) // 12, (month - 1) % 12 + 1)
            if day <= anchor:
                report("P08", "tourist_visitors", "GOV-OKINAWA", day, round(total * share))

    # 利用者満足度 (P03, P18): no baseline; one target per 年度 from the project's first.
    for code, levels in _SATISFACTION.items():
        start, end, lead = projects[code]
        first_fy = fiscal_year(start, start_month)
        years = range(
            first_fy, min(fiscal_year(end, start_month), first_fy + len(_SATISFACTION_TARGETS) - 1) + 1
        )
        plan = [
            (
                fiscal_year_end(fy, start_month),
                _SATISFACTION_TARGETS[fy - first_fy],
                "long" if fy == years[-1] else None,
            )
            for fy in years
        ]
        target(code, "satisfaction_rate", None, None, plan)
        for q, level in enumerate(levels, start=1):
            index = start.year * 12 + start.month - 1 + 3 * q - 1  # the quarter's last month
            day = month_end(index // 12, index % 12 + 1)
            if day <= anchor:
                report(code, "satisfaction_rate", lead, day, level)

    # 定住人口 (P07): a managed decline, counted by 新潟市 at each fiscal year's end.
    start, _end, _lead = projects["P07"]
    base_fy = fiscal_year(start, start_month) - 1
    plan = [(fiscal_year_end(fy, start_month), value, tag) for fy, value, tag in _POPULATION_POINTS]
    target("P07", "resident_population", _POPULATION_BASELINE, fiscal_year_end(base_fy, start_month), plan)
    for k, count in enumerate(_POPULATION_COUNTS):
        day = fiscal_year_end(base_fy + k + 1, start_month)
        if day <= anchor:
            report("P07", "resident_population", "GOV-NIIGATA", day, count)
    return targets, points, actuals
