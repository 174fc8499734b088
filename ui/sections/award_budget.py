"""The awards page's money parts (pages/awards.py): an award's budget grid (年度 × 費目 × partner →
amount), the money received (入金) and the reports it owes with "mark submitted".

Saves go to kpi/funding/editing.py and are said as ui/sections/award_form.py says them: errors
under the button, a stale grid reopened on what is stored, the outcome kept until the next action.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from kpi.errors import Rejected, StaleWrite
from kpi.fiscal import fiscal_year_label
from kpi.funding.award_forms import (
    GRID_COLUMNS,
    AwardDetail,
    AwardsSetup,
    budget_grid,
    duties_table,
    frame_records,
    payments_table,
    period_years,
    yen,
)
from kpi.funding.editing import mark_submitted, record_payment, save_budget
from kpi.i18n import t
from kpi.storage import Database
from ui.sections.award_form import FLASH, say
from ui.sections.update_shared import show_errors
from ui.session import actor, show_date, today, tr, wareki


def budget_part(db: Database, setup: AwardsSetup, detail: AwardDetail) -> None:
    """The budget grid: 年度 × 費目 × partner → amount, opened on the stored lines, saved with a reason."""
    lang, award = setup.lang, detail.award
    number = award["award_number"]
    st.subheader(tr("awards_page.budget"))
    if award["stage"] in ("rejected", "withdrawn"):
        st.info(tr("awards_page.budget_closed", stage=t(f"funding.stage.{award['stage']}", lang)))
        return
    base_key, round_key = f"budget_base::{number}", f"budget_round::{number}"
    if base_key not in st.session_state:  # what the grid was opened on, for the stale check
        st.session_state[base_key] = [{k: r[k] for k in GRID_COLUMNS} for r in detail.budget]
    lines: list[dict[str, Any]] = st.session_state[base_key]
    years = sorted(set(period_years(award, setup.fy_start)) | {int(r["fiscal_year"]) for r in lines})
    categories = list(
        dict.fromkeys([*setup.allowed.get(award["programme_code"], []), *(r["category_code"] for r in lines)])
    )
    partners = list(dict.fromkeys([*setup.partners, *(r["organization_code"] for r in lines)]))
    st.caption(tr("awards_page.budget_help"))
    era = wareki()
    edited = st.data_editor(
        budget_grid(lines),
        key=f"budget::{number}::{st.session_state.get(round_key, 0)}::{lang}::editor",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        height=min(36 * (len(lines) + 2) + 3, 760),  # up to 20 lines without scrolling inside the grid
        column_order=[
            "fiscal_year",
            "category_code",
            "amount",
            "organization_code",
        ],  # the amount in view on a phone
        column_config={
            "fiscal_year": st.column_config.SelectboxColumn(
                tr("award_form.fiscal_year"),
                options=years,
                format_func=lambda y: fiscal_year_label(int(y), lang, era),
                width=85,
            ),
            "category_code": st.column_config.SelectboxColumn(
                tr("award_form.category"),
                options=categories,
                format_func=lambda c: setup.categories.get(str(c), str(c)),
                width=110,
            ),
            "organization_code": st.column_config.SelectboxColumn(
                tr("award_form.organization_code"),
                options=partners,
                format_func=lambda o: setup.partners.get(str(o), str(o)),
                width=220,
            ),
            "amount": st.column_config.TextColumn(
                tr("award_form.amount"), max_chars=40, width=120, alignment="right"
            ),
        },
    )
    decided = sum(int(a["amount"]) for a in award["amounts"] or [])
    st.caption(
        tr(
            "awards_page.budget_total",
            total=yen(sum(int(r["amount"]) for r in lines), lang),
            decided=yen(decided, lang),
        )
    )
    grid = f"budget::{number}::{st.session_state.get(round_key, 0)}"
    reason = st.text_input(tr("award_form.budget_reason"), max_chars=500, key=f"{grid}::reason")
    if st.button(tr("awards_page.save_budget"), type="primary", key=f"{grid}::save"):
        st.session_state.pop(FLASH, None)
        try:
            result = save_budget(
                db,
                number,
                frame_records(edited),
                actor=actor(),
                lang=lang,
                reason=reason,
                years=years,
                expected=lines,
            )
        except StaleWrite as stale:
            st.session_state[base_key] = [{k: r[k] for k in GRID_COLUMNS} for r in stale.current]
            st.session_state[round_key] = st.session_state.get(round_key, 0) + 1  # a fresh grid on them
            st.error(tr("awards_page.budget_stale"))
        except Rejected as error:
            show_errors(error.errors)
        else:
            _budget_saved(setup, number, result)
    add_line_part(db, setup, detail, years, categories, partners)


def _budget_saved(setup: AwardsSetup, number: str, result: Any) -> None:
    """After a budget save (the grid's or the line form's): reopen the grid on what is stored, say
    the counts, run again."""
    st.session_state.pop(f"budget_base::{number}", None)
    round_key = f"budget_round::{number}"
    st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
    counts = {k: getattr(result, k) for k in ("inserted", "updated", "removed", "unchanged")}
    say(setup.project_code, tr("awards_page.budget_saved", **counts))
    st.rerun()


def add_line_part(
    db: Database,
    setup: AwardsSetup,
    detail: AwardDetail,
    years: list[int],
    categories: list[str],
    partners: list[str],
) -> None:
    """One budget line added with plain fields and saved at once, beside the grid: what a phone, a
    keyboard or a screen reader reaches more easily than a grid's choice cells."""
    lang, number = setup.lang, detail.award["award_number"]
    stored = [{k: r[k] for k in GRID_COLUMNS} for r in detail.budget]
    with st.form(f"budget_line::{number}", clear_on_submit=True):
        st.markdown(f"**{tr('awards_page.add_line')}**")
        cols = st.columns(4)
        year = cols[0].selectbox(
            tr("award_form.fiscal_year"),
            years,
            key=f"budget_line::{number}::year",
            format_func=lambda y: fiscal_year_label(int(y), lang, wareki()),
        )
        category = cols[1].selectbox(
            tr("award_form.category"),
            categories,
            key=f"budget_line::{number}::category",
            format_func=lambda c: setup.categories.get(str(c), str(c)),
        )
        partner = cols[2].selectbox(
            tr("award_form.organization_code"),
            partners,
            key=f"budget_line::{number}::partner",
            format_func=lambda o: setup.partners.get(str(o), str(o)),
        )
        amount = cols[3].text_input(
            tr("award_form.amount"), max_chars=40, key=f"budget_line::{number}::amount"
        )
        reason = st.text_input(
            tr("award_form.budget_reason"), max_chars=500, key=f"budget_line::{number}::reason"
        )
        added = st.form_submit_button(tr("awards_page.add_line_save"))
    if not added:
        return
    line = {"fiscal_year": year, "category_code": category, "organization_code": partner, "amount": amount}
    others = [
        r
        for r in stored
        if (r["fiscal_year"], r["category_code"], r["organization_code"]) != (year, category, partner)
    ]
    try:
        result = save_budget(
            db,
            number,
            [*others, line],
            actor=actor(),
            lang=lang,
            reason=reason,
            expected=stored,
        )
    except StaleWrite:
        st.error(tr("awards_page.budget_stale"))
    except Rejected as error:
        show_errors(error.errors)
    else:
        _budget_saved(setup, number, result)


