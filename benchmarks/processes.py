"""The command line as whole processes (issue 18): start-up and `status --json` against a bare DuckDB one.

    .venv/bin/python benchmarks/processes.py DB [--runs N]

Every figure is the median of N runs of a fresh `python` process (one warm-up run first, so the
file and the interpreter's .pyc files are in the page cache). CPU figures are the child's user +
system time (resource.getrusage(RUSAGE_CHILDREN) deltas): on a shared machine they vary far less
than wall time. Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from benchmarks.figures import FLOOR_SQL
from benchmarks.portfolios import TODAY

ROOT = Path(__file__).resolve().parent.parent

# The floor for `status --json`: a process that loads DuckDB, opens the file read-only, runs the
# GROUP BY that benchmarks/bench.py's status floor runs (over actual_current, the reports the
# status reads) and prints the rows as JSON.
BARE_DUCKDB = """
import json, sys
import duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
print(json.dumps(connection.execute(sys.argv[2]).fetchall(), default=str))
"""


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["KPI_TODAY"] = TODAY.isoformat()  # the date the benchmark portfolios are built for
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def _run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, user + system CPU seconds) of one process run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _medians(command: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    _run_once(command, env)  # warm-up
    measured = [_run_once(command, env) for _ in range(runs)]
    return statistics.median(w for w, _ in measured), statistics.median(c for _, c in measured)


def process_figures(db_path: Path, runs: int) -> dict[str, float]:
    """Medians over `runs` processes. help_cpu: CPU of `python -m kpi --help`; help_cpu_floor: CPU
    of `python -c pass`; status_json / bare_duckdb: wall seconds of `python -m kpi status --json` and
    of a bare DuckDB process doing one GROUP BY over the same file (…_cpu: their CPU seconds)."""
    env = _environment()
    python = sys.executable
    db = str(db_path)
    _, help_cpu = _medians([python, "-m", "kpi", "--help"], runs, env)
    _, floor_cpu = _medians([python, "-c", "pass"], runs, env)
    status_wall, status_cpu = _medians([python, "-m", "kpi", "status", "--db", db, "--json"], runs, env)
    bare_wall, bare_cpu = _medians([python, "-c", BARE_DUCKDB, db, FLOOR_SQL], runs, env)
    return {
        "help_cpu": help_cpu,
        "help_cpu_floor": floor_cpu,
        "status_json": status_wall,
        "bare_duckdb": bare_wall,
        "status_json_cpu": status_cpu,
        "bare_duckdb_cpu": bare_cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a database made by `python -m kpi init` (--demo) or bench.py")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    figures = process_figures(args.db, args.runs)
    figures["status_json / bare_duckdb"] = figures["status_json"] / figures["bare_duckdb"]
    figures["status_json_cpu / bare_duckdb_cpu"] = figures["status_json_cpu"] / figures["bare_duckdb_cpu"]
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
