"""Who reminder e-mails go to: each organization's contact address (migration 0015) and the e-mail
addresses of active lead and partner accounts (migration 0006)."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

CONTACT_COLUMNS = ["email", "language", "organization_code", "source"]

_CONTACTS = """
SELECT trim(contact_email) AS email, coalesce(contact_language, 'ja') AS language, organization_code,
       'organization' AS source, 0 AS sort_order
FROM organizations WHERE nullif(trim(contact_email), '') IS NOT NULL
UNION ALL
SELECT trim(a.email), coalesce(a.language, 'ja'), a.organization_code, 'account', 1
FROM accounts a JOIN organizations o USING (organization_code)
WHERE a.active AND a.role IN ('lead', 'partner') AND nullif(trim(a.email), '') IS NOT NULL
ORDER BY sort_order, organization_code, email
"""


def reminder_contacts(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every (address, language, organization) a digest may go to, organizations' own addresses
    first, then accounts'. Columns CONTACT_COLUMNS; one address may appear more than once."""
    return cursor.execute(_CONTACTS).df()[CONTACT_COLUMNS]


def organization_contact(
    cursor: duckdb.DuckDBPyConnection, code: str
) -> tuple[str | None, str | None] | None:
    """(contact_email, contact_language) of one organization; None when there is no such organization."""
    row = cursor.execute(
        "SELECT contact_email, contact_language FROM organizations WHERE organization_code = ?", [code]
    ).fetchone()
    return None if row is None else (row[0], row[1])


def set_organization_contact(
    cursor: duckdb.DuckDBPyConnection, code: str, email: str | None, language: str | None
) -> None:
    cursor.execute(
        "UPDATE organizations SET contact_email = ?, contact_language = ? WHERE organization_code = ?",
        [email, language, code],
    )


def set_contacts(
    cursor: duckdb.DuckDBPyConnection, rows: Sequence[tuple[str, str | None, str | None]]
) -> None:
    """Many organizations' (code, contact_email, contact_language) at once (the demo), set-based."""
    if not rows:
        return
    frame = pd.DataFrame(
        rows, columns=["organization_code", "contact_email", "contact_language"], dtype=object
    )
    cursor.register("_contact_frame", frame)
    cursor.execute(
        "UPDATE organizations SET contact_email = f.contact_email, contact_language = f.contact_language"
        " FROM _contact_frame f WHERE organizations.organization_code = f.organization_code"
    )
    cursor.unregister("_contact_frame")
