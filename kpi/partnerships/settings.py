"""The partnerships settings (SPEC section 8, migration 0014): days of warning before an agreement's
end or notice date, a running project's review cadence, and the months after which a partner of a
closed project is going quiet. Administrators change them; each change is audited."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from kpi.access import Actor, require_role
from kpi.errors import Rejected
from kpi.i18n import t
from kpi.intake.rows import ErrorSink
from kpi.partnerships.agreements import cursor_setting
from kpi.storage import Database
from kpi.storage.registry import write_setting

# Setting → (SPEC's default, lowest, highest).
LIMITS = {
    "agreement_alert_days": (90, 1, 730),
    "review_cadence_months": (3, 1, 24),
    "quiet_months": (12, 1, 120),
}


@dataclass(frozen=True)
class PartnershipSettings:
    agreement_alert_days: int = 90
    review_cadence_months: int = 3
    quiet_months: int = 12


def _read(cursor: Any) -> PartnershipSettings:
    return PartnershipSettings(**{k: cursor_setting(cursor, k, d) for k, (d, _, _) in LIMITS.items()})


def partnership_settings(db: Database) -> PartnershipSettings:
    with db.cursor() as cursor:
        return _read(cursor)


def save_partnership_settings(db: Database, wanted: PartnershipSettings, *, actor: Actor, lang: str) -> None:
    """Store the changed settings (administrators), each within its limits; nothing when one is not."""
    require_role(actor)
    labels = {name: t(f"partnership_settings.{name}", lang) for name in LIMITS}
    sink = ErrorSink(lang, column_labels=labels, messages="partnership_settings")
    for field in fields(wanted):
        _, low, high = LIMITS[field.name]
        value = getattr(wanted, field.name)
        if not low <= value <= high:
            sink.add("out_of_range", None, field.name, value=value, low=low, high=high)
    if sink.errors:
        raise Rejected(sink.errors)
    now = datetime.now()

    def work(cursor: Any) -> None:
        current = _read(cursor)
        for field in fields(wanted):
            value = getattr(wanted, field.name)
            if getattr(current, field.name) != value:  # only real changes reach the audit log
                write_setting(cursor, field.name, str(value), actor=actor.username, now=now)

    db.write(work)
