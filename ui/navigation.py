"""The navigation: every page's title and icon, and the pages each role sees, in order.

Hiding a page is a convenience, never the guard: the kpi functions each page calls check the role
themselves (kpi/access.py).
"""

from __future__ import annotations

from kpi.access import Role

# Every page: its file in pages/ → (catalog key of its title, icon).
ALL_PAGES: dict[str, tuple[str, str]] = {
    "overview": ("nav.overview", ":material/dashboard:"),
    "project": ("nav.project", ":material/insights:"),
    "update": ("nav.update", ":material/edit_note:"),
    "upload": ("nav.upload", ":material/upload_file:"),
    "funding": ("nav.funding", ":material/payments:"),  # SPEC section 7: the funding overview
    "awards": ("nav.awards", ":material/request_quote:"),  # awards and budgets, kept by leads
    "expenses": ("nav.expenses", ":material/receipt_long:"),  # partners' expenditure files
    "agreements": ("nav.agreements", ":material/handshake:"),  # SPEC section 8: agreements
    "meetings": ("nav.meetings", ":material/groups:"),  # meetings, reviews and action items
    "partners": ("nav.partners", ":material/timeline:"),  # each organization's history
    "registry": ("nav.projects", ":material/account_tree:"),  # projects and partners
    "reminders": ("reminders.nav", ":material/mail:"),
    "audit": ("nav.audit", ":material/history:"),
    "admin": ("nav.admin", ":material/settings:"),
    "account": ("nav.account", ":material/person:"),
}

# The pages each role sees, in navigation order (names of the files in pages/).
PAGES: dict[Role, tuple[str, ...]] = {
    Role.ADMINISTRATOR: (
        "overview",
        "project",
        "update",
        "upload",
        "funding",
        "awards",
        "expenses",
        "agreements",
        "meetings",
        "partners",
        "registry",
        "reminders",
        "audit",
        "admin",
        "account",
    ),
    Role.EXECUTIVE: (
        "overview",
        "project",
        "funding",
        "agreements",
        "meetings",
        "partners",
        "reminders",
        "audit",
        "account",
    ),
    Role.LEAD: (
        "overview",
        "project",
        "update",
        "upload",
        "funding",
        "awards",
        "expenses",
        "agreements",
        "meetings",
        "partners",
        "registry",
        "reminders",
        "account",
    ),
    Role.PARTNER: (
        "overview",
        "project",
        "upload",
        "funding",
        "expenses",
        "agreements",
        "meetings",
        "partners",
        "account",
    ),
}
