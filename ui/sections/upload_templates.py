"""The upload page's templates: files a partner fills in and sends back as they are."""

from __future__ import annotations

import streamlit as st

from kpi.intake.templates import (
    LAYOUTS,
    YEAR_TABLE_FIXED,
    instructions_frame,
    template_bytes,
    template_frame,
    template_projects,
)
from kpi.storage import Database
from ui.session import actor, today, tr

_ALL = ""  # the choice "all my projects"


def templates_section(db: Database, org: str, lang: str) -> None:
    """Templates for the organization `org`, in `lang`: one project it takes part in (or all of
    them), a layout, one download per format."""
    with st.expander(tr("upload.templates"), expanded=False):
        projects = template_projects(db, org, lang, actor=actor())
        choices = {_ALL: tr("upload.template_all_projects")}
        choices.update({code: f"{code} {name}" for code, name in projects.items()})
        project = st.selectbox(
            tr("upload.template_project"),
            list(choices),
            format_func=choices.__getitem__,
            placeholder=tr("upload.template_project_placeholder"),
            key=f"template_project_{org}",
        )
        layouts = {layout: tr(f"upload.layout_{layout}") for layout in LAYOUTS}
        layout = st.radio(
            tr("upload.layout"),
            list(layouts),
            format_func=layouts.__getitem__,
            horizontal=True,
            key="template_layout",
        )
        st.caption(tr("upload.templates_help" if layout == "wide" else "upload.templates_help_year_table"))
        if layout == "wide":
            st.caption(tr("upload.template_units"))
        chosen = project or None
        frame = template_frame(db, org, lang, today(), actor=actor(), layout=layout, project_code=chosen)
        if layout == "year_table" and len(frame.columns) <= YEAR_TABLE_FIXED:
            st.info(tr("upload.template_no_years"))
            return
        instructions = instructions_frame(
            db, org, lang, today(), actor=actor(), layout=layout, project_code=chosen
        )
        stem = f"template_{org}_{chosen or 'all'}_{layout}"
        columns = st.columns(3)
        for column, (fmt, extension) in zip(
            columns, [("csv", "csv"), ("csv-cp932", "csv"), ("xlsx", "xlsx")], strict=True
        ):
            column.download_button(
                tr(f"upload.template_{fmt.replace('-', '_')}"),
                data=template_bytes(frame, fmt, instructions, lang),
                file_name=f"{stem}_{fmt}.{extension}",
                key=f"template_{fmt}",
            )
