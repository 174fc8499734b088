"""Numbers and dates as the reader's language writes them: 2026年3月31日 or 31 Mar 2026; 1,234件."""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from kpi.fiscal import wareki_year
from kpi.i18n import t

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Units written straight after the number in Japanese (1,234件), with a space in English (1,234 studies).
_TIGHT_UNITS = ("件", "人", "か月", "社", "円", "百万円", "%", "％")


def format_date(day: date | None, lang: str, *, wareki: bool = False) -> str:
    if day is None:
        return ""
    if lang == "ja":
        year = wareki_year(day.year) if wareki else f"{day.year}年"
        return f"{year}{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_moment(at: datetime | None, lang: str) -> str:
    """A moment to the minute: 2026年11月26日 02:00, 26 Nov 2026 02:00 (a backup's time, a log's)."""
    return "" if at is None else f"{format_date(at.date(), lang)} {at:%H:%M}"


DECIMALS = 2
"""Decimals a figure is read with wherever it is shown (dashboard, report, 効果検証 files): at most
two, trailing zeros dropped, so 12.345 reads 12.35 and 12.5 reads 12.5 everywhere."""


def format_number(
    value: float | None, lang: str, unit: str = "", *, digits: int | None = None, at_most: int = DECIMALS
) -> str:
    """Thousands separators; whole numbers without decimals, others with up to `at_most` decimals
    (12.345 → 12.35, 12.5 → 12.5, 12.0 → 12) unless `digits` fixes them (12.0 → 12.0 with 1); the
    unit placed as the language writes it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if digits is None:
        text = f"{value:,.{at_most}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
        text = "0" if text == "-0" else text  # -0.001 is 0 at two decimals
    else:
        text = f"{value:,.{digits}f}"
    if not unit:
        return text
    if lang == "ja" and unit in _TIGHT_UNITS:
        return f"{text}{unit}"
    return f"{text} {unit}"


def format_exact(value: float | None, lang: str, unit: str = "") -> str:
    """format_number with as many decimals as the figure has (up to six): what a check asks about
    must read as the number that would be stored (2.72, not 2.7)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    digits = next((d for d in range(7) if round(float(value), d) == round(float(value), 6)), 6)
    return format_number(value, lang, unit, digits=digits)


def format_percent(ratio: float | None, lang: str) -> str:
    if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
        return "—"
    return f"{ratio * 100:,.0f}%"


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
# GitHub-flavoured Markdown turns bare addresses into links even when escaped: a zero-width space
# inside "://", "www." and "@" keeps them text.
_AUTOLINKS = (("\\://", "\\:\u200b//"), ("www\\.", "www\u200b\\."), ("@", "\u200b@"))


def plain(text: object) -> str:
    """Text from the data (names, notes, uploaded cells) made inert for Streamlit's Markdown: every
    character Markdown could act on is backslash-escaped, so it shows as typed and never becomes a
    link, an image, a colour directive, formula or HTML."""
    escaped = _MARKDOWN.sub(r"\\\1", str(text))
    for trigger, inert in _AUTOLINKS:
        escaped = escaped.replace(trigger, inert)
    return escaped


def format_bytes(size: int, lang: str) -> str:
    """A file size as a person reads a limit: 20 MB, 512 KB (binary units, as Streamlit counts)."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return format_number(size / scale, lang, unit, digits=0 if size % scale == 0 else 1)
    return format_number(size, lang, "B")


def format_value(value: object, lang: str) -> str:
    """Any stored value as text: numbers with separators and no ".0", booleans as words, a blank as —."""
    if _missing(value):
        return "—"
    if isinstance(value, bool):
        return t("audit.yes" if value else "audit.no", lang)
    if isinstance(value, int | float):
        return format_number(float(value), lang, digits=None if float(value).is_integer() else _digits(value))
    return str(value)


def _digits(value: float) -> int:
    """Decimals a stored number needs (up to 4), so 0.125 is not shown as 0.1."""
    text = f"{value:.4f}".rstrip("0")
    return max(1, len(text.split(".")[1]))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
