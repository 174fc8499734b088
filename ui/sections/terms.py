"""The administration page's English names of fields and partner roles (kpi/registry/term_names.py).

Only the rows whose English name was edited are saved: a term someone else named since this table
was loaded keeps their name unless it was edited here too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from kpi.access import Forbidden
from kpi.errors import Rejected
from kpi.formatting.numbers import plain
from kpi.i18n import t
from kpi.registry.term_names import NAME_LIMIT, save_term_names, term_name_rows
from kpi.storage import Database
from ui.session import actor


def _blank(value: Any) -> str:
    """An English name cell as compared: None, NaN and spaces are all empty."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def edited_rows(original: pd.DataFrame, edited: pd.DataFrame) -> pd.DataFrame:
    """The rows (kind codes, not words) whose English name the user changed."""
    changed = [_blank(a) != _blank(b) for a, b in zip(original["name_en"], edited["name_en"], strict=True)]
    return original.loc[changed, ["kind", "name_ja"]].assign(name_en=edited.loc[changed, "name_en"].values)


def terms_section(
    db: Database,
    lang: str,
    *,
    on_saved: Callable[[str], None],
    on_refused: Callable[[Rejected], None],
) -> None:
    st.subheader(t("terms.heading", lang))
    st.caption(t("terms.help", lang))
    try:
        rows = term_name_rows(db, actor=actor())
    except Forbidden as refused:
        st.error(plain(refused.message(lang)))
        return
    if rows.empty:
        st.info(t("terms.none", lang))
        return
    # Keyed by what is stored: after a save (or someone else's) the editor starts from the new names.
    stored = "\x1f".join(
        f"{k}\x1e{j}\x1e{e or ''}" for k, j, e in rows[["kind", "name_ja", "name_en"]].values
    )
    key = "term_names::" + hashlib.sha256(stored.encode()).hexdigest()[:12]
    shown = rows.assign(kind=rows["kind"].map(lambda k: t(f"terms.kind_{k}", lang)))
    edited = st.data_editor(
        shown,
        key=key,
        hide_index=True,
        width="stretch",
        placeholder="",  # an empty cell reads as empty, not as "None"
        num_rows="fixed",
        disabled=["kind", "name_ja", "uses"],
        column_order=["kind", "name_ja", "name_en", "uses"],
        column_config={
            "kind": st.column_config.TextColumn(t("terms.col_kind", lang)),
            "name_ja": st.column_config.TextColumn(t("terms.col_name_ja", lang)),
            "name_en": st.column_config.TextColumn(t("terms.col_name_en", lang), max_chars=NAME_LIMIT),
            "uses": st.column_config.NumberColumn(
                t("terms.col_uses", lang), help=t("terms.col_uses_help", lang), format="localized"
            ),
        },
    )
    if not st.button(t("terms.save", lang), type="primary", key="save_term_names"):
        return
    try:
        count = save_term_names(db, edited_rows(rows, edited), actor=actor(), lang=lang)
    except Rejected as error:
        on_refused(error)
    except Forbidden as refused:
        st.error(plain(refused.message(lang)))
    else:
        on_saved(t("terms.saved", lang, count=count) if count else t("terms.unchanged", lang))
