"""Dashboard pages: who may see them, what they show, what downloads contain."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from surveyapp.services.access import grant
from surveyapp.services.accounts import create_user
from surveyapp.services.dashboard import survey_dashboard
from surveyapp.services.demo import add_synthetic_responses

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def survey(make_survey):
    created = make_survey()
    add_synthetic_responses(created, 60, NOW)
    return created


def sign_in(client: FlaskClient, role: str, email: str | None = None) -> str:
    email = email or f"{role}@example.org"
    create_user(email, PASSWORD, role, NOW, None)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return email


def test_manager_sees_only_granted_surveys(client: FlaskClient, survey) -> None:
    email = sign_in(client, "manager")
    assert client.get("/dashboard/mini-survey").status_code == 404  # not granted: as if it did not exist
    assert "No survey has been shared with you" in client.get("/dashboard/").text
    grant(email, "mini-survey", NOW, None)
    page = client.get("/dashboard/mini-survey")
    assert page.status_code == 200
    assert "Clarity" in page.text
    assert "mini-survey" in client.get("/dashboard/").text


def test_respondent_link_reaches_no_results(client: FlaskClient, survey, invite) -> None:
    token = invite()
    client.get(f"/r/{token}")
    for path in ("/dashboard/", "/dashboard/mini-survey", "/dashboard/mini-survey/table/overview.csv", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_page_renders_every_section_with_numbers(client: FlaskClient, survey) -> None:
    sign_in(client, "admin")
    page = client.get("/dashboard/mini-survey")
    result = survey_dashboard(survey, viewer=None)
    peer = next(g for g in result["instruments"][0]["subscales"][0]["groups"] if g["key"] == "peer")
    assert f"<td>{peer['n']}</td>" in page.text
    for heading in ("Overview", "Comparison table", "Reliability", "Answers to each question"):
        assert heading in page.text
    assert 'data-figure="scores-mini-clarity"' in page.text
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    figure = page.text.split('id="figure-scores-mini-clarity">', 1)[1].split("</script>", 1)[0]
    assert json.loads(figure)["data"][0]["type"] == "box"


def test_csv_download_is_the_table_shown(client: FlaskClient, survey) -> None:
    sign_in(client, "researcher")
    grant("researcher@example.org", "mini-survey", NOW, None)
    download = client.get("/dashboard/mini-survey/table/scores.csv?instrument=mini&subscale=clarity")
    assert download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.text)))
    result = survey_dashboard(survey, viewer=None)
    shown = {g["label"]: g for g in result["instruments"][0]["subscales"][0]["groups"]}
    for row in rows:
        if row["group"] in shown and not shown[row["group"]]["hidden"]:
            assert int(row["n"]) == shown[row["group"]]["n"]
            assert float(row["mean"]) == pytest.approx(shown[row["group"]]["mean"], abs=0.005)
    assert client.get("/dashboard/mini-survey/table/nonsense.csv").status_code == 404


def test_unknown_comparison_is_a_clear_error(client: FlaskClient, survey) -> None:
    sign_in(client, "admin")
    response = client.get("/dashboard/mini-survey?by=mini.nothing")
    assert response.status_code == 400
    assert "cannot compare by" in response.text


def test_sign_in_is_rate_limited(app: Flask, client: FlaskClient) -> None:
    app.config["CLOCK"] = lambda: NOW
    create_user("lee@example.org", PASSWORD, "manager", NOW, None)
    for _ in range(5):
        assert client.post("/login", data={"email": "lee@example.org", "password": "wrong wrong wrong"}).status_code == 401
    blocked = client.post("/login", data={"email": "lee@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed sign-ins for this account. Please wait 2 seconds" in blocked.text
    assert blocked.headers["Retry-After"] == "2"


def test_plotly_is_served_locally(client: FlaskClient) -> None:
    response = client.get("/dashboard/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    response.close()


def test_stats_command_prints_the_dashboard(runner: FlaskCliRunner, survey) -> None:
    as_json = runner.invoke(args=["stats", "mini-survey"])
    assert json.loads(as_json.output) == survey_dashboard(survey, viewer=None)
    as_csv = runner.invoke(args=["stats", "mini-survey", "--format", "csv"])
    header = as_csv.output.splitlines()[0]
    assert header.startswith("instrument,subscale,group,n,mean")
    wrong = runner.invoke(args=["stats", "mini-survey", "--by", "nothing"])
    assert wrong.exit_code == 1
    assert "cannot compare by 'nothing'" in wrong.output


def test_bands_and_item_reliability_are_shown(client: FlaskClient, make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 120, NOW)
    sign_in(client, "admin")
    page = client.get("/dashboard/mini-survey").text
    assert "share of each group in each band" in page  # mini.yaml declares Low/High bands for clarity
    assert "Items within each subscale" in page
    bands = client.get("/dashboard/mini-survey/table/bands.csv?instrument=mini&subscale=clarity").text
    assert bands.splitlines()[0] == "group,n,Low,High"
    reliability = client.get("/dashboard/mini-survey/table/item_reliability.csv").text
    assert "item_rest_r" in reliability.splitlines()[0]


def test_compare_by_a_question_among_one_audience(client: FlaskClient, survey) -> None:
    sign_in(client, "admin")
    pooled = client.get("/dashboard/mini-survey?by=mini.role")
    assert "This comparison pools every audience" in pooled.text
    staff_only = client.get("/dashboard/mini-survey?by=mini.role&among=staff")
    assert staff_only.status_code == 200
    assert "This comparison pools every audience" not in staff_only.text
    assert "among=staff" in staff_only.text  # downloads keep the filter
    by_audience = client.get("/dashboard/mini-survey?by=audience&among=staff").text
    assert "compared by audience, every audience is shown side by side" in by_audience  # not silently dropped


def test_comments_are_shown_escaped_or_not_at_all(client: FlaskClient, make_survey) -> None:
    from surveyapp.services.importing import import_responses

    survey = make_survey(slug="with-comments")
    rows = "audience,mini.comments\r\n" + "".join(f"peer,<script>alert({k % 9})</script>\r\n" for k in range(10))
    assert import_responses(survey, rows + "staff,only one\r\n", NOW, None).ok
    sign_in(client, "admin")
    page = client.get("/dashboard/with-comments").text
    assert 'href="#comments"' in page
    assert "Peer specialists: 10 comments" in page
    assert '&lt;script&gt;alert(0)&lt;/script&gt; <small dir="ltr">(×2)</small>' in page
    assert "<script>alert(" not in page
    assert "Staff: fewer than 10 comments, not shown." in page
    assert "only one" not in page
