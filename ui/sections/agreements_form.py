"""The agreements page's form (pages/agreements.py), for the project's lead and administrators: a
new agreement, the next version of one (a reason required), and the withdrawal of one recorded by
mistake. Plain widgets, drivable in a browser: parties in a multiselect, the IP owner in a
selectbox, joint shares as one number per party.

Saves go to kpi/partnerships/agreements.py, which checks the role and the rules again: errors under
the button, a stale save reopens the form on the stored version, and the outcome shows above the
agreement on the next run (ui/sections/agreements_list.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from kpi.access import Forbidden
from kpi.errors import Rejected, StaleWrite
from kpi.formatting.numbers import plain
from kpi.i18n import t
from kpi.partnerships.agreement_view import AgreementsView, Record
from kpi.partnerships.agreements import FIELDS, save_agreement
from kpi.partnerships.terms import AGREEMENT_KINDS, ETHICS, IP_OWNERSHIPS, RENEWALS
from kpi.storage import Database
from ui.sections.agreements_alerts import PICK
from ui.sections.agreements_list import say
from ui.sections.update_shared import show_errors
from ui.session import actor, today, tr

BASE = "agr_base::"  # + agreement code: the version the form was opened on (the stale check)
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


def forget_bases() -> None:
    """Entering the page: every form opens on the version stored now."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(BASE)]:
        del st.session_state[key]


def _label(name: str) -> str:
    return tr(f"partnerships.field.{name}")


def _date(column: Any, name: str, current: Record, prefix: str, help_key: str | None = None) -> date | None:
    value = column.date_input(
        _label(name),
        value=current.get(name),
        min_value=EARLIEST,
        max_value=LATEST,
        format="YYYY-MM-DD",
        help=tr(help_key) if help_key else None,
        key=f"{prefix}::{name}",
    )
    return value if isinstance(value, date) else None


def _select(
    column: Any, name: str, table: str, options: tuple[str, ...], stored: Any, prefix: str, lang: str
) -> str:
    """A choice of the catalog's words (partnerships.<table>), starting from the stored one."""
    return str(
        column.selectbox(
            _label(name),
            options,
            index=options.index(stored) if stored in options else 0,
            format_func=lambda v: t(f"partnerships.{table}.{v}", lang),
            key=f"{prefix}::{name}",
        )
    )


def _shares(
    view: AgreementsView, ownership: str, parties: list[str], current: Record, prefix: str
) -> list[Record]:
    """The IP shares: sole, the owner chosen among the parties; joint, one percentage per party."""
    stored = {str(s["organization_code"]): float(s["percent"]) for s in current.get("ip_shares") or []}
    if ownership == "sole":
        owners = [p for p in stored if p in parties]
        owner = st.selectbox(
            tr("agreements_page.owner"),
            parties,
            index=parties.index(owners[0]) if owners else 0,
            format_func=view.name,
            key=f"{prefix}::owner",
        )
        return [{"organization_code": owner, "percent": 100.0}] if owner else []
    if ownership != "joint":
        return []
    st.caption(tr("agreements_page.shares_help"))
    shares = []
    for start in range(0, len(parties), 2):
        for column, party in zip(st.columns(2), parties[start : start + 2], strict=False):
            percent = column.number_input(
                tr("agreements_page.share_label", name=view.name(party)),
                min_value=0.0,
                max_value=100.0,
                value=stored.get(party, 0.0),
                step=1.0,
                format="%.1f",
                key=f"{prefix}::share::{party}",
            )
            if percent:
                shares.append({"organization_code": party, "percent": float(percent)})
    return shares