def payments_part(db: Database, setup: AwardsSetup, detail: AwardDetail) -> None:
    lang, number = setup.lang, detail.award["award_number"]
    st.subheader(tr("awards_page.payments"))
    if detail.award["payment_mode"] == "settlement":
        st.caption(tr("awards_page.payments_help"))
    table = payments_table(detail, lang, wareki())
    if table.empty:
        st.info(tr("awards_page.no_payments"))
    else:
        money = st.column_config.TextColumn(tr("awards_page.col_amount"), alignment="right")
        config: dict[str, Any] = {"received_on": tr("awards_page.col_day"), "amount": money}
        st.dataframe(table, hide_index=True, width="stretch", column_config=config)
        total = sum(int(p["amount"]) for p in detail.payments)
        st.caption(tr("awards_page.payments_total", total=yen(total, lang)))
    round_key = f"pay_round::{number}"
    prefix = f"pay::{number}::{st.session_state.get(round_key, 0)}"
    left, right = st.columns(2)
    day = left.date_input(
        tr("award_form.received_on"), value=today(), format="YYYY-MM-DD", key=f"{prefix}::day"
    )
    amount = right.text_input(tr("award_form.amount"), max_chars=40, key=f"{prefix}::amount")
    if st.button(tr("awards_page.record_payment"), key=f"{prefix}::save"):
        st.session_state.pop(FLASH, None)
        try:
            received = record_payment(db, number, day, amount, actor=actor(), lang=lang, today=today())
        except Rejected as error:
            show_errors(error.errors)
        else:
            text = tr("awards_page.payment_saved", amount=yen(received, lang), day=show_date(day))
            say(setup.project_code, tr("awards_page.payment_same") if received is None else text)
            st.session_state[round_key] = st.session_state.get(round_key, 0) + 1  # an empty form again
            st.rerun()


def duties_part(db: Database, setup: AwardsSetup, detail: AwardDetail) -> None:
    lang, number = setup.lang, detail.award["award_number"]
    st.subheader(tr("awards_page.duties"))
    if not detail.duties:
        st.info(tr("awards_page.no_duties"))
        return
    table = duties_table(detail, setup, wareki())
    names = {"fiscal_year": "year", "due_on": "due", "submitted_on": "submitted"}
    config = {c: tr(f"awards_page.col_{names.get(c, c)}") for c in table.columns}
    st.dataframe(table, hide_index=True, width="stretch", column_config=config)
    open_duties = [d for d in detail.duties if d.state != "submitted"]
    if not open_duties:
        st.caption(tr("awards_page.all_submitted"))
        return
    labels = [
        t(
            "awards_page.duty_option",
            lang,
            kind=t(f"funding.duty.{d.kind}", lang),
            year=fiscal_year_label(d.fiscal_year, lang, wareki()) if d.fiscal_year else "",
            due=show_date(d.due_on),
            state=t(f"funding.duty_state.{d.state}", lang),
        )
        for d in open_duties
    ]
    left, right = st.columns(2)
    chosen = left.selectbox(
        tr("awards_page.duty_choice"),
        range(len(open_duties)),
        format_func=lambda i: labels[i],
        key=f"duty::{number}",
    )
    day = right.date_input(
        tr("award_form.submitted_on"), value=today(), format="YYYY-MM-DD", key=f"duty_day::{number}"
    )
    if st.button(tr("awards_page.mark_submitted"), key=f"duty_save::{number}"):
        st.session_state.pop(FLASH, None)
        duty = open_duties[chosen]
        try:
            done = mark_submitted(
                db, number, duty.kind, duty.due_on, day, actor=actor(), lang=lang, today=today()
            )
        except Rejected as error:
            show_errors(error.errors)
        else:
            kind = t(f"funding.duty.{duty.kind}", lang)
            text = tr(
                "awards_page.submitted_saved", kind=kind, due=show_date(duty.due_on), day=show_date(day)
            )
            say(setup.project_code, text if done else tr("awards_page.submitted_already"))
            st.rerun()
