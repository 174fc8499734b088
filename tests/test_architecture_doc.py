"""ARCHITECTURE.md stays true: every module it names exists, and every module exists in it.

The layout section lists each package under a `### path/` heading and its modules as bullets
starting with the file name in backticks, so this reads it without guessing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCUMENTED_TREES = ("kpi", "ui", "pages")
HEADING = re.compile(r"^### `(?P<folder>[\w/]+/)`")
BULLET = re.compile(r"^- `(?P<files>[\w./, ]+\.py)`")


def documented_modules(text: str) -> list[str]:
    """Module paths the layout section names, in order (a repeated one appears twice)."""
    modules, folder = [], None
    for line in text.splitlines():
        if heading := HEADING.match(line):
            folder = heading["folder"]
        elif line.startswith("## "):
            folder = None
        elif folder is not None and (bullet := BULLET.match(line)):
            modules += [folder + name.strip() for name in bullet["files"].split(",")]
    return modules


def existing_modules() -> set[str]:
    found = {
        path.relative_to(ROOT).as_posix()
        for tree in DOCUMENTED_TREES
        for path in (ROOT / tree).rglob("*.py")
        if path.name != "__init__.py"
    }
    return found


def test_the_reader_finds_headings_and_bullets() -> None:
    sample = "## Layout\n### `kpi/a/`\n- `x.py` — one\n- `y.py, z.py` — two\n## Decisions\n- `w.py`\n"
    assert documented_modules(sample) == ["kpi/a/x.py", "kpi/a/y.py", "kpi/a/z.py"]


def test_architecture_names_every_module_once_and_only_modules_that_exist() -> None:
    named = documented_modules((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    repeated = sorted({module for module in named if named.count(module) > 1})
    assert not repeated, f"named twice in ARCHITECTURE.md: {repeated}"
    missing = sorted(module for module in set(named) if not (ROOT / module).is_file())
    assert not missing, f"ARCHITECTURE.md names modules that do not exist: {missing}"
    undocumented = sorted(existing_modules() - set(named))
    assert not undocumented, f"modules ARCHITECTURE.md does not describe: {undocumented}"


def test_every_package_has_its_heading() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    headings = {m["folder"] for line in text.splitlines() if (m := HEADING.match(line))}
    packages = {
        path.parent.relative_to(ROOT).as_posix() + "/"
        for tree in DOCUMENTED_TREES
        for path in (ROOT / tree).rglob("*.py")
    }
    assert packages <= headings, sorted(packages - headings)


PATH_MENTION = re.compile(r"(?<![\w/.])((?:kpi|ui|pages|tests|benchmarks|scripts)/[\w/]*\w\.py)\b")


@pytest.mark.parametrize("document", ["ARCHITECTURE.md", "README.md"])
def test_every_file_the_documents_mention_exists(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    mentioned = set(PATH_MENTION.findall(text))
    assert mentioned, "the reader found no path: the pattern is wrong"
    assert sorted(path for path in mentioned if not (ROOT / path).is_file()) == []


def test_the_public_api_names_resolve_to_their_one_home() -> None:
    import kpi

    assert sorted(kpi.__all__) == sorted(kpi._PUBLIC)
    for name in kpi.__all__:
        value = getattr(kpi, name)
        assert getattr(value, "__name__", name) == name
    with pytest.raises(AttributeError):
        _ = kpi.not_a_public_name
