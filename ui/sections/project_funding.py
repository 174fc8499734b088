"""The project page's funding part (SPEC section 7): for each of the project's awards its figures,
its years, the partners' shares, its flags and duties, and the KPIs it requires. Nothing at all when
the project has no award. A partner sees its own organization's partner rows and flags."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import streamlit as st

from kpi.fiscal import fiscal_year_label
from kpi.formatting.names import display_name
from kpi.formatting.numbers import plain
from kpi.funding.detail import ACTIVE_STAGES, burn_points, narrow
from kpi.funding.status import FundingStatus
from kpi.funding.tables import burn_text, names_of, partners_table, years_table
from kpi.i18n import t
from ui.database import funding_status_cached
from ui.sections.funding_overview import current_scale, duties_section, flags_section, metrics, table
from ui.session import actor, language, show_date, wareki


def _facts(award: Mapping[Any, Any], lang: str) -> str:
    """Stage, funder, kind, rate, payment mode and period in one line."""
    stage, kind, mode = award["stage"], award["kind"], award["payment_mode"]
    period = f"{show_date(_d(award['starts_on']))} – {show_date(_d(award['ends_on']))}"
    parts = [
        (t("funding_table.col_stage", lang), t(f"funding.stage.{stage}", lang)),
        (t("project_funding.funder", lang), plain(award["funder"])),
        (t("project_funding.kind", lang), t(f"funding.kind.{kind}", lang)),
        (t("project_funding.rate", lang), f"{award['rate_numerator']}/{award['rate_denominator']}"),
        (t("project_funding.payment", lang), t(f"funding.payment_mode.{mode}", lang)),
        (t("funding_table.col_period", lang), period),
    ]
    return " · ".join(t("project_funding.fact", lang, label=label, value=value) for label, value in parts)


def _d(value: object) -> date:
    return value.date() if hasattr(value, "date") else value  # type: ignore[return-value]


def _figures(status: FundingStatus, number: str) -> dict[str, int]:
    row = status.awards[status.awards["award_number"] == number].iloc[0]
    out = {c: int(row[c]) for c in ("decided", "budget", "eligible", "subsidy", "own_share", "cash_gap")}
    if row["stage"] not in ACTIVE_STAGES:
        out["decided"] = 0
    return out


def project_funding(code: str, as_of: date, kpis: Mapping[str, tuple[str, str]]) -> None:
    """The funding of project `code` on `as_of`; `kpis`: the project's KPI code → (name, status)."""
    lang, era = language(), wareki()
    everything, detail = funding_status_cached(actor(), as_of)
    status, detail = narrow(everything, detail, projects=[code])
    if not len(status.awards):
        return
    scale = current_scale()
    organizations = names_of(detail.organizations, "organization_code", lang)
    points = burn_points(status).set_index("award_number")
    st.subheader(t("project_funding.heading", lang))
    for award in status.awards.to_dict("records"):
        number = str(award["award_number"])
        programme = display_name(award["programme_name_ja"], award["programme_name_en"], lang)
        with st.container(border=True, key=f"pf_{number}"):
            st.markdown(f"#### {plain(number)}  {plain(programme)}")
            st.caption(_facts(award, lang))
            metrics(_figures(status, number), lang, scale, key=f"pf_totals_{number}")
            if number in points.index:
                point = points.loc[str(number)]
                year = fiscal_year_label(int(str(point["fiscal_year"])), lang, era)
                burn = burn_text(point["burn"], point["time_elapsed"], lang)
                st.markdown(t("project_funding.burn_line", lang, year=year, burn=burn))
            years = status.years[status.years["award_number"] == number]
            st.markdown(f"**{t('project_funding.years', lang)}**")
            if len(years):
                table(
                    years_table(years, lang, scale, wareki=era),
                    lang,
                    scale,
                    key=f"pf_years_{number}",
                    pinned="fiscal_year",
                )
            else:
                st.caption(t("project_funding.no_years", lang))
            partners = status.partners[status.partners["award_number"] == number]
            st.markdown(f"**{t('project_funding.partners', lang)}**")
            if len(partners):
                frame = partners_table(partners, organizations, lang, scale, wareki=era)
                table(frame, lang, scale, key=f"pf_partners_{number}", pinned="organization")
            else:
                st.caption(t("project_funding.no_partners", lang))
            st.markdown(f"**{t('project_funding.flags', lang)}**")
            flags_section(
                [f for f in status.flags if f.award_number == number],
                detail,
                lang,
                scale,
                wareki=era,
                key=f"pf_flag_{number}",
            )
            duties = [o for o in status.obligations if o.award_number == number]
            st.markdown(f"**{t('project_funding.duties', lang)}**")
            if duties:
                duties_section(
                    duties, detail, {}, lang, wareki=era, key=f"pf_duties_{number}", one_award=True
                )
            else:
                st.caption(t("project_funding.no_duties", lang))
            required = status.award_kpis[status.award_kpis["award_number"] == number]["kpi_code"]
            st.markdown(f"**{t('project_funding.kpis', lang)}**")
            if len(required):
                lines = []
                for kpi in required:
                    name, state = kpis.get(str(kpi), (str(kpi), ""))
                    label = t(f"status.{state}", lang) if state else t("project_funding.no_status", lang)
                    code = str(kpi).replace("`", "")  # inside a code span Markdown is already inert
                    lines.append(f"- {plain(name)} `{code}` — {label}")
                st.markdown("\n".join(lines))
            else:
                st.caption(t("project_funding.no_kpis", lang))
