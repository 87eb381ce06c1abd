"""Finding 11: leaks by the side door. Tokens in logs (Flask's error log, gunicorn's access and error logs),
pages that caches keep, HSTS, the dashboard's style-src, the Secure flag behind a proxy, and survey
addresses that answer differently whether they exist or not."""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from surveyapp import create_app
from surveyapp.services.accounts import create_user
from surveyapp.services.demo import add_synthetic_responses
from surveyapp.services.invitations import create_open_link
from tests.conftest import ROOT

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "tangerine-ocelot-quarry-58"
TOKEN = "Sup3rS3cretT0kenFromAnInvitation_xyz"


def sign_in(client: FlaskClient, role: str) -> None:
    create_user(f"{role}@example.org", PASSWORD, role, NOW, None)
    assert client.post("/login", data={"email": f"{role}@example.org", "password": PASSWORD}).status_code == 302


# --- (a) tokens never in a log -------------------------------------------------------------------------


def test_flask_error_log_redacts_the_token(app: Flask, client: FlaskClient, monkeypatch, caplog) -> None:
    from surveyapp.services import responding

    def broken(token: str, now: dt.datetime, *_: object) -> None:
        raise RuntimeError(f"the database went away while reading {token}")

    monkeypatch.setattr(responding, "resolve_link", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: logged, then the 500 page
    monkeypatch.setattr(app.logger, "disabled", False)  # alembic's logging setup (the fixture's upgrade) disables it
    caplog.set_level(logging.ERROR)
    assert client.get(f"/r/{TOKEN}/p/1").status_code == 500
    assert client.get(f"/o/{TOKEN}").status_code == 500
    assert "Exception on /r/[token]/p/1 [GET]" in caplog.text  # the log still says where it happened
    assert "RuntimeError" in caplog.text
    assert TOKEN not in caplog.text
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_development_server_request_log_redacts_the_token(app: Flask, monkeypatch, caplog) -> None:
    """werkzeug's request log (`make run`, `surveyapp run`) as werkzeug writes it."""
    monkeypatch.setattr(logging.getLogger("werkzeug"), "disabled", False)  # as alembic's logging setup leaves it
    caplog.set_level(logging.INFO, logger="werkzeug")
    logging.getLogger("werkzeug").info('127.0.0.1 - - "%s" %s %s', f"GET /r/{TOKEN}/p/1?review=1 HTTP/1.1", "200", "-")
    assert '"GET /r/[token]/p/1?review=1 HTTP/1.1" 200' in caplog.text
    assert TOKEN not in caplog.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[int, Path, Path]]:
    """The shipped gunicorn.conf.py serving wsgi:app on 127.0.0.1, one worker, logs to files.

    The database is an empty SQLite file (no tables), so every respondent page fails with a logged
    exception: the worst case for the error log."""
    port = _free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = {
        **os.environ,
        "SURVEYAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
        "SURVEYAPP_SECRET_KEY": "gunicorn-test",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", "1"]
    command += ["-b", f"127.0.0.1:{port}", "--access-logfile", str(access), "--error-logfile", str(errors), "wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"gunicorn did not start: {errors.read_text() if errors.exists() else ''}")
                time.sleep(0.1)
        yield port, access, errors
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_gunicorn_logs_hold_no_token_and_no_query_string(gunicorn: tuple[int, Path, Path]) -> None:
    port, access, errors = gunicorn
    requests = [
        (f"/r/{TOKEN}/p/1?review=1", {"Referer": f"http://127.0.0.1:{port}/r/{TOKEN}/review"}),
        (f"/o/{TOKEN}", {}),
        ("/login?next=/dashboard/private-query", {}),
    ]
    for path, headers in requests:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path, headers=headers)
        connection.getresponse().read()
        connection.close()
    deadline = time.monotonic() + 10
    while access.read_text().count("\n") < len(requests) and time.monotonic() < deadline:
        time.sleep(0.05)  # gunicorn writes the access line after the response
    access_log, error_log = access.read_text(), errors.read_text()
    assert '"GET /r/[token]/p/1 HTTP/1.1" 500' in access_log
    assert '"GET /o/[token] HTTP/1.1" 500' in access_log
    assert "Exception on /r/[token]/p/1 [GET]" in error_log  # Flask's error log, through gunicorn
    for log in (access_log, error_log):
        assert TOKEN not in log
        assert "review=1" not in log
        assert "private-query" not in log


# --- (b) no-store; (c) HSTS; (d) CSP ---------------------------------------------------------------------


@pytest.fixture
def with_data(make_survey):
    survey = make_survey()
    add_synthetic_responses(survey, 20, NOW)
    return survey


def test_staff_and_respondent_pages_are_never_cached(client: FlaskClient, with_data, invite) -> None:
    token = invite()
    respondent = [f"/r/{token}", f"/r/{token}/consent", f"/o/{create_open_link('mini-survey', 'peer', NOW, None)}"]
    for path in [*respondent, "/login"]:
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    sign_in(client, "admin")
    staff = [
        "/dashboard/",
        "/dashboard/mini-survey",
        "/dashboard/mini-survey/table/overview.csv",
        "/dashboard/mini-survey/export",
        "/dashboard/mini-survey/export/wide",
        "/admin/",
        "/admin/users",
        "/admin/surveys/mini-survey/import",
    ]
    for path in staff:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers.get("Cache-Control") == "no-store", path
        response.close()
    links = client.post("/admin/surveys/mini-survey/invitations", data={"audience": "peer", "count": "2"})
    assert links.headers.get("Cache-Control") == "no-store"  # a CSV of live links


def test_static_files_keep_caching(client: FlaskClient) -> None:
    for path in ("/static/peerscope.css", "/dashboard/vendor/plotly.min.js", "/dashboard/vendor/plotly.css"):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
        response.close()


def test_hsts_is_off_by_default_and_on_when_set(app: Flask, client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["HSTS_SECONDS"] = 31_536_000
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_dashboard_csp_has_no_inline_styles(client: FlaskClient, with_data) -> None:
    sign_in(client, "admin")
    policy = client.get("/dashboard/mini-survey").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "style-src 'self';" in policy


def test_plotly_stylesheet_holds_plotlys_base_rules(client: FlaskClient) -> None:
    css = client.get("/dashboard/vendor/plotly.css").text
    assert ".js-plotly-plot .plotly .main-svg{position:absolute;" in css


# --- (e) the Secure flag behind a proxy ------------------------------------------------------------------


def _open_link_cookie(app: Flask, headers: dict[str, str]) -> str:
    with app.app_context():
        token = create_open_link("mini-survey", "peer", NOW, None)
    response = app.test_client().get(f"/o/{token}", headers=headers)
    assert response.status_code == 302
    return next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("ps_open_"))


@pytest.fixture
def proxied_app(database_url: str, make_survey, app: Flask):
    """Another app on the same migrated database, with chosen settings; its connections closed afterwards."""
    from surveyapp.db import db

    make_survey()
    built: list[Flask] = []

    def build(**settings: object) -> Flask:
        config = {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False}
        built.append(create_app({**config, **settings}))
        return built[-1]

    yield build
    for other in built:
        with other.app_context():
            db.engine.dispose()


FORWARDED_HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


def test_forwarded_headers_are_ignored_without_trusted_proxies(proxied_app) -> None:
    assert "Secure" not in _open_link_cookie(proxied_app(), FORWARDED_HTTPS)  # anyone could send the header


def test_trusted_proxy_makes_cookies_secure(proxied_app) -> None:
    app = proxied_app(TRUSTED_PROXIES=1)
    assert "Secure" in _open_link_cookie(app, FORWARDED_HTTPS)
    assert "Secure" not in _open_link_cookie(app, {})


def test_secure_cookies_always_and_never(proxied_app) -> None:
    assert "Secure" in _open_link_cookie(proxied_app(SECURE_COOKIES="always"), {})
    assert "Secure" not in _open_link_cookie(proxied_app(SECURE_COOKIES="never", TRUSTED_PROXIES=1), FORWARDED_HTTPS)


def test_session_cookie_follows_the_same_rule(proxied_app) -> None:
    app = proxied_app(TRUSTED_PROXIES=1)
    with app.app_context():
        create_user("admin@example.org", PASSWORD, "admin", NOW, None)
    client = app.test_client()
    response = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD}, headers=FORWARDED_HTTPS)
    assert response.status_code == 302
    assert "Secure" in next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_an_unknown_secure_cookies_choice_is_refused(database_url: str) -> None:
    with pytest.raises(ValueError, match="SECURE_COOKIES must be one of"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t", "SECURE_COOKIES": "yes"})


# --- (f) survey addresses: 404 whether they exist or not -------------------------------------------------


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        ("manager", ["/dashboard/{slug}", "/dashboard/{slug}/table/overview.csv"]),
        (
            "researcher",
            ["/dashboard/{slug}", "/dashboard/{slug}/export", "/dashboard/{slug}/export/wide", "/admin/surveys/{slug}/import"],
        ),
    ],
)
def test_ungranted_and_unknown_surveys_look_the_same(client: FlaskClient, with_data, role: str, paths: list[str]) -> None:
    sign_in(client, role)
    for path in paths:
        existing = client.get(path.format(slug="mini-survey"))
        unknown = client.get(path.format(slug="no-such-survey"))
        assert existing.status_code == unknown.status_code == 404, path
        assert existing.text == unknown.text
    upload = client.post("/admin/surveys/mini-survey/import", data={}, content_type="multipart/form-data")
    assert upload.status_code in (403, 404)  # managers may not import at all (403 whatever the slug)