def agreement_form(db: Database, view: AgreementsView, agreement: Record | None) -> None:
    """A new agreement (`agreement` None) or the next version of one."""
    code = agreement["agreement_code"] if agreement else ""
    base_key = f"{BASE}{view.project_code or ''}::{code}"
    st.session_state.setdefault(base_key, int(agreement["version"]) if agreement else None)
    prefix = f"agr::{view.project_code or ''}::{code}::{st.session_state[base_key]}::{view.lang}"
    current: Record = dict(agreement or {})
    lang = view.lang
    st.subheader(
        tr("agreements_page.form_change", code=code) if agreement else tr("agreements_page.form_new")
    )
    st.caption(tr("agreements_page.form_help"))
    left, right = st.columns(2)
    typed_code = left.text_input(
        _label("agreement_code"),
        value=code,
        max_chars=60,
        disabled=agreement is not None,
        help=tr("agreements_page.code_help"),
        key=f"{prefix}::code",
    )
    if agreement is None:  # a project's research agreement, or a 包括連携協定 between organizations
        current["kind"] = "joint_research" if view.project_code else "comprehensive"
    kind = _select(right, "kind", "kind", AGREEMENT_KINDS, current["kind"], prefix, lang)
    title = st.text_input(
        _label("title"), value=current.get("title") or "", max_chars=300, key=f"{prefix}::title"
    )
    chosen = [p for p in (current.get("parties") or view.partners) if p in view.organizations]
    parties = st.multiselect(
        _label("parties"),
        list(view.organizations),
        default=chosen,
        format_func=lambda c: f"{view.name(c)} ({c})",
        help=tr("agreements_page.parties_help"),
        placeholder=tr("streamlit.choose"),
        key=f"{prefix}::parties",
    )
    left, right = st.columns(2)
    signed_on = _date(left, "signed_on", current, prefix, "agreements_page.signed_help")
    starts_on = _date(right, "starts_on", current, prefix)
    left, right = st.columns(2)
    ends_on = _date(left, "ends_on", current, prefix, "agreements_page.ends_help")
    renewal = _select(right, "renewal", "renewal", RENEWALS, current.get("renewal"), prefix, lang)
    notice_days = None
    if renewal == "auto":
        stored_notice = current.get("notice_days")
        typed = st.number_input(
            _label("notice_days"),
            min_value=0,
            max_value=365,
            value=int(stored_notice) if stored_notice is not None else None,
            step=1,
            key=f"{prefix}::notice",
        )
        notice_days = int(typed) if typed is not None else None
    left, right = st.columns(2, vertical_alignment="bottom")  # the checkbox in line with the box
    ownership = _select(left, "ip_ownership", "ip", IP_OWNERSHIPS, current.get("ip_ownership"), prefix, lang)
    bayh_dole = right.checkbox(
        _label("bayh_dole"), value=bool(current.get("bayh_dole")), key=f"{prefix}::bayh"
    )
    shares = _shares(view, ownership, list(parties), current, prefix)
    left, right = st.columns(2)
    ethics = _select(left, "ethics", "ethics", ETHICS, current.get("ethics"), prefix, lang)
    approved_on = _date(right, "ethics_approved_on", current, prefix) if ethics == "approved" else None
    ip_terms = st.text_area(
        _label("ip_terms"),
        value=current.get("ip_terms") or "",
        max_chars=20_000,
        help=tr("agreements_page.ip_terms_help"),
        key=f"{prefix}::ip_terms",
    )
    reason = ""
    if agreement is not None:
        reason = st.text_area(
            _label("reason"), help=tr("agreements_page.reason_help"), max_chars=2000, key=f"{prefix}::reason"
        )
    if st.button(tr("agreements_page.save"), type="primary", key=f"{prefix}::save"):
        record = {
            "agreement_code": typed_code,
            "project_code": view.project_code,
            "kind": kind,
            "title": title.strip(),
            "parties": list(parties),
            "signed_on": signed_on,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "renewal": renewal,
            "notice_days": notice_days,
            "ip_ownership": ownership,
            "ip_shares": shares,
            "bayh_dole": bayh_dole,
            "ethics": ethics,
            "ethics_approved_on": approved_on,
            "ip_terms": ip_terms,
            "withdrawn": False,
            "reason": reason,
        }
        _save(db, view, record, base_key, withdrawing=False)


def withdraw_part(db: Database, view: AgreementsView, agreement: Record) -> None:
    """Withdraw an agreement recorded by mistake: it leaves the lists, its versions stay."""
    code = agreement["agreement_code"]
    base_key = f"{BASE}{view.project_code or ''}::{code}"
    st.session_state.setdefault(base_key, int(agreement["version"]))
    prefix = f"agr_wd::{view.project_code or ''}::{code}::{st.session_state[base_key]}::{view.lang}"
    with st.expander(tr("agreements_page.withdraw_heading", code=code)):
        st.caption(tr("agreements_page.withdraw_help"))
        reason = st.text_area(_label("reason"), max_chars=2000, key=f"{prefix}::reason")
        if st.button(tr("agreements_page.withdraw"), key=f"{prefix}::withdraw"):
            record = {name: agreement.get(name) for name in FIELDS}
            _save(db, view, {**record, "withdrawn": True, "reason": reason}, base_key, withdrawing=True)


def _save(db: Database, view: AgreementsView, record: Record, base_key: str, *, withdrawing: bool) -> None:
    code = str(record["agreement_code"] or "").strip()
    base = st.session_state[base_key]
    try:
        version = save_agreement(
            db, record, actor=actor(), lang=view.lang, today=today(), expected_version=base
        )
    except StaleWrite as stale:
        st.session_state[base_key] = stale.current  # the form reopens on the stored version
        st.error(plain(tr("agreements_page.stale", code=code, version=stale.current)))
    except Rejected as error:
        show_errors(error.errors)
    except Forbidden as refused:
        st.error(plain(refused.message(view.lang)))
    else:
        if withdrawing:
            st.session_state.pop(base_key, None)
            say(tr("agreements_page.withdrawn", code=code))
        elif base is None:
            st.session_state[PICK] = code
            say(tr("agreements_page.saved_new", code=code))
        elif version == base:
            say(tr("agreements_page.unchanged", code=code, version=version))
        else:
            st.session_state[base_key] = version
            say(tr("agreements_page.saved", code=code, version=version))
        st.rerun()
