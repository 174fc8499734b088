"""Loading the demo portfolio into an empty database (python -m kpi init --demo)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kpi.access import Actor, require_role
from kpi.accounts.sign_in import hash_password
from kpi.demo.funding import FundingDemo, demo_funding
from kpi.demo.names import ORGANIZATIONS
from kpi.demo.partnerships import PartnershipsDemo, demo_partnerships
from kpi.demo.portfolio import demo_portfolio
from kpi.storage import Database
from kpi.storage import partnerships as partnership_store
from kpi.storage.accounts import insert_account
from kpi.storage.bulk import load_portfolio
from kpi.storage.contacts import set_contacts
from kpi.storage.funding import append_versions, bulk_funding_rows
from kpi.storage.registry import read_settings, registry_counts, upsert_rows, write_setting

# One account per role, for trying the dashboard: the README lists them as demo-only. The passwords
# are public on purpose; they exist only in a database made by `init --demo`.
DEMO_ACCOUNTS = (
    # username, password, role, organization, display name
    ("demo-admin", "demo-admin-2026", "administrator", None, "デモ 管理者"),
    ("demo-executive", "demo-executive-2026", "executive", None, "デモ 経営層"),
    ("demo-lead", "demo-lead-2026", "lead", "CO-SAKURAGI", "デモ リーダー（桜木エナジー）"),
    ("demo-partner", "demo-partner-2026", "partner", "UNI-SETOUCHI", "デモ 連携機関（瀬戸内海洋大学）"),
)


def load_demo(db: Database, today: date, *, actor: Actor) -> dict[str, int] | None:
    """Load the sample portfolio and the demo accounts; None (and nothing written) unless the
    database is empty."""
    require_role(actor)
    with db.cursor() as cursor:
        counts = registry_counts(cursor)
        if counts["projects"] or counts["organizations"] or counts["actuals"]:
            return None
        start_month = read_settings(cursor).fiscal_year_start_month
    portfolio = demo_portfolio(today, start_month)
    sectors = dict(
        zip(portfolio.organizations["organization_code"], portfolio.organizations["sector"], strict=True)
    )
    partners: dict[str, list[tuple[str, str]]] = {}
    for project, organization in zip(
        portfolio.partners["project_code"], portfolio.partners["organization_code"], strict=True
    ):
        partners.setdefault(project, []).append((organization, sectors[organization]))
    kpis: dict[str, list[str]] = {}
    for project, kpi in zip(portfolio.targets["project_code"], portfolio.targets["kpi_code"], strict=True):
        kpis.setdefault(project, []).append(kpi) if kpi not in kpis.get(project, []) else None
    funding = demo_funding(today, start_month, partners, kpis)
    partnerships = demo_partnerships(today, portfolio)
    accounts = [
        {
            "username": name,
            "password_hash": hash_password(password),
            "role": role,
            "organization_code": org,
            "display_name": display,
        }
        for name, password, role, org, display in DEMO_ACCOUNTS
    ]
    now = datetime.now()
    with db.transaction() as cursor:
        load_portfolio(cursor, portfolio, actor=actor.username)
        set_contacts(cursor, demo_contacts())
        _load_funding(cursor, funding, actor=actor.username, now=now)
        _load_partnerships(cursor, partnerships, actor=actor.username, now=now)
        for account in accounts:
            insert_account(cursor, account, actor=actor.username, now=now)
        write_setting(cursor, "demo", "true", actor=actor.username, now=now)
        return registry_counts(cursor) | {"accounts": len(accounts)}


def demo_contacts() -> list[tuple[str, str, str]]:
    """Each demo organization's reminder contact: its contact person at an example.jp address
    (RFC 2606's reserved domain, so nothing reaches anyone), in Japanese."""
    return [(code, f"{person}@{code.lower()}.example.jp", "ja") for code, *_, person in ORGANIZATIONS]


def _load_funding(cursor: Any, funding: FundingDemo, *, actor: str, now: datetime) -> None:
    """The demo's programmes, calls, awards, budgets, spending, payments and reports (kpi/demo/funding.py)."""
    for table, rows in (
        ("programmes", funding.programmes),
        ("programme_categories", funding.allowed),
        ("funding_calls", funding.calls),
        ("award_kpis", funding.award_kpis),
    ):
        upsert_rows(cursor, table, rows, actor=actor, now=now)
    for table, rows in (
        ("award_versions", funding.awards),
        ("budget_versions", funding.budgets),
        ("payment_versions", funding.payments),
    ):
        append_versions(cursor, table, rows, actor=actor, now=now)
    bulk_funding_rows(cursor, funding.expenditures, funding.submissions, actor=actor, now=now, source="demo")


def _load_partnerships(cursor: Any, demo: PartnershipsDemo, *, actor: str, now: datetime) -> None:
    """The demo's agreements (then their 変更契約), meetings, a cadence and a phase reason
    (kpi/demo/partnerships.py)."""
    for table, rows in (
        ("agreement_versions", demo.agreements),
        ("agreement_versions", demo.amendments),  # numbered after the first versions
        ("meeting_versions", demo.meetings),
    ):
        partnership_store.append_versions(cursor, table, rows, actor=actor, now=now)
    for project, months, reason in demo.cadences:
        partnership_store.record_review_cadence(cursor, project, months, reason, actor=actor, now=now)
    for project, phase, reason in demo.phase_reasons:
        partnership_store.record_phase_exception(cursor, project, phase, reason, actor=actor, now=now)
