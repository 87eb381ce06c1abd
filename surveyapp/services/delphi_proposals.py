"""Task proposals of a Delphi's round ("is a task missing?"), and the tasks an admin accepts from them.

Proposals are free text, shown to admins only, in a new random order on
every view (never the order they were sent, which could be matched to who
answered when), and with the proposer's audience only where that audience
gave at least :data:`PROPOSAL_MIN_CELL` proposals (or the survey's minimum
cell size if higher): words identify people more easily than numbers.

An admin accepts a proposal by writing it as a task: its domain and its
wording for each audience in each of the instrument's languages. Accepted
tasks wait in ``task_addition`` for the next round, which asks them through
a new instrument version (:func:`instrument_with_added_tasks`: same key, the
minor version bumped, e.g. 1.0.0 -> 1.1.0). Round creation
(``services.delphi_rounds.next_round``) asks them with one call, after round
n+1's instruments are set and before its commit::

    pin_added_tasks(survey, following_round, now)   # survey: round n; following_round: round n+1
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from ..db import Answer, Audience, InstrumentVersion, ItemKey, Response, Survey, TaskAddition, User, db
from ..instruments import Instrument, InstrumentError, instrument_from_snapshot
from ..instruments.flow import item_key
from .audience_names import audience_name
from .audit import record
from .instrument_registry import store_instrument
from .surveys import SurveyError, survey_instruments

__all__ = [
    "PROPOSAL_MIN_CELL",
    "ProposalError",
    "ProposalListing",
    "accept_proposal",
    "accepted_additions",
    "instrument_with_added_tasks",
    "mark_additions_used",
    "pending_task_additions",
    "pin_added_tasks",
    "survey_proposals",
]

#: the fewest proposals an audience must have given for its name to be shown beside them
PROPOSAL_MIN_CELL = 10
MAX_TASK_TEXT = 400


class ProposalError(ValueError):
    """An accepted task that cannot be added (the message says what to fix)."""


@dataclass(frozen=True)
class Proposal:
    text: str
    audience: str | None  # the proposer's audience, None where that audience gave too few proposals


@dataclass(frozen=True)
class ProposalListing:
    instrument: Instrument
    question: str
    proposals: list[Proposal]
    counts: dict[str, int | None]  # per audience label; None where hidden (fewer than the floor)
    floor: int
    domains: list[tuple[str, str]]  # (id, title)
    audiences: list[tuple[str, str]]  # (key, label) of the audiences a task is worded for
    languages: tuple[str, ...]


def _proposal_instrument(survey: Survey) -> Instrument:
    for instrument in survey_instruments(survey):
        if instrument.tasks and instrument.task_questions and instrument.task_questions.proposal_item:
            return instrument
    raise SurveyError(f"survey '{survey.slug}' asks for no task proposals: its role-task instrument has no proposal question")


def survey_proposals(survey: Survey, rng: random.Random | None = None) -> ProposalListing:
    """The round's proposals in random order, each audience named only where it gave enough of them."""
    instrument = _proposal_instrument(survey)
    item = instrument.item(instrument.task_questions.proposal_item)  # type: ignore[union-attr]
    rows = db.session.execute(
        select(Audience.key, Answer.value_text)
        .select_from(ItemKey)
        .join(Answer, Answer.item_key_id == ItemKey.id)
        .join(Response, Response.pk == Answer.response_pk)
        .join(Audience, Audience.id == Response.audience_id)
        .where(
            Response.survey_id == survey.id,
            Response.status == "submitted",
            ItemKey.key == item_key(instrument, item),
            Answer.value_text.is_not(None),
        )
    ).all()
    said = [(audience, text.strip()) for audience, text in rows if text and text.strip()]
    floor = max(PROPOSAL_MIN_CELL, survey.min_cell_size)
    per_audience = Counter(a for a, _ in said)
    language = survey.languages[0]
    labels = survey.texts.get("audience_labels") or {}
    name = {a.key: audience_name(a.key, labels, language) for a in survey.audiences}
    proposals = [Proposal(text, name.get(a, a) if per_audience[a] >= floor else None) for a, text in said]
    (rng or random.SystemRandom()).shuffle(proposals)
    task_audiences = [a.key for a in survey.audiences if a.key in instrument.audiences]
    return ProposalListing(
        instrument=instrument,
        question=item.text[item.audiences[0]].get(language) or next(iter(item.text[item.audiences[0]].values())),
        proposals=proposals,
        counts={name[a.key]: (per_audience[a.key] if per_audience[a.key] >= floor else None) for a in survey.audiences},
        floor=floor,
        domains=[(d.id, d.title.get(language) or d.id) for d in instrument.domains],
        audiences=[(a, name[a]) for a in task_audiences],
        languages=instrument.languages,
    )


