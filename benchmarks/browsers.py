"""Issue 18: many people on the overview at once, in real browsers.

The dashboard runs as a real Streamlit server over a benchmark database; one Debian Chromium holds
`sessions` browser profiles (contexts), each signed in as the benchmark's executive. Then every
profile reloads the overview at the same moment, and each reload is timed from the navigation until
the overview's data is on screen and the script run has ended. Nothing here asserts on time: the
goal (p95 under 3 s at 20 sessions) is reported, not checked.

    .venv/bin/python -m benchmarks.browsers [--db PATH] [--sessions 1,5,20]

Without --db, size M (1,000 projects) is built in a temporary folder first (about a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect  # noqa: E402

from benchmarks.portfolios import BENCH_PASSWORD, BENCH_USER, SIZES, TODAY, build  # noqa: E402
from kpi.accounts.sessions import COOKIE_NAME  # noqa: E402
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, serve_script  # noqa: E402

WAIT_MS = 120_000  # a shared two-core machine with twenty pages drawing: generous, never short
CHARTS = 5  # the overview's charts: all projects by KPI, then four breakdowns


@dataclass
class _Timings:
    sign_in: list[float] = field(default_factory=list)
    rendered: list[float] = field(default_factory=list)  # seconds from the reload to the overview drawn
    first_metric: list[float] = field(default_factory=list)  # from the reload to the headline numbers
    failures: list[str] = field(default_factory=list)
    server_cpu: float | None = None  # the server's CPU seconds during the concurrent reloads
    browser_cpu: float | None = None  # Chromium's and Playwright's (this process's other children)
    wall: float = 0.0  # from the first reload asked to the last overview drawn


# Is the overview drawn? Checked in the page every POLL_MS (Playwright's expect backs off to a second
# between tries, which would blur the figures by as much): the project count chip has a number, the
# status matrix has a size, every chart has its SVG, the page's last element (the download row) is
# there, and Streamlit's running indicator is gone. Notes when the number first showed (ms since the
# page's navigation began); returns [that, now], or "exception" if the page showed one.
DRAWN = """charts => {
  if (document.querySelector('[data-testid=stException]')) return 'exception';
  const metric = document.querySelector('.st-key-ov_chip_total [data-testid=stMetricValue]');
  if (!metric || !/[0-9]/.test(metric.textContent)) return false;
  window.__kpiFirstMetric ??= performance.now();
  const matrix = document.querySelector('[data-testid=stDataFrame]');
  if (!matrix || matrix.getBoundingClientRect().height === 0) return false;
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  if (plots.length !== charts || plots.some(p => !p.querySelector('svg.main-svg'))) return false;
  if (!document.querySelector('.st-key-download_csv')) return false;
  if (document.querySelector('[data-testid=stStatusWidget]')) return false;
  return [window.__kpiFirstMetric, performance.now()];
}"""
POLL_MS = 50


async def _overview_drawn(page: Page) -> float:
    """Wait until the overview's data is on screen and its run has ended (DRAWN); return how many
    seconds before that the headline numbers first showed."""
    handle = await page.wait_for_function(DRAWN, arg=CHARTS, polling=POLL_MS, timeout=WAIT_MS)
    drawn = await handle.json_value()
    if drawn == "exception":
        raise RuntimeError("the overview showed an exception")
    first_metric_ms, now_ms = drawn
    return (now_ms - first_metric_ms) / 1000


async def _sign_in(context: BrowserContext, url: str, username: str, password: str) -> tuple[Page, float]:
    """Sign in through the form; the overview is the landing page. Returns the page and the seconds
    from the submit click to the overview drawn."""
    page = await context.new_page()
    await page.goto(f"{url}/?lang=en")
    form = page.get_by_test_id("stForm")
    await expect(form).to_be_visible(timeout=WAIT_MS)
    await expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=WAIT_MS)
    await form.locator("input[type=text]").fill(username)
    await form.locator("input[type=password]").fill(password)
    started = time.perf_counter()
    await form.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    await expect(page.locator("input[type=password]")).to_have_count(0, timeout=WAIT_MS)
    await _overview_drawn(page)
    seconds = time.perf_counter() - started
    # The session cookie is written after the run: without it a reload shows the form again.
    await page.wait_for_function(f"document.cookie.includes('{COOKIE_NAME}=')", timeout=WAIT_MS)
    return page, seconds


async def _warm_up(browser: Browser, url: str) -> None:
    """One anonymous visit until the sign-in form's run has ended. A cold server's first run leaves
    Streamlit's pages/-folder routing (ui/routing.py) and runs again; sessions that connect while
    it does may draw the form with widget ids of the old routing, and then their first click on
    "Sign in" is lost (the run after it ends at once, form still filled, no message). That is a
    cold start's matter, not the steady state this measures: the visit gets it over first."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(url, timeout=WAIT_MS)
        await expect(page.get_by_test_id("stForm")).to_be_visible(timeout=WAIT_MS)
        await expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=WAIT_MS)
    finally:
        await context.close()


