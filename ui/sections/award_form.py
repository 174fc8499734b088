"""The awards page's award parts (pages/awards.py): the project's awards, the choice of one, the
award form (a new award, a stage change, a 変更承認) and its versions; the money parts are
ui/sections/award_budget.py.

Saves go to kpi/funding/editing.py and are shown as the update page's targets are: errors under the
button that saved, a stale save reopens the form on the stored version, and the outcome of a save
stays until the next action.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from kpi.errors import Rejected, StaleWrite
from kpi.fiscal import fiscal_year_label
from kpi.formatting.numbers import plain
from kpi.funding.award_forms import (
    AMOUNT_COLUMNS,
    AwardDetail,
    AwardsSetup,
    amount_rows,
    awards_table,
    frame_records,
    history_entries,
)
from kpi.funding.edit_checks import NEW_STAGES, NEXT_STAGES
from kpi.funding.editing import save_award
from kpi.i18n import t
from kpi.storage import Database
from ui.sections.update_shared import show_errors
from ui.session import actor, today, tr, wareki

FLASH, PICK = "awards_flash", "awards_pick"
PAYMENT_MODES = ("settlement", "advance")


def say(project: str, text: str) -> None:
    """The outcome of a save, shown above the page's parts until the next action (show_flash)."""
    st.session_state[FLASH] = {"text": text, "project": project}


def show_flash(project: str) -> None:
    flash = st.session_state.get(FLASH)
    if flash is not None and flash["project"] != project:
        st.session_state.pop(FLASH, None)
    elif flash is not None:
        st.success(plain(flash["text"]))


def awards_list(setup: AwardsSetup) -> None:
    table = awards_table(setup, wareki())
    if table.empty:
        st.info(tr("awards_page.no_awards"))
        return
    names = {"award_number": "number"}
    config: dict[str, Any] = {c: tr(f"awards_page.col_{names.get(c, c)}") for c in table.columns}
    for money in ("decided", "confirmed", "budget"):  # figures line up as numbers do
        config[money] = st.column_config.TextColumn(config[money], alignment="right")
    st.dataframe(table, hide_index=True, width="stretch", column_config=config)


def choose_award(setup: AwardsSetup) -> str | None:
    """The award to work on, or None for a new one; a saved new award is chosen on the next run."""
    key = f"award_choice::{setup.project_code}"
    options = ["", *(a["award_number"] for a in setup.awards)]
    if (picked := st.session_state.pop(PICK, None)) in options:
        st.session_state[key] = picked
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[1] if len(options) > 1 else ""
    labels = {
        a["award_number"]: t(
            "awards_page.award_option",
            setup.lang,
            number=a["award_number"],
            programme=setup.programmes.get(a["programme_code"], a["programme_code"]),
            stage=t(f"funding.stage.{a['stage']}", setup.lang),
        )
        for a in setup.awards
    }
    labels[""] = t("awards_page.new_award", setup.lang)
    chosen = st.selectbox(tr("awards_page.choose"), options, key=key, format_func=lambda n: labels[n])
    return chosen or None


def _amounts_editor(award: dict[str, Any] | None, key: str) -> pd.DataFrame:
    return st.data_editor(
        amount_rows(award),
        key=key,
        num_rows="dynamic",
        hide_index=True,
        width="content",
        column_order=AMOUNT_COLUMNS,
        column_config={
            "fiscal_year": st.column_config.NumberColumn(
                tr("award_form.fiscal_year"), min_value=1990, max_value=2100, step=1, format="%d", width=110
            ),
            "amount": st.column_config.TextColumn(
                tr("award_form.amount"), max_chars=40, width=160, alignment="right"
            ),
        },
    )


def _call_label(call: tuple[int, int] | None, lang: str) -> str:
    if call is None:
        return t("awards_page.call_none", lang)
    return t("awards_page.call_option", lang, year=fiscal_year_label(call[0], lang, wareki()), round=call[1])


def _date(column: Any, name: str, current: dict[str, Any], prefix: str) -> date | None:
    value = column.date_input(
        tr(f"award_form.{name}"),
        value=current.get(name),
        min_value=date(1990, 1, 1),
        max_value=date(2100, 12, 31),
        format="YYYY-MM-DD",
        key=f"{prefix}::{name}",
    )
    return value if isinstance(value, date) else None


