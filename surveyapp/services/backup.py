"""Backups and restores of the whole database, one file each, while the app keeps running.

SQLite: the online backup API copies a consistent snapshot page by page (in WAL
mode respondents keep writing meanwhile), then the copy is checked. PostgreSQL:
``pg_dump --format=custom`` (one consistent snapshot) and ``pg_restore`` in a
single transaction, the password passed through the environment only.

A backup is recognised as Peerscope's by its ``alembic_version`` row: restore
refuses a file without one, a revision this release does not know (a backup
from a newer release), and a target database that already holds data unless
forced.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ..db.base import engine_options

__all__ = ["BackupError", "BackupInfo", "backup_database", "database_is_empty", "restore_database"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
PG_BIN_DIRS = "/usr/lib/postgresql/*/bin"


class BackupError(Exception):
    """A backup or restore that cannot be done, said so that the operator knows what to do."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    revision: str
    size: int


def backup_database(database_url: str, out: Path) -> BackupInfo:
    """Write a consistent copy of the database at ``database_url`` to ``out`` (readable by its owner only)."""
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new file name (e.g. with the date in it)")
    if not out.parent.is_dir():
        raise BackupError(f"the directory {out.parent} does not exist")
    url = make_url(database_url)
    partial = out.with_name(out.name + ".partial")
    _private_file(partial)
    try:
        if url.get_backend_name() == "sqlite":
            revision = _sqlite_backup(_sqlite_path(url), partial)
        elif url.get_backend_name() == "postgresql":
            revision = _pg_backup(url, partial)
        else:
            raise BackupError(f"backups of {url.get_backend_name()} databases are not supported")
        partial.rename(out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(out, revision, out.stat().st_size)


def restore_database(database_url: str, source: Path, known_revisions: set[str], *, force: bool = False) -> BackupInfo:
    """Replace the database at ``database_url`` with the backup ``source``.

    ``known_revisions``: the revisions of this release's migration scripts. The
    target must hold no data unless ``force``. After restoring an older backup
    the schema is that backup's: run the migrations.
    """
    url = make_url(database_url)
    backend = url.get_backend_name()
    kind = _backup_kind(source)
    if kind != backend:
        raise BackupError(f"{source} is a {kind} backup; it can only be restored into a {kind} database, not {backend}")
    revision = _sqlite_backup_revision(source) if kind == "sqlite" else _pg_backup_revision(url, source)
    if revision not in known_revisions:
        raise BackupError(
            f"{source} was taken by a newer release of Peerscope (schema revision {revision} is unknown to this one); "
            "upgrade Peerscope first, then restore"
        )
    if not force and not database_is_empty(database_url):
        raise BackupError(
            "the target database already holds data; restoring would replace all of it. "
            "Check the database URL, back it up if needed, then run the restore again with --force"
        )
    if kind == "sqlite":
        _sqlite_restore(source, _sqlite_path(url))
    else:
        _pg_restore(url, source)
    return BackupInfo(source, revision, source.stat().st_size)


def database_is_empty(database_url: str) -> bool:
    """True if no table holds a row (a new database, or one just migrated); a missing SQLite file is empty."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not _sqlite_path(url).exists():
        return True
    engine = create_engine(url, **engine_options(database_url))
    try:
        with engine.connect() as conn:
            tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
            quote = conn.dialect.identifier_preparer.quote
            return not any(conn.execute(text(f"SELECT 1 FROM {quote(t)} LIMIT 1")).first() for t in tables)  # noqa: S608
    except OperationalError as exc:
        raise BackupError(
            "cannot connect to the target database: check SURVEYAPP_DATABASE_URL, and create the database first "
            "(PostgreSQL: createdb NAME)"
        ) from exc
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the target database: {type(exc).__name__}") from exc
    finally:
        engine.dispose()


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 600: a backup holds research data and account hashes."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _backup_kind(path: Path) -> str:
    try:
        with path.open("rb") as source:
            head = source.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from exc
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a Peerscope backup (neither a SQLite database nor a pg_dump archive)")


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _sqlite_connect(path: Path, mode: str) -> sqlite3.Connection:
    """Open an existing file (``mode`` ro or rw); sqlite3.connect(path) alone would create a missing one."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True)
        conn.execute("PRAGMA busy_timeout=5000")
        return conn
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the SQLite database {path}: {exc}") from exc


def _sqlite_revision(conn: sqlite3.Connection, what: str) -> str:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a Peerscope database (no schema revision recorded)") from exc
    if row is None:
        raise BackupError(f"{what} is not a Peerscope database (no schema revision recorded)")
    return str(row[0])


def _sqlite_backup(path: Path, out: Path) -> str:
    if not path.exists():
        raise BackupError(f"there is no database at {path}")
    source = _sqlite_connect(path, "rw")  # read only, but "ro" cannot open a WAL file whose -shm is missing
    target = sqlite3.connect(out)
    try:
        revision = _sqlite_revision(source, f"the database at {path}")
        source.backup(target)  # all pages in one step: one read snapshot, writers carry on (WAL)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        _sqlite_check(target, out)
    finally:
        source.close()
        target.close()
    return revision


def _sqlite_check(conn: sqlite3.Connection, path: Path) -> None:
    result = conn.execute("PRAGMA quick_check").fetchone()
    if result is None or result[0] != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {result[0] if result else 'no answer'}")


def _sqlite_backup_revision(path: Path) -> str:
    conn = _sqlite_connect(path, "ro")
    try:
        revision = _sqlite_revision(conn, str(path))
        _sqlite_check(conn, path)
    finally:
        conn.close()
    return revision


def _sqlite_restore(source_path: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    source = _sqlite_connect(source_path, "ro")
    target = sqlite3.connect(path)
    try:
        target.execute("PRAGMA busy_timeout=5000")
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise BackupError(f"the restore into {path} failed: {exc}") from exc
    finally:
        source.close()
        target.close()


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_environment(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and an environment carrying it."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    # URL.set(password=None) would keep the password: build the URL again without it
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query)
    conninfo = bare.render_as_string(hide_password=False)
    return conninfo, env


def _version_of(program: str) -> int | None:
    try:
        done = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    except OSError:
        return None
    found = re.search(r"\b(\d+)(?:\.\d+)*", done.stdout)
    return int(found.group(1)) if done.returncode == 0 and found else None


def _pg_tool(name: str, server_major: int | None) -> str:
    """The newest ``name`` installed (on PATH or in Debian's per-version directories); it must not be older than the server."""
    candidates = {shutil.which(name)} | {str(p / name) for p in sorted(Path("/").glob(PG_BIN_DIRS.lstrip("/")))}
    versions = {c: v for c in candidates if c and Path(c).exists() and (v := _version_of(c)) is not None}
    if not versions:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client programs (Debian: apt-get install postgresql-client) "
            "or put the directory holding them on PATH"
        )
    program, major = max(versions.items(), key=lambda kv: kv[1])
    if server_major is not None and major < server_major:
        raise BackupError(
            f"{name} is version {major} but the server runs PostgreSQL {server_major}; install the client of the same "
            f"or a newer version (Debian: apt-get install postgresql-client-{server_major})"
        )
    return program


def _server_major(url: URL) -> int:
    engine = create_engine(url, **engine_options("postgresql"))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot connect to the database: {type(exc).__name__}") from exc
    finally:
        engine.dispose()


def _run(command: list[str], env: dict[str, str], url: URL, what: str) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        message = done.stderr.strip()
        if url.password:
            message = message.replace(str(url.password), "***")
        raise BackupError(f"{what} failed: {message}")
    return done.stdout


def _pg_backup(url: URL, out: Path) -> str:
    conninfo, env = _pg_environment(url)
    program = _pg_tool("pg_dump", _server_major(url))
    _run([program, "--format=custom", "--file", str(out), "--dbname", conninfo], env, url, "pg_dump")
    return _pg_backup_revision(url, out)


def _pg_backup_revision(url: URL, path: Path) -> str:
    """The schema revision stored in a pg_dump archive's alembic_version table."""
    _, env = _pg_environment(url)
    program = _pg_tool("pg_restore", None)
    listing = _run([program, "--list", str(path)], env, url, "reading the backup")
    if not re.search(r"TABLE DATA \S+ alembic_version ", listing):
        raise BackupError(f"{path} is not a Peerscope backup (no schema revision recorded)")
    data = _run([program, "--data-only", "--table=alembic_version", "--file=-", str(path)], env, url, "reading the backup")
    found = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(\w+)\n", data, re.MULTILINE)
    if found is None:
        raise BackupError(f"{path} is not a Peerscope backup (no schema revision recorded)")
    return found.group(1)


def _pg_restore(url: URL, source: Path) -> None:
    conninfo, env = _pg_environment(url)
    program = _pg_tool("pg_restore", _server_major(url))
    command = [program, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    _run([*command, "--dbname", conninfo, str(source)], env, url, "pg_restore")
