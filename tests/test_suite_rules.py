"""Rules the suite keeps so that it stays fast and robust on a shared two-core machine:

- every test that drives Chromium carries the `browser` marker, so `pytest -m "not browser"`
  starts no browser;
- no browser test gives up after a short fixed wait: every Playwright wait is the suite's
  BROWSER_WAIT_MS (tests/browser_support.py sets it as expect's default and every context's);
- the markers the suite uses are registered (pyproject.toml), so a typo is an error, not a
  silently unselected test.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from tests import browser_support

TESTS = Path(__file__).parent
ROOT = TESTS.parent
BROWSER_FILES = sorted(TESTS.glob("test_browser*.py"))
# Calls whose `timeout=` is not a Playwright wait: the health check of a starting server, the wait
# for a stopped one.
NOT_PLAYWRIGHT = {"urlopen", "wait"}
BROWSER_FIXTURES = {"browser", "page", "server", "writable_server"}
PLAYWRIGHT_TYPES = {"Browser", "BrowserContext", "Page"}


def _module_marked_browser(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            return "pytest.mark.browser" in ast.unparse(node.value)
    return False


def _imports_playwright(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("playwright"):
            return True
        if isinstance(node, ast.Import) and any(a.name.startswith("playwright") for a in node.names):
            return True
    return False


def _drives_a_browser(test: ast.FunctionDef) -> bool:
    arguments = test.args.args
    return any(
        a.arg in BROWSER_FIXTURES
        or (a.annotation is not None and ast.unparse(a.annotation) in PLAYWRIGHT_TYPES)
        for a in arguments
    )


def test_every_test_that_drives_a_browser_is_marked_browser() -> None:
    """Read off the files (so it holds even when only this file runs): in a file that imports
    Playwright, a test taking the browser, a page or a server is marked, by the file or itself."""
    unmarked = []
    for path in sorted(TESTS.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not _imports_playwright(tree) or _module_marked_browser(tree):
            continue
        tests = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
        for test in tests:
            marked = any("pytest.mark.browser" in ast.unparse(d) for d in test.decorator_list)
            if _drives_a_browser(test) and not marked:
                unmarked.append(f"{path.name}::{test.name}")
    assert BROWSER_FILES and unmarked == []


def test_every_collected_test_using_the_browser_is_marked(request: pytest.FixtureRequest) -> None:
    """Over what this run collected (the whole suite, or what -m / -k left): a test whose fixtures
    reach the browser (page, server, writable_server …) is marked browser, so `-m "not browser"`
    never collects one."""
    unmarked = [
        item.nodeid
        for item in request.session.items
        if "browser" in getattr(item, "fixturenames", ()) and item.get_closest_marker("browser") is None
    ]
    assert unmarked == []


def _short_waits(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in NOT_PLAYWRIGHT:
            continue
        for keyword in node.keywords:
            if keyword.arg == "timeout" and isinstance(keyword.value, ast.Constant):
                found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    return found


def test_browser_waits_are_the_suites_wait() -> None:
    """No literal timeout (Playwright's 5 s expect, a 30 s here and there) in a browser test: each
    wait is BROWSER_WAIT_MS, or a share of it in a loop that tries again."""
    assert browser_support.BROWSER_WAIT_MS >= 60_000
    found = [wait for path in [TESTS / "browser_support.py", *BROWSER_FILES] for wait in _short_waits(path)]
    assert found == []
    source = (TESTS / "browser_support.py").read_text(encoding="utf-8")
    assert "expect.set_options(timeout=BROWSER_WAIT_MS)" in source
    assert "context.set_default_timeout(BROWSER_WAIT_MS)" in source


def test_the_markers_are_registered() -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]
    registered = {marker.split(":")[0] for marker in options["ini_options"]["markers"]}
    assert {"browser", "slow"} <= registered
    assert "--strict-markers" in options["ini_options"]["addopts"]
