"""Fixtures for the export-format tests: the mini survey with synthetic responses and a few free-text answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, select

from surveyapp.db import Answer, ItemKey, Response, Survey, db, insert_answers
from surveyapp.services.demo import add_synthetic_responses

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
HEBREW = 'התפקיד שלי ברור, "כמעט" תמיד\nשורה שנייה — עם פסיק, ומרכאות'
FORMULA = '=HYPERLINK("http://example.invalid")'


@dataclass(frozen=True)
class Surveyed:
    survey: Survey
    hebrew_response: str  # the response whose comment is HEBREW
    formula_response: str  # the response whose comment is FORMULA


def _with_comments(survey: Survey, n: int) -> Surveyed:
    add_synthetic_responses(survey, n, NOW)
    first, second = db.session.scalars(
        select(Response.id).where(Response.survey_id == survey.id).order_by(Response.id).limit(2)
    ).all()
    db.session.execute(  # the demo's own comments on these two make way for the test's
        delete(Answer).where(
            Answer.response_pk.in_(select(Response.pk).where(Response.id.in_([first, second]))),
            Answer.item_key_id.in_(select(ItemKey.id).where(ItemKey.key == "mini.comments")),
        )
    )
    insert_answers(
        [
            {"response_id": first, "item_key": "mini.comments", "value_num": None, "value_text": HEBREW, "skipped": False},
            {"response_id": second, "item_key": "mini.comments", "value_num": None, "value_text": FORMULA, "skipped": False},
        ],
    )
    db.session.commit()
    return Surveyed(survey, first, second)


@pytest.fixture
def surveyed(make_survey) -> Surveyed:
    """The mini survey (anonymous, en + he) with 40 submitted responses and two free-text comments."""
    return _with_comments(make_survey(), 40)


@pytest.fixture
def surveyed_identified(make_survey) -> Surveyed:
    """The same, in an identified survey: submission times are datetimes, not dates."""
    return _with_comments(make_survey(anonymity="identified", slug="mini-identified"), 20)
