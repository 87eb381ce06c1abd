"""Issuing single-use invitation links and open links per audience."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext

from ..db import Audience, Invitation, Survey, User, db
from .anonymity import day_of
from .audit import record
from .surveys import SurveyError, get_survey
from .tokens import hash_token, new_token


def audience_of(survey: Survey, key: str) -> Audience:
    """The survey's audience ``key``, or an error listing the audiences it has."""
    for audience in survey.audiences:
        if audience.key == key:
            return audience
    raise SurveyError(
        gettext(
            "survey '%(slug)s' has no audience '%(key)s' (it has: %(keys)s)",
            slug=survey.slug,
            key=key,
            keys=", ".join(a.key for a in survey.audiences),
        )
    )


def issue_invitations(slug: str, audience_key: str, count: int, now: dt.datetime, actor: User | None) -> list[str]:
    """Create ``count`` single-use links; returns the tokens (they are not stored, only their hashes)."""
    if not 1 <= count <= 100_000:
        raise SurveyError(gettext("The number of links must be between 1 and 100000."))
    survey = get_survey(slug)
    audience = audience_of(survey, audience_key)
    tokens = [new_token() for _ in range(count)]
    issued = day_of(now) if survey.anonymity == "anonymous" else now  # anonymous surveys keep days only
    db.session.add_all(
        Invitation(survey_id=survey.id, audience_id=audience.id, token_hash=hash_token(t), issued_at=issued) for t in tokens
    )
    record("invitations.issue", actor, slug, {"audience": audience_key, "count": count}, now)
    db.session.commit()
    return tokens


def create_open_link(slug: str, audience_key: str, now: dt.datetime, actor: User | None) -> str:
    """A new open link for the audience (replacing any earlier one, which stops working)."""
    survey = get_survey(slug)
    audience = audience_of(survey, audience_key)
    token = new_token()
    audience.open_link_hash = hash_token(token)
    record("open_link.create", actor, slug, {"audience": audience_key}, now)
    db.session.commit()
    return token
