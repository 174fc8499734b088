"""The reminders page's e-mail part (kpi/operations/sending.py), administrators only: "send now"
through the secrets' [smtp] server, what it would send, and the log of what was sent."""

from __future__ import annotations

import streamlit as st

from kpi import secrets
from kpi.errors import Rejected
from kpi.formatting.numbers import plain
from kpi.i18n import t
from kpi.operations import mailer
from kpi.operations.sending import run_reminders, sent_log
from kpi.operations.settings import LIMITS, save_number_setting
from kpi.storage import Database
from ui.database import reminder_preview
from ui.session import actor, language, today, tr

FLASH = "reminder_mail_flash"


def _config() -> tuple[mailer.SmtpConfig | None, str | None]:
    """The [smtp] configuration, or None and why it cannot be used."""
    path = str(secrets.secrets_path())
    try:
        config = mailer.load_config()
    except mailer.MailConfigError as error:
        return None, tr("reminder_mail.config_invalid", path=path, name=error.key)
    except (OSError, ValueError):  # an unreadable secrets file (tomllib's errors are ValueErrors)
        return None, tr("reminder_mail.config_invalid", path=path, name="smtp")
    if config is None:
        return None, tr("reminder_mail.not_configured", path=path)
    return config, None


def _repeat_days_form(db: Database, days: int) -> None:
    """The no-repeat setting, beside what it governs."""
    _, low, high = LIMITS["reminder_repeat_days"]
    with st.form(key="reminder_repeat_form"):
        wanted = st.number_input(tr("reminder_mail.repeat_days"), min_value=low, max_value=high, value=days)
        if st.form_submit_button(tr("admin.save")):
            try:
                save_number_setting(db, "reminder_repeat_days", int(wanted), actor=actor(), lang=language())
            except Rejected as error:
                st.error(plain(error.errors[0].message))
            else:
                st.session_state[FLASH] = ("ok", [tr("reminder_mail.repeat_saved", days=int(wanted))])
                st.rerun()


def reminder_mail(db: Database) -> None:
    me = actor()
    if not me.is_admin:  # run_reminders and sent_log check it too
        return
    lang = language()
    st.subheader(tr("reminder_mail.heading"))
    if flash := st.session_state.pop(FLASH, None):
        kind, lines = flash
        (st.success if kind == "ok" else st.error)(plain("\n\n".join(lines)))
    config, problem = _config()
    preview = reminder_preview(me, today(), lang)
    st.caption(tr("reminder_mail.caption", days=preview.repeat_days))
    if problem:
        st.warning(plain(problem))
    _repeat_days_form(db, preview.repeat_days)
    if st.button(
        tr("reminder_mail.send_now"), type="primary", disabled=config is None, key="reminder_send_now"
    ):
        run = run_reminders(db, today(), actor=me, send=True, config=config, lang=lang)
        counts = tr(
            "reminder_mail.sent_result", sent=len(run.sent), failed=len(run.failed), skipped=len(run.skipped)
        )
        failures = [tr("reminder_mail.cli_failed", recipient=d.recipient, error=e) for d, e in run.failed]
        st.session_state[FLASH] = ("failed" if run.failed else "ok", [counts, *failures])
        st.rerun()

    st.markdown(f"**{tr('reminder_mail.preview_heading')}**")
    if preview.skipped:
        recipients = t("reminder_mail.name_separator", lang).join(d.recipient for d, _ in preview.skipped)
        st.caption(plain(tr("reminder_mail.skipped", days=preview.repeat_days, recipients=recipients)))
    if not preview.due:
        st.info(tr("reminder_mail.preview_none", days=preview.repeat_days))
    else:
        st.dataframe(
            {
                "to": [d.recipient for d in preview.due],
                "organizations": [", ".join(d.organization_codes) for d in preview.due],
                "language": [t(f"accounts.lang_{d.language}", lang) for d in preview.due],
                "subject": [d.subject for d in preview.due],
                "items": [len(d.items) for d in preview.due],
            },
            hide_index=True,
            width="stretch",
            column_config={
                "to": tr("reminder_mail.col_to"),
                "organizations": tr("reminder_mail.col_organizations"),
                "language": tr("reminder_mail.col_language"),
                "subject": st.column_config.TextColumn(tr("reminder_mail.col_subject"), width="large"),
                "items": tr("reminder_mail.col_items"),
            },
        )
        bodies = {d.recipient: d for d in preview.due}
        shown = st.selectbox(
            tr("reminder_mail.preview_recipient"),
            list(bodies),
            key="reminder_mail_preview",
            placeholder=tr("streamlit.choose"),
        )
        if shown is not None:
            st.code(f"{bodies[shown].subject}\n\n{bodies[shown].body}", language=None, wrap_lines=True)

    st.markdown(f"**{tr('reminder_mail.log_heading')}**")
    log = sent_log(db, actor=me)
    if log.empty:
        st.info(tr("reminder_mail.log_empty"))
        return
    log = log.assign(
        status=[tr(f"reminder_mail.status_{s}") for s in log["status"]],
        language=[t(f"accounts.lang_{code}", lang) for code in log["language"]],
    )
    st.dataframe(
        log,
        placeholder="—",
        hide_index=True,
        width="stretch",
        column_config={
            "attempted_at": st.column_config.DatetimeColumn(
                tr("reminder_mail.col_time"), format="YYYY-MM-DD HH:mm"
            ),
            "recipient": tr("reminder_mail.col_to"),
            "organizations": tr("reminder_mail.col_organizations"),
            "language": tr("reminder_mail.col_language"),
            "subject": st.column_config.TextColumn(tr("reminder_mail.col_subject"), width="medium"),
            "items": tr("reminder_mail.col_items"),
            "status": tr("reminder_mail.col_status"),
            "error": st.column_config.TextColumn(tr("reminder_mail.col_error"), width="medium"),
        },
    )
