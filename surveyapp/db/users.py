"""Staff accounts and the audit log."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import db

ROLES = ("admin", "manager", "researcher")
#: the languages the staff pages are translated into
STAFF_LANGUAGES = ("en", "he", "ar")


def new_session_epoch() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # every signed-in session carries this value; a new one (sign-out, password change, reset,
    # deactivation) ends every copy of every earlier session cookie
    session_epoch: Mapped[str] = mapped_column(String(32), default=new_session_epoch)
    # set by an administrator's reset: with the temporary password only a new password can be chosen
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # the language the staff pages are shown in ("en", "he", "ar"); None: the browser's preference
    language: Mapped[str | None] = mapped_column(String(8))

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session cookie
        return f"{self.id}:{self.session_epoch}"


class AuditEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SurveyGrant(db.Model):  # type: ignore[name-defined]
    """A manager or researcher may see this survey's dashboards (admins see every survey)."""

    __tablename__ = "survey_grant"
    __table_args__ = (UniqueConstraint("user_id", "survey_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
