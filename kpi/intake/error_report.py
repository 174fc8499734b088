"""The refused file's problems as a table a person reads on screen or fixes in Excel."""

from __future__ import annotations

import pandas as pd

from kpi.errors import ValidationError
from kpi.i18n import t


def error_table(errors: list[ValidationError], lang: str) -> pd.DataFrame:
    """Errors as a table to read on screen or fix in Excel; headers in the user's language. The
    column is named as the file wrote its header (`出願件数（件）`, not `patents`), the row is the
    file's own row number."""
    return pd.DataFrame(
        [(e.row, e.header or e.column, e.code, e.message) for e in errors],
        columns=[t(f"upload.error_{c}", lang) for c in ("row", "column", "code", "message")],
    ).astype({t("upload.error_row", lang): "Int64"})
