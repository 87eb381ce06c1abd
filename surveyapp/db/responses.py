"""Responses and their answers: one row per answered item keeps SQL aggregation cheap."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db
from .surveys import Audience

RESPONSE_STATUSES = ("in_progress", "submitted")
RESPONSE_SOURCES = ("web", "import", "demo")


class Response(db.Model):  # type: ignore[name-defined]
    """One respondent's answers to one survey.

    In anonymous surveys nothing here points at an invitation: while the
    response is in progress ``resume_hash`` (the hash of the respondent's link
    token) lets the link find it again; submitting clears it, keeps only the
    day of the start, the last change and the submission, and the duration in
    whole minutes. Their ``pk`` is random (negative, apart from the sequence's
    keys), so neither it nor the answers' order follows start or submission
    (docs/security.md).
    """

    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint(f"status IN {RESPONSE_STATUSES}", name="status"),
        CheckConstraint(f"source IN {RESPONSE_SOURCES}", name="source"),
        CheckConstraint("status = 'in_progress' OR submitted_at IS NOT NULL", name="submitted_has_time"),
        Index("ix_response_survey_status_published", "survey_id", "status", "published"),
    )

    #: the row's key inside the database; answers point at it (an integer keeps the answer table small)
    pk: Mapped[int] = mapped_column(primary_key=True)
    #: the response id researchers see: random, never an invitation's
    id: Mapped[str] = mapped_column(String(32), unique=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    audience_id: Mapped[int] = mapped_column(ForeignKey("audience.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="in_progress")
    source: Mapped[str] = mapped_column(String(8), default="web")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: whole minutes from start to submission (anonymous surveys keep no start or end instant, only days)
    minutes: Mapped[int | None] = mapped_column(Integer)
    resume_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: kept only in identified surveys
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id", ondelete="SET NULL"))
    current_page: Mapped[int] = mapped_column(Integer, default=0)
    furthest_page: Mapped[int] = mapped_column(Integer, default=0)
    #: derived at submission: the numeric answers as float32, in the survey's column order
    #: (services.survey_data.survey_columns), so dashboards read one row per response, not one per answer
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: counted in managers' figures: set for a batch of at least the survey's minimum cell size at once
    #: (services.publication), so no view before and after one submission tells that person's answers
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    audience: Mapped[Audience] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")


class ItemKey(db.Model):  # type: ignore[name-defined]
    """The key of a question, ``"<instrument>.<item>"``, written once: answers refer to it by number.

    Keys belong to no survey: every survey asking the same instrument's item
    shares one row. Rows are added on first use and never change.
    """

    __tablename__ = "item_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)


class Answer(db.Model):  # type: ignore[name-defined]
    """One answered question of one response.

    Both key columns are integers: an import writes millions of these rows, and
    two small integers per row instead of a 32-character id and an item key
    make the table (and the time to write it) about a third as large.
    """

    __tablename__ = "answer"
    __table_args__ = (
        CheckConstraint("NOT (skipped AND (value_num IS NOT NULL OR value_text IS NOT NULL))", name="skipped_is_empty"),
        # SQLite stores the rows in primary-key order with no separate rowid and index.
        {"sqlite_with_rowid": False},
    )

    response_pk: Mapped[int] = mapped_column(ForeignKey("response.pk", ondelete="CASCADE"), primary_key=True)
    item_key_id: Mapped[int] = mapped_column(ForeignKey("item_key.id"), primary_key=True)
    value_num: Mapped[float | None] = mapped_column(Float)
    #: free text, or the chosen codes of a multi item as JSON
    value_text: Mapped[str | None] = mapped_column(Text)
    #: "prefer not to answer"
    skipped: Mapped[bool] = mapped_column(default=False)

    response: Mapped[Response] = relationship(back_populates="answers")


def item_key_ids(keys: Iterable[str]) -> dict[str, int]:
    """The number of each item key, adding the keys not yet known (safe when two writers add the same key)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    found = known_item_keys(wanted)
    missing = [key for key in wanted if key not in found]
    if missing:
        dialect = db.session.get_bind().dialect.name
        table = ItemKey.__table__
        if dialect == "postgresql":
            statement = postgresql_insert(table).on_conflict_do_nothing(index_elements=["key"])
        elif dialect == "sqlite":
            statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=["key"])
        else:  # pragma: no cover - the two databases Peerscope runs on are above
            statement = insert(table)
        db.session.execute(statement, [{"key": key} for key in missing])
        found.update(known_item_keys(missing))
    return found


def known_item_keys(keys: Iterable[str]) -> dict[str, int]:
    """The number of each of ``keys`` already stored (reads only; :func:`item_key_ids` adds the missing ones)."""
    return _mapping(ItemKey.key, ItemKey.id, sorted(set(keys)))


#: engine -> item key -> its number, as read from committed rows (rows never change: see ItemKey)
_NUMBERS: weakref.WeakKeyDictionary[Engine, dict[str, int]] = weakref.WeakKeyDictionary()
_NUMBERS_MAX = 100_000


def stored_item_keys(keys: Iterable[str]) -> dict[str, int]:
    """:func:`known_item_keys`, remembered per process: for a transaction that has written nothing yet.

    A key's number never changes once committed, so it can be kept; one read in a transaction that added
    keys could see numbers a rollback would free for other keys, hence "nothing written yet". A restore
    replaces the database, and the app is stopped for it (docs/deploy.md), which empties this.
    """
    numbers = _NUMBERS.setdefault(db.engine, {})
    wanted = set(keys)
    found = {key: numbers[key] for key in wanted if key in numbers}
    if len(found) < len(wanted):
        read = known_item_keys(wanted - found.keys())
        if len(numbers) + len(read) > _NUMBERS_MAX:
            numbers.clear()
        numbers.update(read)
        found.update(read)
    return found


def _mapping(key: Any, value: Any, wanted: Sequence[Any]) -> dict[Any, Any]:
    """``key`` -> ``value`` for the rows whose ``key`` is one of ``wanted`` (asked in chunks: databases cap parameters)."""
    found: dict[Any, Any] = {}
    for start in range(0, len(wanted), 5000):
        found.update(db.session.execute(select(key, value).where(key.in_(wanted[start : start + 5000]))).all())
    return found


def insert_responses(responses: Sequence[Mapping[str, Any]], answers: Sequence[Mapping[str, Any]]) -> None:
    """Bulk-insert response rows and their answers (see :func:`insert_answers`).

    For seeding (the demo, benchmarks); the importer has its own faster path.
    """
    if responses:
        db.session.execute(insert(Response), list(responses))
    insert_answers(answers)


def insert_answers(answers: Sequence[Mapping[str, Any]]) -> None:
    """Bulk-insert answers given as ``response_id`` (the public id), ``item_key`` and the value columns."""
    if not answers:
        return
    numbers = item_key_ids({a["item_key"] for a in answers})
    pks = _mapping(Response.id, Response.pk, sorted({a["response_id"] for a in answers}))
    rows = [
        {"response_pk": pks[a["response_id"]], "item_key_id": numbers[a["item_key"]], "value_num": a["value_num"],
         "value_text": a["value_text"], "skipped": a["skipped"]}
        for a in answers
    ]  # fmt: skip
    db.session.execute(insert(Answer), rows)
