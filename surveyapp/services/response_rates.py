"""Response rates for the results page: invited, started and submitted per audience (and per unit where the
e-mail invitations carry one), over time, and when reminders went out.

Counts of invitations are about the list, not about respondents, and are
shown as they are. Counts of started and submitted responses are about
people: they go through :func:`surveyapp.analysis.disclosure.protect` as one
family (every audience, every unit, the respondents who came through other
links, and started minus submitted), so no shown count or difference of shown
counts is about 1 to ``min_cell_size - 1`` people. Over time, respondent
counts are cumulative and rounded down to a multiple of ``min_cell_size``, so
two days differ by 0 or by at least that many people.

Per unit, whether a listed address has started or submitted is worked out
from its sealed link (services.mailing.link_state) each time, in memory, and
only counted: nothing pairing an address with a response is stored. Once the
addresses are purged, per-unit respondent counts are no longer known.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from typing import Any

import numpy as np
from sqlalchemy import func, select

from ..analysis.disclosure import protect
from ..db import DashboardCache, Invitation, Mailing, MailRecipient, Response, SpentLink, Survey, db
from .anonymity import resume_digest, spent_digest
from .mail_tokens import open_token
from .tokens import hash_token

__all__ = ["response_rates"]

ALL = "__all__"
OTHER = "__other__"  # respondents who came through open links, printed slips or CSV links: no unit
STATUSES = ("in_progress", "submitted")
#: a group is "behind" when its share submitted is this many percentage points under its audience's (or the survey's)
BEHIND_POINTS = 10
#: the dashboard_cache row holding a survey's response rates
CACHE_GROUPING = "response-rates"


def response_rates(survey: Survey, secret: str | bytes, now: dt.datetime | None = None) -> dict[str, Any]:
    """The figures, from the shared cache while nothing they count has changed (they scan every response's dates:
    about a second for 100,000 responses, so not on every view of the results page)."""
    version = _version(survey)
    cached = db.session.scalar(
        select(DashboardCache).where(DashboardCache.survey_id == survey.id, DashboardCache.grouping == CACHE_GROUPING)
    )
    if cached is not None and cached.data_version == version:
        return json.loads(cached.payload)  # type: ignore[no-any-return]
    result = _compute(survey, secret)
    now = now or dt.datetime.now(dt.UTC)
    if cached is None:
        db.session.add(
            DashboardCache(
                survey_id=survey.id, grouping=CACHE_GROUPING, data_version=version, payload=json.dumps(result), computed_at=now
            )
        )
    else:
        cached.data_version, cached.payload, cached.computed_at = version, json.dumps(result), now
    db.session.commit()
    return result


def _version(survey: Survey) -> str:
    """What the figures depend on, read from indexes only: responses per status, invitations, the mail list's state."""
    statuses = dict(
        db.session.execute(
            select(Response.status, func.count()).where(Response.survey_id == survey.id).group_by(Response.status)
        ).all()
    )
    invitations = db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.survey_id == survey.id))
    mail = db.session.execute(
        select(func.count(MailRecipient.invited_at), func.count(MailRecipient.email), func.sum(MailRecipient.reminders)).where(
            MailRecipient.survey_id == survey.id
        )
    ).one()
    mailings = db.session.execute(
        select(func.max(Mailing.id), func.sum(Mailing.sent)).where(Mailing.survey_id == survey.id)
    ).one()
    parts = [statuses.get(s, 0) for s in STATUSES] + [invitations, *mail, *mailings, survey.min_cell_size]
    return ":".join(str(p or 0) for p in parts)


