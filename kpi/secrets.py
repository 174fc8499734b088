"""The secrets file: `$KPI_SECRETS`, else `.streamlit/secrets.toml` where the server runs.

Streamlit reads it for st.login ([auth]); the product reads it for e-mail ([smtp], [app],
kpi/operations/mailer.py) and for the database URL ([database] url, kpi/storage/connection.py), so a
deployment keeps its passwords in one file outside the repository. Imports no kpi module: the
storage layer may read it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

DEFAULT_SECRETS = Path(".streamlit") / "secrets.toml"


def secrets_path() -> Path:
    """$KPI_SECRETS, else .streamlit/secrets.toml in the working directory (where streamlit runs)."""
    pinned = os.environ.get("KPI_SECRETS", "").strip()
    return Path(pinned) if pinned else DEFAULT_SECRETS


def read_secrets(path: Path | None = None) -> dict[str, Any]:
    """The secrets file as a dict; empty when there is none."""
    target = path or secrets_path()
    try:
        with target.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}


def database_url(path: Path | None = None) -> str | None:
    """[database] url, when the secrets file gives one."""
    table = read_secrets(path).get("database")
    url = table.get("url") if isinstance(table, dict) else None
    return str(url) if url else None
