"""The survey builder through the Flask test client: a survey made in a form, counted, previewed, edited,
duplicated as the next wave, deleted; routing and the estimated time as a respondent meets them."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import yaml
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveyapp.db import AuditEvent, Response, Survey, db
from surveyapp.services.accounts import create_user
from surveyapp.services.invitations import issue_invitations
from surveyapp.services.surveys import create_survey, set_status
from tests.conftest import ROOT
from tests.stored import stored_answers

PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)

FORM = {
    "languages": ["en", "he"],
    "title.en": "Peer role, short",
    "title.he": "תפקיד העמית, קצר",
    "consent.en": "Taking part is voluntary.",
    "consent.he": "ההשתתפות מרצון.",
    "audiences": ["peer", "staff"],
    "anonymity": "anonymous",
    "min_cell_size": "5",
    "instruments": ["p-role", "work-sat"],
    "order.p-role": "1",
    "order.work-sat": "2",
    "parts.p-role": ["clarity", "support"],
    "parts.work-sat": ["global_satisfaction"],
    "rules": "1",
}


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    create_user("admin@example.org", PASSWORD, "admin", dt.datetime.now(dt.UTC), None)
    assert client.post("/login", data={"email": "admin@example.org", "password": PASSWORD}).status_code == 302
    return client


def problems(page: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary, "no error summary on the page"
    return [html.unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li>(.*?)</li>", summary.group(0), re.S)]


def test_a_survey_is_built_in_the_form_counted_and_saved(admin: FlaskClient) -> None:
    empty = admin.get("/admin/surveys/build")
    assert empty.status_code == 200
    assert 'name="parts.p-role" value="clarity"' in empty.text
    counted = admin.post("/admin/surveys/build", data={**FORM, "action": "count"})  # without script: the server counts
    assert counted.status_code == 200
    rows = dict(
        re.findall(r'<tr data-audience="(\w+)"><th scope="row">.*?</th>\s*<td class="len-questions">(\d+)</td>', counted.text)
    )
    # p-role clarity (5) and support (4), and work-sat global satisfaction (3), for both audiences
    assert rows == {"peer": str(5 + 4 + 3), "staff": str(5 + 4 + 3)}
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 0  # counting saves nothing
    as_json = admin.post("/admin/surveys/build", data={**FORM, "action": "count"}, headers={"Accept": "application/json"})
    assert as_json.json["peer"]["questions_max"] == 12
    assert as_json.json["staff"]["minutes_max"] >= 1

    saved = admin.post("/admin/surveys/build", data={**FORM, "action": "save"})
    assert saved.status_code == 302
    survey = db.session.scalar(select(Survey))
    assert survey.slug == "peer-role-short"
    assert survey.status == "draft"
    assert survey.spec["short_forms"] == {"p-role": ["clarity", "support"], "work-sat": ["global_satisfaction"]}
    assert survey.title == {"en": "Peer role, short", "he": "תפקיד העמית, קצר"}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "survey.create")).one()
    assert event.detail["from"] == "form"


def test_the_form_and_an_imported_file_give_the_same_message_for_the_same_mistake(admin: FlaskClient) -> None:
    wrong = {**FORM, "title.he": "", "parts.p-role": ["clarity"], "rule.0.when": ["context.peer_contact=2"],
             "rule.0.skip": ["p-role"], "action": "save"}  # fmt: skip
    from_form = admin.post("/admin/surveys/build", data=wrong)
    assert from_form.status_code == 400
    spec = {
        "title": {"en": "Peer role, short"},
        "instruments": ["p-role", "work-sat"],
        "audiences": ["peer", "staff"],
        "languages": ["en", "he"],
        "consent": {"en": "Taking part is voluntary.", "he": "ההשתתפות מרצון."},
        "anonymity": "anonymous",
        "min_cell_size": 5,
        "short_forms": {"p-role": ["clarity"], "work-sat": ["global_satisfaction"]},
        "routing": [{"when": {"item": "context.peer_contact", "equals": 2}, "skip": ["p-role"]}],
    }
    from_file = admin.post("/admin/surveys/new", data={"spec": yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)})
    assert from_file.status_code == 400
    form_messages = problems(from_form.text)
    assert "title: the text in language 'he' is missing (fix: add 'he: ...' (the survey's languages are en, he))" in form_messages
    assert any("'context.peer_contact' is not a question of this survey" in m for m in form_messages)
    file_messages = [m.split(": ", 1)[1] for m in problems(from_file.text)]  # "the survey spec typed above, line N: ..."
    assert [m.split(": ", 1)[1] for m in form_messages] == file_messages
    assert 'value="ההשתתפות מרצון."' not in from_form.text
    assert "ההשתתפות מרצון." in from_form.text


def _built(admin: FlaskClient) -> Survey:
    assert admin.post("/admin/surveys/build", data={**FORM, "action": "save"}).status_code == 302
    return db.session.scalar(select(Survey))


@pytest.mark.parametrize("language", ["en", "he"])
@pytest.mark.parametrize("audience", ["peer", "staff"])
def test_every_audience_previews_every_language_and_nothing_is_stored(admin: FlaskClient, audience: str, language: str) -> None:
    survey = _built(admin)
    consent = admin.get(f"/admin/surveys/{survey.slug}/preview?audience={audience}&lang={language}")
    assert consent.status_code == 200
    assert f'<html lang="{language}" dir="{"rtl" if language == "he" else "ltr"}">' in consent.text
    assert ("ההשתתפות מרצון." if language == "he" else "Taking part is voluntary.") in consent.text
    assert 'id="duration"' in consent.text
    pages = len(re.findall(r'<li>(?:<strong>|<a href="[^"]*page=\d+">)(?:p-role|work-sat)', consent.text))
    assert pages == 3
    for number in range(1, pages + 1):
        page = admin.get(f"/admin/surveys/{survey.slug}/preview?audience={audience}&lang={language}&page={number}")
        assert page.status_code == 200
        assert 'class="q q-likert"' in page.text
    g.pop("lang", None)  # the test client shares one app context between requests; a server does not
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_a_draft_is_edited_opened_closed_reopened_and_its_spec_downloaded(admin: FlaskClient) -> None:
    survey = _built(admin)
    edit = admin.get(f"/admin/surveys/{survey.slug}/edit")
    assert 'name="parts.p-role" value="support" checked' in edit.text
    changed = admin.post(f"/admin/surveys/{survey.slug}/edit", data={**FORM, "min_cell_size": "8", "action": "save"})
    assert changed.status_code == 302
    assert db.session.get(Survey, survey.id).min_cell_size == 8
    spec = admin.get(f"/admin/surveys/{survey.slug}/spec.yaml")
    assert yaml.safe_load(spec.text)["short_forms"]["work-sat"] == ["global_satisfaction"]
    for status in ("open", "closed", "open"):
        admin.post(f"/admin/surveys/{survey.slug}/status", data={"status": status})
        assert db.session.get(Survey, survey.id).status == status
    refused = admin.post(f"/admin/surveys/{survey.slug}/edit", data={**FORM, "action": "save"})
    assert refused.status_code == 400
    assert "only a draft can be edited" in html.unescape(refused.text)
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == survey.slug)))
    assert actions == ["survey.create", "survey.edit", "export.spec", "survey.status", "survey.status", "survey.status"]


def test_next_wave_and_delete_from_the_survey_list(admin: FlaskClient) -> None:
    survey = _built(admin)
    admin.post(f"/admin/surveys/{survey.slug}/status", data={"status": "closed"})
    made = admin.post(f"/admin/surveys/{survey.slug}/next-wave", data={"opens_at": "2027-05-01", "closes_at": "2027-05-31"})
    assert made.status_code == 302
    assert made.headers["Location"].endswith("/admin/surveys/peer-role-short-wave-2/edit")
    listing = admin.get("/admin/")
    assert "peer-role-short-wave-2" in listing.text
    kept = admin.post("/admin/surveys/peer-role-short-wave-2/delete", data={"confirm": "wrong"}, follow_redirects=True)
    assert "type its address" in html.unescape(kept.text)
    gone = admin.post(
        "/admin/surveys/peer-role-short-wave-2/delete", data={"confirm": "peer-role-short-wave-2"}, follow_redirects=True
    )
    assert "deleted" in gone.text
    assert [s.slug for s in db.session.scalars(select(Survey))] == ["peer-role-short"]
    closed = admin.post("/admin/surveys/peer-role-short/delete", data={"confirm": "peer-role-short"}, follow_redirects=True)
    assert "only a draft can be deleted. Close it instead" in html.unescape(closed.text)


ROUTED = """
slug: routed
title: {en: Routed, he: מנותב}
instruments: [context, p-role]
audiences: [service_user, peer]
languages: [en, he]
consent: {en: Please agree., he: נא להסכים.}
short_forms: {p-role: [clarity]}
routing:
  - when: {item: context.peer_contact, equals: 2}
    skip: [p-role]
    audiences: [service_user]
