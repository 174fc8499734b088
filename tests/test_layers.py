"""House rules a machine can check: the core never imports Streamlit; every module imports."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import kpi

KPI_DIR = Path(kpi.__file__).parent


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(KPI_DIR)], prefix="kpi."))


def test_core_never_imports_streamlit() -> None:
    offenders = []
    for path in KPI_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "streamlit" for name in names):
                offenders.append(str(path.relative_to(KPI_DIR)))
    assert offenders == []


def test_every_core_module_imports() -> None:
    modules = [m for m in _modules() if m != "kpi.__main__"]
    assert "kpi.storage.status_sql" in modules
    for name in modules:
        importlib.import_module(name)


def test_sql_lives_only_in_storage() -> None:
    """Only kpi/storage runs SQL: no execute() calls anywhere else in the core."""
    offenders = []
    for path in KPI_DIR.rglob("*.py"):
        if "storage" in path.parts:
            continue
        if ".execute(" in path.read_text(encoding="utf-8"):
            offenders.append(str(path.relative_to(KPI_DIR)))
    assert offenders == []


def test_no_secrets_in_the_repository() -> None:
    """OpenID Connect secrets live in .streamlit/secrets.toml, which git ignores; only the example
    with placeholders is tracked. Passwords are stored only as argon2id hashes (tests/test_cli_users.py)."""
    import subprocess

    root = Path(__file__).parent.parent
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout
    assert ".streamlit/secrets.toml" not in tracked.split("\n")
    ignored = subprocess.run(["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=root)
    assert ignored.returncode == 0
    example = (root / ".streamlit" / "secrets.example.toml").read_text(encoding="utf-8")
    assert 'client_secret = "your-client-secret"' in example
