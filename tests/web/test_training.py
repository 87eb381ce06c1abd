"""The training-needs page, its CSV download and `surveyapp training`: who may see them and what they hold."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from flask.testing import FlaskClient, FlaskCliRunner

from surveyapp.reporting.training import TRAINING_COLUMNS
from surveyapp.services.access import grant
from surveyapp.services.demo import add_synthetic_responses

from .test_dashboard import sign_in

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def test_granted_manager_reads_the_list_and_downloads_it(client: FlaskClient, demo_survey) -> None:
    email = sign_in(client, "manager")
    assert client.get("/dashboard/demo/training").status_code == 404  # an ungranted survey looks unknown
    assert client.get("/dashboard/demo/training.csv").status_code == 404
    grant(email, "demo", NOW, None)
    page = client.get("/dashboard/demo/training")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "Training needs: " in page.text
    assert "Staff rate peers&#39; connection and mutuality lower than peers rate themselves" in page.text
    assert "Training need" in page.text
    assert "By competency domain" in page.text
    results = client.get("/dashboard/demo")
    assert 'href="/dashboard/demo/training"' in results.text  # linked from the results page

    download = client.get("/dashboard/demo/training.csv")
    assert download.headers["Content-Disposition"] == 'attachment; filename="demo-training-needs.csv"'
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert list(rows[0]) == list(TRAINING_COLUMNS)
    first = rows[0]
    assert (first["level"], first["status"], first["rank"]) == ("domain", "need", "1")
    assert {r["compared_with"] for r in rows} >= {"staff", "service_user", "others"}


def test_respondents_and_strangers_reach_no_training_list(client: FlaskClient, demo_survey) -> None:
    for path in ("/dashboard/demo/training", "/dashboard/demo/training.csv"):
        response = client.get(path)
        assert response.status_code in (302, 401, 403)
        assert "connection and mutuality" not in response.text


def test_a_survey_without_the_360_says_so(client: FlaskClient, make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 20, NOW)
    sign_in(client, "admin")
    page = client.get(f"/dashboard/{survey.slug}/training")
    assert page.status_code == 200
    assert "no competency instrument" in page.text


def test_cli_prints_the_same_list(runner: FlaskCliRunner, demo_survey) -> None:
    printed = runner.invoke(args=["training", "demo", "--format", "json"])
    assert printed.exit_code == 0, printed.output
    result = json.loads(printed.output)
    assert result["instruments"][0]["domains"][0]["status"] == "need"
    as_csv = runner.invoke(args=["training", "demo", "--format", "csv"])
    assert as_csv.exit_code == 0
    assert as_csv.output.splitlines()[0] == ",".join(TRAINING_COLUMNS)
    missing = runner.invoke(args=["training", "no-such-survey"])
    assert missing.exit_code != 0
    assert "no-such-survey" in missing.output
