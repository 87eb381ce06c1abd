"""Is this host ready to serve? The database answers, its schema is this release's, the instruments are stored.

Each check costs one small query. What needs reading files is computed once per
process: the head revision of the migration scripts, and the instrument files'
(key, version, content hash), read again only when a file's size or time changes.
Failures are described for the operator in the log and in words that reveal
nothing (no revision ids, no addresses, no exception text) in the result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ..db import InstrumentVersion
from ..instruments import InstrumentError, instrument_files, load_directory
from .schema_revisions import head_revisions

log = logging.getLogger(__name__)

__all__ = ["Check", "readiness"]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def readiness(engine: Engine, migrations_dir: str | Path, instruments_dir: str | Path) -> list[Check]:
    """Every check, in order; a check that cannot run because an earlier one failed is not reported."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            checks = [Check("database", True, "reachable")]
            checks.append(_migrations(conn, str(migrations_dir)))
            if checks[-1].ok:
                checks.append(_instruments(conn, Path(instruments_dir)))
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc  # the driver's words (server, port, cause), never the password
        log.warning("readiness: database unreachable: %s: %s", type(reason).__name__, str(reason).strip()[:500])
        return [Check("database", False, "database unreachable")]
    return checks


def _migrations(conn: Connection, migrations_dir: str) -> Check:
    heads = head_revisions(migrations_dir)
    try:
        current = frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError:
        log.warning("readiness: the database has no alembic_version table (never migrated)")
        return Check("migrations", False, "database not initialised: run `surveyapp db upgrade`")
    if current != heads:
        log.warning("readiness: database at revision %s, this release's head is %s", sorted(current), sorted(heads))
        return Check("migrations", False, "database schema is not at this release's revision: run `surveyapp db upgrade`")
    return Check("migrations", True, "at head")


def _instruments(conn: Connection, directory: Path) -> Check:
    try:
        shipped = _shipped_instruments(directory, _stamp(directory))
    except (InstrumentError, OSError):
        log.warning("readiness: instrument files in %s do not load (run `surveyapp instruments check`)", directory)
        return Check("instruments", False, "instrument files do not load: run `surveyapp instruments check`")
    rows = conn.execute(select(InstrumentVersion.key, InstrumentVersion.version, InstrumentVersion.content_hash))
    stored = {(key, version): digest for key, version, digest in rows}
    missing = sorted(f"{key} {version}" for key, version in shipped if (key, version) not in stored)
    changed = sorted(f"{k} {v}" for (k, v), digest in shipped.items() if stored.get((k, v), digest) != digest)
    if changed:
        log.warning("readiness: instrument files changed under a stored version: %s", ", ".join(changed))
        return Check("instruments", False, "an instrument file differs from its stored version: bump its version")
    if missing or not shipped:
        log.warning("readiness: instruments not stored in the database: %s", ", ".join(missing) or "(no files)")
        return Check("instruments", False, "instruments not loaded: run `surveyapp instruments load`")
    return Check("instruments", True, f"{len(shipped)} stored")


def _stamp(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """What identifies the files' contents cheaply: names, sizes and modification times."""
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in instrument_files(directory))


@lru_cache(maxsize=4)
def _shipped_instruments(directory: Path, _stamp: tuple[tuple[str, int, int], ...]) -> dict[tuple[str, str], str]:
    return {(i.id, i.version): i.content_hash for i in load_directory(directory).values()}
