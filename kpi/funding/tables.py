"""The funding views' tables as display text in the reader's language (no Streamlit): awards, an
award's years and partners, duties, calls, and each flag with the rows behind it.

Each table keeps plain column keys; `headers()` names them from the catalog, a money column with
its unit (予算額（千円）, Budget (¥ thousand)), so the cells hold the figures alone, as officers'
tables do. Names are data and stay as typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

from kpi.fiscal import fiscal_year_label
from kpi.formatting.names import display_name
from kpi.formatting.numbers import format_date, format_percent
from kpi.formatting.yen import Scale, format_yen, yen_figure, yen_unit
from kpi.funding.detail import ACTIVE_STAGES
from kpi.funding.obligations import Obligation
from kpi.funding.status import Flag
from kpi.i18n import t

MONEY = frozenset(
    {"decided", "budget", "spent", "eligible", "subsidy", "own_share", "received", "cash_gap", "amount"}
)
AWARD_COLUMNS = (
    # the figures right after the award (a phone sees the first columns), the programme and period last
    "award_number", "project", "stage", "decided", "budget", "eligible", "subsidy", "own_share",
    "burn_vs_time", "received", "cash_gap", "programme", "period",
)  # fmt: skip
YEAR_COLUMNS = (
    "fiscal_year",
    "decided",
    "budget",
    "spent",
    "eligible",
    "subsidy",
    "own_share",
    "burn",
    "time_elapsed",
)
PARTNER_COLUMNS = ("organization", "sector", "fiscal_year", "spent", "eligible", "subsidy", "own_share")
DUTY_COLUMNS = ("due_on", "state", "kind", "fiscal_year", "award_number", "project", "owner")
CALL_COLUMNS = ("state", "programme", "funder", "fiscal_year", "round", "opens_on", "closes_on", "url")
ROW_COLUMNS = ("category", "organization", "paid_on", "evidence", "amount", "description")


def headers(columns: Iterable[str], lang: str, scale: Scale) -> dict[str, str]:
    """Column key → header: money columns name their unit."""
    out = {}
    for column in columns:
        label = t(f"funding_table.col_{column}", lang)
        out[column] = (
            t("funding_table.with_unit", lang, label=label, unit=yen_unit(lang, scale))
            if column in MONEY
            else label
        )
    return out


def _day(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    return value if isinstance(value, date) else None


def _date(value: Any, lang: str, wareki: bool) -> str:
    return format_date(_day(value), lang, wareki=wareki) or "—"


def _year(value: Any, lang: str, wareki: bool) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return fiscal_year_label(int(value), lang, wareki)


def names_of(frame: pd.DataFrame, code: str, lang: str) -> dict[str, str]:
    """Code → name in the reader's language, from a frame with `code`, name_ja and name_en."""
    return {
        str(c): display_name(j, e, lang)
        for c, j, e in zip(frame[code], frame["name_ja"], frame["name_en"], strict=True)
    }


def project_label(code: str, project_names: Mapping[str, str]) -> str:
    name = project_names.get(code)
    return f"{code} {name}" if name else code


def burn_text(burn: Any, elapsed: Any, lang: str) -> str:
    if burn is None or elapsed is None or pd.isna(burn) or pd.isna(elapsed):
        return "—"
    return t(
        "funding_table.burn_vs_time",
        lang,
        burn=format_percent(float(burn), lang),
        elapsed=format_percent(float(elapsed), lang),
    )


def awards_table(
    awards: pd.DataFrame,
    burn: pd.DataFrame,
    project_names: Mapping[str, str],
    lang: str,
    scale: Scale,
    *,
    wareki: bool = False,
) -> pd.DataFrame:
    """One row per award; burn vs time is its latest started 年度's (kpi.funding.detail.burn_points)."""
    pace = burn.set_index("award_number") if len(burn) else None
    rows = []
    for award in awards.to_dict("records"):
        number = str(award["award_number"])
        point = pace.loc[number] if pace is not None and number in pace.index else None
        row = {
            "programme": display_name(award["programme_name_ja"], award["programme_name_en"], lang),
            "award_number": number,
            "project": project_label(str(award["project_code"]), project_names),
            "stage": t(f"funding.stage.{award['stage']}", lang),
            "period": t(
                "funding_table.period",
                lang,
                start=_date(award["starts_on"], lang, wareki),
                end=_date(award["ends_on"], lang, wareki),
            ),
            "burn_vs_time": burn_text(point["burn"], point["time_elapsed"], lang)
            if point is not None
            else "—",
        }
        # An application, a refusal or a withdrawal spends nothing: its figures are blank, not 0.
        active = award["stage"] in ACTIVE_STAGES
        row |= {
            c: yen_figure(float(award[c]) if active else None, lang, scale)
            for c in AWARD_COLUMNS
            if c in MONEY
        }
        rows.append(row)
    return pd.DataFrame(rows, columns=list(AWARD_COLUMNS))


def years_table(years: pd.DataFrame, lang: str, scale: Scale, *, wareki: bool = False) -> pd.DataFrame:
    """An award's years: decided, budget, spent, eligible, subsidy, own share, burn and time elapsed."""
    rows = []
    for year in years.to_dict("records"):
        row = {"fiscal_year": _year(year["fiscal_year"], lang, wareki)}
        row |= {c: yen_figure(_amount(year[c]), lang, scale) for c in YEAR_COLUMNS if c in MONEY}
        row["burn"] = format_percent(_ratio(year["burn"]), lang)
        row["time_elapsed"] = format_percent(_ratio(year["time_elapsed"]), lang)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(YEAR_COLUMNS))


