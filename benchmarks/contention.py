"""A command-line import while the dashboard is busy: does the writer get the file, and how long do
the dashboard's page runs take meanwhile?

Two real processes, as in production: a "dashboard" whose 16 threads (sessions) each compute what
the overview computes, one run after another, all on one `Database` handle; and the command line,
which asks for the file (a probe that times how long it waits for a transaction) and then imports a
partner file (`python -m kpi import`). The floors are the same probe and import with no dashboard.

    .venv/bin/python -m benchmarks.contention [--db PATH] [--sessions 16] [--trials 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUIET_SECONDS = 10.0

# One session: a page run as the overview does it with cold caches (the status of every project),
# then a moment to read it before the next click (THINK seconds): 16 people at work, not a loop.
DASHBOARD = """
import json, sys, threading, time
from datetime import date
from pathlib import Path
from kpi.portfolio.status import portfolio_status
from kpi.storage import Database
path, stop, sessions = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
today, think = date.fromisoformat(sys.argv[4]), float(sys.argv[5])
db = Database(path)
runs, failures = [], []
def session(n):
    time.sleep(n * 0.02)
    while not stop.exists():
        started = time.perf_counter()
        try:
            portfolio_status(db, today)
        except Exception as error:
            failures.append(repr(error))
        runs.append((started, time.perf_counter() - started))
        time.sleep(think)
threads = [threading.Thread(target=session, args=(n,)) for n in range(sessions)]
for t in threads:
    t.start()
print("busy", flush=True)
for t in threads:
    t.join()
print(json.dumps({"runs": runs, "failures": failures[:3], "failed": len(failures)}), flush=True)
"""

# How long the command line waits for the file: from asking to being inside a transaction.
PROBE = """
import sys, time
from kpi.storage import Database
db = Database(sys.argv[1])
started = time.perf_counter()
with db.transaction() as cursor:
    waited = time.perf_counter() - started
    cursor.execute("SELECT count(*) FROM projects").fetchall()
db.close()
print(waited, flush=True)
"""


def _env(today: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "KPI_TODAY": today, "KPI_LANG": "en"}


def _probe(db_path: Path, env: dict[str, str]) -> float:
    done = subprocess.run([sys.executable, "-c", PROBE, str(db_path)], env=env, check=True,
                          capture_output=True, text=True)  # fmt: skip
    return float(done.stdout.split()[-1])


def _import(db_path: Path, file: Path, org: str, env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    command = [
        sys.executable,
        "-m",
        "kpi",
        "import",
        str(file),
        "--org",
        org,
        "--db",
        str(db_path),
        "--json",
        "--confirm-warnings",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        print(f"import exited {done.returncode}: {done.stderr.strip()[-300:]}", file=sys.stderr, flush=True)
    return time.perf_counter() - started, done.returncode


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else (values[0] if values else 0.0)


def contention_figures(
    db_path: Path, files: list[Path], org: str, today: str, *, sessions: int = 16, think: float = 1.0
) -> dict[str, float]:
    """files: one partner file per trial (each changes something, so none is "already imported");
    the first is imported once alone for the floor, on a copy of the database."""
    env = _env(today)
    with tempfile.TemporaryDirectory() as scratch:
        solo_db = Path(scratch) / "solo.duckdb"
        solo_db.write_bytes(db_path.read_bytes())
        probe_floor = _probe(solo_db, env)
        import_floor, code = _import(solo_db, files[0], org, env)
        if code != 0:
            raise RuntimeError(f"the import alone exited {code}")
        stop = Path(scratch) / "stop"
        arguments = [str(db_path), str(stop), str(sessions), today, str(think)]
        command = [sys.executable, "-c", textwrap.dedent(DASHBOARD), *arguments]
        dashboard = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        assert dashboard.stdout is not None
        if dashboard.stdout.readline().strip() != "busy":
            raise RuntimeError("the dashboard process did not start")
        time.sleep(2.0)  # let every session get going (a benchmark, not a test)
        quiet_from = time.perf_counter()
        time.sleep(QUIET_SECONDS)  # the page runs' own floor: the same sessions, no import
        busy_from = time.perf_counter()
        probes, imports, failed_imports = [], [], 0
        for file in files:
            probes.append(_probe(db_path, env))
            seconds, code = _import(db_path, file, org, env)
            imports.append(seconds)
            failed_imports += code != 0
        busy_until = time.perf_counter()
        stop.touch()
        out, _ = dashboard.communicate(timeout=600)
    report = json.loads(out.strip().splitlines()[-1])
    during = [seconds for started, seconds in report["runs"] if busy_from <= started <= busy_until]
    quiet = [seconds for started, seconds in report["runs"] if quiet_from <= started < busy_from]
    return {
        "sessions": sessions,
        "think": think,
        "probe_wait_max": max(probes),
        "probe_wait_floor": probe_floor,
        "import_max": max(imports),
        "import_floor": import_floor,
        "failed_imports": failed_imports,
        "page_runs": len(during),
        "page_p50": statistics.median(during) if during else 0.0,
        "page_p95": _p95(during),
        "page_p95_quiet": _p95(quiet),
        "page_failures": report["failed"],
    }


def trial_files(data: bytes, folder: Path, trials: int) -> list[Path]:
    """The same partner file with its notes changed per trial: every import writes something."""
    paths = []
    for n in range(trials + 1):
        path = folder / f"contention-{n}.csv"
        path.write_bytes(data.replace("見直し".encode(), f"見直し{n}".encode()))
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--think", type=float, default=1.0, help="seconds a session waits between page runs")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from benchmarks.portfolios import BENCH_ORG, SIZES, TODAY, build, partner_csv

    with tempfile.TemporaryDirectory() as folder:
        built = build(SIZES["M"], Path(folder))
        files = trial_files(partner_csv(built), Path(folder), args.trials)
        figures = contention_figures(
            built.path, files, BENCH_ORG, TODAY.isoformat(), sessions=args.sessions, think=args.think
        )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
