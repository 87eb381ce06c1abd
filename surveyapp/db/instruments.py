"""Snapshots of instrument definitions, as published."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import db


class InstrumentVersion(db.Model):  # type: ignore[name-defined]
    """One version of one instrument, frozen: its definition and content hash never change."""

    __tablename__ = "instrument_version"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    #: loaded only when read: a respondent's page needs the parsed snapshot, which is cached by content hash
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
