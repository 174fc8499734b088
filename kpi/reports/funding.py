"""The funding part of the executive report and of the 効果検証 workbook (SPEC section 7).

The report gains a second A4 page (the first stays the KPI one-pager): each decided award's
decided amount, eligible spend, subsidy, own share, burn against time and cash gap in 千円, the
shares of 産/学/官, the flags, the reports late or due soon, and under each award the KPIs it
requires with their state. The workbook gains two sheets: award × 年度 figures in yen, and the KPIs
each award requires, grouped under it. Both follow the report's filters and the reader's scope.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import pandas as pd

from kpi.access import Actor
from kpi.formatting.names import display_name
from kpi.formatting.numbers import format_date, format_percent
from kpi.formatting.yen import format_yen, yen_figure, yen_unit
from kpi.funding.status import FundingStatus, funding_status
from kpi.i18n import t

DUE_SOON_DAYS = 90  # the report lists late reports and those due within this many days
SPENDING_STAGES = ("awarded", "confirmed")
_AWARD_KEYS = (
    "award_number",
    "project",
    "programme",
    "stage",
    "decided",
    "eligible",
    "subsidy",
    "own_share",
    "burn",
    "cash_gap",
)
_MONEY = {"decided", "eligible", "subsidy", "own_share", "cash_gap"}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def scoped_status(db: Any, as_of: date, actor: Actor, projects: set[str] | None) -> FundingStatus:
    """The funding status of the reader, narrowed to the report's filtered projects."""
    status = funding_status(db, as_of, actor)
    if projects is None:
        return status
    keep = status.awards["project_code"].isin(projects)
    numbers = set(status.awards.loc[keep, "award_number"])
    status.awards = status.awards[keep]
    status.years = status.years[status.years["award_number"].isin(numbers)]
    status.partners = status.partners[status.partners["award_number"].isin(numbers)]
    status.award_kpis = status.award_kpis[status.award_kpis["award_number"].isin(numbers)]
    status.flags = [f for f in status.flags if f.award_number in numbers]
    status.obligations = [o for o in status.obligations if o.award_number in numbers]
    return status


def _programme(row: dict[str, Any], lang: str) -> str:
    return display_name(row.get("programme_name_ja"), row.get("programme_name_en"), lang)


def funding_html(
    status: FundingStatus,
    names: dict[str, str],
    kpi_states: dict[tuple[str, str], str],
    kpi_names: dict[str, str],
    lang: str,
) -> str:
    """The report's funding page; "" when no award of the reader's projects spends."""
    awards = status.awards[status.awards["stage"].isin(SPENDING_STAGES)]
    if awards.empty:
        return ""
    unit = yen_unit(lang, "thousand")
    head = "".join(f"<th>{_e(t(f'report_funding.col_{k}', lang, unit=unit))}</th>" for k in _AWARD_KEYS)
    rows = []
    for record in awards.to_dict("records"):
        row = {str(k): v for k, v in record.items()}
        time_share = _time_share(status, str(row["award_number"]))
        cells = {
            "award_number": _e(row["award_number"]),
            "project": _e(f"{row['project_code']} {names.get(str(row['project_code']), '')}".strip()),
            "programme": _e(_programme(row, lang)),
            "stage": _e(t(f"funding.stage.{row['stage']}", lang)),
            "burn": _e(
                t(
                    "report_funding.burn",
                    lang,
                    burn=format_percent(row["burn"], lang),
                    time=format_percent(time_share, lang),
                )
            ),
        }
        cells |= {k: _e(yen_figure(row[k], lang, "thousand")) for k in _MONEY}
        tds = "".join(f"<td class='{'n' if k in _MONEY else 'c'}'>{cells[k]}</td>" for k in _AWARD_KEYS)
        rows.append(f"<tr>{tds}</tr>{_required_kpis(row, status, kpi_states, kpi_names, lang)}")
    table = f"<table class='funding'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return (
        f"<section class='funding-page'><h2>{_e(t('report_funding.heading', lang))}</h2>{table}"
        f"<h2>{_e(t('report_funding.sectors', lang, unit=unit))}</h2>{_sectors(status, lang)}"
        f"<h2>{_e(t('report_funding.flags', lang))}</h2>{_flags(status, lang)}"
        f"<h2>{_e(t('report_funding.duties', lang))}</h2>{_duties(status, lang)}</section>"
    )


def _time_share(status: FundingStatus, number: str) -> float | None:
    """The share of the award's current 年度 elapsed (its last year with a figure)."""
    years = status.years[status.years["award_number"] == number]
    elapsed = [float(v) for v in years["time_elapsed"] if v is not None and v == v and float(v) > 0]
    return elapsed[-1] if elapsed else None


