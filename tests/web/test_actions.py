"""The results page's findings and action plan, the action form, and the plan's CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from surveyapp.db import AuditEvent, SurveyAction, db
from surveyapp.services.access import grant
from surveyapp.services.accounts import create_user
from surveyapp.services.demo import add_synthetic_responses

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"
KEY = "diff|mini.clarity|peer|staff"


@pytest.fixture
def waves(make_survey):
    first = make_survey(series="mini-series", wave=1)
    add_synthetic_responses(first, 120, NOW, shifts={("mini", "clarity"): {"peer": -2.0, "staff": 1.0}})
    second = make_survey(slug="mini-wave-2", series="mini-series", wave=2)
    add_synthetic_responses(second, 120, NOW, seed=7, shifts={("mini", "clarity"): {"peer": 0.0, "staff": 0.0}})
    return first, second


def sign_in(client: FlaskClient, role: str, *slugs: str) -> str:
    email = f"{role}@example.org"
    create_user(email, PASSWORD, role, NOW, None)
    for slug in slugs:
        grant(email, slug, NOW, None)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return email


def test_the_page_opens_with_the_findings_in_words(client: FlaskClient, waves) -> None:
    sign_in(client, "manager", "mini-survey")
    page = client.get("/dashboard/mini-survey").text
    findings = page[page.index('id="findings"') : page.index('id="actions"')]
    assert page.index('id="findings"') < page.index('id="overview"')
    sentence = re.search(r'<p class="finding-sentence">([^<]+)</p>', findings)
    assert sentence
    assert re.fullmatch(
        r"Staff rate clarity higher than peer specialists do: \d\.\d vs \d\.\d on a 1–5 scale "
        r"\(\d+ staff, \d+ peer specialists\)\.",
        sentence.group(1).strip(),
    )
    assert 'href="#s-mini-clarity"' in findings  # the evidence, below
    assert "<summary>How to read this</summary>" in findings
    assert "Games-Howell" in findings.split("<details")[1]  # statistics terms only behind the note
    assert "Games-Howell" not in findings.split("<details")[0]
    assert f"/dashboard/mini-survey/action?finding={KEY.replace('|', '%7C')}" in findings


def test_compared_by_a_question_the_findings_still_compare_audiences(client: FlaskClient, waves) -> None:
    sign_in(client, "admin")
    page = client.get("/dashboard/mini-survey?by=mini.role&among=staff").text
    assert "These findings compare the audiences" in page
    assert 'href="/dashboard/mini-survey#s-mini-clarity"' in page


def test_a_manager_plans_an_action_and_the_next_wave_shows_it_moved(client: FlaskClient, waves) -> None:
    sign_in(client, "manager", "mini-survey", "mini-wave-2")
    form = client.get(f"/dashboard/mini-survey/action?finding={KEY}")
    assert form.status_code == 200
    assert f'<option value="{KEY}" selected>' in form.text
    saved = client.post(
        "/dashboard/mini-survey/action",
        data={"finding": KEY, "what": "Agree the role's tasks with the peers", "who": "Ward manager", "due": "2027-03-31"},
    )
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith("/dashboard/mini-survey#actions")
    action = db.session.scalars(select(SurveyAction)).one()
    assert (action.finding_key, action.status, action.due) == (KEY, "planned", dt.date(2027, 3, 31))

    first = client.get("/dashboard/mini-survey").text
    plan = first[first.index('id="actions"') :]
    assert "Agree the role&#39;s tasks with the peers" in plan
    assert "Ward manager" in plan
    assert "a clear change" in plan  # every wave of the series this manager may see, from any of them

    second = client.get("/dashboard/mini-wave-2").text
    plan = second[second.index('id="actions"') : second.index('class="compare-by"')]
    assert "Agree the role&#39;s tasks with the peers" in plan
    assert re.search(r"It narrowed by \d\.\d\d points between wave 1 and wave 2: a clear change\.", plan)
    assert plan.count('<th scope="row">Wave ') == 2
    assert 'id="trends"' in second
    assert 'data-figure="trend-mini-clarity"' in second


def test_an_incomplete_action_keeps_what_was_typed(client: FlaskClient, waves) -> None:
    sign_in(client, "manager", "mini-survey")
    refused = client.post("/dashboard/mini-survey/action", data={"finding": KEY, "what": "Meet the peers", "who": " "})
    assert refused.status_code == 400
    assert "Say who will do it: a person or a team." in refused.text
    assert ">Meet the peers</textarea>" in refused.text
    bad_date = client.post("/dashboard/mini-survey/action", data={"what": "Meet", "who": "Me", "due": "31/03/2027"})
    assert bad_date.status_code == 400
    assert "year-month-day" in bad_date.text
    assert db.session.scalar(select(SurveyAction.id)) is None


def test_changing_an_action_is_audited(client: FlaskClient, waves) -> None:
    sign_in(client, "admin")
    client.post("/dashboard/mini-survey/action", data={"finding": KEY, "what": "Meet the peers", "who": "Lead"})
    action = db.session.scalars(select(SurveyAction)).one()
    edit = client.get(f"/dashboard/mini-wave-2/action?id={action.id}")  # kept with the series: changed from wave 2
    assert edit.status_code == 200
    assert ">Meet the peers</textarea>" in edit.text
    client.post(
        "/dashboard/mini-wave-2/action", data={"id": action.id, "what": "Meet the peers", "who": "Lead", "status": "done"}
    )
    db.session.refresh(action)
    assert action.status == "done"
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("action.create") == 1
    assert actions.count("action.update") == 1
    assert client.get("/dashboard/mini-wave-2/action?id=999").status_code == 404


def test_a_researcher_reads_and_downloads_the_plan_but_cannot_change_it(client: FlaskClient, waves) -> None:
    admin = client.application.test_client()
    create_user("boss@example.org", PASSWORD, "admin", NOW, None)
    admin.post("/login", data={"email": "boss@example.org", "password": PASSWORD})
    admin.post("/dashboard/mini-survey/action", data={"finding": KEY, "what": "=HYPERLINK(1)", "who": "Lead"})
    sign_in(client, "researcher", "mini-survey", "mini-wave-2")
    assert client.get("/dashboard/mini-survey/action").status_code == 403
    assert client.post("/dashboard/mini-survey/action", data={"what": "x", "who": "y"}).status_code == 403
    page = client.get("/dashboard/mini-wave-2").text
    assert "Plan an action on this" not in page
    assert "Change this action" not in page
    download = client.get("/dashboard/mini-wave-2/actions.csv")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert rows[0]["what"] == "'=HYPERLINK(1)"  # a formula is neutralised
    assert rows[0]["movement"] == "narrowed"
    assert float(rows[0]["wave_1_difference"]) > 1.0
    assert rows[0]["wave_2_ci_low"]
    assert len(rows[0]["wave_1_ci_low"].split(".")[1]) > 4  # full precision in downloads
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "download.actions")).one().target == "mini-wave-2"


def test_a_single_wave_says_the_next_one_will_show_movement(client: FlaskClient, make_survey) -> None:
    only = make_survey()
    add_synthetic_responses(only, 120, NOW, shifts={("mini", "clarity"): {"peer": -2.0, "staff": 1.0}})
    sign_in(client, "manager", "mini-survey")
    client.post("/dashboard/mini-survey/action", data={"finding": KEY, "what": "Meet the peers", "who": "Lead"})
    page = client.get("/dashboard/mini-survey").text
    assert "The next wave of this survey will show whether this finding moves." in page
    assert 'id="trends"' not in page
