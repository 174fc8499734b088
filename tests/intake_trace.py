"""The kpi modules a call enters, in order (issue 17: intake as a pipeline of stages).

A profiler hook records the module of each Python function call; consecutive calls within one
module are one visit. The visits are then read against kpi.intake's declared stages: the
modules of kpi/intake/ that are stages, the leaves (shared helpers, not counted), the driver
(service.py) and the "climbs" into other kpi packages that are not leaf helpers (storage, access).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

from kpi.intake import LEAVES, STAGE_MODULES

T = TypeVar("T")

# Helpers of kpi/ a stage may call from within itself: no visit, no climb.
KPI_LEAVES = frozenset(
    {"kpi.quantities", "kpi.values", "kpi.fiscal", "kpi.periods", "kpi.i18n", "kpi.model", "kpi.errors"}
)
_INTAKE = "kpi.intake."
_STAGE_OF = {module: stage for stage, modules in STAGE_MODULES.items() for module in modules}


def traced(call: Callable[[], T]) -> tuple[T, list[str]]:
    """The result of `call()` and the kpi modules it entered, consecutive calls collapsed."""
    visits: list[str] = []

    def hook(frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call":
            return
        module = frame.f_globals.get("__name__", "")
        if module.startswith("kpi.") and (not visits or visits[-1] != module):
            visits.append(module)

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        result = call()
    finally:
        sys.setprofile(previous)
    return result, visits


def _collapsed(names: list[str]) -> list[str]:
    return [name for i, name in enumerate(names) if i == 0 or names[i - 1] != name]


def _is_leaf(module: str) -> bool:
    if module.startswith(_INTAKE):
        return module.removeprefix(_INTAKE) in LEAVES
    return module in KPI_LEAVES or ".".join(module.split(".")[:2]) in KPI_LEAVES


def path(visits: list[str]) -> list[str]:
    """The visits without leaves: intake modules by name (service.py included), "^storage.…" for
    each climb into another kpi package."""
    kept = [m for m in visits if not _is_leaf(m)]
    return _collapsed([m.removeprefix(_INTAKE) if m.startswith(_INTAKE) else "^" + m[4:] for m in kept])


def intake_modules(visits: list[str]) -> list[str]:
    """The stage modules entered, in order, consecutive visits collapsed (driver and leaves left out)."""
    return [name for name in path(visits) if name in _STAGE_OF]


def stages(visits: list[str]) -> list[str]:
    """The stages entered, in order, consecutive visits of one stage's modules collapsed."""
    return _collapsed([_STAGE_OF[name] for name in intake_modules(visits)])


def climbs_between_stages(visits: list[str]) -> list[str]:
    """Climbs out of intake after the first stage began and before the last one ended: a
    pipeline reads the registry before its stages and writes after them (the driver, which
    calls each stage in turn, is no climb)."""
    steps = path(visits)
    inside = [i for i, name in enumerate(steps) if name in _STAGE_OF]
    if not inside:
        return []
    between = steps[inside[0] : inside[-1] + 1]
    return [name for name in between if name.startswith("^")]
