"""Benchmarks (issues 8, 15, 18): status, pages, import, memory, registry setup, command start-up,
an import while the dashboard is busy, and many browsers at once.

    .venv/bin/python benchmarks/bench.py [--sizes S,M,L] [--runs N]
    .venv/bin/python benchmarks/bench.py --hostile    # issue 15's hostile partner files only
    .venv/bin/python benchmarks/bench.py --sizes S --engines duckdb,postgresql [--pg URL]
    .venv/bin/python -m benchmarks.pg_load [--sessions 16] [--size S] [--seconds 30]  # load run

Prints one table: figure, size, median seconds (or MB), baseline, baseline median, ratio, target,
met. Each size is generated and loaded once into a temporary folder. Figures are medians of
--runs runs in this process (pandas at most 3); targets apply at L. Nothing here asserts on time.
With --engines duckdb,postgresql each size is also copied into a fresh PostgreSQL database on the
server of --pg (else $KPI_TEST_PG), and status, overview and import are measured there: rows marked
" [postgresql]", each with the DuckDB figure of the same size and run as its baseline
(benchmarks/engines.py). pg_load.py is a load run: two dashboard servers on one PostgreSQL database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest's bare-mode warnings, once per run

from benchmarks import figures
from benchmarks.portfolios import (
    BENCH_ORG,
    BENCH_PASSWORD,
    BENCH_USER,
    IMPORT_ROWS,
    SIZES,
    TODAY,
    Built,
    build,
    partner_csv,
)


@dataclass(frozen=True)
class Row:
    figure: str
    size: str
    value: float
    unit: str = "s"
    baseline: str = ""
    baseline_value: float | None = None
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline_value if self.baseline_value else None


def _status_rows(built: Built, runs: int, at_l: bool) -> list[Row]:
    f = figures.status_figures(built, runs)
    s = built.size.name
    target_ok = f["status"] < 1.0 and f["status"] <= 3 * f["group_by"]
    return [
        Row("status", s, f["status"], baseline="DuckDB GROUP BY", baseline_value=f["group_by"],
            target="≤3× floor, <1 s" if at_l else "", met=target_ok if at_l else None),
        Row("status", s, f["status"], baseline="pandas", baseline_value=f["pandas"]),
    ]  # fmt: skip


def _page_rows(built: Built, runs: int, at_l: bool, status_seconds: float) -> list[Row]:
    try:
        f = figures.page_figures(built, runs)
    except RuntimeError as error:  # the pages are being built by others: report, keep measuring
        print(f"{built.size.name}: page not measured: {error}", flush=True)
        return []
    s = built.size.name
    targets = {"overview": 3.0, "project": 0.5}
    rows = []
    for page, limit in targets.items():
        if f"{page} first" not in f:
            continue
        target = f"<{limit:g} s" if at_l else ""
        for label, key in (("first view", "first"), ("cached rerun", "cached")):
            value = f[f"{page} {key}"]
            rows.append(Row(f"{page} page, {label}", s, value, baseline="status query",
                            baseline_value=status_seconds, target=target,
                            met=value < limit if at_l else None))  # fmt: skip
    return rows


def _import_rows(built: Built, runs: int, folder: Path) -> list[Row]:
    if built.size.projects * built.size.kpis * built.size.quarters < IMPORT_ROWS:
        return []  # no room for 100,000 distinct project × KPI × period keys at this size
    data = partner_csv(built)
    f = figures.import_figures(built, data, folder, runs)
    ok = f["import"] < 5 and f["import"] <= 4 * f["read_csv"]
    return [Row(f"import {IMPORT_ROWS:,} rows", built.size.name, f["import"], baseline="pandas.read_csv",
                baseline_value=f["read_csv"], target="≤4× floor, <5 s", met=ok)]  # fmt: skip


# -- PostgreSQL beside DuckDB ---------------------------------------------------------------------


def _engine_rows(built: Built, runs: int, folder: Path, server: str, rows: list[Row]) -> list[Row]:
    """Status, overview and import on PostgreSQL, each against DuckDB's figure of this size and run:
    the rows already measured where they exist (status; the 100,000-row import), else measured here."""
    from benchmarks import engines

    s = built.size.name
    mine = {r.figure: r.value for r in rows if r.size == s}
    added: list[Row] = []
    import_rows = engines.import_rows(built)
    label = engines.import_label(import_rows)
    data = partner_csv(built, import_rows)
    duck_target = str(built.path)
    if "status" not in mine:
        mine["status"] = engines.status_seconds(duck_target, runs)
        added.append(Row("status", s, mine["status"]))
    overview = "overview (build_overview)"
    mine[overview] = engines.overview_seconds(duck_target, runs)
    added.append(Row(overview, s, mine[overview]))
    if label not in mine:
        mine[label] = engines.duckdb_import_seconds(built, data, folder, runs)
        added.append(Row(label, s, mine[label]))
    floor = "DuckDB, same run"
    try:
        with engines.postgres_copy(built, server) as (name, url):
            measured = {
                "status": lambda: engines.status_seconds(url, runs),
                overview: lambda: engines.overview_seconds(url, runs),
                label: lambda: engines.postgres_import_seconds(server, name, data, runs),
            }
            for figure, measure in measured.items():
                try:
                    value = measure()
                except Exception as error:  # e.g. a query the translation cannot run: said, the rest goes on
                    print(f"{s}: {figure} [postgresql] FAILED: {type(error).__name__}: {error}", flush=True)
                    continue
                added.append(Row(f"{figure} [postgresql]", s, value, baseline=floor,
                                 baseline_value=mine[figure]))  # fmt: skip
    except Exception as error:  # the copy itself: the DuckDB rows still stand
        print(f"{s}: copy into PostgreSQL FAILED: {type(error).__name__}: {error}", flush=True)
    return added


# -- issue 18: where people wait ------------------------------------------------------------------


def _setup_rows(folder: Path, runs: int) -> list[Row]:
    from benchmarks.setup_figures import setup_figures

    f = setup_figures(folder / "setup", runs)
    size = f"{int(f['rows_projects']):,} projects"
    floor = "DuckDB read_csv of the files"
    return [
        Row("setup, first load", size, f["first"], baseline=floor, baseline_value=f["floor"], target="<3 s",
            met=f["first"] < 3),
        Row("setup, unchanged re-load", size, f["reload"], baseline=floor, baseline_value=f["floor"],
            target="<1 s", met=f["reload"] < 1),
        Row("`kpi setup` process, first load", size, f["command_first"], baseline=floor,
            baseline_value=f["floor"]),
        Row("`kpi setup` process, re-load", size, f["command_reload"], baseline=floor,
            baseline_value=f["floor"]),
    ]  # fmt: skip


def _process_rows(built: Built, runs: int) -> list[Row]:
    from benchmarks.processes import process_figures

    f = process_figures(built.path, runs)
    s = built.size.name
    return [
        Row("`kpi status --json` process", s, f["status_json"], baseline="bare DuckDB GROUP BY process",
            baseline_value=f["bare_duckdb"], target="≤2.5× floor",
            met=f["status_json"] <= 2.5 * f["bare_duckdb"]),
        Row("`kpi --help` CPU", s, f["help_cpu"], baseline="`python -c pass` CPU",
            baseline_value=f["help_cpu_floor"], target="<0.3 s", met=f["help_cpu"] < 0.3),
    ]  # fmt: skip


def _contention_rows(built: Built, folder: Path, sessions: int = 16) -> list[Row]:
    from benchmarks.contention import contention_figures, trial_files

    files = trial_files(partner_csv(built), folder, 3)
    f = contention_figures(built.path, files, BENCH_ORG, TODAY.isoformat(), sessions=sessions)
    s = built.size.name
    print(f"{s}: contention: {json.dumps(f)}", flush=True)
    busy = f"{sessions} sessions"
    return [
        Row(f"CLI waits for the file, {busy} busy (max)", s, f["probe_wait_max"], baseline="no dashboard",
            baseline_value=f["probe_wait_floor"], target="<2 s", met=f["probe_wait_max"] < 2),
        Row(f"CLI import {IMPORT_ROWS:,} rows, {busy} busy (max; {f['failed_imports']:.0f} failed)", s,
            f["import_max"], baseline="no dashboard", baseline_value=f["import_floor"],
            met=f["failed_imports"] == 0),
        Row(f"page run p95 during the imports ({busy})", s, f["page_p95"],
            baseline="same sessions, no import",
            baseline_value=f["page_p95_quiet"], target="<1 s", met=f["page_p95"] < 1),
    ]  # fmt: skip


def _browser_rows(built: Built, sessions: int = 20) -> list[Row]:
    from benchmarks.browsers import browser_figures

    f = browser_figures(built.path, username=BENCH_USER, password=BENCH_PASSWORD, sessions=sessions)
    s = built.size.name
    print(f"{s}: browsers: {json.dumps(f)}", flush=True)
    rendered = f"{f['rendered']:.0f} of {f['sessions']:.0f} rendered"
    return [
        Row(f"overview in {sessions} browsers at once, p95 ({rendered})", s, f["p95"], baseline="p50",
            baseline_value=f["p50"], target="<3 s, all render",
            met=f["p95"] < 3 and f["rendered"] == f["sessions"]),
    ]  # fmt: skip


# -- hostile partner files (issue 15) --------------------------------------------------------------

# The child that imports one file: import_file timed alone (not the interpreter's start).
_HOSTILE_CHILD = """
import json, sys, time
from datetime import date
sys.path.insert(0, {root!r})
from kpi.access import Actor
from kpi.intake.service import import_file
from kpi.storage import Database
data = open({file!r}, "rb").read()
db = Database({db!r})
started = time.perf_counter()
result = import_file(db, data, file_name={name!r}, organization_code="U1", actor=Actor.operator("benchmark"),
                     lang="en", today=date(2026, 11, 26))
