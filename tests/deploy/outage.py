"""Taking the database away from a running app, and bringing it back: the outages the fault tests simulate."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, make_url, text


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


@contextlib.contextmanager
def database_away(url: str) -> Iterator[None]:
    """The database cannot be reached: PostgreSQL refuses connections to it (and its sessions are ended);
    a SQLite file is gone from its path (an unmounted volume), a directory in its place.

    Callers dispose their engines first, so no pooled connection outlives the outage's start.
    """
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        aside = path.with_name(path.name + ".away")
        path.rename(aside)
        path.mkdir()
        try:
            yield
        finally:
            path.rmdir()
            aside.rename(path)
        return
    name = make_url(url).database
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name})
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


@contextlib.contextmanager
def sqlite_locked(url: str) -> Iterator[None]:
    """Another process holds SQLite's write lock for longer than the busy timeout (a stuck backup, an admin's shell)."""
    holder = sqlite3.connect(_sqlite_path(url), isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()
