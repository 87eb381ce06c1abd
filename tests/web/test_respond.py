"""The respondent's journey through the Flask test client."""

from __future__ import annotations

import re

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveyapp.db import Answer, Invitation, Response, SpentLink, db
from surveyapp.services.tokens import hash_token
from tests.stored import stored_answers

PAGE1 = {"mini.clear": "4", "mini.unclear": "2", "mini.valued": "5", "action": "next"}
PAGE2 = {"mini.years": "3", "mini.tasks": ["1", "3"], "mini.comments": "Thanks", "action": "next"}


def start(client: FlaskClient, token: str, language: str = "en") -> None:
    client.set_cookie("ps_lang", language)
    response = client.post(f"/r/{token}/consent", data={"consent": "yes"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/r/{token}/p/1")


def test_link_asks_language_then_consent(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    first = client.get(f"/r/{token}")
    assert first.headers["Location"].endswith(f"/r/{token}/language")
    chosen = client.post(f"/r/{token}/language", data={"language": "he"})
    assert chosen.headers["Location"].endswith(f"/r/{token}/consent")
    page = client.get(f"/r/{token}/consent")
    assert '<html lang="he" dir="rtl">' in page.text
    assert "נא להסכים." in page.text


def test_consent_must_be_ticked(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    client.set_cookie("ps_lang", "en")
    refused = client.post(f"/r/{token}/consent", data={})
    assert refused.status_code == 400
    assert "tick the box" in refused.text
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_full_journey_stores_one_anonymous_response(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    start(client, token)
    page1 = client.get(f"/r/{token}/p/1")
    assert "Page 1 of 2" in page1.text
    assert 'type="radio" name="mini.clear" value="4"' in page1.text
    assert client.post(f"/r/{token}/p/1", data=PAGE1).headers["Location"].endswith("/p/2")
    assert client.post(f"/r/{token}/p/2", data=PAGE2).headers["Location"].endswith("/review")
    review = client.get(f"/r/{token}/review")
    assert "Agree" in review.text
    assert "Groups; Advocacy" in review.text
    assert "Mini instrument" in review.text  # the instrument's title, not its short code
    change = f"/r/{token}/p/1?review=1"
    assert f'href="{change}"' in review.text.replace("&amp;", "&")
    back = client.post(change, data={**PAGE1, "mini.clear": "5"})
    assert back.headers["Location"].endswith("/review")  # a changed page leads back to the review
    done = client.post(f"/r/{token}/submit")
    assert done.headers["Location"].endswith("/done")
    thanks = client.get(f"/r/{token}/done")
    assert "Call the support line." in thanks.text

    response = db.session.scalar(select(Response))
    assert response.status == "submitted"
    assert response.resume_hash is None
    assert response.vector is not None
    assert response.invitation_id is None
    invitation = db.session.scalar(select(Invitation))
    assert invitation.used_at is None  # anonymous: the link is marked used in spent_link, the invitation untouched
    assert db.session.scalar(select(func.count()).select_from(SpentLink)) == 1
    answers = {row.key: row.value_num for row in stored_answers()}
    assert answers["mini.clear"] == 5
    assert answers["mini.years"] == 3


def test_submitted_link_shows_already_sent_and_replay_stores_nothing(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    start(client, token)
    client.post(f"/r/{token}/p/1", data=PAGE1)
    client.post(f"/r/{token}/p/2", data=PAGE2)
    client.post(f"/r/{token}/submit")
    again = client.post(f"/r/{token}/submit")
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    page = client.get(f"/r/{token}")
    assert "Already sent" in page.text
    assert "<form" not in page.text
    assert client.post(f"/r/{token}/p/1", data=PAGE1).status_code == 200  # the already-sent page, not a save
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 6


def test_double_clicked_consent_creates_one_response(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    start(client, token)
    client.post(f"/r/{token}/consent", data={"consent": "yes"})
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_validation_error_keeps_every_typed_answer(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    start(client, token)
    client.post(f"/r/{token}/p/1", data=PAGE1)
    bad = client.post(f"/r/{token}/p/2", data={**PAGE2, "mini.years": "75", "mini.comments": "Kept <b>text</b>"})
    assert bad.status_code == 400
    assert "Please enter a number from 0 to 50." in bad.text
    assert 'value="75"' in bad.text  # the wrong value stays, to be corrected
    assert "Kept &lt;b&gt;text&lt;/b&gt;" in bad.text  # escaped, and kept
    assert re.search(r'name="mini.tasks" value="3"\s+checked', bad.text)
    assert not stored_answers("mini.years")


def test_required_answer_missing(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    start(client, token)
    bad = client.post(f"/r/{token}/p/1", data={"mini.clear": "4", "action": "next"})
    assert bad.status_code == 400
    assert "Please answer this question." in bad.text
    assert re.search(r'name="mini.clear" value="4"\s+checked', bad.text)


def test_save_for_later_skips_required_check_and_resumes(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    start(client, token)
    saved = client.post(f"/r/{token}/p/1", data={"mini.clear": "2", "action": "later"})
    assert "Your answers are saved" in saved.text
    resumed = client.get(f"/r/{token}")
    assert resumed.headers["Location"].endswith("/p/1")
    assert re.search(r'name="mini.clear" value="2"\s+checked', client.get(f"/r/{token}/p/1").text)


def test_closing_the_tab_resumes_at_the_same_page(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    start(client, token)
    client.post(f"/r/{token}/p/1", data=PAGE1)
    client.delete_cookie("session")
    assert client.get(f"/r/{token}").headers["Location"].endswith("/p/2")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**PAGE1, "mini.clear": "8"}, "not one of the options"),
        ({**PAGE1, "mini.clear": "9"}, "not one of the options"),  # 'not observed' is offered to staff only
        ({**PAGE1, "mini.valued": "-9"}, "cannot be skipped"),
    ],
)
def test_tampered_codes_are_refused_and_not_stored(client: FlaskClient, make_survey, invite, data: dict, message: str) -> None:
    make_survey()
    token = invite()
    start(client, token)
    refused = client.post(f"/r/{token}/p/1", data=data)
    assert refused.status_code == 400
    assert message in refused.text
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_unknown_field_and_out_of_order_page_are_refused(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    start(client, token)
    unknown = client.post(f"/r/{token}/p/1", data={**PAGE1, "other.item": "1"})
    assert unknown.status_code == 400
    assert "its answers were not saved" in unknown.text
    ahead = client.post(f"/r/{token}/p/2", data=PAGE2)
    assert ahead.status_code == 409
    assert "not available yet" in ahead.text
    assert client.get(f"/r/{token}/p/99").status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_show_if_hides_and_drops_answers(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite(audience="staff")
    start(client, token)
    client.post(f"/r/{token}/p/1", data=PAGE1)
    client.post(f"/r/{token}/p/2", data={"mini.role": "1", "mini.role_other": "Chef", "action": "next"})
    keys = {row.key for row in stored_answers()}
    assert "mini.role" in keys
    assert "mini.role_other" not in keys  # hidden (role is not 'Other'), so never stored


def test_show_if_on_the_same_page_reads_the_answer_sent_with_it(client: FlaskClient, make_survey, invite) -> None:
    """The page save parses only the answers a condition on the page reads (role) before its check: role_other,
    shown by this very submission's role, is stored; before that, nothing stored made it visible."""
    make_survey()
    token = invite(audience="staff")
    start(client, token)
    client.post(f"/r/{token}/p/1", data=PAGE1)
    client.post(f"/r/{token}/p/2", data={"mini.role": "2", "mini.role_other": "Chef", "action": "later"})
    assert {row.key for row in stored_answers()} >= {"mini.role", "mini.role_other"}
    client.post(f"/r/{token}/p/2", data={"mini.role": "1", "mini.role_other": "Chef", "action": "later"})
    assert "mini.role_other" not in {row.key for row in stored_answers()}  # hidden again by the new answer: dropped


def test_staff_see_not_observed_peers_do_not(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    staff, peer = invite(audience="staff"), invite(audience="peer")
    start(client, staff)
    assert "Not observed" in client.get(f"/r/{staff}/p/1").text
    assert "Peers know their tasks." in client.get(f"/r/{staff}/p/1").text
    start(client, peer)
    page = client.get(f"/r/{peer}/p/1").text
    assert "Not observed" not in page
    assert "I know my tasks." in page


def test_prefer_not_to_answer_is_stored_as_skipped(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    start(client, token)
    client.post(f"/r/{token}/p/1", data={**PAGE1, "mini.clear": "-9"})
    [answer] = stored_answers("mini.clear")
    assert answer.skipped
    assert answer.value_num is None


@pytest.mark.parametrize(("status", "text"), [("draft", "has not started yet"), ("closed", "has closed")])
def test_survey_not_open(client: FlaskClient, make_survey, invite, status: str, text: str) -> None:
    make_survey(status=status)
    page = client.get(f"/r/{invite()}")
    assert page.status_code == 403
    assert text in page.text


def test_unknown_link(client: FlaskClient) -> None:
    page = client.get("/r/not-a-real-token")
    assert page.status_code == 404
    assert "not recognised" in page.text


def test_open_link_gives_personal_link_remembered_on_this_device(client: FlaskClient, make_survey) -> None:
    import datetime as dt

    from surveyapp.services.invitations import create_open_link

    make_survey()
    open_token = create_open_link("mini-survey", "staff", dt.datetime.now(dt.UTC), None)
    first = client.get(f"/o/{open_token}")
    personal = first.headers["Location"].rsplit("/r/", 1)[1]
    assert personal != open_token
    assert client.get(f"/o/{open_token}").headers["Location"].endswith(f"/r/{personal}")
    other_device = client.application.test_client()
    assert not other_device.get(f"/o/{open_token}").headers["Location"].endswith(f"/r/{personal}")


def test_no_ip_or_user_agent_is_stored(client: FlaskClient, make_survey, invite, app) -> None:
    make_survey()
    token = invite()
    client.set_cookie("ps_lang", "en")
    client.post(
        f"/r/{token}/consent",
        data={"consent": "yes"},
        headers={"User-Agent": "UniqueAgent/1.0"},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    with db.engine.connect() as conn:
        from sqlalchemy import text

        for table in ("response", "answer", "invitation", "audit_event"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                assert "10.9.8.7" not in str(row)
                assert "UniqueAgent" not in str(row)


def test_security_headers(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    page = client.get(f"/r/{invite()}/consent")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert hash_token("x") != "x"


def test_a_page_whose_session_was_lost_keeps_its_answers(app, client: FlaskClient, make_survey, invite) -> None:
    """Security tokens on: a tab restored after the browser closed has a token its new session does not know."""
    make_survey()
    token = invite()
    start(client, token)
    app.config["WTF_CSRF_ENABLED"] = True

    def new_request() -> None:  # the test app context is shared by requests; a server gives each its own g
        g.pop("csrf_token", None)
        g.pop("csrf_valid", None)

    page = client.get(f"/r/{token}/p/1").text
    stale = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    fresh = app.test_client()  # the same respondent, but the session cookie is gone
    fresh.set_cookie("ps_lang", "en")
    new_request()
    response = fresh.post(f"/r/{token}/p/1", data={**PAGE1, "mini.clear": "2", "csrf_token": stale})
    assert response.status_code == 400
    assert "was not saved" in response.text
    assert "Sign in" not in response.text  # the respondent's own page, not the staff error page
    assert re.search(r'name="mini.clear" value="2"\s+checked', response.text)  # the typed answer is still there
    assert not stored_answers()
    again = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
    new_request()
    assert fresh.post(f"/r/{token}/p/1", data={**PAGE1, "csrf_token": again}).status_code == 302  # pressed again
    assert {row.key for row in stored_answers()} == {"mini.clear", "mini.unclear", "mini.valued"}
    new_request()
    consent = app.test_client().post(f"/r/{token}/consent", data={"consent": "yes"})
    assert consent.status_code == 303  # other forms are simply shown again


@pytest.mark.parametrize(
    ("thank_you", "heading"),
    [
        (None, "Thank you"),  # the page's own words: the heading thanks, the line below confirms
        ({"en": "Thank you. Your answers help us.", "he": "תודה רבה."}, "Your answers have been sent."),
    ],
)
def test_thank_you_page_thanks_once(client: FlaskClient, make_survey, invite, thank_you: dict | None, heading: str) -> None:
    make_survey(**({"thank_you": thank_you} if thank_you else {}))
    token = invite()
    start(client, token)
    client.post(f"/r/{token}/p/1", data=PAGE1)
    client.post(f"/r/{token}/p/2", data=PAGE2)
    client.post(f"/r/{token}/submit")
    page = client.get(f"/r/{token}/done").text
    main = page.split('<main id="main"', 1)[1]
    assert re.search(rf"<h1>{re.escape(heading)}</h1>", main)
    assert len(re.findall(r"thank you", main, re.IGNORECASE)) == 1, main
