"""A real SMTP server for the reminder tests: aiosmtpd's Controller on 127.0.0.1 and a free port,
with a handler that keeps every message it accepts and can be told to refuse."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kpi.operations.mailer import SmtpConfig

SENDER = "KPI office <kpi-office@example.jp>"
USER, PASSWORD = "kpi-office", "s3cret-for-tests"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Collector:
    """aiosmtpd handler: accepts and keeps messages; `refuse_rcpt` / `refuse_data` (a reply such as
    "550 5.1.1 mailbox unavailable") refuse every recipient, or only those in `refuse_only`."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: str | None = None
    refuse_data: str | None = None
    refuse_only: set[str] = field(default_factory=set)

    def _refuses(self, addresses: list[str]) -> bool:
        return not self.refuse_only or any(a.lower() in self.refuse_only for a in addresses)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_rcpt and self._refuses([address]):
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data and self._refuses(envelope.rcpt_tos):
            return self.refuse_data
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def per_recipient(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for message in self.received:
            for address in message.rcpt_tos:
                counts[address.lower()] = counts.get(address.lower(), 0) + 1
        return counts


def free_port() -> int:
    """A port nothing listens on (bound, then let go)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword) and data.login == USER.encode() and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    handler: Collector
    port: int
    auth: bool

    def config(self, **changes: Any) -> SmtpConfig:
        values: dict[str, Any] = {"host": "127.0.0.1", "sender": SENDER, "port": self.port, "starttls": False}
        if self.auth:
            values |= {"user": USER, "password": PASSWORD}
        return SmtpConfig(**(values | changes))

    def secrets(self, path: Path, url: str = "https://kpi.example.jp") -> Path:
        """A secrets file naming this server, as .streamlit/secrets.toml would."""
        login = f'user = "{USER}"\npassword = "{PASSWORD}"\n' if self.auth else ""
        path.write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {self.port}\nstarttls = false\n{login}from = "{SENDER}"\n\n'
            f'[app]\nurl = "{url}"\n',
            encoding="utf-8",
        )
        return path


def _serve(auth: bool) -> Iterator[SmtpServer]:
    handler = Collector()
    port = free_port()
    extra: dict[str, Any] = {"authenticator": _authenticate, "auth_require_tls": False} if auth else {}
    controller = Controller(handler, hostname="127.0.0.1", port=port, **extra)
    controller.start()
    try:
        yield SmtpServer(handler, port, auth)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A server that takes mail without login or STARTTLS."""
    yield from _serve(auth=False)


@pytest.fixture
def smtp_login_server() -> Iterator[SmtpServer]:
    """A server that wants AUTH LOGIN/PLAIN (over plain text: a test server only)."""
    yield from _serve(auth=True)
