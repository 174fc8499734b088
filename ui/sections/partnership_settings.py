"""The administration page's partnerships settings (kpi/partnerships/settings.py)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from kpi.errors import Rejected
from kpi.partnerships.settings import (
    LIMITS,
    PartnershipSettings,
    partnership_settings,
    save_partnership_settings,
)
from kpi.storage import Database
from ui.session import actor, tr


def partnership_settings_section(
    db: Database, lang: str, *, on_saved: Callable[[str], None], on_refused: Callable[[Rejected], None]
) -> None:
    st.subheader(tr("partnership_settings.heading"))
    current = partnership_settings(db)
    with st.form(key="partnership_settings_form"):
        values = {
            name: st.number_input(
                tr(f"partnership_settings.{name}"),
                min_value=low,
                max_value=high,
                value=getattr(current, name),
                step=1,
            )
            for name, (_, low, high) in LIMITS.items()
        }
        if st.form_submit_button(tr("admin.save"), type="primary"):
            try:
                wanted = PartnershipSettings(**{k: int(v) for k, v in values.items()})
                save_partnership_settings(db, wanted, actor=actor(), lang=lang)
            except Rejected as error:
                on_refused(error)
            else:
                on_saved(tr("partnership_settings.saved"))
