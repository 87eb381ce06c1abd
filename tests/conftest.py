"""Fixtures: an app on a fresh, migrated database per test (SQLite file, or PostgreSQL when
SURVEYAPP_TEST_DATABASE_URL names a server), a client, a CLI runner."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from surveyapp import create_app
from surveyapp.db import db

# Chromium and the live server, for tests/browser and tests/security alike (one Playwright per session)
pytest_plugins = ("tests.browser.chromium",)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _postgres_database(base_url: str) -> Iterator[str]:
    """A throwaway database on the test server, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def new_database(folder: Path) -> Iterator[str]:
    """An empty database: a SQLite file in ``folder``, or a throwaway database on the test PostgreSQL server."""
    server = os.environ.get("SURVEYAPP_TEST_DATABASE_URL")
    if server:
        yield from _postgres_database(server)
    else:
        yield f"sqlite:///{folder / 'test.db'}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield from new_database(tmp_path)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "INSTRUMENTS_DIR": str(ROOT / "instruments"),
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """Compile the UI translations when `make` has not (pytest run directly)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "surveyapp" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


MINI_SPEC = """
slug: mini-survey
title: {en: Mini survey, he: סקר קטן}
instruments: [mini]
audiences: [peer, staff]
languages: [en, he]
consent: {en: Please agree., he: נא להסכים.}
support: {en: Call the support line., he: התקשרו לקו התמיכה.}
"""


@pytest.fixture
def make_survey(app: Flask):
    """Create a survey from the mini fixture instrument; open by default."""
    import datetime as dt

    import yaml

    from surveyapp.services.surveys import create_survey, set_status

    def make(status: str = "open", **changes: object):
        spec = yaml.safe_load(MINI_SPEC)
        spec.update(changes)
        survey = create_survey(yaml.safe_dump(spec, allow_unicode=True), "spec.yaml", FIXTURES, now, None)
        if status != "draft":
            set_status(survey.slug, status, now, None)
        return survey

    now = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    return make


@pytest.fixture
def invite(app: Flask):
    import datetime as dt

    from surveyapp.services.invitations import issue_invitations

    def issue(slug: str = "mini-survey", audience: str = "peer", count: int = 1) -> str | list[str]:
        tokens = issue_invitations(slug, audience, count, dt.datetime.now(dt.UTC), None)
        return tokens[0] if count == 1 else tokens

    return issue


@pytest.fixture
def demo_survey(app: Flask):
    """The demo survey (every shipped instrument) with 300 synthetic responses: 60 peers, 150 staff, 90 service users.

    Fewer than `surveyapp demo` creates (800, services.demo.DEFAULT_RESPONSES), to keep these tests quick.
    """
    import datetime as dt

    from surveyapp.services.demo import DEMO_SPEC, add_synthetic_responses
    from surveyapp.services.surveys import create_survey

    now = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    survey = create_survey(DEMO_SPEC.read_text(encoding="utf-8"), DEMO_SPEC.name, ROOT / "instruments", now, None)
    add_synthetic_responses(survey, 300, now)
    return survey
