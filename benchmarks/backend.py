"""Which database the benchmarks run on: SQLite files (``make bench``) or a PostgreSQL server (``make bench-postgres``).

``make bench-postgres`` runs the benchmarks under ``.ci/with-postgres``, which
starts a throwaway server and sets ``SURVEYAPP_TEST_DATABASE_URL``; with
``BENCH_BACKEND=postgresql`` each benchmark then creates its own databases on
that server instead of SQLite files. Every figure line is prefixed with the
back end so both runs print the same table.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

BACKEND = os.environ.get("BENCH_BACKEND", "sqlite")
POSTGRES = BACKEND == "postgresql"
LABEL = "[pg]    " if POSTGRES else "[sqlite]"


def server_url() -> str:
    url = os.environ.get("SURVEYAPP_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        raise SystemExit("BENCH_BACKEND=postgresql needs SURVEYAPP_TEST_DATABASE_URL (run through .ci/with-postgres)")
    return url


def database_url(name: str, folder: Path, *, fresh: bool = True) -> str:
    """A database called ``name``: a file in ``folder`` on SQLite, a database on the server on PostgreSQL.

    ``fresh`` drops what was there; otherwise an existing database is kept (a benchmark data set built once).
    """
    if not POSTGRES:
        path = folder / f"{name}.db"
        if fresh:
            path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    name = re.sub(r"[^a-z0-9_]", "_", name.lower())
    server = server_url()
    with psycopg.connect(server.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or fresh:
            conn.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


def database_exists(name: str, folder: Path) -> bool:
    if not POSTGRES:
        return (folder / f"{name}.db").exists()
    import psycopg

    name = re.sub(r"[^a-z0-9_]", "_", name.lower())
    with psycopg.connect(server_url().replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def libpq_url(url: str) -> str:
    """The URL as psql and psycopg take it (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+psycopg", "postgresql")


def uptime() -> str:
    """The machine's load averages (1, 5, 15 min), printed with each figure: the machine is shared."""
    try:
        return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load ?"
