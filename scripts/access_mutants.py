"""Remove each access check in kpi/, one at a time, and see the permission tests fail.

    .venv/bin/python scripts/access_mutants.py

Works on a temporary git worktree of HEAD (your working tree is never touched). For every line
that calls a check (require_role, require_writer, require_reader, require_organization,
_require_author), the line becomes `pass` and tests/test_access.py + tests/test_access_pages.py
run; a mutant the tests do not notice is printed as SURVIVED. Slow (one pytest run per check), so
it is a tool to run after changing access rules, not part of scripts/test.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = re.compile(
    r"^(\s*)(require_role|require_writer|require_reader|require_organization|_require_author)\("
)
TESTS = ["tests/test_access.py", "tests/test_access_pages.py"]


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), "HEAD"], cwd=ROOT, check=True)
        try:
            return _sweep(tree)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


def _sweep(tree: Path) -> int:
    survivors = total = 0
    for path in sorted((tree / "kpi").rglob("*.py")):
        if path.name == "access.py":  # the checks themselves; their callers are what is mutated
            continue
        original = path.read_text(encoding="utf-8")
        lines = original.split("\n")
        for number, line in enumerate(lines):
            match = CHECK.match(line)
            if not match or line.rstrip().endswith((",", "(")):
                continue
            total += 1
            path.write_text("\n".join([*lines[:number], f"{match.group(1)}pass", *lines[number + 1 :]]))
            command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS]
            run = subprocess.run(command, cwd=tree, capture_output=True, text=True)
            path.write_text(original, encoding="utf-8")
            caught = run.returncode != 0
            survivors += not caught
            where = f"{path.relative_to(tree)}:{number + 1}"
            print(f"{'caught  ' if caught else 'SURVIVED'} {where}: {line.strip()}", flush=True)
    print(f"{total} checks removed one at a time; {survivors} not noticed by the tests")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
