"""Grades (評価, SPEC section 3): an ordered list of bands over an achievement.

The setting `grade_scheme` is a preset name (`status`, `abcd`, `marks`) or a JSON list of bands
an administrator edited. A band matches when the achievement is at least its minimum (or above it,
for `above` bands such as △ > 0); a band without a minimum matches anything; the first match wins.
The grade itself is computed in DuckDB (kpi/storage/status_sql.py) from `sql_bands()`; this module
only defines the bands and writes a grade's label for a page.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from kpi.i18n import t
from kpi.model import Settings, Status
from kpi.storage.status_sql import Grading

PRESETS = ("status", "abcd", "marks")


@dataclass(frozen=True)
class Band:
    code: str  # what status --json and years --json print (language-neutral)
    label_ja: str
    label_en: str
    min: float | None  # None: matches any achievement (the last band)
    above: bool = False  # True: strictly above `min`


_ABCD = (
    Band("A", "A", "A", 1.0),
    Band("B", "B", "B", 0.8),
    Band("C", "C", "C", 0.5),
    Band("D", "D", "D", None),
)
_MARKS = (
    Band("◎", "◎", "◎", 1.0),
    Band("○", "○", "○", 0.5),
    Band("△", "△", "△", 0.0, above=True),
    Band("×", "×", "×", None),
)


def _status_bands(settings: Settings) -> tuple[Band, ...]:
    # Labels of the status preset are the catalog's status names (label() looks them up).
    return (
        Band(Status.ACHIEVED, "", "", 1.0),
        Band(Status.ON_TRACK, "", "", settings.on_track_threshold),
        Band(Status.AT_RISK, "", "", settings.at_risk_threshold),
        Band(Status.OFF_TRACK, "", "", None),
    )


def bands(settings: Settings) -> tuple[Band, ...]:
    """The bands of the configured scheme, in order."""
    scheme = settings.grade_scheme.strip()
    if scheme == "status":
        return _status_bands(settings)
    if scheme == "abcd":
        return _ABCD
    if scheme == "marks":
        return _MARKS
    return parse_bands(scheme)


def preset_bands(name: str, settings: Settings) -> tuple[Band, ...]:
    """The bands a preset would give (for the administration page's starting point)."""
    return bands(Settings(**{**asdict(settings), "grade_scheme": name}))


def is_status_scheme(settings: Settings) -> bool:
    return settings.grade_scheme.strip() == "status"


def parse_bands(text: str) -> tuple[Band, ...]:
    """Bands from the setting's JSON; ValueError with a plain reason when it is not valid."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"grade scheme is neither a preset nor JSON: {exc}") from None
    if not isinstance(raw, list) or not raw:
        raise ValueError("grade scheme must be a non-empty list of bands")
    result = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError("each band must be an object")
        minimum = item.get("min")
        if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, int | float)):
            raise ValueError(f"band minimum must be a number or null: {minimum!r}")
        code = str(item.get("code") or item.get("label_en") or item.get("label_ja") or "").strip()
        if not code:
            raise ValueError("each band needs a label")
        result.append(
            Band(
                code,
                str(item.get("label_ja") or code),
                str(item.get("label_en") or code),
                None if minimum is None else float(minimum),
                bool(item.get("above", False)),
            )
        )
    check_bands(result)
    return tuple(result)


def check_bands(bands_: list[Band] | tuple[Band, ...]) -> None:
    """Minimums must fall from band to band, and only the last band may have none."""
    for index, band in enumerate(bands_):
        if band.min is None and index != len(bands_) - 1:
            raise ValueError("only the last band may have no minimum")
        if index and band.min is not None:
            previous = bands_[index - 1].min
            if previous is not None and band.min > previous:
                raise ValueError("band minimums must not rise from one band to the next")


def bands_json(bands_: list[Band] | tuple[Band, ...]) -> str:
    """The setting's value for edited bands."""
    check_bands(bands_)
    return json.dumps([asdict(b) for b in bands_], ensure_ascii=False)


def sql_bands(settings: Settings) -> list[dict[str, Any]]:
    """The bands as the status query binds them: code, min, above."""
    return [{"code": str(b.code), "min": b.min, "above": b.above} for b in bands(settings)]


def grading(settings: Settings) -> Grading:
    """What the status and year queries bind for the configured scheme."""
    return Grading(sql_bands(settings), is_status_scheme(settings))


def grade_label(code: str | None, settings: Settings, lang: str) -> str:
    """A grade as a page shows it: the band's label in the language; 「−」 when there is none."""
    if code is None or code == "":
        return t("grade.none", lang)
    if is_status_scheme(settings) or code in {s.value for s in Status}:
        return t(f"status.{code}", lang)
    for band in bands(settings):
        if band.code == code:
            return band.label_ja if lang == "ja" else band.label_en
    return code


def grade_of(achievement: float | None, bands_: tuple[Band, ...]) -> str | None:
    """The same rule in Python, for forms that preview a grade before anything is saved."""
    if achievement is None:
        return None
    for band in bands_:
        if band.min is None or (achievement > band.min if band.above else achievement >= band.min):
            return band.code
    return None
