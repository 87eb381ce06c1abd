"""E-mail invitations and reminders: who is to get which message, and how sending went.

A recipient row holds an address, optionally a unit and a language, and its
link's token *sealed* with a key derived from the application's secret
(services.mail_tokens). It never holds the invitation's id or the token's
plain hash: a database reader cannot pair an address with an invitation, and
so never with a response (docs/invitations.md, "Anonymity").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import db

MAILING_KINDS = ("invitation", "reminder")
RECIPIENT_STATES = ("waiting", "sending", "sent", "failed")


class Mailing(db.Model):  # type: ignore[name-defined]
    """One sending: the invitation of a list of addresses, or a reminder to those who have not submitted."""

    __tablename__ = "mailing"
    __table_args__ = (CheckConstraint(f"kind IN {MAILING_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    #: None for a reminder that went to every audience
    audience_id: Mapped[int | None] = mapped_column(ForeignKey("audience.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    #: per language: {"subject": ..., "body": ...}; the body holds "{link}"
    messages: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: how many addresses it was for, fixed when it was started
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


class MailRecipient(db.Model):  # type: ignore[name-defined]
    __tablename__ = "mail_recipient"
    __table_args__ = (
        UniqueConstraint("survey_id", "email"),
        CheckConstraint(f"state IN {RECIPIENT_STATES}", name="state"),
        CheckConstraint("reminders >= 0", name="reminders"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    audience_id: Mapped[int] = mapped_column(ForeignKey("audience.id", ondelete="CASCADE"))
    #: None once purged
    email: Mapped[str | None] = mapped_column(String(320))
    unit: Mapped[str | None] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8))
    #: the link's token, sealed (AES-GCM) under a key derived from the application's secret; None once purged
    sealed_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: the mailing whose message this address is waiting for, or last got
    mailing_id: Mapped[int | None] = mapped_column(ForeignKey("mailing.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    #: when a sender took it (a sender that died leaves it; another takes it again after a while)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: why the last message failed (the mail server's answer), for the admin
    error: Mapped[str | None] = mapped_column(Text)
    #: when the invitation went out (anonymous surveys: the day)
    invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
