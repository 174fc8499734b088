"""Administration: the KPI catalog form and the grade scheme (functions called by pages/admin.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from kpi.errors import Rejected
from kpi.formatting.names import display_names
from kpi.grades import PRESETS, Band, bands, bands_json, preset_bands
from kpi.i18n import t
from kpi.model import Accumulation, Achievement, Combine, Direction, Frequency, Settings
from kpi.registry.edits import save_grade_scheme, save_kpi
from kpi.storage import Database
from ui.session import actor

NEW = ""


def _choice(column: Any, name: str, options: list[str], current: Any, lang: str, disabled: bool) -> Any:
    index = options.index(current) if current in options else 0
    return column.selectbox(
        t(f"admin.{name}", lang),
        options,
        index=index,
        format_func=lambda v: t(f"admin.{name}_{v}", lang),
        disabled=disabled,
        placeholder=t("streamlit.choose", lang),
    )


RULES = ("direction", "accumulation", "combine", "achievement", "frequency")


def catalog_table(kpis: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The KPI catalog as it reads: each rule by its name in the catalog ("higher" → "高いほど良い")."""
    shown = kpis.copy()
    for rule in RULES:
        if rule in shown:
            shown[rule] = shown[rule].map(
                lambda v, r=rule: t(f"admin.{r}_{v}", lang) if pd.notna(v) else None
            )
    return shown


def _catalog_columns(lang: str) -> dict[str, Any]:
    labels = {
        c: t(f"admin.{c}", lang) for c in ("kpi_code", "name_ja", "name_en", "unit_ja", "unit_en", *RULES)
    }
    return {
        **labels,
        "allow_negative": st.column_config.CheckboxColumn(t("admin.allow_negative", lang)),
        "builtin": st.column_config.CheckboxColumn(t("admin.builtin", lang)),
    }


def kpi_section(
    db: Database,
    kpis: pd.DataFrame,
    lang: str,
    *,
    on_saved: Callable[[str], None],
    on_refused: Callable[[Rejected], None],
) -> None:
    st.dataframe(
        catalog_table(kpis, lang),
        hide_index=True,
        width="stretch",
        placeholder="—",
        column_config=_catalog_columns(lang),
    )
    codes = [NEW, *kpis["kpi_code"].tolist()]
    names = dict(zip(kpis["kpi_code"], display_names(kpis, lang), strict=True))
    code = st.selectbox(
        t("admin.kpi_to_edit", lang),
        codes,
        format_func=lambda c: f"{c}  {names[c]}" if c else t("admin.new_kpi", lang),
        key="kpi_pick",
        placeholder=t("streamlit.choose", lang),
    )
    current: dict[str, Any] = {}
    if code:
        current = kpis.set_index("kpi_code").loc[code].to_dict()
    builtin = bool(current.get("builtin", False))
    if builtin:
        st.caption(t("admin.builtin_rules_fixed", lang))
    with st.form(key=f"kpi_form_{code or 'new'}"):
        left, right = st.columns(2)
        record = {
            "kpi_code": code or left.text_input(t("admin.kpi_code", lang)),
            "name_ja": right.text_input(t("admin.name_ja", lang), value=current.get("name_ja", "")),
            "name_en": left.text_input(t("admin.name_en", lang), value=current.get("name_en", "")),
            "unit_ja": right.text_input(t("admin.unit_ja", lang), value=current.get("unit_ja", "")),
            "unit_en": left.text_input(t("admin.unit_en", lang), value=current.get("unit_en", "")),
            "direction": _choice(
                right, "direction", [d.value for d in Direction], current.get("direction"), lang, builtin
            ),
            "accumulation": _choice(
                left,
                "accumulation",
                [a.value for a in Accumulation],
                current.get("accumulation"),
                lang,
                builtin,
            ),
            "combine": _choice(
                right, "combine", [c.value for c in Combine], current.get("combine"), lang, builtin
            ),
            "achievement": _choice(
                left, "achievement", [a.value for a in Achievement], current.get("achievement"), lang, False
            ),
            "frequency": _choice(
                right, "frequency", [f.value for f in Frequency], current.get("frequency"), lang, False
            ),
            "allow_negative": left.checkbox(
                t("admin.allow_negative", lang),
                value=bool(current.get("allow_negative", False)),
                disabled=builtin,
            ),
        }
        if st.form_submit_button(t("admin.save_kpi", lang), type="primary"):
            try:
                save_kpi(db, record, actor=actor(), lang=lang)
            except Rejected as error:
                on_refused(error)
            else:
                on_saved(t("admin.saved_kpi", lang, code=record["kpi_code"]))


def grade_section(
    db: Database,
    settings: Settings,
    lang: str,
    *,
    on_saved: Callable[[str], None],
    on_refused: Callable[[Rejected], None],
) -> None:
    """A preset, or bands edited in a table (starting from the current scheme's bands)."""
    st.subheader(t("admin.grade_preset", lang))
    options = [*PRESETS, "custom"]
    current = settings.grade_scheme if settings.grade_scheme in PRESETS else "custom"
    choice = st.radio(
        t("admin.grade_preset", lang),
        options,
        index=options.index(current),
        format_func=lambda o: t(f"grade.preset_{o}" if o in PRESETS else "grade.custom", lang),
        horizontal=True,
        label_visibility="collapsed",
        key="grade_choice",
    )
    value = choice
    if choice == "custom":
        start = bands(settings) if current == "custom" else preset_bands("abcd", settings)
        frame = pd.DataFrame(
            [{"label_ja": b.label_ja, "label_en": b.label_en, "min": b.min, "above": b.above} for b in start]
        )
        edited = st.data_editor(
            frame,
            num_rows="dynamic",
            hide_index=True,
            key="grade_bands",
            column_config={
                "label_ja": st.column_config.TextColumn(t("admin.grade_label_ja", lang), required=True),
                "label_en": st.column_config.TextColumn(t("admin.grade_label_en", lang), required=True),
                "min": st.column_config.NumberColumn(t("admin.grade_min", lang), format="%.2f"),
                "above": st.column_config.CheckboxColumn(t("admin.grade_above", lang), default=False),
            },
        )
        st.caption(t("admin.grade_bands", lang))
        try:
            value = bands_json([_band(row) for row in edited.to_dict("records")])
        except ValueError as error:
            st.error(t("error.invalid_grade_scheme", lang, reason=str(error)))
            return
    if st.button(t("admin.save_grades", lang), type="primary", key="save_grades"):
        try:
            save_grade_scheme(db, value, actor=actor(), lang=lang)
        except Rejected as error:
            on_refused(error)
        else:
            on_saved(t("admin.saved_grades", lang))


def _band(row: dict[Any, Any]) -> Band:
    minimum = row.get("min")
    number = None if minimum is None or pd.isna(minimum) else float(minimum)
    label_en = str(row.get("label_en") or row.get("label_ja") or "").strip()
    label_ja = str(row.get("label_ja") or label_en).strip()
    return Band(label_en, label_ja, label_en, number, bool(row.get("above") or False))
