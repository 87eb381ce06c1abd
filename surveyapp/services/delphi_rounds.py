"""Delphi rounds: round n+1 from round n, the feedback its respondents see, and what links carry between rounds.

A round is a survey. Round 1 is the survey created from a spec with a
``delphi:`` block (``survey.round`` 1); :func:`next_round` creates round n+1
as a new survey (``round`` n+1, ``parent_round_id`` round n) with the same
audiences, languages, anonymity, minimum cell size and pinned instrument
versions, and closes round n. Round n's results are computed once, then and
there, and stored with round n+1 (``survey.round_feedback``): respondents'
pages show this snapshot and run no statistics.

Links: every round-n invitation is copied into round n+1 with the same token
hash (a link opens the newest round that has it) and the open links move to
round n+1. Nothing records which round-n response or invitation became which
round-n+1 response; a respondent's own round-n answers come back only through
their link (services.delphi_carry). docs/delphi.md, "Rounds" and "Anonymity
across rounds".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import bindparam, func, insert, select, update

from ..analysis.consensus import IN_ROLE, ROLE_CODES, distribution_change
from ..db import Audience, CarriedAnswer, Invitation, Response, RoundChange, Survey, SurveyInstrument, User, db
from ..instruments.answers import StoredValue
from ..instruments.model import Instrument, Task
from ..instruments.survey_spec import DelphiSpec, delphi_from_raw
from .anonymity import day_of
from .audit import record
from .cells import audience_suppression, grouping_keys, survey_disclosure
from .delphi import RoundResults, round_results
from .delphi_carry import CarriedTask, open_answers, seal_answers
from .delphi_proposals import pin_added_tasks
from .survey_data import load_survey_data
from .surveys import SurveyError, survey_instruments

__all__ = [
    "DelphiRoundError",
    "StabilityFigures",
    "carry_answers",
    "delphi_spec",
    "earlier_audience_ids",
    "next_round",
    "previous_answers",
    "round_stability",
    "task_items",
]


class DelphiRoundError(SurveyError):
    """Round n+1 cannot be created from this survey (the message says why and what to do)."""


@dataclass(frozen=True)
class TaskItems:
    instrument: Instrument
    task: Task
    key: str  # the role item's answer key, "<instrument>.<task>": the task's name everywhere in rounds
    frequency_key: str | None

    def item_keys(self) -> tuple[str, ...]:
        return tuple(f"{self.instrument.id}.{item}" for item in self.task.item_ids())


def delphi_spec(survey: Survey) -> DelphiSpec | None:
    raw = (survey.spec or {}).get("delphi")
    if raw is None:
        return None
    return delphi_from_raw(raw, tuple(i.id for i in survey_instruments(survey) if i.tasks))


def task_items(survey: Survey) -> list[TaskItems]:
    """Every role task of the survey's instruments in order, asked in this round or not."""
    return [
        TaskItems(i, t, f"{i.id}.{t.role_item}", f"{i.id}.{t.frequency_item}" if t.frequency_item else None)
        for i in survey_instruments(survey)
        for t in i.tasks
    ]


def dropped_tasks(survey: Survey) -> frozenset[str]:
    """Task keys this round does not ask: settled in an earlier round with ``settled: drop``."""
    return frozenset((survey.round_feedback or {}).get("dropped", ()))


# -- creating round n+1 ------------------------------------------------------------------------------------------


