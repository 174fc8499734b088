"""A load run on PostgreSQL: two dashboard servers on one database, busy sessions spread over them,
command-line imports alongside.

The size (S unless --size) is built into DuckDB and copied into a fresh PostgreSQL database on the
server of --pg (else $KPI_TEST_PG; benchmarks/engines.py, dropped at the end). Two `streamlit run
dashboard.py` servers (KPI_DB = that database) listen on free ports; --sessions Chromium profiles,
alternately on either server, sign in as the benchmark's executive and then each is a busy session
as in contention.py, here through a real server: reload the overview, wait until it is drawn
(browsers.py's check), read it for --think seconds, again, for --seconds. Meanwhile `python -m kpi
import` (KPI_DB set, as the command line runs beside the servers) imports the partner file, one
version after another (each with other notes, so each writes). Prints page-run p50/p95 per server
and every import's duration; a FAILED line for whatever failed. Nothing here asserts on time; the
exit code is 1 when an import failed.

    .venv/bin/python -m benchmarks.pg_load [--sessions 16] [--size S] [--seconds 30] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from playwright.async_api import Browser, Page, async_playwright  # noqa: E402

from benchmarks import engines  # noqa: E402
from benchmarks.browsers import (  # noqa: E402
    WAIT_MS,
    _cpu_seconds,
    _descendants,
    _overview_drawn,
    _p95,
    _server_pid,
    _sign_in,
    _warm_up,
)
from benchmarks.contention import _env  # noqa: E402
from benchmarks.portfolios import (  # noqa: E402
    BENCH_ORG,
    BENCH_PASSWORD,
    BENCH_USER,
    SIZES,
    TODAY,
    build,
    partner_csv,
)
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, serve_script  # noqa: E402

SETTLE_SECONDS = 2.0  # after the sign-ins, before the imports: every session reloading by then


@dataclass
class _Server:
    url: str
    runs: list[float] = field(default_factory=list)  # seconds from a reload to the overview drawn
    failures: list[str] = field(default_factory=list)
    sessions: int = 0
    cpu: float | None = None  # the server's CPU seconds during the load


@dataclass(frozen=True)
class _Import:
    number: int
    seconds: float
    code: int
    status: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.code == 0 and self.status == "imported"


async def _busy(page: Page, until: float, think: float, server: _Server) -> None:
    """contention.py's session: a page run, then a moment to read it, until the time is up."""
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            await page.reload(wait_until="commit", timeout=WAIT_MS)
            await _overview_drawn(page)
            server.runs.append(time.perf_counter() - started)
        except Exception as error:  # a page run that failed is counted and said, the session goes on
            server.failures.append(f"page run: {error!r}"[:300])
        await asyncio.sleep(think)


def _browser_cpu(servers: list[int | None]) -> float:
    """CPU seconds of Chromium's processes and Playwright's driver: this process's descendants but
    the servers (an import running at the moment of the look is counted with them)."""
    return sum(_cpu_seconds(pid) or 0.0 for pid in _descendants(os.getpid()) - set(servers))


def _import(number: int, file: Path, env: dict[str, str]) -> _Import:
    command = [sys.executable, "-m", "kpi", "import", str(file), "--org", BENCH_ORG, "--json",
               "--confirm-warnings"]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    try:
        status = str(json.loads(done.stdout).get("status", "?"))
    except (json.JSONDecodeError, AttributeError):
        status = "no JSON"
    return _Import(number, seconds, done.returncode, status, (done.stderr or done.stdout).strip()[-400:])


async def _imports(data: bytes, folder: Path, env: dict[str, str], until: float) -> list[_Import]:
    """One import after another until the time is up; file n has its notes changed as in
    contention.trial_files, so every import changes something."""
    done: list[_Import] = []
    while time.perf_counter() < until:
        n = len(done)
        file = folder / f"load-{n}.csv"
        file.write_bytes(data.replace("見直し".encode(), f"見直し{n}".encode()))
        done.append(await asyncio.to_thread(_import, n, file, env))
    return done