def accepted_additions(survey: Survey) -> list[TaskAddition]:
    return list(
        db.session.scalars(select(TaskAddition).where(TaskAddition.survey_id == survey.id).order_by(TaskAddition.position))
    )


def pending_task_additions(survey: Survey) -> list[TaskAddition]:
    """Tasks accepted in round ``survey`` or an earlier round that no later round asks yet, oldest round first.

    ``next_round(survey)`` calls this with the round it starts from, so a task accepted on round 1's
    proposals after round 2 was created is asked in round 3.
    """
    chain = [survey]
    while chain[-1].parent_round_id is not None and (parent := db.session.get(Survey, chain[-1].parent_round_id)):
        chain.append(parent)
    return [a for s in reversed(chain) for a in accepted_additions(s) if a.used_in_survey_id is None]


def mark_additions_used(additions: Sequence[TaskAddition], next_round: Survey) -> None:
    """Record that ``next_round`` asks these tasks (the caller commits, with the round's creation)."""
    for addition in additions:
        addition.used_in_survey_id = next_round.id


def _bumped(version: str) -> str:
    parts = ([*version.split("."), "0", "0"])[:3]
    major, minor = parts[0], parts[1]
    return f"{major}.{int(minor) + 1 if minor.isdigit() else 1}.0"


def instrument_with_added_tasks(
    instrument: Instrument, additions: Sequence[TaskAddition | Mapping[str, Any]], version: str | None = None
) -> Instrument:
    """A new version of ``instrument`` (minor version bumped) asking the added tasks, each after its domain's last.

    ``additions`` are TaskAddition rows or dicts with ``task_id``, ``domain`` and ``text`` (audience ->
    language -> wording); ``version`` overrides the bumped version (see :func:`pin_added_tasks`). The result is
    parsed like any instrument file, so an addition the strict loader refuses raises :class:`ProposalError` with
    the loader's message.
    """
    definition = copy.deepcopy(dict(instrument.definition))
    items: list[dict[str, Any]] = definition["items"]
    for addition in additions:
        get = addition.get if isinstance(addition, Mapping) else lambda k, a=addition: getattr(a, k)
        new = {"id": get("task_id"), "type": "task", "domain": get("domain"), "text": copy.deepcopy(dict(get("text")))}
        last = max((k for k, item in enumerate(items) if item.get("domain") == new["domain"]), default=None)
        if last is None:
            last = max((k for k, item in enumerate(items) if item.get("type") == "task"), default=len(items) - 1)
        items.insert(last + 1, new)
    definition["version"] = version or _bumped(str(definition.get("version", instrument.version)))
    try:
        return instrument_from_snapshot(definition, f"{instrument.id} {definition['version']} (with accepted tasks)")
    except InstrumentError as exc:
        raise ProposalError(f"the task cannot be added: {exc}") from exc


