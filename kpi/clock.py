"""Today's date and the acting user, overridable so tests and demos can pin them."""

from __future__ import annotations

import getpass
import os
from datetime import date


def today() -> date:
    """The machine's local date, or $KPI_TODAY (YYYY-MM-DD) when set."""
    pinned = os.environ.get("KPI_TODAY", "").strip()
    if pinned:
        return date.fromisoformat(pinned)
    return date.today()


def cli_actor() -> str:
    """Who the command line acts for in the audit log: $KPI_USER, else the OS user."""
    name = os.environ.get("KPI_USER", "").strip()
    if name:
        return name
    try:
        return f"cli:{getpass.getuser()}"
    except OSError:
        return "cli"
