"""`surveyapp validate`: the same figures as the service, as JSON or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from flask.testing import FlaskCliRunner

from surveyapp.services.demo import add_synthetic_responses
from surveyapp.services.validation import survey_validation

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def test_validate_prints_the_service_result(runner: FlaskCliRunner, make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 500, NOW)
    printed = runner.invoke(args=["validate", "mini-survey", "--format", "json"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == survey_validation(survey)
    table = runner.invoke(args=["validate", "mini-survey", "--instrument", "mini", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(table.output)))
    assert {r["analysis"] for r in rows} == {"cfa", "invariance"}
    scalar = next(r for r in rows if r["model"] == "scalar")
    expected = next(s for s in survey_validation(survey)["instruments"][0]["subscales"][0]["invariance"]["steps"])
    assert scalar["subscale"] == "clarity"
    assert float(next(r for r in rows if r["model"] == "configural")["chisq"]) == expected["fit"]["chisq"]


def test_validate_refuses_an_unknown_grouping(runner: FlaskCliRunner, make_survey) -> None:
    make_survey()
    result = runner.invoke(args=["validate", "mini-survey", "--by", "mini.nothing"])
    assert result.exit_code != 0
    assert "cannot compare by 'mini.nothing'" in result.output
