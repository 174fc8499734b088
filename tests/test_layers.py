"""House rules a machine can check, on the import graph (ast), not on how an import is spelled.

Layers, top to bottom: dashboard.py → pages/ → ui/ → kpi/ feature packages → kpi/storage/.
  * kpi/ never imports streamlit, ui, pages or dashboard;
  * kpi/storage/ imports only the standard library, third-party packages, kpi.storage.* and the
    foundational modules in FOUNDATIONAL (which themselves import no kpi module);
  * pages/ never import kpi.storage or kpi.commands;
  * ui/ never imports kpi.commands, nor kpi.storage, except the Database handle's type
    (`from kpi.storage import Database`, UI_STORAGE_NAMES): pages and widgets pass it to kpi
    functions and hold it in st.cache_resource; every read goes through kpi;
  * no string literal outside kpi/storage/ (and the .sql migrations) contains SQL.

Every rule is a function of a synthetic tree too: each is shown to fail on a planted violation.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import kpi

ROOT = Path(__file__).parent.parent
KPI_DIR = Path(kpi.__file__).parent
SCANNED = ("kpi", "ui", "pages", "dashboard.py")  # the application; tests, scripts and benchmarks aside

# kpi modules kpi/storage may import: plain data, calendar arithmetic and the secrets file, importing
# no kpi module.
FOUNDATIONAL = frozenset({"kpi", "kpi.model", "kpi.fiscal", "kpi.secrets"})
# What ui/ may take from kpi.storage: the Database handle (a type and a constructor), nothing else.
UI_STORAGE_NAMES = frozenset({"Database"})


# -- the import graph --------------------------------------------------------------------------
@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name of the importing file
    target: str  # the module imported (the dotted name, resolved, never relative)
    names: tuple[str, ...] = ()  # for `from target import a, b`: a, b (modules among them appear
    line: int = 0  # as imports of their own, target.a)

    def __str__(self) -> str:
        what = f"from {self.target} import {', '.join(self.names)}" if self.names else f"import {self.target}"
        return f"{self.importer}:{self.line}: {what}"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path, tops: tuple[str, ...] = SCANNED) -> Iterator[Path]:
    for top in tops:
        path = root / top
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)


def _resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    """The absolute name `from .x import y` means in module `importer`."""
    if level == 0:
        return module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, module] if module else base)


def imports_of(root: Path, path: Path, modules: frozenset[str]) -> list[Import]:
    """Every import in the file, wherever it stands (functions, `if TYPE_CHECKING:`, try blocks),
    plus importlib.import_module("…") and __import__("…") with a literal name. `from a import b`
    where a.b is a module of the tree counts as importing a.b as well."""
    importer = module_name(root, path)
    is_package = path.name == "__init__.py"
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [Import(importer, alias.name, line=node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(importer, is_package, node.level, node.module)
            names = tuple(alias.name for alias in node.names)
            found.append(Import(importer, target, names, node.lineno))
            found += [
                Import(importer, f"{target}.{name}", line=node.lineno)
                for name in names
                if f"{target}.{name}" in modules
            ]
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            name = first.value if isinstance(first, ast.Constant) else None
            if called in ("import_module", "__import__") and isinstance(name, str):
                found.append(Import(importer, name, line=node.lineno))
    return found


def import_graph(root: Path, tops: tuple[str, ...] = SCANNED) -> list[Import]:
    files = list(source_files(root, tops))
    modules = frozenset(module_name(root, p) for p in files)
    return [imp for path in files for imp in imports_of(root, path, modules)]


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


# -- the rules: each returns the offending imports ----------------------------------------------
def core_upward(graph: list[Import]) -> list[str]:
    """kpi/ imports neither streamlit nor anything above it."""
    above = ("streamlit", "ui", "pages", "dashboard")
    return [
        str(i) for i in graph if _within(i.importer, "kpi") and any(_within(i.target, top) for top in above)
    ]


def storage_upward(graph: list[Import]) -> list[str]:
    """kpi/storage/ imports only outside kpi, kpi.storage.*, and FOUNDATIONAL."""
    return [
        str(i)
        for i in graph
        if _within(i.importer, "kpi.storage")
        and _within(i.target, "kpi")
        and not _within(i.target, "kpi.storage")
        and (i.target not in FOUNDATIONAL or (i.target == "kpi" and not _foundational_names(i.names)))
    ]


def _foundational_names(names: tuple[str, ...]) -> bool:
    """`from kpi import model`: only foundational modules may be named."""
    return all(f"kpi.{name}" in FOUNDATIONAL for name in names)


def foundational_imports(graph: list[Import]) -> list[str]:
    """FOUNDATIONAL modules import no kpi module (only `from kpi import …` names that are them)."""
    return [
        str(i)
        for i in graph
        if i.importer in FOUNDATIONAL and i.importer != "kpi" and _within(i.target, "kpi")
    ]


def pages_reach_down(graph: list[Import]) -> list[str]:
    """pages/ go through kpi's feature functions and ui/, never kpi.storage or kpi.commands."""
    return [
        str(i) for i in graph if _within(i.importer, "pages") and _storage_or_commands(i, allowed=frozenset())
    ]


