"""The respondent's use-cases: follow a link, consent, save pages, submit.

A respondent link carries a token. Its keyed hash finds an in-progress
response (``resume_hash``: services.anonymity.resume_digest, keyed with the
application's secret so that it never equals the invitation's plain
``token_hash``); its hash then finds an invitation or an audience's open
link. On submission the response forgets its token (``resume_hash`` is
cleared). In identified surveys the invitation's ``used_at`` records the
submission; in anonymous surveys the invitation is not touched: a keyed hash
of the token in ``spent_link`` says the link was used, and the response keeps
only days and a duration (services.anonymity).

Saves and the submit are conditional updates on the response's status, made
first in their transaction: the row (PostgreSQL) or the database (SQLite)
is then locked, so a page save racing the submit either lands before it
(and is in the submitted vector) or changes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Select, bindparam, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..db import (
    Answer,
    Audience,
    Invitation,
    Response,
    SpentLink,
    Survey,
    SurveyInstrument,
    db,
    item_key_ids,
    stored_item_keys,
)
from ..instruments.answers import StoredValue
from ..instruments.flow import SurveyPage, item_key, routed_out, visible_items
from .anonymity import completion_minutes, day_of, random_response_pk, resume_digest, spent_digest
from .page_writes import page_statements, write_page
from .survey_data import answer_vector, survey_columns
from .surveys import is_open, pages_for, survey_instruments
from .tokens import hash_token, new_token

__all__ = [
    "LinkState",
    "PageOutOfOrderError",
    "ResponseSubmittedError",
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


class ResponseSubmittedError(PageOutOfOrderError):
    """The response was submitted (in another tab, or a moment ago): nothing was saved."""


def resolve_link(token: str, now: dt.datetime, secret: str | bytes) -> LinkState:
    """What the link ``token`` leads to. ``secret``: the application's secret key (see :func:`submit_response`)."""
    digest = hash_token(token)
    # the plain hash: responses started before resume hashes were keyed (they forget it when submitted)
    found = db.session.execute(_in_progress(), {"keyed": resume_digest(token, secret), "plain": digest}).unique().first()
    if found is not None:
        response, survey, audience = found
        state: State = "in_progress" if is_open(survey, now) else "not_open"
        return LinkState(state, survey, audience, response)
    # the rounds of a Delphi share links: the newest round holding the link is the one it opens
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == digest).order_by(Invitation.survey_id.desc()).limit(1)
    )
    if invitation is not None:
        survey = db.session.get_one(Survey, invitation.survey_id)
        if invitation.used_at is not None or (
            survey.anonymity == "anonymous" and db.session.get(SpentLink, _spent(token, secret, survey)) is not None
        ):
            return LinkState("submitted", survey, invitation.audience, invitation=invitation)
        return LinkState("new" if is_open(survey, now) else "not_open", survey, invitation.audience, invitation=invitation)
    audience = db.session.scalar(select(Audience).where(Audience.open_link_hash == digest))
    if audience is not None:
        survey = audience.survey
        return LinkState("open_link" if is_open(survey, now) else "not_open", survey, audience)
    return LinkState("unknown")


@functools.cache
def _in_progress() -> Select[tuple[Response, Survey, Audience]]:
    """A response in progress by its resume hash, with its survey, audience and the survey's instrument versions.

    One statement for what every page of a respondent reads first (the survey's pages are built from its
    instruments); built once per process, since building and caching a statement costs more than running it.
    """
    return (
        select(Response, Survey, Audience)
        .join(Survey, Survey.id == Response.survey_id)
        .join(Audience, Audience.id == Response.audience_id)
        .where(or_(Response.resume_hash == bindparam("keyed"), Response.resume_hash == bindparam("plain")))
        .options(joinedload(Survey.instruments).joinedload(SurveyInstrument.instrument_version))
    )


def _spent(token: str, secret: str | bytes, survey: Survey) -> str:
    return spent_digest(token, secret, survey.id if survey.parent_round_id is not None else None)


def enter_open_link(link: LinkState, now: dt.datetime) -> str:
    """Give a visitor of an open link a personal link of their own, so they can resume."""
    if link.state != "open_link" or link.survey is None or link.audience is None:
        raise ValueError("not an open link")
    token = new_token()
    # in an anonymous survey the moment a visitor arrived would date their response: every such link gets one day
    issued = day_of(link.survey.created_at) if link.survey.anonymity == "anonymous" else now
    db.session.add(
        Invitation(
            survey_id=link.survey.id,
            audience_id=link.audience.id,
            token_hash=hash_token(token),
            via_open_link=True,
            issued_at=issued,
        )
    )
    db.session.commit()
    return token


