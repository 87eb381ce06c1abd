"""Sending plain-text messages through the configured mail server (smtplib), one message per address.

Each message has exactly one recipient (no Cc, no Bcc lists), so no address
ever travels in another person's message. A refusal by the server (an unknown
mailbox, a full one, a policy rejection) is reported for that address; a
server that cannot be reached fails the whole batch, which stays waiting.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

__all__ = ["MailServerError", "SmtpSettings", "build_message", "connect"]


class MailServerError(Exception):
    """The mail server could not be reached or refused the connection (nothing was sent)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str  # none | starttls | ssl
    user: str
    password: str
    sender: str
    timeout: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        return cls(
            host=config["SMTP_HOST"],
            port=int(config["SMTP_PORT"]),
            tls=config["SMTP_TLS"],
            user=config["SMTP_USER"],
            password=config["SMTP_PASSWORD"],
            sender=config["SMTP_FROM"],
            timeout=int(config["SMTP_TIMEOUT"]),
        )

    def missing(self) -> str | None:
        """What stops sending, in words for the admin; None when e-mail can be sent."""
        if not self.host:
            return "E-mail is not set up: set SURVEYAPP_SMTP_HOST (and SURVEYAPP_SMTP_FROM) and restart the app."
        if "@" not in parseaddr(self.sender)[1]:
            return "E-mail is not set up: set SURVEYAPP_SMTP_FROM to the sender's address, e.g. surveys@example.org."
        return None


def build_message(settings: SmtpSettings, to: str, subject: str, body: str, language: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # out-of-office replies should not answer it
    message.set_content(body, charset="utf-8")
    message["Content-Language"] = language  # after set_content, which clears every Content-* header
    return message


#: sends one message; returns None when the server accepted it, else the server's refusal in words
Send = Callable[[EmailMessage], "str | None"]


@contextmanager
def connect(settings: SmtpSettings) -> Iterator[Send]:
    """One connection for a batch; yields a function that sends one message and reports a refusal."""
    try:
        if settings.tls == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.tls == "starttls":
            server.starttls(context=ssl.create_default_context())
        if settings.user:
            server.login(settings.user, settings.password)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailServerError(f"cannot reach the mail server {settings.host}:{settings.port}: {exc}") from exc

    def send(message: EmailMessage) -> str | None:
        try:
            refused = server.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            return f"refused by the mail server ({code}): {_text(reason)}"
        except smtplib.SMTPResponseException as exc:
            return f"refused by the mail server ({exc.smtp_code}): {_text(exc.smtp_error)}"
        except (OSError, smtplib.SMTPException) as exc:
            raise MailServerError(f"the connection to the mail server failed: {exc}") from exc
        if refused:
            code, reason = next(iter(refused.values()))
            return f"refused by the mail server ({code}): {_text(reason)}"
        return None

    try:
        yield send
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()


def _text(reason: bytes | str) -> str:
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
