"""Admin pages: only admins, and every action works from the browser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveyapp.db import AuditEvent, Survey, db
from surveyapp.services.accounts import create_user
from tests.conftest import MINI_SPEC

PASSWORD = "correct horse battery"


@pytest.fixture
def sign_in(client: FlaskClient):
    def login(role: str = "admin") -> None:
        email = f"{role}@example.org"
        create_user(email, PASSWORD, role, dt.datetime.now(dt.UTC), None)
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302

    return login


def test_strangers_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password(client: FlaskClient) -> None:
    create_user("a@example.org", PASSWORD, "admin", dt.datetime.now(dt.UTC), None)
    response = client.post("/login", data={"email": "a@example.org", "password": "wrong password!"})
    assert response.status_code == 401
    assert "do not match an account" in response.text


def test_managers_cannot_administer(client: FlaskClient, sign_in) -> None:
    sign_in("manager")
    assert client.get("/admin/").status_code == 403


def test_create_survey_from_spec_open_it_and_download_links(app: Flask, client: FlaskClient, sign_in) -> None:
    app.config["INSTRUMENTS_DIR"] = str(Path(__file__).parent.parent / "fixtures")
    sign_in()
    form = client.get("/admin/surveys/new")
    assert "instruments:" in form.text  # the example spec is offered to start from
    bad = client.post("/admin/surveys/new", data={"spec": MINI_SPEC.replace("[mini]", "[maxi]")})
    assert bad.status_code == 400
    assert "no instrument &#39;maxi&#39;" in bad.text
    assert "[maxi]" in bad.text  # the typed spec is kept
    created = client.post("/admin/surveys/new", data={"spec": MINI_SPEC})
    assert created.status_code == 302
    assert "mini-survey" in client.get("/admin/").text
    client.post("/admin/surveys/mini-survey/status", data={"status": "open"})
    assert db.session.scalar(select(Survey.status)) == "open"
    links = client.post("/admin/surveys/mini-survey/invitations", data={"audience": "staff", "count": "5"})
    assert links.mimetype == "text/csv"
    assert links.text.count("/r/") == 5
    open_link = client.post("/admin/surveys/mini-survey/open-link", data={"audience": "peer"})
    assert "/o/" in open_link.text
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"survey.create", "survey.status", "invitations.issue", "open_link.create", "auth.login"} <= actions


def test_logout(client: FlaskClient, sign_in) -> None:
    sign_in()
    client.post("/logout")
    assert client.get("/admin/").status_code == 302


def test_forbidden_page_says_what_to_do(client: FlaskClient, sign_in) -> None:
    sign_in("manager")
    page = client.get("/admin/")
    assert page.status_code == 403
    assert "ask an administrator" in page.text
    assert "Peerscope" in page.text
