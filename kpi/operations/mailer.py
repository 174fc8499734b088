"""Sending e-mail through the SMTP server in `.streamlit/secrets.toml` (SPEC section 9).

    [smtp]
    host = "smtp.example.jp"
    port = 587            # default 587
    starttls = true       # default true
    user = "kpi-office"   # optional: no login without it
    password = "…"        # optional
    from = "KPI office <kpi-office@example.jp>"   # required

    [app]
    url = "https://kpi.example.jp"   # the dashboard's address, for the links in the e-mails

$KPI_SECRETS names another file (the tests use it). Messages are UTF-8 with an encoded Subject,
Date, Message-ID, From and To.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from kpi.secrets import read_secrets

DEFAULT_URL = "http://localhost:8501"
TIMEOUT_SECONDS = 30.0


class MailConfigError(ValueError):
    """The [smtp] table is there but cannot be used (a key missing or of the wrong kind)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    sender: str  # the From header
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    timeout: float = TIMEOUT_SECONDS


def load_config(path: Path | None = None) -> SmtpConfig | None:
    """The [smtp] table as a SmtpConfig; None when there is no [smtp] table (not configured);
    MailConfigError (naming the key) when it cannot be used."""
    table = read_secrets(path).get("smtp")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise MailConfigError("smtp")
    host, sender = table.get("host"), table.get("from")
    if not isinstance(host, str) or not host.strip():
        raise MailConfigError("host")
    if not isinstance(sender, str) or "@" not in parseaddr(sender)[1]:
        raise MailConfigError("from")
    port = table.get("port", 587)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise MailConfigError("port")
    starttls = table.get("starttls", True)
    if not isinstance(starttls, bool):
        raise MailConfigError("starttls")
    user, password = table.get("user") or None, table.get("password") or None
    if user is not None and not isinstance(user, str):
        raise MailConfigError("user")
    if password is not None and not isinstance(password, str):
        raise MailConfigError("password")
    return SmtpConfig(host.strip(), sender, port, starttls, user, password)


def app_url(path: Path | None = None) -> str:
    """The dashboard's address for links: secrets' [app] url, else http://localhost:8501."""
    table = read_secrets(path).get("app")
    url = table.get("url") if isinstance(table, dict) else None
    return url.rstrip("/") if isinstance(url, str) and url.strip() else DEFAULT_URL


def build_message(recipient: str, subject: str, body: str, config: SmtpConfig) -> EmailMessage:
    """A plain-text UTF-8 message with the headers every mail server and client expects."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = parseaddr(config.sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body, charset="utf-8")
    return message


def send(message: EmailMessage, config: SmtpConfig) -> None:
    """Hand one message to the server: STARTTLS when configured, login when a user is set.
    Raises smtplib.SMTPException or OSError when the server refuses or cannot be reached."""
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as server:
        if config.starttls:
            server.starttls(context=ssl.create_default_context())
        if config.user:
            server.login(config.user, config.password or "")
        server.send_message(message)


def failure_text(error: BaseException) -> str:
    """What went wrong, as the server or the network said it (kept in the send log)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_text(reply)}" for address, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPSenderRefused):
        return f"{error.smtp_code} {_text(error.smtp_error)} ({error.sender})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
