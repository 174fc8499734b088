"""産学官連携 KPI dashboard: the product's core. Never imports streamlit.

The public API below is what the pages, the command line and an integrator reach for first; each
name is imported on first use (PEP 562), so `import kpi` stays cheap for the command line."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# name → the module that defines it (one home each)
_PUBLIC = {
    "Database": "kpi.storage.connection",
    "Actor": "kpi.access",
    "Role": "kpi.access",
    "Forbidden": "kpi.access",
    "portfolio_status": "kpi.portfolio.status",
    "status_records": "kpi.portfolio.status",
    "portfolio_years": "kpi.portfolio.status",
    "build_overview": "kpi.portfolio.overview",
    "build_project_view": "kpi.project.view",
    "save_target": "kpi.progress.save",
    "record_progress": "kpi.progress.save",
    "import_file": "kpi.intake.service",
    "rollback_import": "kpi.intake.service",
    "setup_registry": "kpi.registry.setup",
    "evaluation_table": "kpi.reports.evaluation",
    "t": "kpi.i18n",
}
__all__ = [  # the names of _PUBLIC (tests/test_architecture_doc.py checks)
    "Actor",
    "Database",
    "Forbidden",
    "Role",
    "build_overview",
    "build_project_view",
    "evaluation_table",
    "import_file",
    "portfolio_status",
    "portfolio_years",
    "record_progress",
    "rollback_import",
    "save_target",
    "setup_registry",
    "status_records",
    "t",
]

if TYPE_CHECKING:
    from kpi.access import Actor, Forbidden, Role
    from kpi.i18n import t
    from kpi.intake.service import import_file, rollback_import
    from kpi.portfolio.overview import build_overview
    from kpi.portfolio.status import portfolio_status, portfolio_years, status_records
    from kpi.progress.save import record_progress, save_target
    from kpi.project.view import build_project_view
    from kpi.registry.setup import setup_registry
    from kpi.reports.evaluation import evaluation_table
    from kpi.storage.connection import Database


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'kpi' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value
