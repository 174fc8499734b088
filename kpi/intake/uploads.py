"""What the upload page shows: organizations, error reports and batch history, in the user's language."""

from __future__ import annotations

import pandas as pd

from kpi.access import Actor, Role, require_organization
from kpi.formatting.names import display_names
from kpi.i18n import t
from kpi.intake.service import ImportResult, layout_lines
from kpi.storage import Database
from kpi.storage.batches import list_batches
from kpi.storage.registry import partner_projects, read_table

NAMED_IN_FILE = ""  # the project choice's first option: the file names its projects itself


def organizations_for_upload(db: Database, lang: str, *, actor: Actor) -> dict[str, str]:
    """Organization code → display name, for organizations that take part in a project: every one
    for administrators, the user's own for everyone else (none for executives)."""
    with db.cursor() as cursor:
        organizations = read_table(cursor, "organizations")
        partners = read_table(cursor, "partners")
    members = organizations[organizations["organization_code"].isin(partners["organization_code"])]
    if not actor.is_admin:
        own = actor.organization_code if actor.role != Role.EXECUTIVE else None
        members = members[members["organization_code"] == own]
    names = display_names(members, lang)
    return dict(zip(members["organization_code"], names, strict=True))


def project_options(db: Database, organization_code: str, lang: str, *, actor: Actor) -> dict[str, str]:
    """The upload's project choice for files that name no project: NAMED_IN_FILE first, then the
    organization's projects, code → "code  name" in the user's language."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        projects = partner_projects(cursor, organization_code)
    names = display_names(projects, lang)
    codes = projects["project_code"]
    return {NAMED_IN_FILE: t("upload.project_in_file", lang)} | {
        code: f"{code}  {name}" for code, name in zip(codes, names, strict=True)
    }


def intake_facts(result: ImportResult, lang: str) -> list[str]:
    """How the file was read, one sentence each, as far as it is known: the format, then what the
    importer read past (kpi.intake.service.layout_lines, the command line's wording): the header
    row found, the rows skipped with their reason, the columns not imported and the count of
    cells not reported."""
    facts = []
    if result.format:
        facts.append(t("upload.facts_format", lang, format=t(f"upload.format_{result.format}", lang)))
    return facts + layout_lines(result, lang)


def _of_kind(frame: pd.DataFrame, kind: str | None) -> pd.DataFrame:
    """The batches of one kind (import_batches.kind: "actuals", "expenditures"), or all for None."""
    return frame if kind is None else frame[frame["kind"].fillna("actuals") == kind]


def live_batches(db: Database, organization_code: str, *, actor: Actor, kind: str | None = None) -> list[int]:
    """Batches of this organization (of one kind when given) that can still be rolled back, newest first."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        frame = _of_kind(list_batches(cursor, organization_code), kind)
    return [int(b) for b in frame.loc[frame["rolled_back_at"].isna(), "batch_id"]]


def batch_facts(db: Database, organization_code: str, batch_id: int, *, actor: Actor) -> dict[str, str]:
    """What the rollback confirmation names: the batch's file, when it was uploaded and its rows."""
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        frame = list_batches(cursor, organization_code)
    row = frame[frame["batch_id"] == batch_id].iloc[0]
    return {"file": str(row["file_name"]), "uploaded": f"{row['uploaded_at']:%Y-%m-%d %H:%M}",
            "rows": f"{int(row['rows']):,}"}  # fmt: skip


def batch_history(
    db: Database, organization_code: str, lang: str, *, actor: Actor, kind: str | None = None
) -> pd.DataFrame:
    require_organization(actor, organization_code)
    with db.cursor() as cursor:
        frame = _of_kind(list_batches(cursor, organization_code), kind)
    shown = ["batch_id", "uploaded_at", "file_name", "uploaded_by", "rows", "inserted", "updated",
             "unchanged", "rolled_back_at"]  # fmt: skip
    frame = frame[shown].astype({"rolled_back_at": object})
    frame["rolled_back_at"] = frame["rolled_back_at"].map(
        lambda v: "" if pd.isna(v) else f"{v:%Y-%m-%d %H:%M}"
    )
    return frame.rename(columns={c: t(f"upload.batch_{c}", lang) for c in shown})


def change_table(db: Database, changes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The values an import would change, with KPI names and headers in the user's language."""
    with db.cursor() as cursor:
        kpis = read_table(cursor, "kpi_definitions").set_index("kpi_code")
    names = display_names(kpis, lang)
    frame = pd.DataFrame(
        {
            t("upload.change_project", lang): changes["project_code"],
            t("upload.change_kpi", lang): changes["kpi_code"].map(names).fillna(changes["kpi_code"]),
            t("upload.change_period", lang): pd.to_datetime(changes["period_end"]).dt.date,
            t("upload.change_organization", lang): changes["organization_code"],
            t("upload.change_before", lang): changes["current_value"],
            t("upload.change_after", lang): changes["value"],
            t("upload.change_kind", lang): changes["change"].map(lambda c: t(f"upload.change_{c}", lang)),
        }
    )
    return frame