def next_round(survey: Survey, actor: User | None, now: dt.datetime, secret: str) -> Survey:
    """Create round n+1 from round n (``survey``), open it, and close round n.

    ``secret`` (the application's secret key) is accepted for symmetry with
    the respondent's use-cases; creating a round derives nothing from links.
    Raises :class:`DelphiRoundError` when the survey is no Delphi, already has
    a next round, has reached ``max_rounds``, has no submitted response, or
    has no task left to ask.
    """
    del secret
    spec = delphi_spec(survey)
    if spec is None:
        raise DelphiRoundError(
            gettext(
                "survey '%(slug)s' is not a Delphi: add a 'delphi:' block to its spec (docs/delphi.md) to run rounds",
                slug=survey.slug,
            )
        )
    number = survey.round or 1
    following = db.session.scalar(select(Survey.slug).where(Survey.parent_round_id == survey.id))
    if following is not None:
        raise DelphiRoundError(
            gettext(
                "round %(n)s of '%(slug)s' already exists: '%(following)s'", n=number + 1, slug=survey.slug, following=following
            )
        )
    if number >= spec.max_rounds:
        raise DelphiRoundError(
            gettext(
                "'%(slug)s' is round %(n)s and the Delphi allows %(max)s rounds (max_rounds): "
                "no further round; its results are final",
                slug=survey.slug,
                n=number,
                max=spec.max_rounds,
            )
        )
    submitted = db.session.scalar(
        select(func.count()).select_from(Response).where(Response.survey_id == survey.id, Response.status == "submitted")
    )
    if not submitted:
        message = (
            gettext(
                "round %(n)s ('%(slug)s') is still open with no submitted responses: "
                "round 2 would have no results to show; wait for responses first",
                n=number,
                slug=survey.slug,
            )
            if survey.status == "open"
            else gettext(
                "round %(n)s ('%(slug)s') has no submitted responses: "
                "round 2 would have no results to show; wait for responses first",
                n=number,
                slug=survey.slug,
            )
        )
        raise DelphiRoundError(message)
    results = round_results(survey, closing=True)
    already = dropped_tasks(survey)
    settled = {t.instrument + "." + t.task: t.verdict for t in results.tasks if t.verdict in ("included", "excluded")}
    settled = {k: v for k, v in settled.items() if k not in already}
    drop = spec.settled == "drop"
    dropped = sorted(already | (set(settled) if drop else set()))
    items = task_items(survey)
    remaining = [t for t in items if t.key not in dropped]
    if not remaining:
        raise DelphiRoundError(
            gettext(
                "every task of '%(slug)s' is settled after round %(n)s: no round %(next)s is needed "
                "(see surveyapp delphi results %(slug)s)",
                slug=survey.slug,
                n=number,
                next=number + 1,
            )
        )
    feedback = _feedback(results, number, survey.slug, remaining, dropped, [] if drop else sorted(settled), settled)
    following_round = _new_round(survey, number + 1, feedback, now)
    _copy_links(survey, following_round, now)
    added = pin_added_tasks(survey, following_round, now)  # tasks an admin accepted from proposals: a new version
    _counters(following_round, remaining)
    # round n closes; answers begun in it can no longer be finished, and forget their link, which round n+1 uses now
    survey.status = "closed"
    db.session.execute(
        update(Response)
        .where(Response.survey_id == survey.id, Response.status == "in_progress")
        .values(resume_hash=None)
        .execution_options(synchronize_session=False)
    )
    record("survey.status", actor, survey.slug, {"to": "closed", "reason": f"round {number + 1} created"}, now)
    record(
        "delphi.next_round",
        actor,
        following_round.slug,
        {
            "from": survey.slug,
            "round": number + 1,
            "dropped": len(dropped),
            "confirm": len(feedback["confirm"]),
            "added": len(added),
        },
        now,
    )
    db.session.commit()
    return following_round


def _round_slug(survey: Survey, number: int) -> str:
    base = re.sub(r"-r\d+$", "", survey.slug) if survey.parent_round_id is not None else survey.slug
    slug = f"{base[: 80 - len(f'-r{number}')]}-r{number}"
    if db.session.scalar(select(Survey.id).where(Survey.slug == slug)) is not None:
        raise DelphiRoundError(
            gettext("a survey with the address '%(slug)s' already exists: rename it to create round %(n)s", slug=slug, n=number)
        )
    return slug


def _new_round(survey: Survey, number: int, feedback: dict[str, Any], now: dt.datetime) -> Survey:
    following = Survey(
        slug=_round_slug(survey, number),
        title=dict(survey.title),
        series=None,  # a round is not a wave: the series' dashboards keep comparing waves
        wave=None,
        status="open",
        opens_at=None,
        closes_at=None,
        anonymity=survey.anonymity,
        languages=list(survey.languages),
        min_cell_size=survey.min_cell_size,
        texts=dict(survey.texts),
        spec=dict(survey.spec),
        created_at=now,
        round=number,
        parent_round_id=survey.id,
        round_feedback=feedback,
    )
    following.instruments = [
        SurveyInstrument(instrument_version_id=i.instrument_version_id, position=i.position) for i in survey.instruments
    ]
    following.audiences = [Audience(key=a.key, open_link_hash=a.open_link_hash) for a in survey.audiences]
    for audience in survey.audiences:  # the open links now lead to round n+1
        audience.open_link_hash = None
    db.session.flush()  # the old hashes are cleared before the new rows take them
    db.session.add(following)
    db.session.flush()
    return following


