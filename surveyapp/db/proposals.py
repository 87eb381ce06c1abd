"""Tasks accepted from respondents' proposals, waiting for the next round of a Delphi."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import db


class TaskAddition(db.Model):  # type: ignore[name-defined]
    """A task an admin wrote from a proposal of round ``survey_id``; the round after it asks it.

    The proposal's own words and its author's audience are not stored: only
    the task the admin wrote. ``used_in_survey_id`` is set when a next round
    pinned an instrument version holding the task.
    """

    __tablename__ = "task_addition"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    instrument_key: Mapped[str] = mapped_column(String(100))
    task_id: Mapped[str] = mapped_column(String(80))
    domain: Mapped[str] = mapped_column(String(80))
    #: audience -> language -> the task's wording
    text: Mapped[dict[str, Any]] = mapped_column(JSON)
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    used_in_survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
