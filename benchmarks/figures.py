"""One function per benchmark figure; each returns the median of several runs in this process."""

from __future__ import annotations

import gc
import io
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from benchmarks.pandas_status import pandas_status
from benchmarks.portfolios import BENCH_ORG, BENCH_USER, TODAY, Built
from kpi.access import Actor
from kpi.intake.service import import_file
from kpi.portfolio.status import portfolio_status
from kpi.storage import Database

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PAGE = "pages/project.py"
# The floor for status: one aggregate over the same table, fetched into a DataFrame the same way.
FLOOR_SQL = (
    "SELECT project_code, kpi_code, count(*) AS n, sum(value) AS total, max(period_end) AS last"
    " FROM actual_current GROUP BY project_code, kpi_code"
)


def median_seconds(
    work: Callable[[], object], runs: int, before: Callable[[], object] | None = None
) -> float:
    """Median wall time of `work` over `runs` runs; `before` runs untimed ahead of each one."""
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        gc.collect()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def status_figures(built: Built, runs: int) -> dict[str, float]:
    """portfolio_status vs one GROUP BY vs pandas, all on one open handle (the file stays warm)."""
    db = Database(built.path)
    with db.cursor() as cursor:  # holding a unit of work keeps the file open between calls
        portfolio_status(db, TODAY)  # warm-up: buffer pool, query plan caches
        figures = {
            "status": median_seconds(lambda: portfolio_status(db, TODAY), runs),
            "group_by": median_seconds(lambda: cursor.execute(FLOOR_SQL).df(), runs),
            "pandas": median_seconds(lambda: pandas_status(db, TODAY), max(1, min(runs, 3))),
        }
    db.close()
    return figures


def check_pandas_baseline(built: Built) -> int:
    """Rows where the pandas baseline disagrees with portfolio_status (0 expected)."""
    db = Database(built.path)
    ours = portfolio_status(db, TODAY)
    theirs = pandas_status(db, TODAY)
    db.close()
    bad = (ours["status"].to_numpy() != theirs["status"].to_numpy()).sum()
    for column in ("value", "expected", "plan_progress", "forecast_long"):
        a, b = ours[column].astype(float), theirs[column].astype(float)
        same = ((a - b).abs() <= 1e-6 * (1 + a.abs())) | (a.isna() & b.isna())
        bad += int((~same).sum())
    return int(bad)


def _app(built: Built) -> AppTest:
    from streamlit.testing.v1 import AppTest  # imported late: only the page figures need it

    os.environ["KPI_DB"] = str(built.path)
    os.environ["KPI_TODAY"] = TODAY.isoformat()
    os.environ["KPI_LANG"] = "ja"
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    app.session_state["user"] = BENCH_USER  # as the sign-in form leaves the session
    return app


def _run_page(built: Built, page: str | None) -> None:
    app = _app(built)
    if page is not None:
        app.query_params["project"] = built.import_projects[0]
        app.switch_page(page)
    app.run()
    if app.exception:
        raise RuntimeError(f"{page or 'overview'} raised: {app.exception[0].value}")


def _clear_caches() -> None:
    """Forget st.cache_data (keyed by data version): the run then works like a first view."""
    import streamlit as st

    st.cache_data.clear()


def has_project_page() -> bool:
    return (ROOT / PROJECT_PAGE).exists()


def page_figures(built: Built, runs: int) -> dict[str, float]:
    """Full script runs (dashboard.py + the page) with AppTest: first views (the pages' data
    caches cleared before each run) and cached reruns. The first run warms imports."""
    pages = {"overview": None, "project": PROJECT_PAGE} if has_project_page() else {"overview": None}
    figures = {}
    for name, page in pages.items():

        def run(page: str | None = page) -> None:
            _run_page(built, page)

        run()
        figures[f"{name} first"] = median_seconds(run, runs, before=_clear_caches)
        figures[f"{name} cached"] = median_seconds(run, runs)
    return figures


def import_figures(built: Built, data: bytes, folder: Path, runs: int) -> dict[str, float]:
    """import_file end to end into a fresh copy of the database each run, vs pandas.read_csv."""
    copy = folder / f"{built.size.name}-import.duckdb"

    def fresh_copy() -> None:
        shutil.copyfile(built.path, copy)

    outcome: list[str] = []

    def run_import() -> None:
        db = Database(copy)
        result = import_file(db, data, file_name="bench.csv", organization_code=BENCH_ORG,
                             actor=Actor.operator("benchmark"), lang="ja", today=TODAY)  # fmt: skip
        db.close()
        outcome.append(f"{result.status} {result.inserted}")
        if result.status != "imported":
            raise RuntimeError(f"import {result.status}: {[e.as_dict() for e in result.errors[:3]]}")

    figures = {
        "import": median_seconds(run_import, runs, before=fresh_copy),
        "read_csv": median_seconds(lambda: pd.read_csv(io.BytesIO(data)), runs),
    }
    copy.unlink(missing_ok=True)
    return figures


def child_overview(db_path: str) -> None:
    """Entry point of the memory child: one overview run, as the app process would do it."""
    from streamlit.testing.v1 import AppTest

    os.environ["KPI_DB"] = db_path
    os.environ["KPI_TODAY"] = TODAY.isoformat()
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    app.session_state["user"] = BENCH_USER
    app.run()
    if list(app.exception):
        raise SystemExit(f"overview raised: {app.exception[0].value}")


def peak_memory_mb(built: Built) -> float:
    """ru_maxrss of a child process that runs the overview page over this database.

    Read through a small launcher process: Linux carries the parent's peak RSS into a child
    across fork + exec, so a child started from this (by now large) process would report this
    process's peak, not its own. The launcher is small, so its child's figure is the app's.
    """
    app = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.figures import child_overview; "
    app += f"child_overview({str(built.path)!r})"
    launcher = (
        "import resource, subprocess, sys; "
        f"subprocess.run([sys.executable, '-c', {app!r}], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    command = [sys.executable, "-c", launcher]
    done = subprocess.run(command, check=True, cwd=ROOT, capture_output=True, text=True)
    return int(done.stdout.split()[-1]) / 1024  # Linux reports kilobytes