def _copy_links(survey: Survey, following: Survey, now: dt.datetime) -> None:
    """Every round-n link opens round n+1: an invitation with the same token hash, issued today (the day only
    in anonymous surveys), never used."""
    audience_ids = {a.key: a.id for a in following.audiences}
    keys = {a.id: a.key for a in survey.audiences}
    issued = day_of(now) if survey.anonymity == "anonymous" else now
    rows = [
        {"survey_id": following.id, "audience_id": audience_ids[keys[audience_id]], "token_hash": token_hash,
         "via_open_link": via_open, "issued_at": issued}
        for audience_id, token_hash, via_open in db.session.execute(
            select(Invitation.audience_id, Invitation.token_hash, Invitation.via_open_link)
            .where(Invitation.survey_id == survey.id)
            .order_by(Invitation.token_hash)
        )
    ]  # fmt: skip
    if rows:
        db.session.execute(insert(Invitation), rows)


def _counters(following: Survey, remaining: list[TaskItems]) -> None:
    rows = [
        {"survey_id": following.id, "audience_id": a.id, "task_key": t.key, "pairs": 0, "changed": 0, "crossed": 0}
        for t in remaining
        for a in following.audiences
        if a.key in t.task.audiences
    ]
    if rows:
        db.session.execute(insert(RoundChange), rows)


def _feedback(
    results: RoundResults,
    number: int,
    slug: str,
    remaining: list[TaskItems],
    dropped: list[str],
    confirm: list[str],
    settled: Mapping[str, str],
) -> dict[str, Any]:
    """Round n's figures for round n+1's pages: per remaining task and shown audience, the bar, median and share."""
    by_key = {t.instrument + "." + t.task: t for t in results.tasks}
    tasks: dict[str, Any] = {}
    for item in remaining:
        result = by_key.get(item.key)
        if result is None:
            continue
        audiences = {
            audience: {
                "n": figures.n,
                "dont_know": figures.n_dont_know,
                "bar": {code: figures.bar[code] for code in ("4", "3", "2", "1", "dont_know")},
                "median": figures.median,
                "share_in_role": figures.share_in_role,
            }
            for audience, figures in result.audiences.items()
            if figures is not None
        }
        tasks[item.key] = {"verdict": result.verdict, "audiences": audiences}
    return {
        "round": number,
        "from": slug,
        "min_cell_size": results.min_cell_size,
        "tasks": tasks,
        "dropped": dropped,
        "confirm": confirm,
        "settled": dict(settled),
    }


def earlier_audience_ids(audience: Audience) -> list[int]:
    """The same audience's ids in the rounds before ``audience``'s survey, newest first (open-link cookies name them)."""
    out = []
    survey = db.session.get(Survey, audience.survey_id)
    while survey is not None and survey.parent_round_id is not None:
        survey = db.session.get(Survey, survey.parent_round_id)
        if survey is None:
            break
        out.extend(a.id for a in survey.audiences if a.key == audience.key)
    return out


# -- what a link carries -------------------------------------------------------------------------------------------


def _own_codes(items: list[TaskItems], answers: Mapping[str, StoredValue]) -> dict[str, CarriedTask]:
    def code(key: str | None) -> int | None:
        value = answers.get(key) if key else None
        return int(value.num) if value is not None and value.num is not None and not value.skipped else None

    own = {t.key: (code(t.key), code(t.frequency_key)) for t in items}
    return {k: v for k, v in own.items() if v != (None, None)}


def previous_answers(survey: Survey, token: str, secret: str) -> dict[str, CarriedTask]:
    """The link holder's own answers of the round before ``survey`` (task key -> codes); empty when there are none."""
    if survey.parent_round_id is None:
        return {}
    parent = db.session.get(Survey, survey.parent_round_id)
    if parent is None:
        return {}
    from .delphi_carry import carry_lookup

    row = db.session.get(CarriedAnswer, carry_lookup(token, secret, parent.id))
    if row is None:
        return {}
    return open_answers(token, secret, parent.id, [t.key for t in task_items(parent)], row.sealed) or {}


