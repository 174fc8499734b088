"""Every message exists in both languages with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kpi.i18n import catalog, cli_language, normalize_language, t
from kpi.model import Phase, Sector, Status

SPEC_ERROR_CODES = [
    "encoding",
    "empty_file",
    "missing_column",
    "missing_value",
    "unknown_project",
    "unknown_kpi",
    "unknown_organization",
    "not_a_partner",
    "wrong_organization",
    "invalid_number",
    "negative_value",
    "invalid_date",
    "future_period",
    "duplicate_row",
    "too_large",
    "invalid_value",
    "target_order",
    "conflicting_baseline",
    # issue 15: hostile files refused with a code of their own
    "cell_too_long",
    "malformed_csv",
    "corrupt_file",
]


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)", text))


def test_both_catalogs_have_the_same_keys() -> None:
    assert set(catalog("ja")) == set(catalog("en"))


def test_placeholders_match() -> None:
    ja, en = catalog("ja"), catalog("en")
    mismatched = [k for k in en if _placeholders(en[k]) != _placeholders(ja[k])]
    assert mismatched == []


@pytest.mark.parametrize("prefix, values", [("status", Status), ("sector", Sector), ("phase", Phase)])
def test_every_enum_value_has_a_label(prefix: str, values: type) -> None:
    for lang in ("ja", "en"):
        for value in values:  # type: ignore[attr-defined]
            assert t(f"{prefix}.{value.value}", lang)


@pytest.mark.parametrize("code", SPEC_ERROR_CODES)
def test_every_spec_error_code_has_a_message(code: str) -> None:
    assert f"error.{code}" in catalog("ja") and f"error.{code}" in catalog("en")


def test_japanese_catalog_is_japanese() -> None:
    assert t("status.on_track", "ja") == "順調"
    assert t("status.on_track", "en") == "On track"


def test_every_key_used_in_code_exists() -> None:
    """Literal keys passed to t()/tr() in kpi/, pages/, ui/ and dashboard.py are in the catalog."""
    root = Path(__file__).parent.parent
    sources = [
        *root.glob("kpi/**/*.py"),
        *root.glob("pages/*.py"),
        *root.glob("ui/**/*.py"),
        root / "dashboard.py",
    ]
    used = set()
    for path in sources:
        used |= set(re.findall(r"\b(?:t|tr)\(\s*\"([a-z_]+\.[a-z_.]+)\"", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in catalog("en"))
    assert missing == []
    assert "overview.heading" in used


@pytest.mark.parametrize(
    "value, expected",
    [("ja_JP.UTF-8", "ja"), ("en_US.UTF-8", "en"), ("ja", "ja"), ("fr", "en"), (None, "ja")],
)
def test_language_normalisation(value: str | None, expected: str) -> None:
    assert normalize_language(value) == expected


def test_cli_language_prefers_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPI_LANG", "en")
    assert cli_language("ja") == "ja"
    assert cli_language(None) == "en"
    monkeypatch.delenv("KPI_LANG")
    monkeypatch.setenv("LANG", "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    assert cli_language(None) == "ja"