async def _reload(page: Page, start: asyncio.Event) -> tuple[float, float]:
    await start.wait()
    started = time.perf_counter()
    await page.reload(wait_until="commit", timeout=WAIT_MS)
    metric_before = await _overview_drawn(page)
    seconds = time.perf_counter() - started
    return seconds, seconds - metric_before


def _server_pid(port: str) -> int | None:
    """The Streamlit process serving `port` (serve_script keeps its process to itself): Linux only."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(arguments) and port.encode() in arguments:
            return int(entry.name)
    return None


def _cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of pid and its waited-for children, from /proc."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _descendants(root: int) -> set[int]:
    """Every process below root, from /proc (Linux only)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _others_cpu(server: int | None) -> float:
    """CPU seconds of this process's descendants other than the server: the browser's processes
    and Playwright's driver (a renderer that exits between two looks is missed)."""
    return sum(_cpu_seconds(pid) or 0.0 for pid in _descendants(os.getpid()) - {server})


async def _measure(url: str, username: str, password: str, sessions: int) -> _Timings:
    timings = _Timings()
    pid = _server_pid(url.rsplit(":", 1)[1])
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await _warm_up(browser, url)
            contexts = []
            for _ in range(sessions):
                context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
                context.set_default_timeout(WAIT_MS)
                context.set_default_navigation_timeout(WAIT_MS)
                contexts.append(context)
            signed = await asyncio.gather(
                *(_sign_in(c, url, username, password) for c in contexts), return_exceptions=True
            )
            pages = []
            for outcome in signed:
                if isinstance(outcome, BaseException):
                    timings.failures.append(f"sign-in: {outcome!r}"[:300])
                else:
                    pages.append(outcome[0])
                    timings.sign_in.append(outcome[1])
            start = asyncio.Event()
            reloads = [asyncio.ensure_future(_reload(p, start)) for p in pages]
            await asyncio.sleep(0)  # every reload waiting on the event: they start together
            others_before = _others_cpu(pid)
            cpu_before, started = _cpu_seconds(pid), time.perf_counter()
            start.set()
            done = await asyncio.gather(*reloads, return_exceptions=True)
            timings.wall = time.perf_counter() - started
            cpu_after = _cpu_seconds(pid)
            timings.browser_cpu = _others_cpu(pid) - others_before
            if cpu_before is not None and cpu_after is not None:
                timings.server_cpu = cpu_after - cpu_before
            for result in done:
                if isinstance(result, BaseException):
                    timings.failures.append(f"reload: {result!r}"[:300])
                else:
                    timings.rendered.append(result[0])
                    timings.first_metric.append(result[1])
            for context in contexts:
                await context.close()
        finally:
            await browser.close()
    return timings


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def _run(db_path: Path, username: str, password: str, sessions: int) -> _Timings:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"no browser at {CHROMIUM}: install Debian's chromium")
    # serve_script: a free localhost port, waits for /_stcore/health, terminates the server after.
    with serve_script(ROOT / "dashboard.py", KPI_DB=str(db_path), KPI_TODAY=TODAY.isoformat()) as url:
        return asyncio.run(_measure(url, username, password, sessions))


def _summary(timings: _Timings, sessions: int) -> dict[str, float]:
    rendered = timings.rendered
    return {
        "sessions": sessions,
        "rendered": len(rendered),
        "p50": statistics.median(rendered) if rendered else float("nan"),
        "p95": _p95(rendered),
        "max": max(rendered) if rendered else float("nan"),
        "sign_in_p95": _p95(timings.sign_in),
    }


def browser_figures(db_path: Path, *, username: str, password: str, sessions: int = 20) -> dict[str, float]:
    """`sessions` browser profiles signed in, then the overview reloaded in all of them at once:
    how many rendered, and p50/p95/max seconds from the reload to the overview drawn; sign_in_p95
    is from the sign-in click to the overview drawn, the sign-ins also all at once."""
    return _summary(_run(db_path, username, password, sessions), sessions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, help="a benchmark database (default: build size M)")
    parser.add_argument("--sessions", default="20", help="comma-separated session counts, e.g. 1,5,20")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.sessions.split(",") if n.strip()]
    print(f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="kpi-browsers-") as tmp:
        db_path = args.db
        if db_path is None:
            built = build(SIZES["M"], Path(tmp))
            print(f"M built in {built.build_seconds:.1f} s", flush=True)
            db_path = built.path
        for n in counts:
            timings = _run(db_path, BENCH_USER, BENCH_PASSWORD, n)
            figures = _summary(timings, n)
            detail = {
                "first_metric_p95": _p95(timings.first_metric),
                "wall": timings.wall,
                "server_cpu": timings.server_cpu,
                "browser_cpu": timings.browser_cpu,
                "failures": timings.failures[:3],
            }
            print(json.dumps({**figures, **detail}, indent=2), flush=True)
    print(f"load average at end {os.getloadavg()[0]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
