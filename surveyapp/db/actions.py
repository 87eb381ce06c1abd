"""The action plan: what a service will do about a finding, kept with the survey's series across waves."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import db

ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")


class SurveyAction(db.Model):  # type: ignore[name-defined]
    """An action agreed on a finding of wave ``survey_id``.

    ``series`` copies the survey's series so the next wave's results find it; None when the survey has no
    series (the action then stays with that survey). ``finding_key`` names the gap or difference it answers
    (analysis.findings.finding_key), so each wave's figure can be looked up again; ``finding_title`` is its
    name without numbers, readable by someone granted only a later wave.
    """

    __tablename__ = "survey_action"
    __table_args__ = (CheckConstraint(f"status IN {ACTION_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    series: Mapped[str | None] = mapped_column(String(80), index=True)
    finding_key: Mapped[str | None] = mapped_column(String(200))
    finding_title: Mapped[str | None] = mapped_column(String(300))
    what: Mapped[str] = mapped_column(String(1000))
    who: Mapped[str] = mapped_column(String(200))
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
