"""Survey specs, survey creation, invitations, and what anonymity keeps apart."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from flask import Flask
from sqlalchemy import func, select

from surveyapp.db import InstrumentVersion, Invitation, Survey, db
from surveyapp.instruments import InstrumentError, load_directory
from surveyapp.instruments.survey_spec import parse_survey_spec
from surveyapp.services.invitations import create_open_link, issue_invitations
from surveyapp.services.surveys import SurveyError, create_survey, is_open, list_surveys, survey_instruments
from surveyapp.services.tokens import hash_token
from tests.conftest import FIXTURES, MINI_SPEC

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
MINI = load_directory(FIXTURES)


def spec_problems(**changes: object) -> list[str]:
    spec = yaml.safe_load(MINI_SPEC)
    spec.update(changes)
    with pytest.raises(InstrumentError) as caught:
        parse_survey_spec(yaml.safe_dump(spec, allow_unicode=True), "spec.yaml", MINI)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"instruments": ["mini", "nope"]}, "instruments[1]: no instrument 'nope' (fix: use one of: mini, scales, tasks-mini)"),
        ({"audiences": ["peer", "service_user"]}, "audiences[1]: no instrument of this survey is asked of 'service_user'"),
        ({"languages": ["en", "ar"]}, "'mini' has no ar text"),
        ({"consent": {"en": "Agree?"}}, "consent: the text in language 'he' is missing"),
        ({"anonymity": "secret"}, "anonymity: 'secret' is not allowed here"),
        ({"opens_at": "2026-12-01", "closes_at": "2026-11-01"}, "closes (2026-11-01) before it opens (2026-12-01)"),
        ({"colour": "blue"}, "colour: unknown key 'colour'"),
        ({"slug": "peer_role"}, "slug: 'peer_role' has the wrong form (fix: use lower-case letters, digits and '-'"),
    ],
)
def test_spec_problems_name_the_field(changes: dict, expected: str) -> None:
    messages = spec_problems(**changes)
    assert any(expected in m for m in messages), messages


def test_create_survey_snapshots_instruments(app: Flask) -> None:
    survey = create_survey(MINI_SPEC, "spec.yaml", FIXTURES, NOW, None)
    assert survey.status == "draft"
    assert [a.key for a in survey.audiences] == ["peer", "staff"]
    [instrument] = survey_instruments(survey)
    assert instrument.content_hash == MINI["mini"].content_hash
    assert db.session.scalar(select(func.count()).select_from(InstrumentVersion)) == 1
    with pytest.raises(SurveyError, match="already exists"):
        create_survey(MINI_SPEC, "spec.yaml", FIXTURES, NOW, None)


def test_invitation_tokens_are_long_random_and_stored_hashed(app: Flask) -> None:
    create_survey(MINI_SPEC, "spec.yaml", FIXTURES, NOW, None)
    tokens = issue_invitations("mini-survey", "peer", 50, NOW, None)
    assert len(set(tokens)) == 50
    assert all(len(t) >= 22 for t in tokens)  # >= 128 bits in URL-safe base64
    stored = set(db.session.scalars(select(Invitation.token_hash)))
    assert stored == {hash_token(t) for t in tokens}
    assert not stored & set(tokens)
    with pytest.raises(SurveyError, match="has no audience 'boss'"):
        issue_invitations("mini-survey", "boss", 1, NOW, None)


def test_open_link_replaces_the_previous(app: Flask) -> None:
    survey = create_survey(MINI_SPEC, "spec.yaml", FIXTURES, NOW, None)
    first = create_open_link("mini-survey", "peer", NOW, None)
    second = create_open_link("mini-survey", "peer", NOW, None)
    assert first != second
    assert survey.audiences[0].open_link_hash == hash_token(second)


def test_open_dates(app: Flask) -> None:
    survey = create_survey(
        MINI_SPEC.replace("slug: mini-survey", "slug: dated\nopens_at: 2026-11-01\ncloses_at: 2026-11-30"),
        "spec.yaml",
        FIXTURES,
        NOW,
        None,
    )
    survey.status = "open"
    assert is_open(survey, NOW)
    assert not is_open(survey, dt.datetime(2026, 10, 31, tzinfo=dt.UTC))
    assert is_open(survey, dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC))
    assert not is_open(survey, dt.datetime(2026, 12, 1, 0, 1, tzinfo=dt.UTC))


def test_list_counts_by_audience(app: Flask) -> None:
    create_survey(MINI_SPEC, "spec.yaml", FIXTURES, NOW, None)
    [summary] = list_surveys()
    assert summary.counts == {"peer": (0, 0), "staff": (0, 0)}
    assert db.session.scalar(select(Survey.slug)) == summary.slug
