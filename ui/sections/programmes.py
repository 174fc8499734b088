"""The administration page's programmes (制度): their list, and one programme's rules and allowed 費目
in a form (kpi/funding/programmes.py saves it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import pandas as pd
import streamlit as st

from kpi.errors import Rejected
from kpi.formatting.names import display_name
from kpi.formatting.yen import format_yen
from kpi.funding.programmes import programmes_for_editing, save_category, save_programme
from kpi.i18n import t
from kpi.storage import Database
from ui.session import actor

KINDS = ("subsidy", "commission", "grant", "grant_in_aid")
NEW = ""


def _rate(row: Mapping[Any, Any]) -> str:
    return str(Fraction(int(row["rate_numerator"]), int(row["rate_denominator"])))


def _number(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def programmes_section(
    db: Database, lang: str, *, on_saved: Callable[[str], None], on_refused: Callable[[Rejected], None]
) -> None:
    programmes, allowed, categories = programmes_for_editing(db, actor=actor())
    categories = categories.sort_values("sort_order")  # as officers list them: 人件費 first
    names = {
        str(c["category_code"]): display_name(c["name_ja"], c["name_en"], lang)
        for c in categories.to_dict("records")
    }
    rows = programmes.to_dict("records")
    if rows:
        st.dataframe(
            pd.DataFrame(
                {
                    t("programme_form.code", lang): [r["programme_code"] for r in rows],
                    t("programme_form.name", lang): [
                        display_name(r["name_ja"], r.get("name_en"), lang) for r in rows
                    ],
                    t("programme_form.kind", lang): [t(f"funding.kind.{r['kind']}", lang) for r in rows],
                    t("programme_form.rate", lang): [_rate(r) for r in rows],
                    t("programme_form.cap", lang): [format_yen(_number(r["cap"]), lang) for r in rows],
                    t("programme_form.categories", lang): [
                        "、".join(names[c] for c in names if c in allowed.get(r["programme_code"], set()))
                        for r in rows
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.info(t("programme_form.none", lang))
    by_code = {r["programme_code"]: r for r in rows}
    chosen = st.selectbox(
        t("programme_form.choose", lang),
        [NEW, *by_code],
        key="programme_choice",
        format_func=lambda c: t("programme_form.new", lang) if c == NEW else f"{c} {by_code[c]['name_ja']}",
    )
    current = by_code.get(chosen or NEW, {})
    with st.form(f"programme_form::{chosen}"):
        cols = st.columns(2)
        form = {
            "programme_code": cols[0].text_input(
                t("programme_form.code", lang), value=chosen or "", disabled=bool(chosen), max_chars=40
            ),
            "name_ja": cols[1].text_input(
                t("programme_form.name_ja", lang), value=current.get("name_ja") or "", max_chars=200
            ),
            "name_en": cols[0].text_input(
                t("programme_form.name_en", lang), value=current.get("name_en") or "", max_chars=200
            ),
            "funder": cols[1].text_input(
                t("programme_form.funder", lang), value=current.get("funder") or "", max_chars=200
            ),
            "kind": cols[0].selectbox(
                t("programme_form.kind", lang),
                KINDS,
                index=KINDS.index(current.get("kind", "subsidy")),
                format_func=lambda k: t(f"funding.kind.{k}", lang),
            ),
            "rate": cols[1].text_input(
                t("programme_form.rate", lang),
                value=_rate(current) if current else "",
                help=t("programme_form.rate_help", lang),
                max_chars=20,
            ),
            "cap": cols[0].text_input(
                t("programme_form.cap", lang),
                value=f"{int(current['cap']):,}" if _number(current.get("cap")) else "",
                max_chars=40,
            ),
            "cap_per": cols[1].selectbox(
                t("programme_form.cap_per", lang),
                ("award", "fiscal_year"),
                index=0 if current.get("cap_per", "award") == "award" else 1,
                format_func=lambda c: t(f"programme_form.cap_per_{c}", lang),
            ),
            "transfer_limit": cols[0].text_input(
                t("programme_form.transfer_limit", lang),
                max_chars=10,
                value=f"{float(current.get('transfer_limit', 0.2)) * 100:g}%",
            ),
            "personnel_cap": cols[1].text_input(
                t("programme_form.personnel_cap", lang),
                max_chars=10,
                value=f"{float(current['personnel_cap']) * 100:g}%"
                if _number(current.get("personnel_cap"))
                else "",
            ),
            "report_days": cols[0].number_input(
                t("programme_form.report_days", lang), 0, 365, int(current.get("report_days", 30))
            ),
            "follow_up_years": cols[1].number_input(
                t("programme_form.follow_up_years", lang), 0, 20, int(current.get("follow_up_years", 5))
            ),
            "pre_award_spending": st.checkbox(
                t("programme_form.pre_award", lang), value=bool(current.get("pre_award_spending", False))
            ),
        }
        chosen_categories = st.multiselect(
            t("programme_form.categories", lang),
            list(names),
            format_func=lambda c: names[c],
            default=sorted(allowed.get(chosen or NEW, set()) & set(names)),
            placeholder=t("streamlit.choose", lang),
        )
        saved = st.form_submit_button(t("programme_form.save", lang), type="primary")
    categories_part(db, lang, categories, on_saved=on_saved, on_refused=on_refused)
    if not saved:
        return
    if chosen:
        form["programme_code"] = chosen
    try:
        outcome = save_programme(db, form, chosen_categories, actor=actor(), lang=lang)
    except Rejected as error:
        on_refused(error)
    else:
        on_saved(t(f"programme_form.saved_{outcome}", lang, code=form["programme_code"]))


def categories_part(
    db: Database,
    lang: str,
    categories: pd.DataFrame,
    *,
    on_saved: Callable[[str], None],
    on_refused: Callable[[Rejected], None],
) -> None:
    """The 費目 list programmes choose from: add one, or rename one by its code."""
    st.subheader(t("programme_form.categories_heading", lang))
    st.dataframe(
        pd.DataFrame(
            {
                t("programme_form.category_code", lang): categories["category_code"],
                t("programme_form.category_name_ja", lang): categories["name_ja"],
                t("programme_form.category_name_en", lang): categories["name_en"],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    with st.form("funding_category_form", clear_on_submit=True):
        cols = st.columns(3)
        form = {
            "code": cols[0].text_input(t("programme_form.category_code", lang), max_chars=40),
            "name_ja": cols[1].text_input(t("programme_form.category_name_ja", lang), max_chars=100),
            "name_en": cols[2].text_input(t("programme_form.category_name_en", lang), max_chars=100),
            "personnel": st.checkbox(t("programme_form.category_personnel", lang)),
        }
        saved = st.form_submit_button(t("programme_form.category_save", lang))
    if not saved:
        return
    try:
        outcome = save_category(db, form, actor=actor(), lang=lang)
    except Rejected as error:
        on_refused(error)
    else:
        on_saved(t(f"programme_form.category_saved_{outcome}", lang, code=str(form["code"]).strip().lower()))
