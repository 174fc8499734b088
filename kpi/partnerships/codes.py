"""How a meeting is named: its project, date and type, given once at creation and kept when the
meeting is edited (the meeting_versions rows of one meeting share it)."""

from __future__ import annotations

from datetime import date


def meeting_code(project_code: str, held_on: date, kind: str) -> str:
    """'P01-20260512-regular': readable in the audit log and unique per project, day and type."""
    return f"{project_code}-{held_on:%Y%m%d}-{kind}"
