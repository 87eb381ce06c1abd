"""A role-task inventory answered through the Flask test client: each task shows its questions together."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.stored import stored_answers
from tests.web.test_respond import start

TASK_SURVEY = {
    "slug": "role-tasks",
    "instruments": ["tasks-mini"],
    "audiences": ["peer", "staff", "service_user"],
}


def test_a_peer_rates_each_task_and_says_how_often(client: FlaskClient, make_survey, invite) -> None:
    make_survey(**TASK_SURVEY)
    token = invite("role-tasks", "peer")
    start(client, token)
    page = client.get(f"/r/{token}/p/1")
    assert "Page 1 of 3" in page.text
    assert "One-to-one support" in page.text  # the domain is the page's heading
    assert "I meet service users one to one." in page.text
    assert "Should this be part of the peer specialist&#39;s role here?" in page.text
    assert 'name="tasks-mini.listen" value="9"' in page.text  # don't know offered
    assert "How often do you do this now?" in page.text
    assert 'name="tasks-mini.listen_now" value="5"' in page.text
    assert '<textarea name="tasks-mini.listen_note"' in page.text
    answers = {"tasks-mini.listen": "4", "tasks-mini.listen_now": "5", "tasks-mini.listen_note": "Every day.", "action": "next"}
    assert client.post(f"/r/{token}/p/1", data=answers).headers["Location"].endswith("/p/2")
    page2 = {"tasks-mini.rounds": "9", "tasks-mini.rounds_now": "1", "tasks-mini.records": "2", "action": "next"}
    assert client.post(f"/r/{token}/p/2", data=page2).headers["Location"].endswith("/p/3")
    proposal = {"tasks-mini.missing": "Running a peer-run drop-in café.", "action": "next"}
    assert client.post(f"/r/{token}/p/3", data=proposal).headers["Location"].endswith("/review")
    review = client.get(f"/r/{token}/review")
    assert "I meet service users one to one. — How often do you do this now?" in review.text
    stored = {row.key: row.value_num if row.value_num is not None else row.value_text for row in stored_answers()}
    assert stored == {
        "tasks-mini.listen": 4,
        "tasks-mini.listen_now": 5,
        "tasks-mini.listen_note": "Every day.",
        "tasks-mini.rounds": 9,  # don't know: stored as its own code
        "tasks-mini.rounds_now": 1,
        "tasks-mini.records": 2,
        "tasks-mini.missing": "Running a peer-run drop-in café.",
    }


def test_staff_are_not_asked_how_often_and_a_bad_code_keeps_the_typed_comment(client: FlaskClient, make_survey, invite) -> None:
    make_survey(**TASK_SURVEY)
    token = invite("role-tasks", "staff")
    start(client, token, "he")
    page = client.get(f"/r/{token}/p/1")
    assert 'dir="rtl"' in page.text
    assert "עמיתים נפגשים עם מקבלי שירות באופן אישי." in page.text
    assert "listen_now" not in page.text
    bad = {"tasks-mini.listen": "7", "tasks-mini.listen_note": "הערה שלי", "action": "next"}
    refused = client.post(f"/r/{token}/p/1", data=bad)
    assert refused.status_code == 400
    assert 'href="#q-tasks-mini-listen"' in refused.text  # the error summary leads to the question
    assert "הערה שלי</textarea>" in refused.text  # the typed comment is kept
    assert '<details class="task-comment" id="q-tasks-mini-listen_note" open>' in refused.text
    tampered = client.post(f"/r/{token}/p/1", data={"tasks-mini.listen_now": "3", "action": "next"})
    assert tampered.status_code == 400  # a question staff are not asked cannot be slipped in


def test_the_results_page_of_a_task_survey_shows_task_ratings(client: FlaskClient, make_survey) -> None:
    import datetime as dt

    from surveyapp.services.accounts import create_user
    from surveyapp.services.demo import add_synthetic_responses

    now = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
    survey = make_survey(**TASK_SURVEY)
    add_synthetic_responses(survey, 40, now)
    create_user("admin@example.org", "correct horse battery", "admin", now, None)
    assert client.post("/login", data={"email": "admin@example.org", "password": "correct horse battery"}).status_code == 302
    page = client.get("/dashboard/role-tasks")
    assert page.status_code == 200  # the ordinary dashboard copes with tasks: no subscales, likert-like ratings
    assert "Peer specialists meet service users one to one." in page.text or "I meet service users one to one." in page.text


@pytest.mark.parametrize(("propose", "pages"), [(False, 2), (True, 3)])
def test_a_delphi_asks_for_missing_tasks_only_when_its_spec_says_so(
    client: FlaskClient, make_survey, invite, propose: bool, pages: int
) -> None:
    make_survey(**TASK_SURVEY, delphi={"propose_tasks": propose})
    token = invite("role-tasks", "staff")
    start(client, token)
    assert f"Page 1 of {pages}" in client.get(f"/r/{token}/p/1").text
    client.post(f"/r/{token}/p/1", data={"tasks-mini.listen": "3", "action": "next"})
    last = client.post(f"/r/{token}/p/2", data={"tasks-mini.rounds": "4", "tasks-mini.records": "1", "action": "next"})
    assert last.headers["Location"].endswith("/p/3" if propose else "/review")