seconds = time.perf_counter() - started
codes = [e.code for e in result.errors][:2]
print(json.dumps({{"seconds": seconds, "status": result.status, "codes": codes}}))
"""


def _hostile_rows(folder: Path) -> list[Row]:
    """Each file of tests/hostile_files.py through import_file, in a child process per file (peak
    memory through a small launcher, as figures.peak_memory_mb), on the tests' small registry."""
    from kpi.storage import Database
    from tests import hostile_files
    from tests.test_intake import load_registry

    registry = folder / "hostile-registry.duckdb"
    db = Database(registry)
    db.migrate()
    load_registry(db, folder / "hostile-registry")
    db.close()
    rows: list[Row] = []
    for name, make in hostile_files.CASES.items():
        path, copy = folder / name, folder / "hostile.duckdb"
        path.write_bytes(make())
        shutil.copyfile(registry, copy)
        child = _HOSTILE_CHILD.format(root=str(Path(__file__).resolve().parent.parent), file=str(path),
                                      db=str(copy), name=name)  # fmt: skip
        launcher = (
            "import resource, subprocess, sys; "
            f"subprocess.run([sys.executable, '-c', {child!r}], check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        done = subprocess.run([sys.executable, "-c", launcher], check=True, capture_output=True, text=True)
        *_, line, peak_kb = done.stdout.strip().splitlines()  # the child's result, then the launcher's peak
        result = json.loads(line)
        outcome = f"{result['status']} {','.join(result['codes'])}".strip()
        size = f"{path.stat().st_size / 1024:,.0f} KB"
        rows.append(Row(f"{name} → {outcome}", size, result["seconds"], target="<10 s",
                        met=result["seconds"] < 10))  # fmt: skip
        mb = int(peak_kb) / 1024
        rows.append(Row(f"{name}: peak memory", size, mb, unit="MB", target="<500 MB", met=mb < 500))
        print(f"{name}: {result['seconds']:.3f} s, {mb:,.0f} MB, {outcome}", flush=True)
        path.unlink()
    return rows


def _format(rows: list[Row]) -> str:
    header = ["figure", "size", "median", "baseline", "baseline median", "ratio", "target", "met"]
    lines = [header]
    for r in rows:
        number = f"{r.value:,.0f} MB" if r.unit == "MB" else f"{r.value:.3f} s"
        base = f"{r.baseline_value:.3f} s" if r.baseline_value is not None else ""
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else ""
        met = "" if r.met is None else ("yes" if r.met else "no")
        lines.append([r.figure, r.size, number, r.baseline, base, ratio, r.target, met])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--sizes", default="S,M,L", help="comma-separated sizes among S, M, L")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--hostile", action="store_true", help="only issue 15's hostile partner files")
    parser.add_argument("--quick", action="store_true", help="without the contention and browser figures")
    parser.add_argument("--engines", default="duckdb", help="comma-separated: duckdb, or duckdb,postgresql")
    parser.add_argument("--pg", help="PostgreSQL server URL without database (default: $KPI_TEST_PG)")
    args = parser.parse_args(argv)
    if args.hostile:
        print(f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.2f}", flush=True)
        with tempfile.TemporaryDirectory(prefix="kpi-bench-") as tmp:
            hostile = _hostile_rows(Path(tmp))
        print(f"\nload average at end {os.getloadavg()[0]:.2f}\n")
        print(_format(hostile))
        return 0
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    if unknown := [s for s in sizes if s not in SIZES]:
        parser.error(f"unknown size {unknown[0]}; choose from {', '.join(SIZES)}")
    engines = [e.strip().lower() for e in args.engines.split(",") if e.strip()]
    if unknown := [e for e in engines if e not in ("duckdb", "postgresql")]:
        parser.error(f"unknown engine {unknown[0]}; choose from duckdb, postgresql")
    if "duckdb" not in engines:
        parser.error("--engines must include duckdb: its figures are PostgreSQL's floor")
    server = None
    if "postgresql" in engines:
        from benchmarks.engines import server_url

        server = server_url(args.pg)
    started = time.perf_counter()
    print(f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.2f}", flush=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as tmp:
        folder = Path(tmp)
        for name in sizes:
            size = SIZES[name]
            built = build(size, folder)
            print(f"{name}: {size.projects:,} projects × {size.kpis} KPIs × {size.quarters} quarters × "
                  f"{size.partners} partners = {size.actual_rows:,} actual rows, built in "
                  f"{built.build_seconds:.1f} s", flush=True)  # fmt: skip
            if name == "S":
                bad = figures.check_pandas_baseline(built)
                print(f"S: pandas baseline vs portfolio_status: {bad} differing fields", flush=True)
            at_l = name == "L"
            status = _status_rows(built, args.runs, at_l)
            rows += status
            rows += _page_rows(built, args.runs, at_l, status[0].value)
            rows += _import_rows(built, args.runs, folder)
            if name == "M":  # issue 18's figures are asked at M (and setup of a 1,000-project registry)
                rows += _setup_rows(folder, args.runs)
                rows += _process_rows(built, args.runs)
                if not args.quick:
                    rows += _contention_rows(built, folder)
                    rows += _browser_rows(built)
            if at_l:
                mb = figures.peak_memory_mb(built)
                memory = Row("peak memory (overview)", name, mb, unit="MB", target="<1,536 MB", met=mb < 1536)
                rows.append(memory)
            if server is not None:
                rows += _engine_rows(built, args.runs, folder, server, rows)
            print(_format([r for r in rows if r.size == name]), flush=True)
            built.path.unlink()
    if not figures.has_project_page():
        print(f"note: {figures.PROJECT_PAGE} does not exist yet; project page not measured")
    print(f"\nload average at end {os.getloadavg()[0]:.2f}; total {time.perf_counter() - started:.0f} s\n")
    print(_format(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
