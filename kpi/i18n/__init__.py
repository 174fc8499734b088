"""The message catalog: every user-facing string, in Japanese and English.

`t("status.on_track", "ja")` looks a key up; `{name}` placeholders are filled from keyword
arguments. A missing key is a bug, caught by tests that compare the two catalogs.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalog(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language: {lang}")
    text = (resources.files("kpi.i18n") / f"{lang}.toml").read_text(encoding="utf-8")
    return _flatten(tomllib.loads(text))


def t(key: str, lang: str, /, **values: Any) -> str:
    """The message for key in lang, with placeholders filled."""
    template = catalog(lang)[key]
    return template.format(**values) if values else template


def normalize_language(value: str | None) -> str:
    """'ja', 'ja_JP.UTF-8', 'en-US' ... → one of LANGUAGES (Japanese unless clearly English)."""
    if not value:
        return DEFAULT_LANGUAGE
    head = value.strip().lower()[:2]
    return head if head in LANGUAGES else "en"


def cli_language(explicit: str | None = None) -> str:
    """--lang, else $KPI_LANG, else the locale ($LC_ALL/$LANG), else Japanese."""
    for candidate in (explicit, os.environ.get("KPI_LANG"), os.environ.get("LC_ALL"),
                      os.environ.get("LANG")):  # fmt: skip
        if candidate and candidate not in ("C", "C.UTF-8", "POSIX"):
            return normalize_language(candidate)
    return DEFAULT_LANGUAGE