async def _load(servers: list[_Server], sessions: int, seconds: float, think: float, data: bytes,
                folder: Path, env: dict[str, str]) -> tuple[list[_Import], list[str], float]:  # fmt: skip
    failures: list[str] = []
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for server in servers:
                await _warm_up(browser, server.url)
            placed = [servers[n % len(servers)] for n in range(sessions)]
            contexts = []
            for _ in placed:
                context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
                context.set_default_timeout(WAIT_MS)
                context.set_default_navigation_timeout(WAIT_MS)
                contexts.append(context)
            signing_from = time.perf_counter()
            signed = await asyncio.gather(
                *(
                    _sign_in(c, s.url, BENCH_USER, BENCH_PASSWORD)
                    for c, s in zip(contexts, placed, strict=True)
                ),
                return_exceptions=True,
            )
            pages: list[tuple[Page, _Server]] = []
            for outcome, server in zip(signed, placed, strict=True):
                if isinstance(outcome, BaseException):
                    failures.append(f"sign-in on {server.url}: {outcome!r}"[:300])
                else:
                    pages.append((outcome[0], server))
                    server.sessions += 1
            took = time.perf_counter() - signing_from
            print(
                f"{len(pages)} of {sessions} sessions signed in in {took:.0f} s; the load begins", flush=True
            )
            pids = [_server_pid(s.url.rsplit(":", 1)[1]) for s in servers]
            cpu_before = [_cpu_seconds(pid) for pid in pids]
            browser_before = _browser_cpu(pids)
            until = time.perf_counter() + SETTLE_SECONDS + seconds
            busy = [asyncio.ensure_future(_busy(page, until, think, server)) for page, server in pages]
            await asyncio.sleep(SETTLE_SECONDS)
            imports = await _imports(data, folder, env, until)
            await asyncio.gather(*busy)
            cpu_after = [_cpu_seconds(pid) for pid in pids]
            for server, before, after in zip(servers, cpu_before, cpu_after, strict=True):
                server.cpu = after - before if after is not None and before is not None else None
            browser_cpu = _browser_cpu(pids) - browser_before
            for context in contexts:
                await context.close()
        finally:
            await browser.close()
    return imports, failures, browser_cpu


def _spread(values: list[float]) -> list[str]:
    """p50, p95 and max, as table cells."""
    if not values:
        return ["", "", ""]
    return [f"{v:.3f} s" for v in (statistics.median(values), _p95(values), max(values))]


def _report(servers: list[_Server], imports: list[_Import], failures: list[str], think: float) -> bool:
    """The table, then a FAILED line for each failure; whether every import succeeded."""
    lines = [["", "sessions", "runs", "p50", "p95", "max", "failed", "server CPU"]]
    for n, s in enumerate(servers, 1):
        runs = s.runs
        cpu = f"{s.cpu:.1f} s" if s.cpu is not None else ""
        label = f"page runs, server {n} ({s.url})"
        lines.append([label, str(s.sessions), str(len(runs)), *_spread(runs), str(len(s.failures)), cpu])
    took = [i.seconds for i in imports]
    ok = sum(i.ok for i in imports)
    label = f"CLI imports ({ok} of {len(imports)} succeeded)"
    lines.append([label, "", str(len(imports)), *_spread(took), str(len(imports) - ok), ""])
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print("\n".join(out))
    print(f"think {think:g} s between page runs; import seconds: {' '.join(f'{t:.2f}' for t in took)}")
    for i in imports:
        if not i.ok:
            print(f"FAILED import {i.number}: exit {i.code}, status {i.status}: {i.detail}")
    for n, s in enumerate(servers, 1):
        for failure in s.failures[:5]:
            print(f"FAILED server {n} {failure}")
    for failure in failures:
        print(f"FAILED {failure}")
    return ok == len(imports)


def main(argv: list[str] | None = None) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--sessions", type=int, default=16, help="busy sessions, spread over both servers")
    parser.add_argument("--size", default="S", choices=sorted(SIZES), help="portfolio size")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the load lasts")
    parser.add_argument("--think", type=float, default=1.0, help="seconds a session waits between page runs")
    parser.add_argument("--pg", help="PostgreSQL server URL without database (default: $KPI_TEST_PG)")
    args = parser.parse_args(argv)
    server_url = engines.server_url(args.pg)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no browser at {CHROMIUM}: install Debian's chromium")
    print(f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="kpi-pg-load-") as tmp:
        folder = Path(tmp)
        built = build(SIZES[args.size], folder)
        rows = engines.import_rows(built)
        print(f"{args.size} built in {built.build_seconds:.1f} s; imports of {rows:,} rows", flush=True)
        data = partner_csv(built, rows)
        with engines.postgres_copy(built, server_url) as (_, url), ExitStack() as stack:
            environment = {"KPI_DB": url, "KPI_TODAY": TODAY.isoformat()}
            servers = [_Server(stack.enter_context(serve_script(ROOT / "dashboard.py", **environment)))
                       for _ in range(2)]  # fmt: skip
            env = _env(TODAY.isoformat()) | {"KPI_DB": url}
            started = time.perf_counter()
            imports, failures, browser_cpu = asyncio.run(
                _load(servers, args.sessions, args.seconds, args.think, data, folder, env)
            )
            print(f"\nload of {time.perf_counter() - started:.0f} s; load average at end "
                  f"{os.getloadavg()[0]:.2f}\n")  # fmt: skip
            everything_imported = _report(servers, imports, failures, args.think)
            print(f"CPU of Chromium and Playwright's driver during the load: {browser_cpu:.1f} s")
    return 0 if everything_imported else 1


if __name__ == "__main__":
    sys.exit(main())