def _amount(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _ratio(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def partners_table(
    partners: pd.DataFrame, organizations: Mapping[str, str], lang: str, scale: Scale, *, wareki: bool = False
) -> pd.DataFrame:
    """Each partner's spend, eligible spend, subsidy and own share per 年度."""
    rows = []
    for partner in partners.to_dict("records"):
        code = str(partner["organization_code"])
        sector = partner.get("sector")
        row = {
            "organization": organizations.get(code, code),
            "sector": t(f"sector.{sector}", lang) if isinstance(sector, str) else "—",
            "fiscal_year": _year(partner["fiscal_year"], lang, wareki),
        }
        row |= {
            c: yen_figure(float(partner[c]), lang, scale)
            for c in ("spent", "eligible", "subsidy", "own_share")
        }
        rows.append(row)
    return pd.DataFrame(rows, columns=list(PARTNER_COLUMNS))


def duties_table(
    duties: Iterable[Obligation],
    project_names: Mapping[str, str],
    organizations: Mapping[str, str],
    lang: str,
    *,
    wareki: bool = False,
) -> pd.DataFrame:
    """Reporting duties, by due date: what, for which 年度, whose, and their state."""
    rows = [
        {
            "due_on": format_date(d.due_on, lang, wareki=wareki),
            "state": t(f"funding.duty_state.{d.state}", lang),
            "kind": t(f"funding.duty.{d.kind}", lang),
            "fiscal_year": _year(d.fiscal_year, lang, wareki),
            "award_number": d.award_number,
            "project": project_label(d.project_code, project_names),
            "owner": organizations.get(d.owner, d.owner) or "—",
        }
        for d in duties
    ]
    return pd.DataFrame(rows, columns=list(DUTY_COLUMNS))


def calls_table(calls: pd.DataFrame, lang: str, *, wareki: bool = False) -> pd.DataFrame:
    """Open and coming calls (公募), open ones first."""
    rows = []
    for call in calls.sort_values(["state", "closes_on"], ascending=[False, True]).to_dict("records"):
        rows.append(
            {
                "state": t(f"funding_table.call_{call['state']}", lang),
                "programme": display_name(call["name_ja"], call["name_en"], lang),
                "funder": str(call["funder"]),
                "fiscal_year": _year(call["fiscal_year"], lang, wareki),
                "round": t("funding_table.round", lang, n=int(call["round"])),
                "opens_on": _date(call["opens_on"], lang, wareki),
                "closes_on": _date(call["closes_on"], lang, wareki),
                "url": str(call["url"]) or None,
            }
        )
    return pd.DataFrame(rows, columns=list(CALL_COLUMNS))


def flag_title(flag: Flag, lang: str, scale: Scale, *, wareki: bool = False) -> str:
    """One line naming a flag: what, which award and 年度, how much."""
    where = (
        flag.award_number
        if flag.fiscal_year is None
        else t(
            "funding_table.award_year",
            lang,
            award=flag.award_number,
            year=_year(flag.fiscal_year, lang, wareki),
        )
    )
    what = t(f"funding.flag.{flag.code}", lang)
    what = what[:1].upper() + what[1:]  # the catalog's words run inside sentences; a title starts one
    return t(
        "funding_table.flag_title", lang, flag=what, where=where, amount=format_yen(flag.amount, lang, scale)
    )


def flag_explanation(flag: Flag, categories: Mapping[str, str], lang: str, scale: Scale) -> str:
    """What the flag is about in words, with its numbers."""
    d = flag.details
    if flag.code == "over_budget":
        return t(
            "funding_table.over_budget",
            lang,
            category=categories.get(d["category_code"], d["category_code"]),
            spent=format_yen(d["spent"], lang, scale),
            budget=format_yen(d["budget"], lang, scale),
            limit=format_yen(d["limit"], lang, scale),
            share=format_percent(d["transfer_limit"], lang),
        )
    if flag.code == "personnel_over_cap":
        share = d["personnel"] / d["eligible"] if d["eligible"] else None
        return t(
            "funding_table.personnel_over_cap",
            lang,
            personnel=format_yen(d["personnel"], lang, scale),
            eligible=format_yen(d["eligible"], lang, scale),
            share=format_percent(share, lang),
            cap=format_percent(d["personnel_cap"], lang),
        )
    return t(f"funding_table.explain_{flag.code}", lang, n=len(flag.rows))


def flag_rows(
    flag: Flag,
    categories: Mapping[str, str],
    organizations: Mapping[str, str],
    lang: str,
    scale: Scale,
    *,
    wareki: bool = False,
) -> pd.DataFrame:
    """The expenditures behind a flag (none for the award-wide ones)."""
    rows = [
        {
            "category": categories.get(str(r["category_code"]), str(r["category_code"])),
            "organization": organizations.get(str(r["organization_code"]), str(r["organization_code"])),
            "paid_on": _date(_parse(r["paid_on"]), lang, wareki),
            "evidence": str(r.get("evidence") or "") or "—",
            "amount": yen_figure(float(r["amount"]), lang, scale),
            "description": str(r.get("description") or ""),
        }
        for r in flag.rows
    ]
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS))


def _parse(value: Any) -> date | None:
    """Flag rows carry ISO dates (Flag rows are the JSON's)."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return _day(value)
