"""Importing responses from the browser: admins and granted researchers; a report, and nothing stored, on any problem."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveyapp.db import Response, db
from surveyapp.services.access import grant
from surveyapp.services.accounts import create_user

PASSWORD = "correct horse battery"
GOOD = "audience,language,mini.clear,mini.valued,mini.comments\r\npeer,he,4,5,שלום\r\nstaff,en,9,4,\r\n"
BAD = "audience,language,mini.clear,mini.valued,mini.colour\r\npeer,he,4,5,\r\nnurse,en,9,4,\r\npeer,en,9,<b>x</b>,\r\n"


@pytest.fixture
def survey(make_survey):
    return make_survey()


def sign_in(client: FlaskClient, role: str) -> str:
    email = f"{role}@example.org"
    create_user(email, PASSWORD, role, dt.datetime.now(dt.UTC), None)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return email


def upload(client: FlaskClient, text: str, filename: str = "paper.csv"):
    return client.post(
        "/admin/surveys/mini-survey/import",
        data={"file": (io.BytesIO(text.encode("utf-8")), filename)},
        content_type="multipart/form-data",
    )


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Response)) or 0


def test_strangers_managers_and_ungranted_researchers_are_turned_away(client: FlaskClient, survey) -> None:
    assert "/login" in client.get("/admin/surveys/mini-survey/import").headers["Location"]
    sign_in(client, "manager")
    assert client.get("/admin/surveys/mini-survey/import").status_code == 403
    client.post("/logout")
    sign_in(client, "researcher")
    assert client.get("/admin/surveys/mini-survey/import").status_code == 404  # not granted: as if it did not exist
    assert upload(client, GOOD).status_code == 404
    assert stored() == 0


def test_a_granted_researcher_imports_a_file(client: FlaskClient, survey) -> None:
    email = sign_in(client, "researcher")
    grant(email, "mini-survey", dt.datetime.now(dt.UTC), None)
    form = client.get("/admin/surveys/mini-survey/import")
    assert form.status_code == 200
    assert 'type="file"' in form.text
    assert 'name="csrf_token"' in form.text
    response = upload(client, "\ufeff" + GOOD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/mini-survey")
    assert stored() == 2
    assert set(db.session.scalars(select(Response.source))) == {"import"}
    page = client.get("/admin/surveys/mini-survey/import")
    assert "Imported 2 responses into &#39;mini-survey&#39; from paper.csv." in page.text


def test_a_bad_file_shows_every_problem_and_imports_nothing(client: FlaskClient, survey) -> None:
    sign_in(client, "admin")
    response = upload(client, BAD)
    assert response.status_code == 400
    assert stored() == 0
    page = response.text
    assert "nothing was imported: 4 problems in 2 of 3 rows" in page
    assert '<td>file</td><td class="nowrap">mini.colour</td>' in page
    cells = '<td>{}</td><td class="nowrap">{}</td><td>{}</td><td>{}'
    assert cells.format(3, "audience", "nurse", "is not an audience of this survey (allowed: peer, staff)</td>") in page
    assert cells.format(4, "mini.clear", "9", "is not an option for audience peer") in page
    assert cells.format(4, "mini.valued", "&lt;b&gt;x&lt;/b&gt;", "") in page  # cell text is escaped
    assert "<b>x</b>" not in page


def test_no_file_chosen(client: FlaskClient, survey) -> None:
    sign_in(client, "admin")
    response = client.post("/admin/surveys/mini-survey/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a CSV file to import." in response.text


def test_unknown_survey(client: FlaskClient, survey) -> None:
    sign_in(client, "admin")
    assert client.get("/admin/surveys/nope/import").status_code == 404


def test_pages_lead_to_each_other(client: FlaskClient, survey) -> None:
    """Home -> sign in; surveys -> export and import; import -> export and results."""
    assert 'href="/login"' in client.get("/").text
    sign_in(client, "admin")
    surveys = client.get("/admin/").text
    assert 'href="/dashboard/mini-survey/export"' in surveys
    assert 'href="/admin/surveys/mini-survey/import"' in surveys
    page = client.get("/admin/surveys/mini-survey/import").text
    assert 'href="/dashboard/mini-survey/export"' in page
    assert 'href="/dashboard/mini-survey"' in page


def test_a_file_over_the_upload_limit_says_the_limit_and_the_way_round(client: FlaskClient, survey, app) -> None:
    sign_in(client, "admin")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    big = ("audience,mini.clear\r\n" + "peer,4\r\n" * 400).encode()
    response = client.post(
        "/admin/surveys/mini-survey/import", data={"file": (io.BytesIO(big), "big.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    assert "The largest file this server accepts is 16 MB" in response.text
    assert "surveyapp responses import" in response.text
