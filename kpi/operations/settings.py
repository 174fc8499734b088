"""The operations settings an administrator changes on the pages (SPEC section 9): how many backups
a folder keeps, and how many days a contact is not sent another reminder. One whole number each, in a
range; saved with its audit row, and nothing written when it is unchanged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kpi.access import Actor, Role, require_role
from kpi.errors import Rejected, ValidationError
from kpi.i18n import t
from kpi.storage import Database
from kpi.storage.partnerships import setting_value
from kpi.storage.registry import write_setting

# key: (default, lowest, highest); the defaults are migration 0015's
LIMITS = {"backup_keep": (14, 1, 365), "reminder_repeat_days": (7, 1, 90)}
_OUT_OF_RANGE = {
    "backup_keep": "backups.keep_out_of_range",
    "reminder_repeat_days": "reminder_mail.repeat_out_of_range",
}


def number_setting(db: Database, key: str) -> int:
    """The setting, or its default when unset or mistyped."""
    default, low, _ = LIMITS[key]
    with db.cursor() as cursor:
        text = (setting_value(cursor, key) or "").strip()
    return int(text) if text.isdigit() and int(text) >= low else default


def save_number_setting(db: Database, key: str, value: int, *, actor: Actor, lang: str) -> bool:
    """Store one of LIMITS' settings (administrators; audited). False when it was already so;
    Rejected, with the range, when the value is outside it."""
    require_role(actor, Role.ADMINISTRATOR)
    _, low, high = LIMITS[key]
    if not low <= value <= high:
        message = t(_OUT_OF_RANGE[key], lang, value=value, low=low, high=high)
        raise Rejected([ValidationError("out_of_range", message, column=key)])
    now = datetime.now()

    def work(cursor: Any) -> bool:
        if setting_value(cursor, key) == str(value):
            return False
        write_setting(cursor, key, str(value), actor=actor.username, now=now)
        return True

    return db.write(work)
