"""The audit log: who did what to which survey, and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..db import AuditEvent, User, db


def record(action: str, actor: User | None, target: str | None, detail: dict[str, Any] | None, now: dt.datetime) -> None:
    """Add an audit event to the current unit of work (the caller commits)."""
    db.session.add(AuditEvent(at=now, user_id=actor.id if actor else None, action=action, target=target, detail=detail))


def log(action: str, actor: User | None, target: str | None, detail: dict[str, Any] | None, now: dt.datetime) -> None:
    """Record an event as its own unit of work (sign-ins, downloads)."""
    record(action, actor, target, detail, now)
    db.session.commit()