def _compute(survey: Survey, secret: str | bytes) -> dict[str, Any]:
    audiences = [a.key for a in survey.audiences]
    key_of = {a.id: a.key for a in survey.audiences}
    k = survey.min_cell_size
    invited = Counter(
        {
            key_of[aid]: n
            for aid, n in db.session.execute(
                select(Invitation.audience_id, func.count())
                .where(Invitation.survey_id == survey.id, Invitation.via_open_link.is_(False))
                .group_by(Invitation.audience_id)
            )
        }
    )
    # an e-mail invitation that never went out (still waiting, or refused by the mail server) invited nobody
    for aid, n in db.session.execute(
        select(MailRecipient.audience_id, func.count())
        .where(MailRecipient.survey_id == survey.id, MailRecipient.invited_at.is_(None))
        .group_by(MailRecipient.audience_id)
    ):
        invited[key_of[aid]] -= n
    people: dict[tuple[str, str, str], int] = defaultdict(int)  # (audience, group, status) -> respondents
    for aid, status, n in db.session.execute(
        select(Response.audience_id, Response.status, func.count())
        .where(Response.survey_id == survey.id)
        .group_by(Response.audience_id, Response.status)
    ):
        people[(key_of[aid], OTHER, status)] += n
    units, unit_invited, units_known = _units(survey, secret, key_of)
    for (audience, unit, status), n in units.items():
        people[(audience, unit, status)] += n
        people[(audience, OTHER, status)] -= n
    shown = _protect(audiences, people, unit_invited, k)

    def figure(audience: str, group: str) -> dict[str, Any]:
        started_n = sum(n for (a, g, _), n in people.items() if _in(a, g, audience, group))
        submitted_n = sum(n for (a, g, s), n in people.items() if s == "submitted" and _in(a, g, audience, group))
        invited_n = (
            sum(invited.values()) if audience == ALL else invited[audience] if group == "" else unit_invited[(audience, group)]
        )
        known = group == "" or units_known  # per unit, respondents are known only while the addresses are kept
        started = started_n if known and ("started", audience, group) in shown else None
        submitted = submitted_n if known and ("submitted", audience, group) in shown else None
        share = round(100 * submitted / invited_n) if submitted is not None and invited_n > 0 and submitted <= invited_n else None
        return {"invited": invited_n, "started": started, "submitted": submitted, "share": share}

    rows = []
    for audience in audiences:
        row = {"audience": audience, **figure(audience, ""), "units": []}
        for unit in sorted({u for (a, u) in unit_invited if a == audience}):
            row["units"].append({"unit": unit, **figure(audience, unit)})
        _mark_behind(row["units"], row["share"])
        rows.append(row)
    _mark_behind(rows, None)
    return {
        "min_cell_size": k,
        "total": figure(ALL, ""),
        "audiences": rows,
        "units_known": units_known,
        "over_time": _over_time(survey, key_of, k),
        "reminders": _reminders(survey, key_of),
        "has_units": bool(unit_invited),
    }


def _in(a: str, g: str, audience: str, group: str) -> bool:
    return (audience == ALL or a == audience) and (group == "" or g == group)


def _units(
    survey: Survey, secret: str | bytes, key_of: dict[int, str]
) -> tuple[dict[tuple[str, str, str], int], Counter[tuple[str, str]], bool]:
    """Respondents per (audience, unit, status) among listed addresses whose invitation went out; invitations per unit."""
    rows = db.session.execute(
        select(MailRecipient.audience_id, MailRecipient.unit, MailRecipient.sealed_token).where(
            MailRecipient.survey_id == survey.id, MailRecipient.unit.is_not(None), MailRecipient.invited_at.is_not(None)
        )
    ).all()
    unit_invited: Counter[tuple[str, str]] = Counter((key_of[aid], unit) for aid, unit, _ in rows)
    tokens = [(key_of[aid], unit, open_token(sealed, secret)) for aid, unit, sealed in rows if sealed is not None]
    known = len(tokens) == len(rows)
    tokens = [t for t in tokens if t[2] is not None]
    if not known:
        return {}, unit_invited, False
    submitted = _submitted_marks(survey, [t for _, _, t in tokens], secret)  # type: ignore[misc]
    resumes = {resume_digest(t, secret): t for _, _, t in tokens if t not in submitted}  # type: ignore[arg-type]
    resumes.update({hash_token(t): t for _, _, t in tokens if t not in submitted})  # type: ignore[arg-type]
    started = set()
    for chunk in _chunks(list(resumes)):
        found = db.session.scalars(select(Response.resume_hash).where(Response.resume_hash.in_(chunk)))
        started.update(resumes[h] for h in found if h is not None)
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for audience, unit, token in tokens:
        if token in submitted:
            counts[(audience, unit, "submitted")] += 1
        elif token in started:
            counts[(audience, unit, "in_progress")] += 1
    return counts, unit_invited, True