def carry_answers(survey: Survey, audience_id: int, answers: Mapping[str, StoredValue], token: str, secret: str) -> None:
    """At submission, in the submit's transaction: seal the answers for round n+1 (unless this is the last round)
    and add this respondent's pair, when their link carried round n-1's answers, to the round's counters."""
    spec = delphi_spec(survey)
    if spec is None:
        return
    items = task_items(survey)
    own = _own_codes(items, answers)
    if (survey.round or 1) < spec.max_rounds:
        lookup, sealed = seal_answers(token, secret, survey.id, [t.key for t in items], own)
        if db.session.get(CarriedAnswer, lookup) is None:
            db.session.add(CarriedAnswer(lookup=lookup, survey_id=survey.id, sealed=sealed))
    before = previous_answers(survey, token, secret)
    pairs = []
    for key, (now_role, _often) in own.items():
        then_role = before.get(key, (None, None))[0]
        if now_role in ROLE_CODES and then_role in ROLE_CODES:
            changed = int(now_role != then_role)
            crossed = int((now_role in IN_ROLE) != (then_role in IN_ROLE))
            pairs.append({"s": survey.id, "a": audience_id, "k": key, "c": changed, "x": crossed})
    if pairs:
        table = RoundChange.__table__
        db.session.execute(
            table.update()
            .where(table.c.survey_id == bindparam("s"), table.c.audience_id == bindparam("a"), table.c.task_key == bindparam("k"))
            .values(pairs=table.c.pairs + 1, changed=table.c.changed + bindparam("c"), crossed=table.c.crossed + bindparam("x")),
            pairs,
        )


# -- stability for the manager ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StabilityFigures:
    task: str  # task key
    audience: str
    #: paired, through links that carried round n's answers: None where fewer than the minimum cell size pairs
    pairs: int | None
    changed: int | None
    crossed: int | None
    share_changed: float | None
    #: unpaired: the share of the distribution that moved (total variation), Mann-Whitney p; None when a round is small
    shift: float | None
    p: float | None
    stable: bool | None


def round_stability(survey: Survey) -> list[StabilityFigures]:
    """Between ``survey`` (round n+1) and the round before, per task it asks and audience (small cells hidden).

    Empty for round 1. Paired counts come from the counters the submissions
    incremented; the unpaired shift from the two rounds' ratings
    (analysis.consensus.distribution_change).
    """
    if survey.parent_round_id is None:
        return []
    parent = db.session.get_one(Survey, survey.parent_round_id)
    spec = delphi_spec(survey) or DelphiSpec()
    min_cell = survey.min_cell_size
    dropped = dropped_tasks(survey)
    items = [t for t in task_items(survey) if t.key not in dropped]
    keys = [t.key for t in items]
    before = load_survey_data([parent], [*keys, *grouping_keys(parent)])
    after = load_survey_data([survey], [*keys, *grouping_keys(survey)])
    shown = _shown_audiences(survey, after) & _shown_audiences(parent, before)
    counters = {
        (key, audience): (pairs, changed, crossed)
        for key, audience, pairs, changed, crossed in db.session.execute(
            select(RoundChange.task_key, Audience.key, RoundChange.pairs, RoundChange.changed, RoundChange.crossed)
            .join(Audience, Audience.id == RoundChange.audience_id)
            .where(RoundChange.survey_id == survey.id)
        )
    }
    out = []
    for item in items:
        for audience in (a.key for a in survey.audiences if a.key in item.task.audiences and a.key in shown):
            pairs, changed, crossed = counters.get((item.key, audience), (0, 0, 0))
            paired_shown = pairs >= min_cell
            then = before.column(item.key)[before.of_audiences([audience])]
            now = after.column(item.key)[after.of_audiences([audience])]
            change = distribution_change(then, now)
            unpaired_shown = change.n_before >= min_cell and change.n_after >= min_cell
            out.append(
                StabilityFigures(
                    task=item.key,
                    audience=audience,
                    pairs=pairs if paired_shown else None,
                    changed=changed if paired_shown else None,
                    crossed=crossed if paired_shown else None,
                    share_changed=(changed / pairs) if paired_shown else None,
                    shift=change.shift if unpaired_shown else None,
                    p=change.p if unpaired_shown else None,
                    stable=change.stable(spec.max_shift) if unpaired_shown else None,
                )
            )
    return out


def _shown_audiences(survey: Survey, data: Any) -> set[str]:
    """The audiences the survey's one decision shows (services.cells), as on its results page."""
    suppression = audience_suppression(survey, data, survey_disclosure(survey, data))
    return {a.key for a in survey.audiences if suppression.shows(a.key)}
