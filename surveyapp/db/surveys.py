"""Surveys, the instruments and audiences they publish, and invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db
from .instruments import InstrumentVersion

SURVEY_STATUSES = ("draft", "open", "closed")
ANONYMITY_MODES = ("anonymous", "identified")


class Survey(db.Model):  # type: ignore[name-defined]
    __tablename__ = "survey"
    __table_args__ = (
        CheckConstraint(f"status IN {SURVEY_STATUSES}", name="status"),
        CheckConstraint(f"anonymity IN {ANONYMITY_MODES}", name="anonymity"),
        CheckConstraint("min_cell_size >= 1", name="min_cell_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    series: Mapped[str | None] = mapped_column(String(80))
    wave: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    anonymity: Mapped[str] = mapped_column(String(12), default="anonymous")
    languages: Mapped[list[str]] = mapped_column(JSON)
    min_cell_size: Mapped[int] = mapped_column(Integer, default=5)
    #: consent, thank_you and support texts per language, as given in the spec
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the spec the survey was created from, kept for reference
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: a Delphi's round number (1 for the survey created from the spec; None for a survey that is no Delphi)
    round: Mapped[int | None] = mapped_column(Integer)
    #: the round this one follows (None for round 1); a round cannot be deleted while a later round follows it
    parent_round_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id"))
    #: round n's results as shown to respondents of round n+1, computed once when round n+1 was created; and which
    #: of round n's settled tasks round n+1 drops or asks to confirm (services.delphi_rounds)
    round_feedback: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    instruments: Mapped[list[SurveyInstrument]] = relationship(
        back_populates="survey", order_by="SurveyInstrument.position", cascade="all, delete-orphan"
    )
    audiences: Mapped[list[Audience]] = relationship(
        back_populates="survey", order_by="Audience.id", cascade="all, delete-orphan"
    )


class SurveyInstrument(db.Model):  # type: ignore[name-defined]
    __tablename__ = "survey_instrument"
    __table_args__ = (UniqueConstraint("survey_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_version.id"))
    position: Mapped[int] = mapped_column(Integer)

    survey: Mapped[Survey] = relationship(back_populates="instruments")
    instrument_version: Mapped[InstrumentVersion] = relationship()


class Audience(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audience"
    __table_args__ = (UniqueConstraint("survey_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    #: hash of the open link's token; None when the audience has no open link
    open_link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    survey: Mapped[Survey] = relationship(back_populates="audiences")


class Invitation(db.Model):  # type: ignore[name-defined]
    """A single-use link. Only the token's hash is stored.

    Respondents who start from an open link get an invitation row too
    (``via_open_link``), so every respondent link works the same way.
    """

    __tablename__ = "invitation"
    #: the rounds of a Delphi share links: each round has its own invitation with the same token hash
    __table_args__ = (UniqueConstraint("survey_id", "token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    audience_id: Mapped[int] = mapped_column(ForeignKey("audience.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    via_open_link: Mapped[bool] = mapped_column(default=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    audience: Mapped[Audience] = relationship()


class SpentLink(db.Model):  # type: ignore[name-defined]
    """A link of an anonymous survey that was used to submit: a keyed hash of its token, nothing else.

    Submitting an anonymous response leaves its invitation untouched (an
    update would be a second row written at the moment of submission, which a
    database reader could pair with the response by time or by row order).
    The key is the application's secret, which the database does not hold, so
    a reader who has the tokens still cannot tell which invitations these are.
    """

    __tablename__ = "spent_link"
    # SQLite keeps the rows in digest order, not in the order they were written
    __table_args__ = ({"sqlite_with_rowid": False},)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)


class CarriedAnswer(db.Model):  # type: ignore[name-defined]
    """One respondent's role-task answers of a Delphi round, encrypted under a key only their link gives.

    ``lookup`` and the key are derived from the link's token and the
    application's secret (services.delphi_carry); the invitation stores only
    SHA-256 of the token, from which neither can be computed. Every row of a
    round has the same size and no time; SQLite keeps the rows in lookup
    order, not in the order they were written.
    """

    __tablename__ = "carried_answer"
    __table_args__ = ({"sqlite_with_rowid": False},)

    lookup: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the round whose answers these are
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class RoundChange(db.Model):  # type: ignore[name-defined]
    """Paired stability of a round, per task and audience: counters only, never which response changed.

    A row exists from the round's creation; each submission whose link
    carried the previous round's answers adds to the counters in its own
    transaction.
    """

    __tablename__ = "round_change"

    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True)
    audience_id: Mapped[int] = mapped_column(ForeignKey("audience.id", ondelete="CASCADE"), primary_key=True)
    #: the task's role item, ``<instrument>.<task>``
    task_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    #: moved between "in the role" (3-4) and "not in the role" (1-2)
    crossed: Mapped[int] = mapped_column(Integer, default=0)
