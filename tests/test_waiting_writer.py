"""A process waiting for the database file is let in while another one's sessions keep overlapping.

The "dashboard" here is a real process whose threads always have a unit of work open, as 16 busy
sessions do; the "command line" is another real process that wants the file for a write.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from kpi.storage import Database, connection
from kpi.storage.connection import FRESH_MARK_SECONDS, _WaitingMark

ROOT = Path(__file__).parent.parent

# Eight threads, staggered, each holding a unit of work for a moment and then starting the next:
# at every instant at least one is inside, so the file is never let go on its own.
DASHBOARD = """
import sys, threading, time
from pathlib import Path
from kpi.storage import Database
path, stop = sys.argv[1], Path(sys.argv[2])
db = Database(path)
units = []
def session(n):
    time.sleep(n * 0.01)
    while not stop.exists():
        with db.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM range(20000)").fetchall()
            time.sleep(0.08)
        units.append(n)
threads = [threading.Thread(target=session, args=(n,)) for n in range(8)]
for t in threads:
    t.start()
print("busy", flush=True)
for t in threads:
    t.join()
print(len(units), flush=True)
"""

COMMAND = """
import sys
from pathlib import Path
from kpi.storage import Database
db = Database(sys.argv[1], wait_seconds=60)
with db.transaction() as cursor:
    cursor.execute("CREATE TABLE written_while_busy AS SELECT 42 AS answer")
    # Proof that the dashboard was still running (not finished) when this write got the file.
    print("dashboard running:", not Path(sys.argv[2]).exists(), flush=True)
db.close()
"""


def _python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code), *args]


def test_a_waiting_writer_gets_in_while_the_sessions_keep_overlapping(tmp_path: Path) -> None:
    path, stop = tmp_path / "kpi.duckdb", tmp_path / "stop"
    Database(path).migrate()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    dashboard = subprocess.Popen(
        _python(DASHBOARD, str(path), str(stop)), env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert dashboard.stdout is not None and dashboard.stdout.readline().strip() == "busy"
        command = subprocess.run(
            _python(COMMAND, str(path), str(stop)), env=env, capture_output=True, text=True
        )
        assert command.returncode == 0, command.stderr
        assert command.stdout.strip() == "dashboard running: True"
    finally:
        stop.touch()
        out, _ = dashboard.communicate(timeout=120)
    assert dashboard.returncode == 0
    assert int(out.strip()) > 8  # the sessions went on working before and after the write
    db = Database(path)
    with db.cursor() as cursor:
        assert cursor.execute("SELECT answer FROM written_while_busy").fetchall() == [(42,)]
    db.close()
    assert not Path(str(path) + ".waiting").exists()  # the writer took its mark away


def test_the_mark_counts_only_for_another_live_waiter(tmp_path: Path) -> None:
    path = str(tmp_path / "kpi.duckdb")
    mine = _WaitingMark(path)
    assert not mine.other_waiting()  # nobody waits
    mine.announce()
    assert not mine.other_waiting()  # this process's own mark
    Path(mine.path).write_text("999999", encoding="ascii")
    assert mine.other_waiting()
    old = time.time() - FRESH_MARK_SECONDS - 5
    os.utime(mine.path, (old, old))
    assert not mine.other_waiting()  # left behind by a process that stopped waiting long ago
    mine.withdraw()
    assert Path(mine.path).exists()  # not this process's mark: left for its owner


def test_nested_units_of_work_do_not_wait_for_themselves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread inside a unit of work that opens another one while a writer waits goes on (holding
    back there would keep the file open and the writer out, here for an hour)."""
    monkeypatch.setattr(connection, "HOLD_BACK_SECONDS", 3600.0)
    db = Database(tmp_path / "kpi.duckdb", create=True)
    db.migrate()
    seen: list[object] = []

    def nested() -> None:
        with db.cursor() as outer:
            Path(str(db.path) + ".waiting").write_text("999999", encoding="ascii")
            with db.cursor() as inner:
                seen.append(inner.execute("SELECT 1").fetchall())
            seen.append(outer.execute("SELECT 2").fetchall())

    worker = threading.Thread(target=nested, daemon=True)
    worker.start()
    worker.join(timeout=300)  # generous: a shared machine; stuck means an hour
    assert seen == [[(1,)], [(2,)]]
    db.close()