def _required_kpis(
    row: dict[str, Any],
    status: FundingStatus,
    states: dict[tuple[str, str], str],
    kpi_names: dict[str, str],
    lang: str,
) -> str:
    codes = status.award_kpis.loc[status.award_kpis["award_number"] == row["award_number"], "kpi_code"]
    if codes.empty:
        return ""
    project = str(row["project_code"])
    items = "、".join if lang == "ja" else ", ".join
    text = items(
        f"{kpi_names.get(c, c)}（{states.get((project, c), '—')}）"
        if lang == "ja"
        else f"{kpi_names.get(c, c)} ({states.get((project, c), '—')})"
        for c in codes
    )
    label = t("report_funding.required_kpis", lang)
    return f"<tr class='kpis'><td></td><td colspan='{len(_AWARD_KEYS) - 1}'>{_e(label)}: {_e(text)}</td></tr>"


def _sectors(status: FundingStatus, lang: str) -> str:
    keys = ("eligible", "subsidy", "own_share")
    head = "".join(f"<th>{_e(t(f'report_funding.sector_{k}', lang))}</th>" for k in keys)
    rows = []
    for r in status.sectors.to_dict("records"):
        sector = t(f"sector.{r['sector']}", lang)
        figures = "".join(f"<td class='n'>{_e(yen_figure(r[k], lang, 'thousand'))}</td>" for k in keys)
        rows.append(f"<tr><td>{_e(sector)}</td>{figures}</tr>")
    return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _flags(status: FundingStatus, lang: str) -> str:
    if not status.flags:
        return f"<p class='meta'>{_e(t('report_funding.no_flags', lang))}</p>"
    items = "".join(
        "<li>"
        + _e(
            t(
                "report_funding.flag_item",
                lang,
                award=f.award_number,
                project=f.project_code,
                flag=t(f"funding.flag.{f.code}", lang),
                amount=format_yen(f.amount, lang, "thousand"),
            )
        )
        + "</li>"
        for f in status.flags
    )
    return f"<ul>{items}</ul>"


def _duties(status: FundingStatus, lang: str) -> str:
    soon = [
        o
        for o in status.obligations
        if o.state == "late" or (o.state == "due" and (o.due_on - status.as_of).days <= DUE_SOON_DAYS)
    ]
    if not soon:
        return f"<p class='meta'>{_e(t('report_funding.no_duties', lang, days=DUE_SOON_DAYS))}</p>"
    items = "".join(
        "<li>"
        + _e(
            t(
                "report_funding.duty_item",
                lang,
                award=o.award_number,
                kind=t(f"funding.duty.{o.kind}", lang),
                due=format_date(o.due_on, lang),
                state=t(f"funding.duty_state.{o.state}", lang),
            )
        )
        + "</li>"
        for o in soon
    )
    return f"<ul>{items}</ul>"


def funding_sheets(
    status: FundingStatus, names: dict[str, str], kpi_rows: pd.DataFrame, lang: str
) -> dict[str, pd.DataFrame]:
    """The workbook's funding sheets ({} when no award spends): award × 年度 in yen, and the KPIs
    each award requires with their 効果検証 rows (`kpi_rows`: the evaluation table, unlabelled)."""
    awards = status.awards[status.awards["stage"].isin(SPENDING_STAGES)]
    if awards.empty:
        return {}
    info = awards.set_index("award_number")
    years = status.years[status.years["award_number"].isin(info.index)].copy()
    years.insert(1, "project_code", years["award_number"].map(info["project_code"]))
    years.insert(2, "project_name", years["project_code"].map(names))
    years.insert(3, "programme", [_programme(info.loc[n].to_dict(), lang) for n in years["award_number"]])
    years["burn"] = [None if v is None or v != v else round(float(v), 3) for v in years["burn"]]
    years["time_elapsed"] = [
        None if v is None or v != v else round(float(v), 3) for v in years["time_elapsed"]
    ]
    years = years.rename(columns={k: t(f"report_funding.sheet_{k}", lang) for k in years.columns})
    required = status.award_kpis.merge(awards[["award_number", "project_code"]], on="award_number")
    grouped = required.merge(kpi_rows, on=["project_code", "kpi_code"], how="left")
    keep = [
        "award_number",
        "project_code",
        "project_name",
        "kpi_code",
        "kpi_name",
        "fiscal_year",
        "value",
        "year_target",
        "year_achievement",
        "evaluation",
    ]
    grouped = grouped[[k for k in keep if k in grouped.columns]].sort_values(["award_number", "kpi_code"])
    grouped = grouped.rename(columns={k: t(f"report_funding.sheet_{k}", lang) for k in grouped.columns})
    return {
        t("report_funding.sheet_years", lang): years.reset_index(drop=True),
        t("report_funding.sheet_kpis", lang): grouped.reset_index(drop=True),
    }
