"""The validation report page: researchers with a grant and admins; the same figures as the service."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient

from surveyapp.services.access import grant
from surveyapp.services.demo import add_synthetic_responses
from surveyapp.services.validation import survey_validation
from tests.services.test_dashboard import move_to_staff
from tests.web.test_exports import sign_in

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def test_researcher_needs_a_grant(client: FlaskClient, make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 500, NOW)
    email = sign_in(client, "researcher")
    assert client.get("/dashboard/mini-survey/validation").status_code == 404  # an ungranted survey looks unknown
    assert client.get("/dashboard/mini-survey/validation.csv").status_code == 404
    grant(email, "mini-survey", NOW, None)
    page = client.get("/dashboard/mini-survey/validation")
    assert page.status_code == 200
    result = survey_validation(survey)
    assert result["instruments"][0]["sentences"][0].replace("'", "&#39;") in page.text
    download = client.get("/dashboard/mini-survey/validation.csv")
    assert download.headers["Content-Disposition"] == 'attachment; filename="mini-survey-validation-by-audience.csv"'
    assert download.get_data(as_text=True).startswith("instrument,analysis,")


def test_managers_and_strangers_are_refused(client: FlaskClient, make_survey) -> None:
    make_survey()
    assert client.get("/dashboard/mini-survey/validation").status_code == 302  # to the login page
    email = sign_in(client, "manager")
    grant(email, "mini-survey", NOW, None)
    assert client.get("/dashboard/mini-survey/validation").status_code == 403


def test_small_group_is_not_on_the_page(client: FlaskClient, make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 300, NOW)
    move_to_staff(survey, 3)
    sign_in(client, "admin")
    page = client.get("/dashboard/mini-survey/validation").text
    assert "Left out to protect anonymity: Staff (fewer than 5 responses each)." in page
    assert "Staff (3)" not in page
    assert client.get("/dashboard/mini-survey/validation?by=wave").status_code == 400
