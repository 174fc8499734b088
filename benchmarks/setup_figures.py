"""`python -m kpi setup DIR` on a 1,000-project registry: first load and an unchanged re-load, in
this process and as a whole command, next to DuckDB's own CSV reader loading the same files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from benchmarks.figures import median_seconds
from benchmarks.portfolios import TODAY
from benchmarks.registry_files import registry_rows, synthetic_registry
from kpi.access import Actor
from kpi.registry.setup import setup_registry
from kpi.storage import Database

ROOT = Path(__file__).resolve().parent.parent
PROJECTS, KPIS, PARTNERS = 1_000, 5, 3


def _floor(folder: Path) -> None:
    """Every file read by DuckDB's CSV reader into a table of an in-memory database."""
    connection = duckdb.connect()
    for path in sorted(folder.glob("*.csv")):
        connection.execute(f"CREATE TABLE t_{path.stem} AS SELECT * FROM read_csv(?)", [str(path)])
    connection.close()


def _setup(db_path: Path, folder: Path) -> None:
    db = Database(db_path)
    result = setup_registry(db, folder, actor=Actor.operator("benchmark"), lang="en")
    db.close()
    if result.status != "loaded":
        raise RuntimeError(f"setup {result.status}: {[e.as_dict() for e in result.errors[:3]]}")


def _command(db_path: Path, folder: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KPI_LANG": "en"}
    command = [sys.executable, "-m", "kpi", "setup", str(folder), "--db", str(db_path)]
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)


def setup_figures(scratch: Path, runs: int) -> dict[str, float]:
    folder = synthetic_registry(PROJECTS, KPIS, PARTNERS, scratch / "registry", TODAY)
    empty, db_path = scratch / "empty.duckdb", scratch / "setup.duckdb"
    Database(empty, create=True).migrate()

    def fresh() -> None:
        shutil.copyfile(empty, db_path)

    commands = max(1, min(runs, 3))  # a whole process each: a few are enough
    figures = {
        "first": median_seconds(lambda: _setup(db_path, folder), runs, before=fresh),
        "command_first": median_seconds(lambda: _command(db_path, folder), commands, before=fresh),
        "floor": median_seconds(lambda: _floor(folder), runs),
    }
    fresh()
    _setup(db_path, folder)
    figures["reload"] = median_seconds(lambda: _setup(db_path, folder), runs)
    figures["command_reload"] = median_seconds(lambda: _command(db_path, folder), commands)
    figures.update({f"rows_{name}": float(n) for name, n in registry_rows(folder).items()})
    return figures


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for name, value in setup_figures(Path(tmp), 3).items():
            print(f"{name}: {value:.3f}")
