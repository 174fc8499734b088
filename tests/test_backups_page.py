"""The administration page's backups (ui/sections/backups.py), driven through the page: a backup taken
with the button appears in the list, its download is a .zip with the file and its manifest, and the
number to keep is saved."""

from __future__ import annotations

import functools
import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from kpi.formatting.numbers import plain
from kpi.i18n import catalog
from kpi.operations.backup_files import list_backups
from kpi.operations.backups import backup_keep
from kpi.storage import Database
from tests.conftest import signed_in

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_an_administrator_takes_lists_downloads_and_keeps_backups(
    monkeypatch: pytest.MonkeyPatch, demo_db_path: Path, tmp_path: Path, lang: str
) -> None:
    live = tmp_path / "data" / "kpi.duckdb"
    live.parent.mkdir()
    shutil.copyfile(demo_db_path, live)
    folder = tmp_path / "data" / "backups"  # no $KPI_BACKUP_DIR: beside the database
    monkeypatch.delenv("KPI_BACKUP_DIR", raising=False)
    monkeypatch.setenv("KPI_DB", str(live))
    downloads: dict[str, tuple[Callable[[], Any], str]] = {}
    draw = DeltaGenerator.download_button

    def recording(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        if callable(data):
            downloads[str(kwargs.get("key"))] = (data, str(kwargs.get("file_name")))
        return draw(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    # st.download_button is the main area's method, bound when Streamlit was imported
    monkeypatch.setattr(st, "download_button", functools.partial(recording, st._main))
    words = catalog(lang)
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    app.query_params["lang"] = lang
    app.switch_page("pages/admin.py").run()
    app.session_state["admin_section"] = "backups"
    app.run()
    assert not app.exception, app.exception
    assert [i.value for i in app.info] == [words["backups.none"]]
    assert app.get("download_button") == []
    next(b for b in app.button if b.key == "take_backup").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    [info] = list_backups(folder)
    assert [s.value for s in app.success] == [
        plain(words["backups.taken_flash"].format(file=info.name, tables=35, rows=f"{info.rows:,}"))
    ]
    [table] = app.dataframe
    assert table.value["file"].tolist() == [info.name]
    assert table.value["schema"].tolist() == [str(info.schema_version)]
    assert table.value["rows"].tolist() == [f"{info.rows:,}"]
    assert app.selectbox(key="backup_pick").value == info.name
    assert len(app.get("download_button")) == 1
    data, file_name = downloads["download_backup"]
    assert file_name == info.name.removesuffix(".duckdb") + ".zip"
    with zipfile.ZipFile(io.BytesIO(data())) as archive:
        assert archive.read(info.name) == info.path.read_bytes()
        manifest = json.loads(archive.read(info.name.removesuffix(".duckdb") + ".json"))
    assert sum(manifest["row_counts"].values()) == info.rows
    app.number_input[0].set_value(5)
    next(b for b in app.button if b.label == words["admin.save"]).click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert [s.value for s in app.success] == [plain(words["backups.keep_saved"].format(keep=5))]
    assert backup_keep(Database(live)) == 5