def start_response(token: str, link: LinkState, language: str, now: dt.datetime, secret: str | bytes) -> Response:
    """Begin answering (after consent). Starting twice returns the same response.

    ``secret``: the application's secret key, which keys ``resume_hash`` (see :func:`resolve_link`).

    In progress, a response keeps exact times (it is linked to its link until
    submitted anyway); an anonymous one gets a random key at once, so the
    answers written from now on are stored in no telling order.
    """
    if link.state == "in_progress" and link.response is not None:
        return link.response
    if link.state != "new" or link.survey is None or link.audience is None or link.invitation is None:
        raise ValueError(f"cannot start a response from a link in state {link.state}")
    anonymous = link.survey.anonymity == "anonymous"
    for _attempt in range(3):  # a random key already taken (about 1 in 20,000 at 100,000 responses): draw again
        response = Response(
            pk=random_response_pk() if anonymous else None,
            id=uuid.uuid4().hex,
            survey_id=link.survey.id,
            audience_id=link.audience.id,
            language=language,
            status="in_progress",
            source="web",
            started_at=now,
            updated_at=now,
            resume_hash=resume_digest(token, secret),
            invitation_id=None if anonymous else link.invitation.id,
            current_page=1,
            furthest_page=1,
        )
        db.session.add(response)
        try:
            db.session.commit()
        except IntegrityError:  # a double-clicked consent: the first click created it
            db.session.rollback()
            existing = db.session.scalar(select(Response).where(Response.resume_hash == resume_digest(token, secret)))
            if existing is not None:
                return existing
            if not anonymous:
                raise
            continue
        return response
    raise RuntimeError("could not store the response")


def set_language(response: Response, language: str, now: dt.datetime) -> None:
    """Only while in progress, like a page save: a submitted response is not changed."""
    db.session.execute(
        update(Response)
        .where(Response.pk == response.pk, Response.status == "in_progress")
        .values(language=language, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.expire(response)


def answers_of(response: Response) -> dict[str, StoredValue]:
    multi = _multi_keys(response.survey_id)
    rows = db.session.execute(page_statements().answers, {"b_pk": response.pk})
    return {key: StoredValue(num, text, skipped, key in multi) for key, num, text, skipped in rows}


def _multi_keys(survey_id: int) -> frozenset[str]:
    """Keys of the survey's multi-choice items: the only answers whose text is a list of codes."""
    survey = db.session.get_one(Survey, survey_id)
    return frozenset(item_key(i, item) for i in survey_instruments(survey) for item in i.items if item.type == "multi")


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
        raise ResponseSubmittedError("this response was already submitted")
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
    furthest = max(response.furthest_page, next_page)
    # everything read and built before the first write: the write lock (the whole database on SQLite) is then
    # held only for the statements below and the commit, which is what limits saves under load
    numbers = stored_item_keys(keys)  # nothing written in this transaction yet
    if len(numbers) < len(set(keys)):  # a key never stored before (adding it is a write, so the lock starts here)
        numbers = item_key_ids(keys)
    rows = [(numbers[key], v.num, v.text, v.skipped) for key, v in values.items() if v is not None and key in shown]
    # the first write to the response, only while it is in progress: this locks the row (PostgreSQL) or the
    # database (SQLite) until the commit, so a submit racing this save waits for it or has made it change nothing
    if not write_page(response.pk, [numbers[k] for k in keys], rows, next_page, furthest, now):
        db.session.rollback()
        raise ResponseSubmittedError("this response was already submitted")
    db.session.commit()
    db.session.expire(response)


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


def submit_response(response: Response, token: str, now: dt.datetime, secret: str | bytes) -> bool:
    """Submit once. A replayed or double-clicked submit changes nothing and returns False.

    The caller checks :func:`missing_required` first. The status changes
    first, then the answers are read for the vector: a page save that got in
    before holds the lock until its answers are committed, one that comes
    after finds the response submitted and writes nothing.

    Anonymous surveys: the response keeps the day of its start and
    submission and the whole minutes between; the invitation is not touched;
    the link is marked used by ``spent_digest(token, secret)`` (``secret``:
    the application's secret key, which a database reader does not hold).
    """
    survey = db.session.get_one(Survey, response.survey_id)
    anonymous = survey.anonymity == "anonymous"
    minutes = completion_minutes(response.started_at, now)
    values: dict[str, object] = {
        "status": "submitted",
        "submitted_at": day_of(now) if anonymous else now,
        "updated_at": day_of(now) if anonymous else now,
        "minutes": minutes,
        "resume_hash": None,
    }
    if anonymous:
        values["started_at"] = day_of(response.started_at)
        values["invitation_id"] = None
    done = db.session.execute(
        update(Response)
        .where(Response.pk == response.pk, Response.status == "in_progress")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return False
    answers = answers_of(response)
    stale = [key for page in flow_for(response) if routed_out(page, answers) for key in page.answer_keys() if key in answers]
    if stale:  # answered before a later change of an earlier answer skipped the page: not asked, so not kept
        numbers = item_key_ids(stale)
        db.session.execute(
            delete(Answer).where(Answer.response_pk == response.pk, Answer.item_key_id.in_([numbers[k] for k in stale]))
        )
        answers = {k: v for k, v in answers.items() if k not in stale}
    vector = answer_vector(survey_columns(survey), answers)
    db.session.execute(
        update(Response).where(Response.pk == response.pk).values(vector=vector).execution_options(synchronize_session=False)
    )
    if survey.round is not None:  # a Delphi round: the answers travel to the next round with the link only
        from .delphi_rounds import carry_answers

        carry_answers(survey, response.audience_id, answers, token, secret)
    if anonymous:
        db.session.add(SpentLink(digest=_spent(token, secret, survey)))
    else:
        db.session.execute(
            update(Invitation)
            .where(Invitation.survey_id == survey.id, Invitation.token_hash == hash_token(token))
            .values(used_at=now)
        )
    db.session.commit()
    db.session.expire(response)
    return True


def flow_for(response: Response) -> tuple[SurveyPage, ...]:
    survey = db.session.get_one(Survey, response.survey_id)
    return pages_for(survey, response.audience.key)
