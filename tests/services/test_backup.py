"""Backups and restores: a restored database holds every row the original held, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, func, select, text

from surveyapp.db import Answer, Response, Survey, db
from surveyapp.services.backup import BackupError, backup_database, database_is_empty, restore_database
from surveyapp.services.demo import add_synthetic_responses, ensure_demo
from surveyapp.services.schema_revisions import head_revisions, known_revisions
from tests.conftest import ROOT, new_database

MIGRATIONS = str(ROOT / "migrations")
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """A second, empty database on the same kind of server (nothing migrated into it)."""
    yield from new_database(tmp_path / "restored")  # a folder not made yet: restore creates it


@pytest.fixture
def demo_data(app: Flask, tmp_path: Path) -> str:
    """The demo (instruments, survey, 60 responses, invitations, an admin); returns the database URL."""
    ensure_demo(app.config["INSTRUMENTS_DIR"], tmp_path / "instance", 60, NOW)
    db.session.remove()
    return app.config["SQLALCHEMY_DATABASE_URI"]


def _all_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the models define, plus alembic_version, in primary-key order."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = {"alembic_version": conn.execute(text("SELECT version_num FROM alembic_version")).all()}
            for table in db.metadata.sorted_tables:
                found[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
            assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
    finally:
        engine.dispose()
    return found


def test_a_restored_database_holds_every_row(demo_data: str, fresh_url: str, tmp_path: Path) -> None:
    backup = tmp_path / "peerscope.backup"
    info = backup_database(demo_data, backup)
    assert info.revision in head_revisions(MIGRATIONS)
    assert backup.stat().st_mode & 0o077 == 0  # research data: readable by its owner only
    assert database_is_empty(fresh_url)
    restore_database(fresh_url, backup, set(known_revisions(MIGRATIONS)))

    original, restored = _all_rows(demo_data), _all_rows(fresh_url)
    assert set(restored) == {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
    for table in ("alembic_version", "instrument_version", "survey", "audience", "invitation", "response", "answer"):
        assert original[table], f"the demo left {table} empty: the comparison would prove nothing"
    assert len(original["response"]) >= 60  # the demo survey's 60, and the demo Delphi's
    for table, rows in original.items():
        assert restored[table] == rows, table


def test_restore_refuses_a_database_holding_data_unless_forced(demo_data: str, tmp_path: Path) -> None:
    responses = len(_all_rows(demo_data)["response"])
    backup = tmp_path / "peerscope.backup"
    backup_database(demo_data, backup)
    with pytest.raises(BackupError, match=r"already holds data.*--force"):
        restore_database(demo_data, backup, set(known_revisions(MIGRATIONS)))
    restore_database(demo_data, backup, set(known_revisions(MIGRATIONS)), force=True)
    assert len(_all_rows(demo_data)["response"]) == responses


def test_a_backup_never_overwrites_a_file(demo_data: str, tmp_path: Path) -> None:
    existing = tmp_path / "yesterday.backup"
    existing.write_bytes(b"yesterday's backup")
    with pytest.raises(BackupError, match="already exists"):
        backup_database(demo_data, existing)
    assert existing.read_bytes() == b"yesterday's backup"


def test_restore_refuses_files_that_are_not_peerscope_backups(app: Flask, fresh_url: str, tmp_path: Path) -> None:
    known = set(known_revisions(MIGRATIONS))
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    with pytest.raises(BackupError, match="not a Peerscope backup"):
        restore_database(fresh_url, junk, known)

    other_kind = tmp_path / "other.backup"
    if fresh_url.startswith("sqlite"):
        other_kind.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(100))
        expected = "is a postgresql backup; it can only be restored into a postgresql database, not sqlite"
    else:
        sqlite3.connect(other_kind).execute("CREATE TABLE t (x)").connection.close()
        expected = "is a sqlite backup; it can only be restored into a sqlite database, not postgresql"
    with pytest.raises(BackupError, match=expected):
        restore_database(fresh_url, other_kind, known)


def test_restore_refuses_a_backup_from_a_newer_release(demo_data: str, fresh_url: str, tmp_path: Path) -> None:
    backup = tmp_path / "peerscope.backup"
    backup_database(demo_data, backup)
    with pytest.raises(BackupError, match="newer release of Peerscope"):
        restore_database(fresh_url, backup, set())  # a release whose scripts do not know this revision
    assert database_is_empty(fresh_url)


@pytest.mark.skipif(bool(os.environ.get("SURVEYAPP_TEST_DATABASE_URL")), reason="SQLite files only")
def test_restore_refuses_a_sqlite_database_without_a_schema_revision(fresh_url: str, tmp_path: Path) -> None:
    stranger = tmp_path / "other-app.db"
    sqlite3.connect(stranger).execute("CREATE TABLE notes (x)").connection.close()
    with pytest.raises(BackupError, match="not a Peerscope database"):
        restore_database(fresh_url, stranger, set(known_revisions(MIGRATIONS)))


def test_a_backup_taken_while_responses_are_written_is_consistent(
    app: Flask, demo_data: str, fresh_url: str, tmp_path: Path
) -> None:
    """Respondents keep submitting during the backup: it holds each response whole (all its answers) or not at all."""
    written_before, total = 10, 60
    survey_id = db.session.scalar(select(Survey.id).where(Survey.slug == "demo"))
    halfway, failures = threading.Event(), []
    before = len(_answers_by_response(demo_data))  # the demo survey's 60 and the demo Delphi's

    def respondents() -> None:
        with app.app_context():
            try:
                survey = db.session.get_one(Survey, survey_id)
                for seed in range(total):
                    add_synthetic_responses(survey, 1, NOW, seed=1000 + seed)  # one response and its answers, one commit
                    if seed + 1 == written_before:
                        halfway.set()
            except Exception as exc:  # reported to the test below
                failures.append(exc)
                halfway.set()
            finally:
                db.session.remove()

    writer = threading.Thread(target=respondents)
    writer.start()
    assert halfway.wait(timeout=120)
    backup = tmp_path / "during.backup"
    backup_database(demo_data, backup)
    writer.join(timeout=300)
    assert not writer.is_alive()
    assert not failures

    restore_database(fresh_url, backup, set(known_revisions(MIGRATIONS)))
    live, restored = _answers_by_response(demo_data), _answers_by_response(fresh_url)
    assert len(live) == before + total
    assert before + written_before <= len(restored) <= before + total
    for response_id, answers in restored.items():
        assert answers == live[response_id], response_id  # every answer of every response, nothing half-written


def _answers_by_response(url: str) -> dict[str, tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Response.id, Response.status, Response.vector, func.count(Answer.item_key_id), func.sum(Answer.value_num))
                .outerjoin(Answer, Answer.response_pk == Response.pk)
                .group_by(Response.pk)
            )
            return {row[0]: tuple(row[1:]) for row in rows}
    finally:
        engine.dispose()


def test_the_commands(demo_data: str, runner: FlaskCliRunner, tmp_path: Path) -> None:
    backup = tmp_path / "nightly.backup"
    result = runner.invoke(args=["db", "backup", "--out", str(backup)])
    assert result.exit_code == 0, result.output
    assert "backed up schema revision" in result.output
    refused = runner.invoke(args=["db", "restore", str(backup)])
    assert refused.exit_code == 1
    assert "already holds data" in refused.output
    restored = runner.invoke(args=["db", "restore", "--force", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert "restored" in restored.output
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0  # Flask-Migrate's commands still work


def test_pg_tools_missing_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from surveyapp.services import backup as module

    monkeypatch.setattr(module, "PG_BIN_DIRS", "/nonexistent/*/bin")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(BackupError, match="pg_dump was not found: install the PostgreSQL client"):
        module._pg_tool("pg_dump", 15)


def test_pg_tools_older_than_the_server_are_refused() -> None:
    from surveyapp.services import backup as module

    if module._version_of("pg_dump") is None:
        pytest.skip("no pg_dump on this machine")
    with pytest.raises(BackupError, match="install the client of the same or a newer version"):
        module._pg_tool("pg_dump", 99)


def test_the_postgresql_password_never_reaches_a_command_line() -> None:
    """`ps` shows every user a program's arguments: the password goes to pg_dump through its environment only."""
    from sqlalchemy.engine import make_url

    from surveyapp.services import backup as module

    conninfo, env = module._pg_environment(make_url("postgresql+psycopg://peerscope:s3cret@db.internal:5433/peerscope"))
    assert "s3cret" not in conninfo
    assert conninfo == "postgresql://peerscope@db.internal:5433/peerscope"
    assert env["PGPASSWORD"] == "s3cret"


@pytest.mark.skipif(not os.environ.get("SURVEYAPP_TEST_DATABASE_URL"), reason="needs the PostgreSQL test server")
def test_pg_dump_and_pg_restore_run_without_the_password_in_their_arguments(
    demo_data: str, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from sqlalchemy.engine import make_url

    from surveyapp.services import backup as module

    commands: list[list[str]] = []
    real_run = subprocess.run

    def spy(command: list[str], **kwargs: Any) -> Any:
        commands.append(command)
        return real_run(command, **kwargs)

    monkeypatch.setattr(module.subprocess, "run", spy)
    with_password = make_url(demo_data).set(password="s3cret-pw").render_as_string(hide_password=False)
    backup = tmp_path / "pw.backup"
    backup_database(with_password, backup)  # the test server trusts loopback, so any password is accepted
    restore_database(make_url(fresh_url).set(password="s3cret-pw").render_as_string(hide_password=False), backup,
                     set(known_revisions(MIGRATIONS)))  # fmt: skip
    assert {Path(c[0]).name for c in commands} >= {"pg_dump", "pg_restore"}
    assert not [c for c in commands if any("s3cret-pw" in arg for arg in c)]
