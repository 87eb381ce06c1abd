"""Who may see which survey's results: admins every survey, managers and researchers those granted."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext
from sqlalchemy import delete, select

from ..db import Survey, SurveyGrant, User, db
from .audit import record
from .surveys import SurveyError, get_survey

RESULT_ROLES = ("admin", "manager", "researcher")


def visible_surveys(user: User) -> list[Survey]:
    query = select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())
    if user.role != "admin":
        query = query.join(SurveyGrant, SurveyGrant.survey_id == Survey.id).where(SurveyGrant.user_id == user.id)
    return list(db.session.scalars(query))


def can_see(user: User, survey: Survey) -> bool:
    if not user.active or user.role not in RESULT_ROLES:
        return False
    if user.role == "admin":
        return True
    return (
        db.session.scalar(select(SurveyGrant.id).where(SurveyGrant.user_id == user.id, SurveyGrant.survey_id == survey.id))
        is not None
    )


def set_grants(user_id: int, slugs: list[str], now: dt.datetime, actor: User | None) -> None:
    """Replace a user's survey grants with ``slugs``."""
    user = db.session.get(User, user_id)
    if user is None:
        raise SurveyError(gettext("no such account"))
    surveys = [get_survey(slug) for slug in slugs]
    db.session.execute(delete(SurveyGrant).where(SurveyGrant.user_id == user.id))
    db.session.add_all(SurveyGrant(user_id=user.id, survey_id=s.id, granted_at=now) for s in surveys)
    record("user.grants", actor, user.email, {"surveys": slugs}, now)
    db.session.commit()


def grant(email: str, slug: str, now: dt.datetime, actor: User | None) -> None:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise SurveyError(f"no account for {email}")
    survey = get_survey(slug)
    if not db.session.scalar(select(SurveyGrant.id).where(SurveyGrant.user_id == user.id, SurveyGrant.survey_id == survey.id)):
        db.session.add(SurveyGrant(user_id=user.id, survey_id=survey.id, granted_at=now))
    record("user.grant", actor, user.email, {"survey": slug}, now)
    db.session.commit()
