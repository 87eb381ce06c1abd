"""Export downloads: researchers with a grant and admins only, and every download audited."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveyapp.db import AuditEvent, db
from surveyapp.services.access import grant
from surveyapp.services.accounts import create_user
from surveyapp.services.demo import add_synthetic_responses

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def sign_in(client: FlaskClient, role: str) -> str:
    email = f"{role}@example.org"
    create_user(email, "correct horse battery", role, NOW, None)
    client.post("/login", data={"email": email, "password": "correct horse battery"})
    return email


def test_researcher_with_grant_downloads(client: FlaskClient, make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 20, NOW)
    email = sign_in(client, "researcher")
    assert client.get("/dashboard/mini-survey/export").status_code == 404  # not granted: as if it did not exist
    grant(email, "mini-survey", NOW, None)
    page = client.get("/dashboard/mini-survey/export")
    assert "Export data" in page.text
    download = client.get("/dashboard/mini-survey/export/wide?bom=1")
    assert download.headers["Content-Disposition"] == 'attachment; filename="mini-survey-wide.csv"'
    body = download.get_data(as_text=True)
    assert body.startswith("\ufeffresponse_id,")
    assert body.count("\r\n") == 21
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")) == 1
    named = {  # each kind of download has its own name, so one does not overwrite another in Downloads
        "wide?labels=1&language=he": "mini-survey-wide-labels-he.csv",
        "wide?language=he": "mini-survey-wide.csv",  # codes: the same in every language
        "codebook-html?language=he": "mini-survey-codebook.html",  # every language anyway
        "spss?language=he": "mini-survey-he.sav",
    }
    for query, name in named.items():
        header = client.get(f"/dashboard/mini-survey/export/{query}").headers["Content-Disposition"]
        assert header == f'attachment; filename="{name}"'
    assert client.get("/dashboard/mini-survey/export/pdf").status_code == 404


def test_managers_cannot_export(client: FlaskClient, make_survey) -> None:
    make_survey()
    email = sign_in(client, "manager")
    grant(email, "mini-survey", NOW, None)
    assert client.get("/dashboard/mini-survey/export/wide").status_code == 403