"""


@pytest.fixture
def routed(app: Flask) -> str:
    create_survey(ROUTED, "routed.yaml", ROOT / "instruments", NOW, None)
    set_status("routed", "open", NOW, None)
    return "routed"


def _start(client: FlaskClient, audience: str) -> str:
    [token] = issue_invitations("routed", audience, 1, NOW, None)
    client.set_cookie("ps_lang", "en")
    consent = client.get(f"/r/{token}/consent")
    assert client.post(f"/r/{token}/consent", data={"consent": "yes"}).status_code == 302
    return token, consent.text


def test_the_consent_page_states_this_audiences_time(client: FlaskClient, routed: str) -> None:
    _token, user = _start(client, "service_user")
    # context: the contact question, unit, gender and a comment; p-role's clarity section (5) unless skipped
    assert "It takes about 1 to 2 minutes (4 to 9 questions, depending on your answers)." in html.unescape(user)
    _token, peer = _start(client, "peer")
    assert "It takes about 2 minutes (9 questions)." in html.unescape(peer)  # unit, years, gender, comment + clarity


def test_a_service_user_who_never_met_a_peer_skips_their_questions(client: FlaskClient, routed: str) -> None:
    token, _ = _start(client, "service_user")
    first = client.get(f"/r/{token}/p/1")
    assert "Have you had contact with a peer specialist in the last six months?" in first.text
    assert "Page 1 of 2" in first.text
    answered = {"context.peer_contact": "2", "context.unit": "3", "context.gender": "-9", "action": "next"}
    assert client.post(f"/r/{token}/p/1", data=answered).headers["Location"].endswith("/review")
    assert client.get(f"/r/{token}/p/2").headers["Location"].endswith("/review")  # a skipped page is never shown
    assert client.post(f"/r/{token}/submit").headers["Location"].endswith("/done")
    assert {a.key for a in stored_answers()} == {"context.peer_contact", "context.unit", "context.gender"}


def test_answers_on_a_page_skipped_later_are_not_kept(client: FlaskClient, routed: str) -> None:
    token, _ = _start(client, "service_user")
    assert (
        client.post(f"/r/{token}/p/1", data={"context.peer_contact": "1", "action": "next"}).headers["Location"].endswith("/p/2")
    )
    page2 = client.get(f"/r/{token}/p/2")
    assert "Page 2 of 2" in page2.text
    keys = re.findall(r'name="(p-role\.[a-z_]+)"', page2.text)
    assert client.post(f"/r/{token}/p/2", data={**dict.fromkeys(keys, "4"), "action": "next"}).status_code == 302
    # back to the first page: now "no contact", so the p-role answers are no longer asked
    assert (
        client.post(f"/r/{token}/p/1", data={"context.peer_contact": "2", "action": "next"})
        .headers["Location"]
        .endswith("/review")
    )
    review = client.get(f"/r/{token}/review")
    assert review.status_code == 200
    client.post(f"/r/{token}/submit")
    assert {a.key for a in stored_answers()} == {"context.peer_contact"}


def test_a_skip_rule_is_made_in_the_form_without_yaml(admin: FlaskClient) -> None:
    form = {
        **FORM,
        "audiences": ["peer", "service_user"],
        "instruments": ["context", "peer-practice-360"],
        "order.context": "1",
        "order.peer-practice-360": "2",
        "parts.p-role": [],
        "parts.work-sat": [],
        "rule.0.when": ["context.peer_contact=2", "context.peer_contact=3"],
        "rule.0.skip": ["peer-practice-360.relationships", "peer-practice-360.voice_team"],
        "rule.0.audiences": ["service_user"],
        "action": "count",
    }
    counted = admin.post("/admin/surveys/build", data=form)
    # context (4) and peer-practice-360 (20), of which "no" or "not sure" skip relationships (7) and voice_team (6)
    assert re.search(r'data-audience="service_user">.*?<td class="len-questions">11–24</td>', counted.text, re.S)
    assert 'value="context.peer_contact=3" selected' in counted.text  # the rule is shown as chosen
    assert admin.post("/admin/surveys/build", data={**form, "action": "save"}).status_code == 302
    survey = db.session.scalar(select(Survey))
    assert survey.spec["routing"] == [
        {
            "when": {"item": "context.peer_contact", "in": [2, 3]},
            "skip": ["peer-practice-360.relationships", "peer-practice-360.voice_team"],
            "audiences": ["service_user"],
        }
    ]
    preview = admin.get(f"/admin/surveys/{survey.slug}/preview?audience=service_user")
    assert (
        "skipped when “Have you had contact with a peer specialist in the last six months?” = “No” / “Not sure”" in preview.text
    )