def _submitted_marks(survey: Survey, tokens: list[str], secret: str | bytes) -> set[str]:
    found: set[str] = set()
    if survey.anonymity == "anonymous":
        round_id = survey.id if survey.parent_round_id is not None else None
        marks = {spent_digest(t, secret, round_id): t for t in tokens}
        for chunk in _chunks(list(marks)):
            found.update(marks[d] for d in db.session.scalars(select(SpentLink.digest).where(SpentLink.digest.in_(chunk))))
        return found
    hashes = {hash_token(t): t for t in tokens}
    for chunk in _chunks(list(hashes)):
        found.update(
            hashes[h]
            for h in db.session.scalars(
                select(Invitation.token_hash).where(
                    Invitation.survey_id == survey.id, Invitation.token_hash.in_(chunk), Invitation.used_at.is_not(None)
                )
            )
        )
    return found


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _protect(
    audiences: list[str], people: dict[tuple[str, str, str], int], unit_invited: Counter[tuple[str, str]], k: int
) -> set[tuple[str, str, str]]:
    """The (measure, audience, group) cells that may be shown: one decision for the whole family."""
    units = sorted(key for key, n in people.items() if n > 0)
    weights = np.array([people[u] for u in units], dtype=np.int64)
    keys: list[tuple[str, str, str]] = []
    rows: list[list[bool]] = []
    candidates: list[bool] = []
    partitions: list[tuple[tuple[str, str, str], list[tuple[str, str, str]]]] = []

    def cell(measure: str, audience: str, group: str, shown: bool = True) -> tuple[str, str, str]:
        keys.append((measure, audience, group))
        rows.append([_in(a, g, audience, group) and (measure == "started" or s == "submitted") for (a, g, s) in units])
        candidates.append(shown)
        return keys[-1]

    for measure in ("started", "submitted"):
        total = cell(measure, ALL, "")
        parts = []
        for audience in audiences:
            whole = cell(measure, audience, "")
            parts.append(whole)
            groups = sorted({u for (a, u) in unit_invited if a == audience})
            if groups:
                pieces = [cell(measure, audience, g) for g in groups] + [cell(measure, audience, OTHER, shown=False)]
                partitions.append((whole, pieces))
        partitions.append((total, parts))
    if not units:
        return set(keys)
    members = np.array(rows, dtype=bool).reshape(len(keys), len(units))
    # Started minus submitted is the number still in progress. When that is 1 to k - 1, protect() would hide the
    # smaller cell, the submitted count, which managers need most: hide the started count instead, up front.
    sizes = members.astype(np.int64) @ weights
    started = [i for i, key in enumerate(keys) if key[0] == "started"]
    submitted = [i for i, key in enumerate(keys) if key[0] == "submitted"]
    for i in started:
        inside = [j for j in submitted if not (members[j] & ~members[i]).any()]
        if any(0 < sizes[i] - sizes[j] < k for j in inside):
            candidates[i] = False
    decided = protect(keys, members, weights, k, candidates=candidates, partitions=partitions)
    return {key for key, wanted in zip(keys, candidates, strict=True) if wanted and decided.shows(key)}


def _mark_behind(rows: list[dict[str, Any]], reference: int | None) -> None:
    """Flag groups whose share submitted is clearly under their reference (the audience's, or the survey's mean)."""
    shares = [r["share"] for r in rows if r["share"] is not None]
    if reference is None and len(shares) >= 2:
        reference = round(sum(shares) / len(shares))
    for row in rows:
        row["behind"] = reference is not None and row["share"] is not None and row["share"] <= reference - BEHIND_POINTS


def _over_time(survey: Survey, key_of: dict[int, str], k: int) -> list[dict[str, Any]]:
    """Per day and audience, cumulative: invitations (exact), started and submitted (rounded down to steps of k)."""
    events: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)  # day -> (audience, measure) -> new
    for aid, day, n in db.session.execute(
        select(Invitation.audience_id, func.date(Invitation.issued_at), func.count())
        .where(Invitation.survey_id == survey.id, Invitation.via_open_link.is_(False))
        .group_by(Invitation.audience_id, func.date(Invitation.issued_at))
    ):
        events[str(day)][(key_of[aid], "invited")] += n
    for aid, day, n in db.session.execute(  # e-mail invitations that never went out, from the day they were queued
        select(MailRecipient.audience_id, func.date(Mailing.created_at), func.count())
        .join(Mailing, Mailing.id == MailRecipient.mailing_id)
        .where(MailRecipient.survey_id == survey.id, MailRecipient.invited_at.is_(None))
        .group_by(MailRecipient.audience_id, func.date(Mailing.created_at))
    ):
        events[str(day)][(key_of[aid], "invited")] -= n
    for measure, column in (("started", Response.started_at), ("submitted", Response.submitted_at)):
        query = select(Response.audience_id, func.date(column), func.count()).where(Response.survey_id == survey.id)
        if measure == "submitted":
            query = query.where(Response.status == "submitted")
        for aid, day, n in db.session.execute(query.group_by(Response.audience_id, func.date(column))):
            events[str(day)][(key_of[aid], measure)] += n
    running: Counter[tuple[str, str]] = Counter()
    series = []
    for day in sorted(events):
        running.update(events[day])
        point: dict[str, Any] = {"date": day, "audiences": {}}
        for audience in key_of.values():
            point["audiences"][audience] = {
                "invited": running[(audience, "invited")],
                "started": running[(audience, "started")] // k * k,
                "submitted": running[(audience, "submitted")] // k * k,
            }
        series.append(point)
    return series


def _reminders(survey: Survey, key_of: dict[int, str]) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Mailing).where(Mailing.survey_id == survey.id, Mailing.kind == "reminder").order_by(Mailing.created_at, Mailing.id)
    )
    return [
        {
            "date": m.created_at.date().isoformat(),
            "audience": key_of.get(m.audience_id or -1),
            "addresses": m.recipients,
            "sent": m.sent,
        }
        for m in rows
    ]