def ui_reaches_down(graph: list[Import]) -> list[str]:
    """ui/ never imports kpi.commands; from kpi.storage only the Database handle."""
    return [
        str(i)
        for i in graph
        if (_within(i.importer, "ui") or i.importer == "dashboard")
        and _storage_or_commands(i, allowed=UI_STORAGE_NAMES)
    ]


def _storage_or_commands(i: Import, allowed: frozenset[str]) -> bool:
    if _within(i.target, "kpi.commands"):
        return True
    if i.target == "kpi" and ({"storage", "commands"} & set(i.names)):
        return True  # from kpi import storage
    if i.target == "kpi.storage":
        return not i.names or not set(i.names) <= allowed  # `import kpi.storage` reaches everything
    return _within(i.target, "kpi.storage")


# -- SQL in string literals ----------------------------------------------------------------------
# Statement keywords count in capitals only, as this code base writes SQL: prose ("Select the
# projects from the list") stays prose. Fragments with a bound parameter count in any case.
_FLAGS = re.DOTALL
_ANY_CASE = re.IGNORECASE | re.DOTALL
SQL_PATTERNS: dict[str, re.Pattern[str]] = {
    "select_from": re.compile(r"\bSELECT\s+(?:DISTINCT\s+)?[\w*\"(].*?\bFROM\s+[\w\"(]", _FLAGS),
    "insert_into": re.compile(r"\bINSERT\s+(?:OR\s+\w+\s+)?INTO\s+[\w\"]", _FLAGS),
    "update_set": re.compile(r"\bUPDATE\s+[\w\".]+\s+SET\s+[\w\"]+\s*=", _FLAGS),
    "delete_from": re.compile(r"\bDELETE\s+FROM\s+[\w\"]", _FLAGS),
    "create": re.compile(
        r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:TABLE|VIEW|INDEX|SEQUENCE)\b", _FLAGS
    ),
    "drop_alter": re.compile(r"\b(?:DROP|ALTER)\s+(?:TABLE|VIEW|INDEX|SEQUENCE)\b", _FLAGS),
    "bound_where": re.compile(r"\bWHERE\b.*?(?:[=<>]|\bIN\b|\bLIKE\b)\s*\(?\s*(?:\?|\$\w)", _FLAGS),
    # a fragment without keywords: a column compared with a named parameter ($f_x), or a list test
    "bound_fragment": re.compile(r"\b\w+\.\w+\s*(?:=|<>|<=|>=|<|>)\s*\$[a-z_]\w*", _ANY_CASE),
    "list_contains": re.compile(r"\blist_contains\s*\(\s*\$\w", _ANY_CASE),
}
SQL_SAMPLES = {
    "select_from": "SELECT project_code FROM partners WHERE organization_code = $scope_org",
    "insert_into": "INSERT INTO audit_log (actor) VALUES (?)",
    "update_set": "UPDATE accounts SET password_hash = ? WHERE username = ?",
    "delete_from": "DELETE FROM sessions WHERE token = ?",
    "create": "CREATE TEMP TABLE _bulk_ids AS SELECT 1",
    "drop_alter": "DROP TABLE _bulk_ids",
    "bound_where": "kpi_code WHERE project_code = ?",
    "bound_fragment": "pr.start_date <= $f_fy_last AND (pr.end_date IS NULL)",
    "list_contains": "list_contains($f_fields::VARCHAR[], pr.field)",
}
# Words of ordinary prose (docstrings, comments kept as strings, log messages) that must not count.
PROSE = (
    "Select the projects from the list, then press Update.",
    "Pick a fiscal year where the plan starts; choose from 2024 onward.",
    "Update the settings: set the thresholds by hand.",
    "Delete it from the sidebar; the table is created anew.",
    "`where` is a fragment from kpi.storage.filters_sql over alias `pr`; its values are in `params`.",
    "create a table of contents",
)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _text(node: ast.expr) -> str | None:
    """The literal text of a str constant, an f-string ({} for each value) or a + of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        if left is not None or right is not None:
            return (left or "{}") + (right or "{}")
    return None


def sql_kind(text: str) -> str | None:
    return next((kind for kind, pattern in SQL_PATTERNS.items() if pattern.search(text)), None)


def sql_literals(source: str, filename: str = "<module>") -> list[str]:
    """`line: kind: text` for each string literal (docstrings aside) that reads as SQL."""
    tree = ast.parse(source, filename=filename)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.expr):
            continue
        text = _text(node)
        kind = sql_kind(text) if text is not None else None
        if kind:
            found.append(f"{getattr(node, 'lineno', 0)}: {kind}: {text[:60]!r}")  # type: ignore[index]
    return found


def sql_outside_storage(root: Path, tops: tuple[str, ...] = SCANNED) -> list[str]:
    offenders = []
    for path in source_files(root, tops):
        name = module_name(root, path)
        if _within(name, "kpi.storage") or _within(name, "kpi.migrations"):
            continue
        offenders += [f"{name}:{hit}" for hit in sql_literals(path.read_text(encoding="utf-8"), str(path))]
    return offenders


# -- the rules, on this repository ------------------------------------------------------------
GRAPH = import_graph(ROOT)


def test_the_graph_sees_this_repository() -> None:
    targets = {(i.importer, i.target) for i in GRAPH}
    assert ("dashboard", "streamlit") in targets
    assert ("kpi.storage", "kpi.storage.connection") in targets  # relative or not, resolved
    assert any(i.importer.startswith("pages.") for i in GRAPH)
    assert any(i.importer.startswith("ui.") for i in GRAPH)


def test_core_never_imports_streamlit_or_the_ui() -> None:
    assert core_upward(GRAPH) == []


def test_storage_imports_nothing_above_it() -> None:
    assert storage_upward(GRAPH) == []


def test_foundational_modules_import_no_kpi_module() -> None:
    present = {module_name(ROOT, p) for p in source_files(ROOT, ("kpi",))}
    assert present >= FOUNDATIONAL
    assert foundational_imports(GRAPH) == []


def test_pages_never_reach_storage_or_commands() -> None:
    assert pages_reach_down(GRAPH) == []


def test_ui_never_reaches_storage_or_commands() -> None:
    assert ui_reaches_down(GRAPH) == []


def test_no_sql_outside_storage() -> None:
    assert sql_outside_storage(ROOT) == []


def test_every_core_module_imports() -> None:
    modules = sorted(m.name for m in pkgutil.walk_packages([str(KPI_DIR)], prefix="kpi."))
    modules = [m for m in modules if m != "kpi.__main__"]
    assert "kpi.storage.status_sql" in modules
    for name in modules:
        importlib.import_module(name)


def test_sql_runs_only_in_storage() -> None:
    """Only kpi/storage runs SQL: no execute() calls anywhere else in the application."""
    offenders = []
    for path in source_files(ROOT):
        name = module_name(ROOT, path)
        if not _within(name, "kpi.storage") and ".execute(" in path.read_text(encoding="utf-8"):
            offenders.append(name)
    assert offenders == []


# -- the checker, on planted violations ---------------------------------------------------------
def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for directory in {p for rel in files for p in (root / rel).parents if p != root and root in p.parents}:
        (directory / "__init__.py").touch()
    return root


CLEAN = {
    "kpi/model.py": "from dataclasses import dataclass\n",
    "kpi/fiscal.py": "import datetime\n",
    "kpi/storage/connection.py": "import duckdb\nfrom kpi.model import x\n",
    "kpi/storage/registry.py": "from .connection import Database\nfrom kpi import model\n",
    "kpi/portfolio/overview.py": "from kpi.storage.registry import read\n",
    "ui/common.py": (
        "import streamlit as st\nfrom kpi.storage import Database\nfrom kpi.portfolio import overview\n"
    ),
    "pages/overview.py": "from ui.common import database\nfrom kpi.portfolio.overview import show\n",
    "dashboard.py": "import streamlit\nfrom ui import common\n",
}


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    root = _tree(tmp_path, CLEAN)
    graph = import_graph(root)
    assert ("kpi.storage.registry", "kpi.storage.connection") in {(i.importer, i.target) for i in graph}
    for rule in (core_upward, storage_upward, foundational_imports, pages_reach_down, ui_reaches_down):
        assert rule(graph) == [], rule.__name__
    assert sql_outside_storage(root) == []


PLANTED = [
    (core_upward, "kpi/charts.py", "def draw():\n    import streamlit.components.v1 as c\n"),
    (core_upward, "kpi/charts.py", "from ui import common\n"),
    (core_upward, "kpi/portfolio/view.py", "from ...ui.common import tr\n"),
    (core_upward, "kpi/charts.py", "import importlib\nst = importlib.import_module('streamlit')\n"),
    (core_upward, "kpi/charts.py", "try:\n    import pages.overview\nexcept ImportError:\n    pass\n"),
    (storage_upward, "kpi/storage/batches.py", "from kpi.intake.validate import IntakeRegistry\n"),
    (
        storage_upward,
        "kpi/storage/bulk.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from kpi.demo.portfolio import Portfolio\n",
    ),
    (storage_upward, "kpi/storage/bulk.py", "from .. import access\n"),
    (storage_upward, "kpi/storage/bulk.py", "from kpi import portfolio\n"),
    (storage_upward, "kpi/storage/bulk.py", "def f():\n    import kpi.i18n\n"),
    (foundational_imports, "kpi/model.py", "from kpi.fiscal import fiscal_year\n"),
    (foundational_imports, "kpi/fiscal.py", "from . import model\n"),
    (pages_reach_down, "pages/audit.py", "from kpi.storage.audit_query import AuditFilter\n"),
    (pages_reach_down, "pages/audit.py", "from kpi import storage\n"),
    (pages_reach_down, "pages/audit.py", "from kpi.storage import Database\n"),
    (pages_reach_down, "pages/audit.py", "def f():\n    from kpi.commands.main import run\n"),
    (ui_reaches_down, "ui/common.py", "from kpi.commands.main import database_path\n"),
    (ui_reaches_down, "ui/common.py", "from kpi.storage import Database, connection\n"),
    (ui_reaches_down, "ui/table_guard.py", "import kpi.storage.registry as r\n"),
    (ui_reaches_down, "ui/sections/catalog.py", "from ...kpi.storage.registry import read_settings\n"),
    (ui_reaches_down, "dashboard.py", "from kpi.storage.registry import read_settings\n"),
]


@pytest.mark.parametrize(("rule", "relative", "text"), PLANTED)
def test_each_rule_fails_on_a_planted_violation(
    tmp_path: Path, rule: Callable[[list[Import]], list[str]], relative: str, text: str
) -> None:
    root = _tree(tmp_path, {**CLEAN, relative: CLEAN.get(relative, "") + text})
    offenders = rule(import_graph(root))
    assert offenders, f"{rule} missed {text!r} in {relative}"
    assert all(o.startswith(module_name(root, root / relative)) for o in offenders)


@pytest.mark.parametrize("kind", list(SQL_PATTERNS))
def test_each_sql_pattern_catches_its_sample(kind: str) -> None:
    assert SQL_PATTERNS[kind].search(SQL_SAMPLES[kind])
    assert sql_literals(f"QUERY = {SQL_SAMPLES[kind]!r}\n")


@pytest.mark.parametrize("text", PROSE)
def test_prose_is_not_sql(text: str) -> None:
    assert sql_kind(text) is None


def test_sql_hides_in_no_spelling(tmp_path: Path) -> None:
    planted = {
        "kpi/access.py": (
            'def scope(alias):\n    return f"{alias}.project_code IN (SELECT project_code FROM partners)"\n'
        ),
        "ui/widgets.py": 'Q = "DELETE " + "FROM sessions"\n',
        "pages/audit.py": 'Q = ("SELECT a "\n     "FROM audit_log")\n',
        "kpi/portfolio/filters.py": 'def f():\n    return ["pr.start_date <= $f_fy_last"]\n',
    }
    root = _tree(tmp_path, {**CLEAN, **planted})
    offenders = sql_outside_storage(root)
    assert sorted({o.split(":")[0] for o in offenders}) == sorted(
        module_name(root, root / rel) for rel in planted
    )
    storage_only = _tree(tmp_path / "storage", {**CLEAN, "kpi/storage/scope.py": planted["kpi/access.py"]})
    assert sql_outside_storage(storage_only) == []


def test_docstrings_may_mention_sql() -> None:
    source = 'def f():\n    """Runs SELECT project_code FROM partners WHERE x = ? for you."""\n'
    assert sql_literals(source) == []


def test_no_secrets_in_the_repository() -> None:
    """OpenID Connect secrets live in .streamlit/secrets.toml, which git ignores; only the example
    with placeholders is tracked. Passwords are stored only as argon2id hashes (tests/test_cli_users.py)."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert ".streamlit/secrets.toml" not in tracked.split("\n")
    ignored = subprocess.run(["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=ROOT)
    assert ignored.returncode == 0
    example = (ROOT / ".streamlit" / "secrets.example.toml").read_text(encoding="utf-8")
    assert 'client_secret = "your-client-secret"' in example
