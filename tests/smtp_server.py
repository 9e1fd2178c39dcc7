"""A real SMTP server on localhost for the reminder tests (aiosmtpd), and a closed port.

`MailServer` runs aiosmtpd's `Controller` on a free port in a thread and keeps every message it
accepted, parsed with `email`; `fail_after` makes it answer "451 try again later" once it has
accepted that many, and `reject_logins` makes it offer AUTH (over plain text) and refuse every
login. `closed_port()` is a port nothing listens on: a server that is down.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_port() -> int:
    """A port on localhost where nothing listens (connecting is refused at once)."""
    return free_port()


@dataclass
class Received:
    """One message the server accepted: the envelope's recipients and the parsed message."""

    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        found = self.message.get_body(preferencelist=(subtype,))
        assert found is not None, f"no text/{subtype} part"
        return str(found.get_content())  # type: ignore[attr-defined]


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    fail_after: int | None = None

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.fail_after is not None and len(self.received) >= self.fail_after:
            return "451 4.3.0 Try again later"
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(list(envelope.rcpt_tos), parsed))
        return "250 OK"


def _refuse_every_login(*_args: Any) -> AuthResult:
    return AuthResult(success=False, handled=False)


class MailServer:
    """A running SMTP server on 127.0.0.1 (use as a context manager)."""

    def __init__(self, *, fail_after: int | None = None, reject_logins: bool = False) -> None:
        self.handler = _Handler(fail_after=fail_after)
        self.port = free_port()
        extra: dict[str, Any] = {}
        if reject_logins:
            extra = {"authenticator": _refuse_every_login, "auth_require_tls": False}
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, server_hostname="localhost",
            **extra,
        )  # fmt: skip

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def env(self, **more: str) -> dict[str, str]:
        """The environment that points the product at this server (no TLS, no login)."""
        return smtp_env(self.port, **more)

    def __enter__(self) -> MailServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


def smtp_env(port: int, **more: str) -> dict[str, str]:
    """SHARED_OUTCOMES_SMTP_* for a server on localhost at `port`; `more` overrides
    (e.g. USER="x", PASSWORD="y"). Every key is set, so nothing leaks in from outside."""
    values = {"HOST": "127.0.0.1", "PORT": str(port), "TLS": "none", "USER": "",
              "PASSWORD": "", "FROM": "shared-outcomes@partnership.example"}  # fmt: skip
    values |= more
    return {f"SHARED_OUTCOMES_SMTP_{key}": value for key, value in values.items()}
