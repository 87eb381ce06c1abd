"""Sign-in throttle counters, shared by every app host through the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, case, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .base import db


class SignInThrottle(db.Model):  # type: ignore[name-defined]
    """Password checks reserved under one key (an account, an address, or the two together).

    Only ever changed by single conditional statements (services/throttle.py), so hosts and
    threads racing on one key cannot get more password checks than the rules allow.
    """

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    next_allowed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _insert_if_missing(key: str, now: datetime) -> None:
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    table = SignInThrottle.__table__
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    row = {"key": key, "failures": 0, "next_allowed_at": now, "last_attempt_at": now}
    db.session.execute(insert(table).values(row).on_conflict_do_nothing(index_elements=["key"]))


def reserve_check(key: str, now: datetime, forget_before: datetime, waits: list[timedelta], cap: timedelta) -> bool:
    """Count one more password check under ``key`` if its wait is over; say whether it was counted.

    One conditional UPDATE: of any number of requests racing on the key, only as many get
    through as the stored count allows. ``waits[n]`` is the wait after the (n+1)-th failed
    check (``cap`` beyond the list); counts older than ``forget_before`` start again from zero.
    """
    _insert_if_missing(key, now)
    table = SignInThrottle.__table__
    failures = case((table.c.last_attempt_at < forget_before, 0), else_=table.c.failures)
    next_allowed = case(
        *[(failures == n, now + wait if wait else table.c.next_allowed_at) for n, wait in enumerate(waits)],
        else_=now + cap,
    )
    result = db.session.execute(
        update(table)
        .where(table.c.key == key, table.c.next_allowed_at <= now)
        .values(failures=failures + 1, next_allowed_at=next_allowed, last_attempt_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def allowed_at(key: str) -> datetime | None:
    return db.session.scalar(select(SignInThrottle.next_allowed_at).where(SignInThrottle.key == key))


def forget(key: str) -> None:
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key == key))


def uncount_one(key: str) -> None:
    """Take back one counted check (it was a correct password) without shortening any wait."""
    table = SignInThrottle.__table__
    db.session.execute(update(table).where(table.c.key == key, table.c.failures > 0).values(failures=table.c.failures - 1))


def forget_older_than(before: datetime) -> None:
    """Drop counters nobody has used since ``before``: they no longer count (keeps the table a day's size)."""
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.last_attempt_at < before))
