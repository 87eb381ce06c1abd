"""Responses and their answers: one row per answered item keeps SQL aggregation cheap."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db
from .surveys import Audience

RESPONSE_STATUSES = ("in_progress", "submitted")
RESPONSE_SOURCES = ("web", "import", "demo")


class Response(db.Model):  # type: ignore[name-defined]
    """One respondent's answers to one survey.

    In anonymous surveys nothing here points at an invitation: while the
    response is in progress ``resume_hash`` (the hash of the respondent's link
    token) lets the link find it again; submitting clears it.
    """

    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint(f"status IN {RESPONSE_STATUSES}", name="status"),
        CheckConstraint(f"source IN {RESPONSE_SOURCES}", name="source"),
        CheckConstraint("status = 'in_progress' OR submitted_at IS NOT NULL", name="submitted_has_time"),
        Index("ix_response_survey_status", "survey_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    audience_id: Mapped[int] = mapped_column(ForeignKey("audience.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="in_progress")
    source: Mapped[str] = mapped_column(String(8), default="web")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resume_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: kept only in identified surveys
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id", ondelete="SET NULL"))
    current_page: Mapped[int] = mapped_column(Integer, default=0)
    furthest_page: Mapped[int] = mapped_column(Integer, default=0)
    #: derived at submission: the numeric answers as float32, in the survey's column order
    #: (services.survey_data.survey_columns), so dashboards read one row per response, not one per answer
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)

    audience: Mapped[Audience] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")


class Answer(db.Model):  # type: ignore[name-defined]
    __tablename__ = "answer"
    __table_args__ = (
        CheckConstraint("NOT (skipped AND (value_num IS NOT NULL OR value_text IS NOT NULL))", name="skipped_is_empty"),
        # SQLite stores the rows in primary-key order with no separate rowid and index: each answer's
        # response id is written once, not twice, which halves the bytes an import writes.
        {"sqlite_with_rowid": False},
    )

    response_id: Mapped[str] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    #: "<instrument>.<item>"
    item_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value_num: Mapped[float | None] = mapped_column(Float)
    #: free text, or the chosen codes of a multi item as JSON
    value_text: Mapped[str | None] = mapped_column(Text)
    #: "prefer not to answer"
    skipped: Mapped[bool] = mapped_column(default=False)

    response: Mapped[Response] = relationship(back_populates="answers")
