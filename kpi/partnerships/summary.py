"""One project's partnership at a glance, for its project page (SPEC section 8): the agreements in
force, the phase flag, the next review and the open action items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kpi.access import Actor
from kpi.partnerships.agreements import PhaseFlag, agreement_table, phase_flags, records
from kpi.partnerships.meetings import Review, open_items, review_status
from kpi.storage import Database


@dataclass(frozen=True)
class ProjectPartnership:
    in_force: int  # signed agreements whose term has not ended
    unsigned: int  # agreements recorded but not signed yet
    flag: PhaseFlag | None
    review: Review | None  # None: the project is not running
    open_items: int
    overdue_items: int


def project_partnership(db: Database, project_code: str, as_of: date, *, actor: Actor) -> ProjectPartnership:
    """The summary as the actor may read it (a partner: its own action items)."""
    agreements = records(agreement_table(db, as_of, actor=actor, project_code=project_code))
    signed = [a for a in agreements if a["signed_on"] is not None and a["signed_on"] <= as_of]
    flag = next((f for f in phase_flags(db, as_of, actor=actor) if f.project_code == project_code), None)
    review = next((r for r in review_status(db, as_of, actor=actor) if r.project_code == project_code), None)
    items = open_items(db, as_of, actor=actor)
    items = items[items["project_code"] == project_code]
    return ProjectPartnership(
        in_force=sum(1 for a in signed if not a["expired"] and a["starts_on"] <= as_of),
        unsigned=len(agreements) - len(signed),
        flag=flag,
        review=review,
        open_items=len(items),
        overdue_items=int((items["days_late"] > 0).sum()),
    )
