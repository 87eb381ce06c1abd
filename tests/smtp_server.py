"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the e-mail invitation tests, on a free port.

Addresses whose local part starts with ``bounce`` are refused at RCPT (550), as a mail server refuses an
unknown mailbox. Every accepted message is kept with its envelope, parsed.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class MailHandler:
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook name)
        if address.split("@", 1)[0].startswith("bounce"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, raw))  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: MailHandler

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def config(self) -> dict[str, object]:
        return {
            "SMTP_HOST": self.host,
            "SMTP_PORT": self.port,
            "SMTP_TLS": "none",
            "SMTP_FROM": "Quality team <surveys@peerscope.example>",
            "SMTP_USER": "",
            "SMTP_PASSWORD": "",
        }


def running_smtp_server() -> Iterator[SmtpServer]:
    """For a test module's fixture: ``yield from running_smtp_server()``."""
    handler = MailHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, handler)
    finally:
        controller.stop()
