"""The database going away: respondents keep their typed answers, staff see a clear page, never a stack trace
(the Flask test client; tests/deploy/test_load_and_faults.py does the same through gunicorn)."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from surveyapp.db import db
from surveyapp.services.accounts import create_user
from tests.deploy.outage import database_away, sqlite_locked
from tests.stored import stored_answers
from tests.web.test_respond import PAGE1, start

PASSWORD = "correct horse battery"
TYPED = {"mini.clear": "4", "mini.unclear": "2", "mini.valued": "5", "action": "next"}


@contextlib.contextmanager
def _away(app: Flask) -> Iterator[None]:
    # the test's app context outlives requests: forget, before and after, what a real request starts without
    for name in ("_login_user", "lang"):
        g.pop(name, None)
    db.session.remove()
    db.engine.dispose()
    with database_away(app.config["SQLALCHEMY_DATABASE_URI"]):
        yield
    for name in ("_login_user", "lang"):
        g.pop(name, None)


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


@pytest.mark.parametrize("language", ["en", "he"])
def test_a_page_sent_while_the_database_is_away_keeps_every_typed_answer(
    app: Flask, client: FlaskClient, make_survey, invite, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    make_survey()
    token = invite()
    start(client, token, language)
    with _away(app):
        refused = client.post(f"/r/{token}/p/1", data=TYPED)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "10"
    assert "Traceback" not in refused.text
    assert "OperationalError" not in refused.text
    kept = _hidden(refused.text)
    assert {key: kept[key] for key in ("mini.clear", "mini.unclear", "mini.valued")} == {
        "mini.clear": "4",
        "mini.unclear": "2",
        "mini.valued": "5",
    }
    assert 'name="action" value="next"' in refused.text
    words = {"en": "Your answers are kept", "he": "התשובות שלך שמורות"}
    assert words[language] in refused.text
    assert "database unavailable during POST respond.page" in caplog.text
    assert token not in caplog.text
    # the database is back: the button sends the same answers, and they are stored
    kept.pop("csrf_token")
    resent = client.post(f"/r/{token}/p/1", data={**kept, "action": "next"})
    assert resent.status_code == 302
    assert resent.headers["Location"].endswith("/p/2")
    assert {row.key: row.value_num for row in stored_answers()} == {"mini.clear": 4, "mini.unclear": 2, "mini.valued": 5}


def test_opening_a_page_while_the_database_is_away_says_try_again(app: Flask, client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    start(client, token)
    with _away(app):
        refused = client.get(f"/r/{token}/p/1")
    assert refused.status_code == 503
    assert "Nothing you already saved is lost" in refused.text
    assert "Traceback" not in refused.text
    with _away(app):  # another phone, nothing remembered: the browser's language
        arabic = app.test_client().get(f"/r/{token}/p/1", headers={"Accept-Language": "ar"})
    assert arabic.status_code == 503
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert "لم يضِع شيء مما حفظته" in arabic.text


def test_managers_get_a_clear_page_never_a_stack_trace(app: Flask, client: FlaskClient, make_survey) -> None:
    make_survey()
    create_user("lee@example.org", PASSWORD, "manager", dt.datetime.now(dt.UTC), None)
    assert client.post("/login", data={"email": "lee@example.org", "password": PASSWORD}).status_code == 302
    with _away(app):
        dashboard = client.get("/dashboard/")
        login = client.post("/login", data={"email": "lee@example.org", "password": PASSWORD})
    for page in (dashboard, login):
        assert page.status_code == 503
        assert "cannot reach its database" in page.text
        assert "Traceback" not in page.text
        assert "sqlalchemy" not in page.text.lower()
    assert client.get("/dashboard/").status_code == 200  # back, and still signed in


def test_database_is_locked_never_reaches_a_respondent(app: Flask, client: FlaskClient, make_survey, invite) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL locks rows, and its outage is the test above")
    make_survey()
    token = invite()
    start(client, token)
    db.session.remove()
    with sqlite_locked(app.config["SQLALCHEMY_DATABASE_URI"]):  # held for longer than the 5 s busy timeout
        refused = client.post(f"/r/{token}/p/1", data=PAGE1)
    assert refused.status_code == 503
    assert "locked" not in refused.text
    assert _hidden(refused.text)["mini.clear"] == "4"
    assert client.post(f"/r/{token}/p/1", data=PAGE1).status_code == 302


def test_a_constraint_violation_is_a_bug_not_an_outage(
    app: Flask, client: FlaskClient, make_survey, invite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only outages get the "try again" page: pressing again would not help with a bug, so it stays a 500."""
    from sqlalchemy.exc import IntegrityError

    from surveyapp.services import responding

    def broken(*_args: object, **_kwargs: object) -> None:
        raise IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed"))

    make_survey()
    token = invite()
    start(client, token)
    monkeypatch.setattr(responding, "save_page", broken)
    with pytest.raises(IntegrityError):  # TESTING: Flask hands the unhandled error to the test
        client.post(f"/r/{token}/p/1", data=PAGE1)
