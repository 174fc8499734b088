"""The administration page's backups (kpi/operations/backups.py): the folder, the list, "take a backup
now", a download of one backup (a .zip with its manifest, built on its click) and how many to keep.
Restoring is the command line's (`python -m kpi restore`): it replaces the file this server reads."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from kpi.errors import Rejected
from kpi.formatting.numbers import format_number, plain
from kpi.operations.backup_files import BackupRejected, backups_table, default_backup_dir, list_backups
from kpi.operations.backups import KEEP_LIMITS, backup_keep, backup_zip, save_backup_keep, take_backup
from kpi.storage import Database
from ui.session import actor, tr


def backups_section(
    db: Database, lang: str, *, on_saved: Callable[[str], None], on_refused: Callable[[Rejected], None]
) -> None:
    st.subheader(tr("backups.heading"))
    if db.engine == "postgresql":
        st.info(plain(BackupRejected("postgresql").message(lang)), icon=":material/info:")
        return
    folder, who = default_backup_dir(db.path), actor()
    st.caption(tr("backups.folder", folder=plain(folder)))
    if st.button(tr("backups.take"), type="primary", icon=":material/backup:", key="take_backup"):
        try:
            taken = take_backup(db, folder, actor=who)
        except BackupRejected as refused:
            st.error(plain(refused.message(lang)))
        else:
            on_saved(
                tr(
                    "backups.taken_flash",
                    file=taken.path.name,
                    tables=format_number(len(taken.manifest.row_counts), lang),
                    rows=format_number(taken.manifest.rows, lang),
                )
            )
    infos = list_backups(folder)
    if not infos:
        st.info(tr("backups.none"))
    else:
        table = backups_table(infos, lang)
        st.dataframe(
            table,
            hide_index=True,
            column_config={name: tr(f"backups.col_{name}") for name in table.columns},
        )
        names = [info.name for info in infos]
        chosen = st.selectbox(tr("backups.pick"), names, key="backup_pick")
        if chosen:
            st.download_button(
                tr("backups.download"),
                data=lambda: backup_zip(folder, chosen, actor=who),  # built on the click, outside the run
                file_name=chosen.removesuffix(".duckdb") + ".zip",
                mime="application/zip",
                icon=":material/download:",
                on_click="ignore",
                key="download_backup",
            )
    st.caption(tr("backups.restore_help"))
    with st.form(key="backup_keep_form"):
        low, high = KEEP_LIMITS
        keep = st.number_input(
            tr("backups.keep"), min_value=low, max_value=high, value=backup_keep(db), step=1
        )
        if st.form_submit_button(tr("admin.save"), type="primary"):
            try:
                save_backup_keep(db, int(keep), actor=who, lang=lang)
            except Rejected as error:
                on_refused(error)
            else:
                on_saved(tr("backups.keep_saved", keep=format_number(int(keep), lang)))