def _free_version(key: str, version: str) -> str:
    """The bumped minor version of ``version`` that no stored snapshot of ``key`` uses yet (two Delphis may both
    add tasks to 1.0.0: the second gets 1.2.0, since a stored version never changes)."""
    taken = set(db.session.scalars(select(InstrumentVersion.version).where(InstrumentVersion.key == key)))
    candidate = _bumped(version)
    while candidate in taken:
        candidate = _bumped(candidate)
    return candidate


def pin_added_tasks(previous: Survey, following: Survey, now: dt.datetime) -> list[TaskAddition]:
    """Make round ``following`` ask the tasks accepted on ``previous`` (or an earlier round): per instrument, a new
    version with the tasks (stored with its content hash), pinned by ``following`` in place of the one it copied.

    For ``next_round``, after round n+1's instruments are set and before its commit; does not commit. Returns
    the additions used (marked with round n+1).
    """
    additions = pending_task_additions(previous)
    by_key: dict[str, list[TaskAddition]] = {}
    for addition in additions:
        by_key.setdefault(addition.instrument_key, []).append(addition)
    used: list[TaskAddition] = []
    for link in following.instruments:
        row = db.session.get_one(InstrumentVersion, link.instrument_version_id)
        wanted = by_key.get(row.key)
        if not wanted:
            continue
        instrument = instrument_from_snapshot(row.definition, f"{row.key} {row.version} (stored snapshot)")
        added = instrument_with_added_tasks(instrument, wanted, _free_version(row.key, row.version))
        link.instrument_version = db.session.get_one(InstrumentVersion, store_instrument(added, now).row_id)
        used += wanted
    mark_additions_used(used, following)
    return used


def _task_id(instrument: Instrument, taken: Sequence[str]) -> str:
    used = {t.id for t in instrument.tasks} | {i.id for i in instrument.items} | set(taken)
    n = 1
    while f"proposed_{n}" in used:
        n += 1
    return f"proposed_{n}"


def accept_proposal(
    survey: Survey, domain: str, texts: Mapping[str, Mapping[str, str]], actor: User | None, now: dt.datetime
) -> TaskAddition:
    """Accept a proposal as a task worded by the admin; the next round of ``survey`` will ask it. Audited."""
    listing_instrument = _proposal_instrument(survey)
    domains = {d.id for d in listing_instrument.domains}
    if domain not in domains:
        raise ProposalError(gettext("Choose the task's domain (one of: %(domains)s).", domains=", ".join(sorted(domains))))
    audiences = [a.key for a in survey.audiences if a.key in listing_instrument.audiences]
    clean: dict[str, dict[str, str]] = {}
    missing = []
    for audience in audiences:
        for language in listing_instrument.languages:
            text = re.sub(r"\s+", " ", str((texts.get(audience) or {}).get(language, ""))).strip()
            if not text:
                missing.append(gettext("%(audience)s in %(language)s", audience=audience, language=language))
            elif len(text) > MAX_TASK_TEXT:
                raise ProposalError(
                    gettext(
                        "The wording for %(audience)s in %(language)s is longer than %(n)s characters.",
                        audience=audience,
                        language=language,
                        n=MAX_TASK_TEXT,
                    )
                )
            clean.setdefault(audience, {})[language] = text
    if missing:
        raise ProposalError(
            gettext("Write the task for every audience in every language; missing: %(missing)s.", missing=", ".join(missing))
        )
    earlier = accepted_additions(survey)
    addition = TaskAddition(
        survey_id=survey.id,
        instrument_key=listing_instrument.id,
        task_id=_task_id(listing_instrument, [a.task_id for a in earlier]),
        domain=domain,
        text=clean,
        accepted_at=now,
        accepted_by=actor.id if actor else None,
        position=len(earlier),
    )
    instrument_with_added_tasks(listing_instrument, [*pending_task_additions(survey), addition])  # refuses what the loader would
    db.session.add(addition)
    record("delphi.accept_proposal", actor, survey.slug, {"task": addition.task_id, "domain": domain}, now)
    db.session.commit()
    return addition
