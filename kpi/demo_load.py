"""Loading the demo portfolio into an empty database (python -m kpi init --demo)."""

from __future__ import annotations

from datetime import date

from kpi.demo import demo_portfolio
from kpi.storage import Database
from kpi.storage.bulk import load_portfolio
from kpi.storage.registry import registry_counts


def load_demo(db: Database, today: date, *, actor: str) -> dict[str, int] | None:
    """Load the sample portfolio; None (and nothing written) unless the database is empty."""
    with db.cursor() as cursor:
        counts = registry_counts(cursor)
        if counts["projects"] or counts["organizations"] or counts["actuals"]:
            return None
    portfolio = demo_portfolio(today)
    with db.transaction() as cursor:
        load_portfolio(cursor, portfolio, actor=actor)
        return registry_counts(cursor)
