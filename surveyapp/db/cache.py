"""Computed dashboard data, kept in the database so every host shares it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import db


class DashboardCache(db.Model):  # type: ignore[name-defined]
    """One computed dashboard per survey and grouping. ``data_version`` changes with every submission."""

    __tablename__ = "dashboard_cache"
    __table_args__ = (UniqueConstraint("survey_id", "grouping"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    grouping: Mapped[str] = mapped_column(String(160))
    data_version: Mapped[str] = mapped_column(String(120))
    payload: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
