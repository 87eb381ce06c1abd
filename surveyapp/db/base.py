"""The SQLAlchemy handle, with constraint names Alembic can rely on."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

#: seconds to wait for PostgreSQL to accept a connection: a request (and /readyz) fails fast when the server is away
CONNECT_TIMEOUT = 5


def engine_options(url: str) -> dict[str, Any]:
    """Engine settings for ``url``: stale pooled connections replaced, connections to a server that is away given up."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}
    return options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets respondents write while dashboards read; SQLite needs foreign keys switched on."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


_CHECKS_OFF = "surveyapp.foreign_keys_off"


def skip_foreign_key_checks(connection: Connection) -> bool:
    """On SQLite, stop checking foreign keys on ``connection`` until the pool takes it back; say if they are off.

    For bulk writes whose references are right by construction (the importer):
    SQLite checks every row's parent otherwise, which doubles the time. The
    setting cannot change inside a transaction, so a connection already in
    one keeps its checks.
    """
    if connection.dialect.name != "sqlite":
        return False
    pooled = connection.connection
    driver = pooled.driver_connection
    if driver is None or driver.in_transaction:
        return False
    driver.execute("PRAGMA foreign_keys=OFF")
    pooled.info[_CHECKS_OFF] = True
    return True


@event.listens_for(Pool, "checkin")
def _restore_foreign_key_checks(dbapi_connection: Any, record: Any) -> None:
    """The pool's side of :func:`skip_foreign_key_checks`: checks are back on before anyone else gets the connection."""
    if dbapi_connection is not None and record is not None and record.info.pop(_CHECKS_OFF, False):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


def skip_triggers_in_transaction(connection: Connection) -> bool:
    """On PostgreSQL, stop firing triggers (the per-row foreign key checks) until this transaction ends; say if off.

    For bulk writes whose references are right by construction (the importer),
    like :func:`skip_foreign_key_checks` on SQLite: PostgreSQL checks each
    row's parents with one query per row, which makes a ``COPY`` of answers
    four times slower. It takes ``session_replication_role = replica``, which
    a superuser may set, or (PostgreSQL 15 and later) a role granted
    ``GRANT SET ON PARAMETER session_replication_role TO <role>``; any other
    role keeps its checks (and its slower imports). ``SET LOCAL`` ends with
    the transaction, so a rolled-back or committed import leaves the
    connection checking again; :func:`restore_triggers` ends it sooner.
    """
    if connection.dialect.name != "postgresql":
        return False
    allowed = connection.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
    if not allowed and connection.dialect.server_version_info >= (15,):
        allowed = connection.exec_driver_sql("SELECT has_parameter_privilege('session_replication_role', 'SET')").scalar()
    if not allowed:
        return False
    connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    return True


def restore_triggers(connection: Connection) -> None:
    """The end of :func:`skip_triggers_in_transaction`: triggers fire again for the rest of the transaction."""
    connection.exec_driver_sql("SET LOCAL session_replication_role = origin")
