"""The respondent's use-cases: follow a link, consent, save pages, submit.

A respondent link carries a token. Its hash finds, in this order, an
in-progress response (``resume_hash``), an invitation, or an audience's open
link. On submission the response forgets its token (``resume_hash`` is
cleared) and, in anonymous surveys, its invitation; only the invitation's
``used_at`` remains, which is how a used link knows it was submitted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..db import Answer, Audience, Invitation, ItemKey, Response, Survey, db, item_key_ids
from ..instruments.answers import StoredValue
from ..instruments.flow import SurveyPage, visible_items
from .survey_data import answer_vector, survey_columns
from .surveys import is_open, pages_for
from .tokens import hash_token, new_token

__all__ = [
    "LinkState",
    "PageOutOfOrderError",
    "answers_of",
    "enter_open_link",
    "missing_required",
    "resolve_link",
    "save_page",
    "start_response",
    "submit_response",
]

State = Literal["unknown", "submitted", "not_open", "new", "in_progress", "open_link"]


@dataclass(frozen=True)
class LinkState:
    state: State
    survey: Survey | None = None
    audience: Audience | None = None
    response: Response | None = None
    invitation: Invitation | None = None


class PageOutOfOrderError(ValueError):
    pass


def resolve_link(token: str, now: dt.datetime) -> LinkState:
    digest = hash_token(token)
    response = db.session.scalar(select(Response).where(Response.resume_hash == digest))
    if response is not None:
        survey = db.session.get_one(Survey, response.survey_id)
        state: State = "in_progress" if is_open(survey, now) else "not_open"
        return LinkState(state, survey, response.audience, response)
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest))
    if invitation is not None:
        survey = db.session.get_one(Survey, invitation.survey_id)
        if invitation.used_at is not None:
            return LinkState("submitted", survey, invitation.audience, invitation=invitation)
        return LinkState("new" if is_open(survey, now) else "not_open", survey, invitation.audience, invitation=invitation)
    audience = db.session.scalar(select(Audience).where(Audience.open_link_hash == digest))
    if audience is not None:
        survey = audience.survey
        return LinkState("open_link" if is_open(survey, now) else "not_open", survey, audience)
    return LinkState("unknown")


def enter_open_link(link: LinkState, now: dt.datetime) -> str:
    """Give a visitor of an open link a personal link of their own, so they can resume."""
    if link.state != "open_link" or link.survey is None or link.audience is None:
        raise ValueError("not an open link")
    token = new_token()
    db.session.add(
        Invitation(
            survey_id=link.survey.id,
            audience_id=link.audience.id,
            token_hash=hash_token(token),
            via_open_link=True,
            issued_at=now,
        )
    )
    db.session.commit()
    return token


def start_response(token: str, link: LinkState, language: str, now: dt.datetime) -> Response:
    """Begin answering (after consent). Starting twice returns the same response."""
    if link.state == "in_progress" and link.response is not None:
        return link.response
    if link.state != "new" or link.survey is None or link.audience is None or link.invitation is None:
        raise ValueError(f"cannot start a response from a link in state {link.state}")
    response = Response(
        id=uuid.uuid4().hex,
        survey_id=link.survey.id,
        audience_id=link.audience.id,
        language=language,
        status="in_progress",
        source="web",
        started_at=now,
        updated_at=now,
        resume_hash=hash_token(token),
        invitation_id=link.invitation.id if link.survey.anonymity == "identified" else None,
        current_page=1,
        furthest_page=1,
    )
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError:  # a double-clicked consent: the first click created it
        db.session.rollback()
        existing = db.session.scalar(select(Response).where(Response.resume_hash == hash_token(token)))
        if existing is None:
            raise
        return existing
    return response


def set_language(response: Response, language: str, now: dt.datetime) -> None:
    response.language = language
    response.updated_at = now
    db.session.commit()


def answers_of(response: Response) -> dict[str, StoredValue]:
    rows = db.session.execute(
        select(ItemKey.key, Answer.value_num, Answer.value_text, Answer.skipped)
        .join(ItemKey, ItemKey.id == Answer.item_key_id)
        .where(Answer.response_pk == response.pk)
    )
    return {key: StoredValue(num, text, skipped) for key, num, text, skipped in rows}


def save_page(
    response: Response,
    page: SurveyPage,
    values: Mapping[str, StoredValue | None],
    next_page: int,
    now: dt.datetime,
    stored: Mapping[str, StoredValue] | None = None,
) -> None:
    """Replace the answers on ``page`` with ``values`` and move the respondent to ``next_page``.

    Values are already parsed and checked (instruments.answers.parse_answer);
    answers to items hidden by show_if are dropped, never stored. ``stored``:
    the response's answers as the caller just read them (read again if not
    given). The answers are written with one statement, not as ORM objects:
    this is the request every respondent makes on every page.
    """
    if response.status != "in_progress":
        raise PageOutOfOrderError("this response was already submitted")
    if page.number > response.furthest_page:
        raise PageOutOfOrderError(f"page {page.number} comes after pages not yet answered")
    keys = page.answer_keys()
    unknown = set(values) - set(keys)
    if unknown:
        raise PageOutOfOrderError(f"answers to questions not on this page: {', '.join(sorted(unknown))}")
    merged = {**(answers_of(response) if stored is None else stored), **{k: v for k, v in values.items() if v is not None}}
    for key in keys:
        if values.get(key) is None:
            merged.pop(key, None)
    shown = {f"{page.instrument.id}.{item.id}" for item in visible_items(page, merged)}
    numbers = item_key_ids(keys)
    db.session.execute(
        delete(Answer).where(Answer.response_pk == response.pk, Answer.item_key_id.in_([numbers[k] for k in keys]))
    )
    rows = [
        {"response_pk": response.pk, "item_key_id": numbers[key], "value_num": v.num, "value_text": v.text,
         "skipped": v.skipped}
        for key, v in values.items()
        if v is not None and key in shown
    ]  # fmt: skip
    if rows:
        db.session.execute(insert(Answer), rows)
    response.current_page = next_page
    response.furthest_page = max(response.furthest_page, next_page)
    response.updated_at = now
    db.session.commit()


def missing_required(response: Response, pages: tuple[SurveyPage, ...]) -> dict[int, list[str]]:
    """Page number -> keys of required, shown items that have no answer."""
    answers = answers_of(response)
    missing: dict[int, list[str]] = {}
    for page in pages:
        for item in visible_items(page, answers):
            key = f"{page.instrument.id}.{item.id}"
            if item.required and key not in answers:
                missing.setdefault(page.number, []).append(key)
    return missing


def submit_response(response: Response, token: str, now: dt.datetime) -> bool:
    """Submit once. A replayed or double-clicked submit changes nothing and returns False.

    The caller checks :func:`missing_required` first.
    """
    survey = db.session.get_one(Survey, response.survey_id)
    vector = answer_vector(survey_columns(survey), answers_of(response))
    values: dict[str, object] = {
        "status": "submitted",
        "submitted_at": now,
        "updated_at": now,
        "resume_hash": None,
        "vector": vector,
    }
    if survey.anonymity == "anonymous":
        values["invitation_id"] = None
    done = db.session.execute(
        update(Response).where(Response.pk == response.pk, Response.status == "in_progress").values(**values)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return False
    db.session.execute(update(Invitation).where(Invitation.token_hash == hash_token(token)).values(used_at=now))
    db.session.commit()
    return True


def flow_for(response: Response) -> tuple[SurveyPage, ...]:
    survey = db.session.get_one(Survey, response.survey_id)
    return pages_for(survey, response.audience.key)
