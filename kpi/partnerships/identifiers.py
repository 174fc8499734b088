"""An organization's identifiers: the 法人番号 (National Tax Agency corporate number) and the e-Rad
研究機関コード. Both are read as typed in files and forms (full-width digits, hyphens and spaces
allowed) and stored as plain ASCII digits."""

from __future__ import annotations

import unicodedata

CORPORATE_NUMBER_DIGITS = 13
ERAD_CODE_DIGITS = 10


def normalize_digits(text: str) -> str:
    """'１２３４-５６７８' → '12345678': NFKC turns full-width digits ASCII; separators are dropped."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    return "".join(ch for ch in folded if ch not in " -‐−ー")


def corporate_check_digit(base: str) -> int:
    """The check digit of a 法人番号's twelve base digits (法人番号の指定等に関する省令 第2条):
    9 − (Σ Pn × Qn mod 9), Pn the n-th digit counted from the right, Qn 1 for odd n and 2 for even."""
    total = sum(int(digit) * (1 if n % 2 else 2) for n, digit in enumerate(reversed(base), start=1))
    return 9 - total % 9


def corporate_number_problem(text: str) -> str | None:
    """None when `text` (normalized) is a valid 法人番号; else a catalog key under `partnerships.id.`."""
    if len(text) != CORPORATE_NUMBER_DIGITS or not text.isascii() or not text.isdigit():
        return "corporate_length"
    if int(text[0]) != corporate_check_digit(text[1:]):
        return "corporate_check"
    return None


def erad_code_problem(text: str) -> str | None:
    """None when `text` (normalized) is ten digits, the e-Rad 研究機関コード's form (no check digit)."""
    if len(text) != ERAD_CODE_DIGITS or not text.isascii() or not text.isdigit():
        return "erad_length"
    return None
