"""E-mail invitations and reminders: add addresses, start a sending, send it batch by batch, purge.

All sending state lives in the database (``mailing``, ``mail_recipient``): any
host can send the next batch, a restarted app carries on where it stopped, and
no thread outlives its request. A batch is *claimed* first (each row by a
conditional UPDATE, committed before anything is sent), so two hosts never send
the same message; a sender that dies leaves its rows claimed, and after
:data:`STALE_CLAIM` another sender takes them again (such an address may then
get the message twice: better than never).

Anonymity (docs/invitations.md): a recipient row holds its address and its
link's token sealed under the application's secret, never the invitation's id
or the token's plain hash; invitations are written in a shuffled order, and in
anonymous surveys every time kept here is a day. Whether someone has submitted
is asked of ``spent_link`` with the keyed mark of their token, so no row ever
pairs an address with a response.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select, update

from ..db import Invitation, Mailing, MailRecipient, Response, SpentLink, Survey, User, db
from .address_list import Addressee
from .anonymity import day_of, resume_digest, spent_digest
from .audit import record
from .invitations import audience_of
from .mail_messages import Message, check_messages, render
from .mail_tokens import open_token, seal_token
from .smtp import MailServerError, SmtpSettings, build_message, connect
from .surveys import SurveyError, get_survey
from .tokens import hash_token, new_token

__all__ = [
    "STALE_CLAIM",
    "BatchResult",
    "Sending",
    "add_addresses",
    "has_submitted",
    "link_state",
    "purge_addresses",
    "send_batch",
    "sending_status",
    "start_reminder",
]

#: a claimed row whose sender has not reported back after this long is sent again by the next batch
STALE_CLAIM = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Added:
    mailing: Mailing | None
    added: int
    already_listed: int


@dataclass(frozen=True)
class BatchResult:
    sent: int
    failed: int
    waiting: int
    #: the mail server could not be reached: the batch stays waiting
    error: str | None = None


@dataclass(frozen=True)
class Sending:
    """A mailing as the invitations page shows it."""

    id: int
    kind: str
    audience: str | None
    created_at: dt.datetime
    recipients: int
    sent: int
    failed: int
    waiting: int


def _stamp(survey: Survey, now: dt.datetime) -> dt.datetime:
    return day_of(now) if survey.anonymity == "anonymous" else now


def add_addresses(
    slug: str,
    audience_key: str,
    addressees: Iterable[Addressee],
    messages: Mapping[str, Mapping[str, str]],
    now: dt.datetime,
    actor: User | None,
    secret: str | bytes,
) -> Added:
    """Give each new address its own link and queue its invitation; addresses already listed are left alone."""
    survey = get_survey(slug)
    if survey.status != "open":
        raise SurveyError(
            f"survey '{slug}' is {survey.status}: open it before e-mailing its links (until then a link only says "
            "the survey is not open)"
        )
    audience = audience_of(survey, audience_key)
    checked = check_messages(messages, survey.languages)
    wanted = list(addressees)
    listed = set(
        db.session.scalars(
            select(MailRecipient.email).where(
                MailRecipient.survey_id == survey.id, MailRecipient.email.in_([a.email for a in wanted])
            )
        )
    )
    fresh = [a for a in wanted if a.email not in listed]
    if not fresh:
        return Added(None, 0, len(wanted))
    mailing = Mailing(
        survey_id=survey.id,
        audience_id=audience.id,
        kind="invitation",
        messages=checked,
        created_at=now,
        created_by=actor.id if actor else None,
        recipients=len(fresh),
        sent=0,
        failed=0,
    )
    db.session.add(mailing)
    db.session.flush()
    tokens = [new_token() for _ in fresh]
    # the invitations go in in another order than the addresses, so row order pairs neither with the other
    shuffled = list(tokens)
    secrets.SystemRandom().shuffle(shuffled)
    issued = _stamp(survey, now)
    db.session.add_all(
        Invitation(survey_id=survey.id, audience_id=audience.id, token_hash=hash_token(t), issued_at=issued) for t in shuffled
    )
    db.session.add_all(
        MailRecipient(
            survey_id=survey.id,
            audience_id=audience.id,
            email=a.email,
            unit=a.unit,
            language=a.language,
            sealed_token=seal_token(token, secret),
            mailing_id=mailing.id,
            state="waiting",
            reminders=0,
        )
        for a, token in zip(fresh, tokens, strict=True)
    )
    units = len({a.unit for a in fresh if a.unit})
    record(
        "invitations.email",
        actor,
        slug,
        {"audience": audience_key, "addresses": len(fresh), "already_listed": len(wanted) - len(fresh), "units": units},
        now,
    )
    db.session.commit()
    return Added(mailing, len(fresh), len(wanted) - len(fresh))


def has_submitted(survey: Survey, token: str, secret: str | bytes) -> bool:
    """Asked of the used-link marks (anonymous) or the invitation (identified): never of a response row."""
    if survey.anonymity == "anonymous":
        round_id = survey.id if survey.parent_round_id is not None else None
        return db.session.get(SpentLink, spent_digest(token, secret, round_id)) is not None
    used = db.session.scalar(
        select(Invitation.used_at).where(Invitation.survey_id == survey.id, Invitation.token_hash == hash_token(token))
    )
    return used is not None


def link_state(survey: Survey, token: str, secret: str | bytes) -> str:
    """ "submitted", "started" or "invited": for counts per unit only (response_rates), never stored."""
    if has_submitted(survey, token, secret):
        return "submitted"
    started = db.session.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.survey_id == survey.id, Response.resume_hash.in_((resume_digest(token, secret), hash_token(token))))
    )
    return "started" if started else "invited"


def start_reminder(
    slug: str,
    messages: Mapping[str, Mapping[str, str]],
    now: dt.datetime,
    actor: User | None,
    secret: str | bytes,
    limit: int,
    *,
    audience_key: str | None = None,
    not_since: dt.timedelta | None = None,
) -> Mailing | None:
    """Queue a reminder for every invited address that has not submitted and has had fewer than ``limit``.

    ``not_since``: only addresses whose invitation or last reminder is at least this old (the schedule).
    Returns None when nobody is due.
    """
    survey = get_survey(slug)
    if survey.status != "open":
        raise SurveyError(f"survey '{slug}' is {survey.status}: reminders go out only while it is open")
    checked = check_messages(messages, survey.languages)
    query = select(MailRecipient).where(
        MailRecipient.survey_id == survey.id,
        MailRecipient.sealed_token.is_not(None),
        MailRecipient.invited_at.is_not(None),
        MailRecipient.state.in_(("sent", "failed")),
        MailRecipient.reminders < limit,
    )
    if audience_key is not None:
        query = query.where(MailRecipient.audience_id == audience_of(survey, audience_key).id)
    if not_since is not None:
        cutoff = now - not_since
        query = query.where(
            or_(
                and_(MailRecipient.reminded_at.is_(None), MailRecipient.invited_at <= cutoff),
                MailRecipient.reminded_at <= cutoff,
            )
        )
    due = []
    for recipient in db.session.scalars(query.order_by(MailRecipient.id)):
        token = open_token(recipient.sealed_token or b"", secret)
        if token is not None and not has_submitted(survey, token, secret):
            due.append(recipient)
    if not due:
        return None
    mailing = Mailing(
        survey_id=survey.id,
        audience_id=audience_of(survey, audience_key).id if audience_key else None,
        kind="reminder",
        messages=checked,
        created_at=_stamp(survey, now),
        created_by=actor.id if actor else None,
        recipients=len(due),
        sent=0,
        failed=0,
    )
    db.session.add(mailing)
    db.session.flush()
    for recipient in due:
        recipient.state, recipient.mailing_id, recipient.error, recipient.claimed_at = "waiting", mailing.id, None, None
    record(
        "invitations.remind",
        actor,
        slug,
        {"audience": audience_key, "addresses": len(due), "scheduled": not_since is not None},
        now,
    )
    db.session.commit()
    return mailing


def _claimable(survey_id: int, now: dt.datetime):  # type: ignore[no-untyped-def]
    return and_(
        MailRecipient.survey_id == survey_id,
        or_(
            MailRecipient.state == "waiting",
            and_(MailRecipient.state == "sending", MailRecipient.claimed_at < now - STALE_CLAIM),
        ),
    )


def _claim(survey: Survey, size: int, now: dt.datetime) -> list[int]:
    """Take up to ``size`` waiting rows for this sender; committed, so no other host sends them."""
    candidates = list(
        db.session.scalars(select(MailRecipient.id).where(_claimable(survey.id, now)).order_by(MailRecipient.id).limit(size))
    )
    mine = []
    for recipient_id in candidates:
        taken = db.session.execute(
            update(MailRecipient)
            .where(MailRecipient.id == recipient_id, _claimable(survey.id, now))
            .values(state="sending", claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            mine.append(recipient_id)
    db.session.commit()
    return mine


def send_batch(slug: str, settings: SmtpSettings, base_url: str, secret: str | bytes, now: dt.datetime, size: int) -> BatchResult:
    """Send the next ``size`` waiting messages of the survey and record each outcome.

    Two commits on purpose: the claim (before the mail server is asked, so no other sender takes the same rows)
    and the outcomes. A mail server that cannot be reached puts the unsent rows back to waiting.
    """
    survey = get_survey(slug)
    problem = settings.missing()
    if problem:
        raise SurveyError(problem)
    claimed = _claim(survey, size, now)
    sent = failed = 0
    error: str | None = None
    if claimed:
        recipients = list(
            db.session.scalars(select(MailRecipient).where(MailRecipient.id.in_(claimed)).order_by(MailRecipient.id))
        )
        mailings = {
            m.id: m for m in db.session.scalars(select(Mailing).where(Mailing.id.in_({r.mailing_id for r in recipients})))
        }
        title = survey.title
        base = base_url.rstrip("/")
        stamp = _stamp(survey, now)
        try:
            with connect(settings) as send:
                for recipient in recipients:
                    mailing = mailings.get(recipient.mailing_id or -1)
                    outcome = _send_one(send, settings, recipient, mailing, title, base, secret)
                    _record(recipient, mailing, outcome, stamp)
                    sent, failed = sent + (outcome is None), failed + (outcome is not None)
        except MailServerError as exc:
            error = str(exc)
        for recipient in recipients:  # whatever was not reached stays waiting for the next batch
            if recipient.state == "sending":
                recipient.state, recipient.claimed_at = "waiting", None
        db.session.commit()
    waiting = _waiting(survey.id)
    return BatchResult(sent, failed, waiting, error)


def _send_one(send, settings: SmtpSettings, recipient: MailRecipient, mailing: Mailing | None, title, base, secret):  # type: ignore[no-untyped-def]
    if recipient.email is None or recipient.sealed_token is None or mailing is None:
        return "the address was purged before its message went out"
    token = open_token(recipient.sealed_token, secret)
    if token is None:
        return "its link can no longer be read: the application's secret key has changed since it was added"
    messages: dict[str, Message] = mailing.messages
    language = recipient.language if recipient.language in messages else next(iter(messages))
    text = render(messages[language], f"{base}/r/{token}", title.get(language) or next(iter(title.values()), ""))
    return send(build_message(settings, recipient.email, text["subject"], text["body"], language))


def _record(recipient: MailRecipient, mailing: Mailing | None, outcome: str | None, stamp: dt.datetime) -> None:
    recipient.claimed_at = None
    if outcome is not None:
        recipient.state, recipient.error = "failed", outcome[:500]
        if mailing is not None:
            mailing.failed += 1
        return
    recipient.state, recipient.error = "sent", None
    if mailing is not None:
        mailing.sent += 1
        if mailing.kind == "invitation":
            recipient.invited_at = stamp
        else:
            recipient.reminders += 1
            recipient.reminded_at = stamp


def _waiting(survey_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(MailRecipient)
            .where(MailRecipient.survey_id == survey_id, MailRecipient.state.in_(("waiting", "sending")))
        )
        or 0
    )


@dataclass(frozen=True)
class Status:
    sendings: list[Sending]
    waiting: int
    failures: list[tuple[str, str, str]]  # (address, audience, why)
    listed: int
    purged: int


def sending_status(survey: Survey) -> Status:
    audiences = {a.id: a.key for a in survey.audiences}
    rows = db.session.scalars(select(Mailing).where(Mailing.survey_id == survey.id).order_by(Mailing.id.desc()))
    waiting_by = dict(
        db.session.execute(
            select(MailRecipient.mailing_id, func.count())
            .where(MailRecipient.survey_id == survey.id, MailRecipient.state.in_(("waiting", "sending")))
            .group_by(MailRecipient.mailing_id)
        ).all()
    )
    sendings = [
        Sending(
            m.id,
            m.kind,
            audiences.get(m.audience_id or -1),
            m.created_at,
            m.recipients,
            m.sent,
            m.failed,
            waiting_by.get(m.id, 0),
        )
        for m in rows
    ]
    failures = [
        (r.email or "", audiences.get(r.audience_id, ""), r.error or "")
        for r in db.session.scalars(
            select(MailRecipient)
            .where(MailRecipient.survey_id == survey.id, MailRecipient.state == "failed", MailRecipient.email.is_not(None))
            .order_by(MailRecipient.email)
        )
    ]
    listed = (
        db.session.scalar(
            select(func.count())
            .select_from(MailRecipient)
            .where(MailRecipient.survey_id == survey.id, MailRecipient.email.is_not(None))
        )
        or 0
    )
    purged = (
        db.session.scalar(
            select(func.count())
            .select_from(MailRecipient)
            .where(MailRecipient.survey_id == survey.id, MailRecipient.email.is_(None))
        )
        or 0
    )
    return Status(sendings, sum(waiting_by.values()), failures, listed, purged)


def purge_addresses(slug: str, now: dt.datetime, actor: User | None) -> int:
    """Forget every address of the survey and its sealed link (no more reminders); returns how many were forgotten.

    What stays: each row's audience, unit, language and whether its invitation went out, for the response rates.
    """
    survey = get_survey(slug)
    done = db.session.execute(
        update(MailRecipient)
        .where(MailRecipient.survey_id == survey.id, MailRecipient.email.is_not(None))
        .values(
            email=None,
            sealed_token=None,
            error=None,
            # a message still waiting will not go out now
            state=case((MailRecipient.state.in_(("waiting", "sending")), "failed"), else_=MailRecipient.state),
            claimed_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    count = int(done.rowcount)  # type: ignore[attr-defined]
    record("invitations.purge", actor, slug, {"addresses": count}, now)
    db.session.commit()
    return count