def award_form(db: Database, setup: AwardsSetup, detail: AwardDetail | None) -> None:
    """A new award, or the next version of one: stage, dates, amounts, and for an amendment its reason."""
    lang, project = setup.lang, setup.project_code
    award = detail.award if detail else None
    number = award["award_number"] if award else ""
    base_key = f"award_base::{project}::{number}"
    st.session_state.setdefault(base_key, int(award["version"]) if award else None)
    prefix = f"aw::{project}::{number}::{st.session_state[base_key]}::{lang}"
    current = award or {}
    st.subheader(tr("awards_page.form_change", number=number) if award else tr("awards_page.form_new"))
    st.caption(tr("awards_page.form_help"))
    # One row per pair of fields, so that on a phone (one column) they keep this order.
    left, right = st.columns(2)
    typed_number = left.text_input(
        tr("award_form.award_number"),
        value=number,
        max_chars=60,
        disabled=award is not None,
        key=f"{prefix}::number",
    )
    programmes = list(setup.programmes)
    programme = right.selectbox(
        tr("award_form.programme_code"),
        programmes,
        index=programmes.index(current["programme_code"])
        if current.get("programme_code") in programmes
        else 0,
        format_func=lambda p: setup.programmes[p],
        key=f"{prefix}::programme",
    )
    left, right = st.columns(2)
    calls: list[tuple[int, int] | None] = [None, *setup.calls.get(str(programme), [])]
    stored_call = (current.get("call_fiscal_year"), current.get("call_round") or 1)
    call = left.selectbox(
        tr("award_form.call"),
        calls,
        index=calls.index(stored_call) if stored_call in calls else 0,
        format_func=lambda c: _call_label(c, lang),
        key=f"{prefix}::call::{programme}",
    )
    stages = list(NEXT_STAGES[current["stage"]] if award else NEW_STAGES)
    stage = right.selectbox(
        tr("award_form.stage"),
        stages,
        index=stages.index(current["stage"]) if award else 0,
        format_func=lambda s: t(f"funding.stage.{s}", lang),
        key=f"{prefix}::stage",
    )
    left, right = st.columns(2)
    dates = {
        name: _date(column, name, current, prefix)
        for name, column in (("starts_on", left), ("ends_on", right))
    }
    left, right = st.columns(2)
    dates["decided_on"] = _date(left, "decided_on", current, prefix)
    mode = right.selectbox(
        tr("award_form.payment_mode"),
        PAYMENT_MODES,
        index=PAYMENT_MODES.index(current.get("payment_mode", "settlement")),
        format_func=lambda m: t(f"funding.payment_mode.{m}", lang),
        key=f"{prefix}::mode",
    )
    st.markdown(f"**{tr('awards_page.amounts')}**", help=tr("awards_page.amounts_help"))
    amounts = _amounts_editor(award, f"{prefix}::amounts")
    confirmed = st.text_input(
        tr("award_form.confirmed_amount"),
        value="" if current.get("confirmed_amount") is None else f"{int(current['confirmed_amount']):,}",
        max_chars=40,
        key=f"{prefix}::confirmed",
    )
    reason = approver = ""
    if award is not None:
        if award["stage"] in ("awarded", "confirmed"):
            st.caption(tr("awards_page.amendment_note"))
        reason = st.text_area(tr("award_form.reason"), key=f"{prefix}::reason", max_chars=500)
        approver = st.text_input(tr("award_form.approver"), key=f"{prefix}::approver", max_chars=100)
    if st.button(tr("awards_page.save"), type="primary", key=f"{prefix}::save"):
        record = {
            "award_number": typed_number,
            "project_code": project,
            "programme_code": programme,
            "call_fiscal_year": call[0] if call else None,
            "call_round": call[1] if call else None,
            **dates,
            "payment_mode": mode,
            "stage": stage,
            "amounts": frame_records(amounts),
            "confirmed_amount": confirmed,
            "reason": reason,
            "approver": approver,
        }
        _save_award(db, setup, record, base_key)


def _save_award(db: Database, setup: AwardsSetup, record: dict[str, Any], base_key: str) -> None:
    st.session_state.pop(FLASH, None)
    number = str(record["award_number"]).strip()
    base = st.session_state[base_key]
    try:
        version = save_award(db, record, actor=actor(), lang=setup.lang, today=today(), expected_version=base)
    except StaleWrite as stale:
        st.session_state[base_key] = stale.current  # the form reopens on the stored version
        st.error(tr("awards_page.stale", number=number, version=stale.current))
    except Rejected as error:
        show_errors(error.errors)
    else:
        if base is None:
            st.session_state.pop(base_key, None)  # the new-award form starts empty again
            st.session_state[PICK] = number
            say(setup.project_code, tr("awards_page.saved_new", number=number))
        elif version == base:
            say(setup.project_code, tr("awards_page.unchanged", number=number, version=version))
        else:
            st.session_state[base_key] = version
            say(setup.project_code, tr("awards_page.saved", number=number, version=version))
        st.rerun()


def history_part(setup: AwardsSetup, detail: AwardDetail) -> None:
    st.subheader(tr("awards_page.history"))
    for entry in history_entries(detail, setup, wareki()):
        with st.container(border=True):
            st.markdown(
                f"**{tr('awards_page.version_line', version=entry['version'])}** · "
                f"{plain(entry['recorded_at'])} · {plain(entry['recorded_by'])}"
            )
            for line in entry["lines"]:
                st.markdown(plain(line))
