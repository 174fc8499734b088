"""One language at a time, as the browser shows it: every page in Japanese, then in English, then back.

tests/test_languages.py checks what our code hands Streamlit; this journey reads what the browser
renders, Streamlit's own words included: the text of the sidebar and the main area, the placeholder
of an empty input, the choice a selectbox shows, the options of the lists it opens (the overview's
filters, the language switch), and the words style rules write (::before/::after). Text shrunk to
nothing or hidden is not read: it is not seen.

A Japanese page may show no English word Streamlit prints and no text of our English catalog; an
English page no Japanese character, except registry data that has no English form (account display
names), the language switch's own "日本語", the Japanese spellings the help texts quote, and a
registry name marked "(no English name)".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from kpi.i18n import catalog
from kpi.storage import Database
from tests.browser_support import open_list, settled, shot, sign_in
from tests.test_languages import digest_words, partnership_words

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # over 20 s on a quiet machine

# What Streamlit 1.67 writes in English whatever the page's language.
STREAMLIT_WORDS = (
    "Choose an option",
    "Choose options",
    "Press Enter",
    "Press Ctrl",
    "Select all",
    "No results",
    "Drag and drop",
    "Browse files",
    "Limit",
    "per file",
    "Upload",
    "Type to search",
    "yyyy",
    "Show/hide columns",
    "Fullscreen",
)
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")
# Japanese that an English page shows on purpose: the switch's own name for the language, and the
# spellings partners may type, quoted by the help texts.
QUOTED_JAPANESE = ("日本語", "2026年3月31日", "令和8年3月31日", "千円")
# Text in the page, where it is seen: not inside a hidden or zero-sized element, not an icon's
# ligature name, plus the placeholders, combobox choices and style-written words.
SHOWN_TEXT = """(root) => {
  const out = [];
  const seen = (el) => {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || s.opacity === "0") return false;
      if (e.getAttribute("data-testid") === "stIconMaterial") return false;
    }
    const r = el.getBoundingClientRect();
    return parseFloat(getComputedStyle(el).fontSize) >= 2 && r.width > 1 && r.height > 1;
  };
  const walk = (el) => {
    if (getComputedStyle(el).display === "none") return;
    for (const p of ["::before", "::after"]) {
      const c = getComputedStyle(el, p).content;
      if (c && c.startsWith('"') && seen(el)) out.push(c.slice(1, -1));
    }
    if (el.tagName === "INPUT" && seen(el)) {
      const hidden = getComputedStyle(el, "::placeholder").color === "rgba(0, 0, 0, 0)";
      if (el.placeholder && !el.value && !hidden) out.push(el.placeholder);
      if (el.getAttribute("role") === "combobox" && el.value) out.push(el.value);
    }
    for (const n of el.childNodes) {
      if (n.nodeType === 3) { const t = n.textContent.trim(); if (t && seen(el)) out.push(t); }
      else if (n.nodeType === 1) walk(n);
    }
  };
  walk(root || document.body);
  return out;
}"""


def shown(page: Page) -> list[str]:
    return list(page.evaluate(SHOWN_TEXT))


def english_only() -> set[str]:
    """Catalog texts that are English words, not shared with the Japanese catalog (KPI, CSV …)."""
    ja, en = catalog("ja"), catalog("en")
    return {
        v
        for k, v in en.items()
        if re.search(r"[A-Za-z]{3,}", v)
        and v != ja.get(k)
        and "{" not in v
        and not re.fullmatch(r"[A-Z0-9 ()/.,-]+", v)  # acronyms Japanese writes too: KPI, CSV
    }


def display_names(db_path: Path) -> set[str]:
    db = Database(db_path)
    try:
        with db.cursor() as cursor:
            names = {str(n) for (n,) in cursor.execute("SELECT display_name FROM accounts").fetchall()}
            # a programme's funder (経済産業省) is registry data with no English form yet
            names |= {str(n) for (n,) in cursor.execute("SELECT funder FROM programmes").fetchall()}
            names |= partnership_words(cursor)  # agreements' and meetings' own text, as typed
        return names | digest_words(db)  # reminder e-mails, each in its contact's language
    finally:
        db.close()


def problems(texts: list[str], lang: str, allowed_japanese: set[str]) -> list[str]:
    found: list[str] = []
    if lang == "ja":
        english = english_only()
        for text in texts:
            found += [f"Streamlit: {text!r}" for word in STREAMLIT_WORDS if word in text]
            if text in english:
                found.append(f"English catalog: {text!r}")
        return found
    marker = catalog("en")["names.no_english"].replace("{name}", "")
    for text in texts:
        rest = text
        for allowed in sorted(
            (*allowed_japanese, *QUOTED_JAPANESE), key=len, reverse=True
        ):  # whole texts first
            rest = rest.replace(allowed, "")
        if JAPANESE.search(rest) and marker not in text:
            found.append(f"Japanese: {text!r}")
    return found


def open_widget_list(page: Page, widget: Locator) -> None:
    """Open a selectbox's or multiselect's list (browser_support.open_list's retries)."""
    open_list(page, widget.locator("button[aria-haspopup=listbox]"))


def switch_language(page: Page, name: str) -> list[str]:
    """Pick the language in the sidebar's switch; returns the options its list showed."""
    open_widget_list(page, page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first)
    options = shown(page)
    page.get_by_role("option", name=name, exact=True).click()
    settled(page)
    return options


def open_lists(page: Page) -> list[str]:
    """Open each filter of the sidebar (fiscal year, field, prefecture …) and read its options."""
    texts: list[str] = []
    sidebar = page.get_by_test_id("stSidebar")
    widgets = sidebar.locator('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]')
    expect(widgets).to_have_count(6)  # the language switch, the fiscal year and four multiselects
    settled(page)
    for index in range(1, 6):  # the first is the language switch, read on its own
        open_widget_list(page, widgets.nth(index))
        texts += shown(page)
        page.keyboard.press("Escape")
        expect(page.get_by_role("listbox")).to_have_count(0)
    return texts


def visit_all(page: Page, lang: str, allowed: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    links = page.get_by_test_id("stSidebarNavLink")
    for index in range(links.count()):
        link = links.nth(index)
        name = (link.get_attribute("href") or "").rsplit("/", 1)[-1] or "overview"
        link.click()
        settled(page)
        expect(page.get_by_test_id("stMain").locator("h1").first).to_be_visible()
        settled(page)
        texts = shown(page)
        if name == "overview":
            texts += open_lists(page)
        if name == "admin":  # each section of the page
            sections = page.get_by_test_id("stMain").get_by_test_id("stButtonGroup").first.locator("button")
            for number in range(1, sections.count()):
                sections.nth(number).click()
                settled(page)
                texts += shown(page)
        shot(page, f"languages_{lang}_{name}")  # after the run has settled (shot waits for it)
        if wrong := problems(texts, lang, allowed):
            found[name] = sorted(set(wrong))
    return found


def test_one_language_at_a_time(writable_server: tuple[str, Path], page: Page) -> None:
    url, db_path = writable_server
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # no script error on any page either
    sign_in(page, url)
    allowed = display_names(db_path)  # names people are registered by: data, in one language
    everything: dict[str, dict[str, list[str]]] = {}

    switch_language(page, "日本語")
    everything["ja"] = visit_all(page, "ja", allowed)

    options = switch_language(page, "English")
    assert {"日本語", "English"} <= set(options)
    # The choices made in Japanese now read in English, the lists too.
    fiscal_year = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").nth(1).locator("input")
    everything["en"] = visit_all(page, "en", allowed)

    switch_language(page, "日本語")  # and back: the overview's choices and lists in Japanese again
    page.get_by_test_id("stSidebarNavLink").first.click()
    settled(page)
    expect(fiscal_year).to_have_value(catalog("ja")["filters.all_years"])
    back = problems(shown(page) + open_lists(page), "ja", allowed)
    everything["ja again"] = {"overview": back} if back else {}

    failures = {lang: pages for lang, pages in everything.items() if pages}
    assert not failures, failures
    assert not page.get_by_test_id("stException").count() and errors == []
