"""/healthz and /readyz: what a load balancer or orchestrator asks before sending respondents to a host."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade
from sqlalchemy import update

from surveyapp import create_app
from surveyapp.db import InstrumentVersion, db
from surveyapp.instruments import load_directory
from surveyapp.services.instrument_registry import register_instruments
from surveyapp.services.schema_revisions import head_revisions
from tests.conftest import ROOT

MIGRATIONS = str(ROOT / "migrations")


def _load_instruments(app: Flask) -> None:
    found = load_directory(app.config["INSTRUMENTS_DIR"])
    register_instruments(sorted(found.values(), key=lambda i: i.id), dt.datetime.now(dt.UTC))


def _not_ready(client: FlaskClient) -> dict[str, str]:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json["status"] == "not ready"
    return response.json["failed"]


def test_healthz_is_tiny_and_never_cached(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_on_a_migrated_database_with_the_instruments_stored(app: Flask, client: FlaskClient) -> None:
    _load_instruments(app)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json["status"] == "ready"
    assert set(response.json["checks"]) == {"database", "migrations", "instruments"}


def test_not_ready_before_the_instruments_are_loaded(client: FlaskClient) -> None:
    assert _not_ready(client) == {"instruments": "instruments not loaded: run `surveyapp instruments load`"}


def test_not_ready_when_one_instrument_is_missing(app: Flask, client: FlaskClient) -> None:
    _load_instruments(app)
    db.session.execute(update(InstrumentVersion).where(InstrumentVersion.key == "work-sat").values(version="0.0.1"))
    db.session.commit()
    assert list(_not_ready(client)) == ["instruments"]


def test_not_ready_when_a_file_changed_under_its_stored_version(app: Flask, client: FlaskClient) -> None:
    _load_instruments(app)
    db.session.execute(update(InstrumentVersion).where(InstrumentVersion.key == "p-role").values(content_hash="0" * 64))
    db.session.commit()
    assert _not_ready(client) == {"instruments": "an instrument file differs from its stored version: bump its version"}


def test_not_ready_one_migration_behind(app: Flask, client: FlaskClient) -> None:
    _load_instruments(app)
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="-1")
    failed = _not_ready(client)
    assert list(failed) == ["migrations"]
    assert "surveyapp db upgrade" in failed["migrations"]
    body = client.get("/readyz").get_data(as_text=True)
    assert not any(revision in body for revision in head_revisions(MIGRATIONS))  # nothing to fingerprint a release by


def test_not_ready_on_a_database_never_migrated(database_url: str) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t"})
    with app.app_context():
        failed = _not_ready(app.test_client())
        db.engine.dispose()
    assert failed == {"migrations": "database not initialised: run `surveyapp db upgrade`"}


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port held (bound, not listening) so that connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_healthz_answers_while_the_database_is_away(closed_port: int, caplog: pytest.LogCaptureFixture) -> None:
    url = f"postgresql+psycopg://peerscope:s3cret@127.0.0.1:{closed_port}/peerscope"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t"})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["connect_timeout"] <= 10
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "not ready", "failed": {"database": "database unreachable"}}
    body = response.get_data(as_text=True)
    for secret in ("s3cret", str(closed_port), "127.0.0.1", "Traceback", "psycopg"):
        assert secret not in body
    assert f"port {closed_port} failed" in caplog.text  # the operator's log says why
    assert "s3cret" not in caplog.text
    with app.app_context():
        db.engine.dispose()
