"""A seeded world for attacking the app through HTTP: one open survey with answers, a respondent part-way
through it, an open link, and a staff account for every actor of the authorisation matrix.

Unlike tests/conftest.py's `app`, these apps keep no application context pushed between requests, so each
request gets its own `g` as it would on a server (CSRF tokens are cached there).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from surveyapp import create_app
from surveyapp.db import db
from tests.conftest import FIXTURES, MINI_SPEC, ROOT, _postgres_database

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
DELPHI_SLUG = "role-delphi"
DELPHI_SPEC = """
slug: role-delphi
title: {en: Defining the peer role, he: הגדרת תפקיד העמית}
instruments: [tasks-mini]
audiences: [peer, staff, service_user]
languages: [en, he]
consent: {en: Please agree., he: נא להסכים.}
delphi: {max_rounds: 3, propose_tasks: true}
"""
PASSWORD = "correct horse battery staple"
SLUG = "mini-survey"
# staff actors: (role, granted the seeded survey?)
STAFF = {
    "manager_granted": ("manager", True),
    "manager_ungranted": ("manager", False),
    "researcher_granted": ("researcher", True),
    "researcher_ungranted": ("researcher", False),
    "admin": ("admin", False),  # admins see every survey without a grant
}
# an admin whose account was deactivated while a browser still holds the session (someone who left)
DEACTIVATED = "deactivated_admin"
ACTORS = ("anonymous", "respondent", *STAFF, DEACTIVATED)
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class World:
    app: Flask
    slug: str = SLUG
    delphi_slug: str = DELPHI_SLUG  # a role-task Delphi in round 1, for the Delphi pages and the next-round button
    tokens: dict[str, str] = field(default_factory=dict)  # started, fresh, done (submitted), open (an open link)
    emails: dict[str, str] = field(default_factory=dict)
    target_user_id: int = 0  # an account the admin routes act on, never one of the actors
    user_ids: dict[str, int] = field(default_factory=dict)
    _browsers: dict[str, FlaskClient] = field(default_factory=dict)

    def browser(self, actor: str) -> FlaskClient:
        """``actor``'s browser, kept between tests of a module (signing in costs a password hash): signed in
        again if its session has ended. A deactivated account always gets a new one."""
        kept = self._browsers.get(actor)
        if kept is not None and actor in STAFF:
            with kept.get("/dashboard/") as page:
                kept = kept if page.status_code == 200 else None
        if kept is None or actor == DEACTIVATED:
            kept = self._browsers[actor] = self.client(actor)
        return kept

    def client(self, actor: str) -> FlaskClient:
        """A new browser for ``actor``: signed in for staff; the language chosen for a respondent."""
        client = self.app.test_client()
        client.set_cookie("ps_lang", "en")
        if actor == DEACTIVATED:
            self._set_active(actor, True)
        if actor in STAFF or actor == DEACTIVATED:
            form = {"email": self.emails[actor], "password": PASSWORD}
            if self.app.config["WTF_CSRF_ENABLED"]:
                with client.get("/login") as page:
                    form["csrf_token"] = CSRF_TOKEN.search(page.text).group(1)  # type: ignore[union-attr]
            signed_in = client.post("/login", data=form)
            assert signed_in.status_code == 302, f"{actor} could not sign in"
        if actor == DEACTIVATED:
            self._set_active(actor, False)
        return client

    def _set_active(self, actor: str, active: bool) -> None:
        from surveyapp.services.accounts import set_active

        with self.app.app_context():
            set_active(self.user_ids[actor], active, NOW, None)


def _database_url(tmp: Path) -> Iterator[str]:
    server = os.environ.get("SURVEYAPP_TEST_DATABASE_URL")
    if server:
        yield from _postgres_database(server)
    else:
        yield f"sqlite:///{tmp / f'security-{uuid.uuid4().hex[:8]}.db'}"


def _seed(app: Flask, answers: int = 60) -> World:
    from surveyapp.instruments import load_directory
    from surveyapp.services.access import grant
    from surveyapp.services.accounts import create_user
    from surveyapp.services.demo import add_synthetic_responses
    from surveyapp.services.instrument_registry import register_instruments
    from surveyapp.services.invitations import create_open_link, issue_invitations
    from surveyapp.services.surveys import create_survey, set_status

    world = World(app)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        register_instruments(load_directory(FIXTURES).values(), NOW)  # every file stored: /readyz is ready
        survey = create_survey(MINI_SPEC, "spec.yaml", FIXTURES, NOW, None)
        set_status(survey.slug, "open", NOW, None)
        if answers:
            add_synthetic_responses(survey, answers, NOW)
        started, fresh, done = issue_invitations(SLUG, "peer", 3, NOW, None)
        world.tokens = {"started": started, "fresh": fresh, "done": done, "open": create_open_link(SLUG, "staff", NOW, None)}
        for actor, (role, granted) in {**STAFF, DEACTIVATED: ("admin", False)}.items():
            world.emails[actor] = f"{actor.replace('_', '.')}@example.org"
            world.user_ids[actor] = create_user(world.emails[actor], PASSWORD, role, NOW, None).id
            if granted:
                grant(world.emails[actor], SLUG, NOW, None)
        world.target_user_id = create_user("target@example.org", PASSWORD, "manager", NOW, None).id
        delphi = create_survey(DELPHI_SPEC, "delphi.yaml", FIXTURES, NOW, None)
        set_status(delphi.slug, "open", NOW, None)
        add_synthetic_responses(delphi, 30, NOW)
        for actor, (_role, granted) in STAFF.items():
            if granted:
                grant(world.emails[actor], DELPHI_SLUG, NOW, None)
    respondent = world.client("respondent")
    for token, pages in ((started, ()), (done, (1, 2))):
        assert respondent.post(f"/r/{token}/consent", data={"consent": "yes"}).status_code == 302
        for number in pages:
            answered = respondent.post(f"/r/{token}/p/{number}", data={**PAGE_ANSWERS[number], "action": "next"})
            assert answered.status_code == 302
    assert respondent.post(f"/r/{done}/submit").status_code == 302
    return world


PAGE_ANSWERS = {
    1: {"mini.clear": "4", "mini.unclear": "2", "mini.valued": "5"},
    2: {"mini.years": "3", "mini.tasks": ["1", "3"], "mini.comments": "Thanks"},
}


def _app(database_url: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "INSTRUMENTS_DIR": str(FIXTURES),
        }
    )


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One seeded world for a whole module: for tests whose requests change nothing that later ones read."""
    for url in _database_url(tmp_path_factory.mktemp("security")):
        app = _app(url)
        yield _seed(app)
        _dispose(app)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """A freshly seeded world for one test, without the 60 earlier answers (no dashboard is drawn)."""
    for url in _database_url(tmp_path):
        app = _app(url)
        yield _seed(app, answers=0)
        _dispose(app)


def survey_spec(slug: str) -> str:
    """The mini survey's spec under another slug (a survey an admin could create)."""
    spec = yaml.safe_load(MINI_SPEC)
    spec["slug"] = slug
    return yaml.safe_dump(spec, allow_unicode=True)
