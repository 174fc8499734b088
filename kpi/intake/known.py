"""What intake knows of the registry: kpi.storage reads the facts, intake builds its IntakeRegistry
(storage imports nothing from intake)."""

from __future__ import annotations

import duckdb

from kpi.intake.validate import IntakeRegistry
from kpi.storage.batches import registry_facts


def intake_registry(cursor: duckdb.DuckDBPyConnection) -> IntakeRegistry:
    """The projects, organizations, partners and KPIs a file is validated against, read once."""
    return IntakeRegistry(**registry_facts(cursor))
