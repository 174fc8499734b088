"""The audit log as the dashboard reads it: administrators and executives only."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kpi.access import Actor, Role, require_role
from kpi.storage import Database
from kpi.storage.audit_query import AuditFilter, audit_choices, search_audit


def audit_options(db: Database, *, actor: Actor) -> dict[str, list[Any]]:
    """The actors, entities and actions the filters offer."""
    require_role(actor, Role.EXECUTIVE)
    with db.cursor() as cursor:
        return audit_choices(cursor)


def audit_entries(db: Database, wanted: AuditFilter, *, actor: Actor) -> pd.DataFrame:
    require_role(actor, Role.EXECUTIVE)
    with db.cursor() as cursor:
        return search_audit(cursor, wanted)
