"""The demo's Delphi on the peer role: round 1 of the shipped task inventory, with structured synthetic answers.

The answers tell a story a manager can read in the role-definition view:
peers, staff and service users agree on the core of the role (one-to-one
support, peer-led groups, raising concerns); staff are reluctant about
record-keeping and ward rounds while peers are keen (and already do them
weekly); service users value the practical tasks most; everyone rejects
being present during restraint and handling referrals; some tasks divide
staff in round 1 and converge in round 2 (:data:`ROUND_2`). Each task's
answers are drawn in exact proportions (largest remainder), then shuffled
with a fixed seed, so the verdicts are the same on every machine.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from ..config import PROJECT_ROOT
from ..db import Response, Survey, db, insert_responses
from ..instruments.answers import StoredValue
from ..instruments.flow import item_key
from .anonymity import completion_minutes, day_of
from .invitations import issue_invitations
from .survey_data import answer_vector, survey_columns
from .surveys import create_survey, not_asked, survey_instruments

__all__ = ["DELPHI_SLUG", "DELPHI_SPEC", "ROUND_1", "ROUND_2", "DelphiLinks", "add_delphi_responses", "ensure_demo_delphi"]

DELPHI_SPEC = PROJECT_ROOT / "docs" / "examples" / "demo-delphi.yaml"
DELPHI_SLUG = "role-definition-2026"
SEED = 2027
RESPONDENTS = {1: {"peer": 40, "staff": 80, "service_user": 50}, 2: {"peer": 36, "staff": 72, "service_user": 44}}

# shares of the answers 1 (should not be done by peers), 2 (not appropriate), 3 (appropriate), 4 (essential), 9 (don't know)
CORE = (0.02, 0.06, 0.37, 0.52, 0.03)
PRACTICAL = (0.01, 0.04, 0.25, 0.68, 0.02)
ESSENTIAL = (0.0, 0.04, 0.3, 0.64, 0.02)
KEEN = (0.03, 0.07, 0.35, 0.52, 0.03)
RELUCTANT = (0.3, 0.42, 0.18, 0.06, 0.04)
DIVIDED = (0.1, 0.3, 0.35, 0.2, 0.05)
CONVERGED = (0.02, 0.12, 0.5, 0.33, 0.03)
LOW = (0.5, 0.35, 0.08, 0.04, 0.03)
# how often peers do it now: never, less than monthly, monthly, weekly, daily
OFTEN = (0.05, 0.1, 0.15, 0.4, 0.3)
SOME = (0.15, 0.25, 0.3, 0.2, 0.1)
RARE = (0.45, 0.3, 0.15, 0.07, 0.03)

Profile = tuple[Mapping[str, tuple[float, ...]], tuple[float, ...]]  # (audience -> rating shares, peers' frequency)


def _all(shares: tuple[float, ...], **others: tuple[float, ...]) -> dict[str, tuple[float, ...]]:
    return {
        "peer": others.get("peer", shares),
        "staff": others.get("staff", shares),
        "service_user": others.get("service_user", shares),
    }


ROUND_1: dict[str, Profile] = {
    "meet_one_to_one": (_all(CORE), OFTEN),
    "recovery_plan": (_all(CORE), SOME),
    "accompany_community": (_all(CORE, service_user=PRACTICAL), SOME),
    "crisis_support": (_all(CORE, staff=DIVIDED), SOME),
    "restraint_presence": (_all(LOW), RARE),
    "lead_peer_group": (_all(CORE), OFTEN),
    "story_in_group": (_all(KEEN, staff=RELUCTANT), OFTEN),
    "co_lead_group": (_all(CORE), SOME),
    "wellness_workshop": (_all(CORE, service_user=PRACTICAL), SOME),
    "family_group": (_all(CORE, staff=DIVIDED), RARE),
    "team_meetings": (_all(KEEN, staff=DIVIDED), OFTEN),
    "ward_rounds": (_all(KEEN, staff=RELUCTANT, service_user=DIVIDED), OFTEN),
    "medical_record": (_all(KEEN, staff=RELUCTANT, service_user=DIVIDED), OFTEN),
    "voice_in_team": (_all(KEEN, staff=DIVIDED), SOME),
    "welcome_admission": (_all(CORE, service_user=PRACTICAL), SOME),
    "rights_committee": (_all(KEEN, staff=DIVIDED), RARE),
    "raise_concerns": (_all(CORE), SOME),
    "reduce_coercion": (_all(CORE), SOME),
    "service_planning": (_all(DIVIDED, peer=KEEN), RARE),
    "challenge_stigma": (_all(CORE), SOME),
    "train_staff": (_all(KEEN, staff=RELUCTANT), RARE),
    "teach_students": (_all(CORE, staff=DIVIDED), RARE),
    "mentor_new_peers": (_all(ESSENTIAL), RARE),
    "inform_rights": (_all(CORE, service_user=PRACTICAL), SOME),
    "public_talks": (_all(DIVIDED), RARE),
    "activity_log": (_all(CORE, staff=DIVIDED), OFTEN),
    "handle_referrals": (_all(LOW), RARE),
    "service_reports": (_all(DIVIDED, staff=LOW), SOME),
    "resource_list": (_all(CORE, service_user=PRACTICAL), SOME),
    "organise_activities": (_all(CORE), OFTEN),
}

# Round 2 asks again what round 1 left open: staff converge on several tasks, the contested ones stay contested.
ROUND_2: dict[str, Profile] = {
    **ROUND_1,
    "crisis_support": (_all(CORE, staff=CONVERGED), SOME),
    "family_group": (_all(CORE, staff=CONVERGED), RARE),
    "team_meetings": (_all(KEEN, staff=CONVERGED), OFTEN),
    "rights_committee": (_all(KEEN, staff=CONVERGED), RARE),
    "teach_students": (_all(CORE, staff=CONVERGED), RARE),
    "activity_log": (_all(CORE, staff=CONVERGED), OFTEN),
    "service_reports": (_all(LOW), SOME),
}

#: comments on a task where enough staff write one for the view to show them (10 or more)
COMMENTS = {
    "medical_record": [
        "Notes need clinical training first.",
        "Peers could write in a separate section of the record.",
        "Only with supervision.",
        "It would help continuity of care.",
    ]
}
#: "is a task missing?" in round 1: what peers, staff and service users propose (made up)
PROPOSALS = {
    "peer": [
        "Support people at their first outpatient appointment after discharge.",
        "Run a peer-support line in the evenings.",
        "Help people prepare for meetings with their psychiatrist.",
        "Visit people at home in the week after discharge.",
    ],
    "staff": ["Join the team's weekly risk review.", "Help families understand the discharge plan."],
    "service_user": ["Help me fill in forms for benefits and housing.", "Be there when I meet the doctor for the first time."],
}


@dataclass(frozen=True)
class DelphiLinks:
    slug: str  # the latest round's survey
    round: int
    created_responses: int
    #: audience name -> a respondent token that opens the latest round
    links: dict[str, str]
    #: True when each link answered round 1, so round 2 shows its holder's own earlier answers
    carried: bool


AUDIENCE_WORDS = {"peer": "peer specialist", "staff": "staff", "service_user": "service user"}


def ensure_demo_delphi(instruments_dir: str | Path, now: dt.datetime, secret: str) -> DelphiLinks:
    """The demo Delphi: round 1 with its answers, round 2 created from it (services.delphi_rounds) with its own.

    Created once. On the first run one respondent per audience answers round 1 through a link, whose answers
    travel with it (``secret`` is the application's key), so that link opens round 2 showing its holder's
    earlier answers; later runs print fresh round-2 links instead.
    """
    from .delphi_rounds import next_round
    from .delphi_view import delphi_rounds

    first = db.session.scalar(select(Survey).where(Survey.slug == DELPHI_SLUG))
    if first is None:
        first = create_survey(DELPHI_SPEC.read_text(encoding="utf-8"), DELPHI_SPEC.name, instruments_dir, now, None)
        first.status = "open"
        db.session.commit()
    created = 0
    links: dict[str, str] = {}
    if not _has_demo_responses(first):
        links = {a.key: issue_invitations(first.slug, a.key, 1, now, None)[0] for a in first.audiences}
        created += add_delphi_responses(first, ROUND_1, RESPONDENTS[1], now, proposals=True, carry=links, secret=secret)
    rounds = delphi_rounds(first)
    latest = rounds[-1][1]
    if len(rounds) == 1:
        latest = next_round(first, None, now, secret)
        created += add_delphi_responses(latest, ROUND_2, RESPONDENTS[2], now, seed=SEED + 1)
    carried = bool(links)
    if not carried:
        links = {a.key: issue_invitations(latest.slug, a.key, 1, now, None)[0] for a in latest.audiences}
    words = {AUDIENCE_WORDS.get(k, k): token for k, token in links.items()}
    return DelphiLinks(latest.slug, latest.round or len(rounds), created, words, carried)


def _has_demo_responses(survey: Survey) -> bool:
    return bool(
        db.session.scalar(
            select(func.count()).select_from(Response).where(Response.survey_id == survey.id, Response.source == "demo")
        )
    )


def _exact(shares: Sequence[float], n: int, codes: Sequence[int], rng: np.random.Generator) -> list[int]:
    """``n`` codes in the given shares (largest remainder), shuffled."""
    weights = np.asarray(shares, float) / sum(shares)
    counts = np.floor(weights * n).astype(int)
    order = np.argsort(-(weights * n - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    values = [code for code, count in zip(codes, counts, strict=True) for _ in range(int(count))]
    rng.shuffle(values)
    return values


def add_delphi_responses(
    survey: Survey,
    profiles: Mapping[str, Profile],
    respondents: Mapping[str, int],
    now: dt.datetime,
    proposals: bool = False,
    seed: int = SEED,
    carry: Mapping[str, str] | None = None,
    secret: str = "",
) -> int:
    """Submitted synthetic responses (source 'demo') to the role tasks ``survey`` asks, in one transaction.

    ``carry`` maps an audience to a link's token: the audience's first respondent answered through that link,
    and their answers are sealed for the next round as a web submission would (services.delphi_rounds).
    """
    rng = np.random.default_rng(seed)
    instruments = [i for i in survey_instruments(survey) if i.tasks]
    audiences = {a.key: a.id for a in survey.audiences}
    columns = survey_columns(survey)
    responses: list[dict] = []
    answers: list[dict] = []
    for audience, n in respondents.items():
        if audience not in audiences:
            continue
        ids = [uuid.uuid4().hex for _ in range(n)]
        mine: dict[str, list[dict]] = {i: [] for i in ids}
        skipped = {key.split(".", 1)[1] for key in not_asked(survey, instruments)}
        for instrument in instruments:
            asked = {item.id for item in instrument.items_for(audience)}
            for task in instrument.tasks:
                if task.role_item not in asked or task.id not in profiles or task.id in skipped:
                    continue
                ratings, frequency = profiles[task.id]
                values = _exact(ratings[audience], n, (1, 2, 3, 4, 9), rng)
                for rid, value in zip(ids, values, strict=True):
                    mine[rid].append(_row(rid, item_key(instrument, instrument.item(task.role_item)), value, None))
                if task.frequency_item and task.frequency_item in asked:
                    for rid, value in zip(ids, _exact(frequency, n, (1, 2, 3, 4, 5), rng), strict=True):
                        mine[rid].append(_row(rid, item_key(instrument, instrument.item(task.frequency_item)), value, None))
                if task.comment_item and task.comment_item in asked and audience == "staff" and task.id in COMMENTS:
                    pool = COMMENTS[task.id]
                    for k, rid in enumerate(ids[:12]):
                        mine[rid].append(
                            _row(rid, item_key(instrument, instrument.item(task.comment_item)), None, pool[k % len(pool)])
                        )
            proposal = instrument.task_questions.proposal_item if instrument.task_questions else None
            if proposals and proposal and proposal in asked:
                pool = PROPOSALS.get(audience, [])
                wanted = {"peer": 12, "staff": 6, "service_user": 4}.get(audience, 0)
                for k, rid in enumerate(ids[:wanted]):
                    mine[rid].append(_row(rid, item_key(instrument, instrument.item(proposal)), None, pool[k % len(pool)]))
        if carry and audience in carry:
            from .delphi_rounds import carry_answers

            own = {r["item_key"]: StoredValue(r["value_num"], r["value_text"], False) for r in mine[ids[0]]}
            carry_answers(survey, audiences[audience], own, carry[audience], secret)
        for rid in ids:
            started = now - dt.timedelta(days=float(rng.uniform(0.5, 14)))
            submitted = started + dt.timedelta(minutes=float(rng.gamma(4.0, 3.0)) + 5)
            minutes = completion_minutes(started, submitted)
            if survey.anonymity == "anonymous":
                started, submitted = day_of(started), day_of(submitted)
            responses.append(
                {
                    "id": rid,
                    "survey_id": survey.id,
                    "audience_id": audiences[audience],
                    "language": survey.languages[int(rng.integers(len(survey.languages)))],
                    "status": "submitted",
                    "source": "demo",
                    "started_at": started,
                    "updated_at": submitted,
                    "submitted_at": submitted,
                    "minutes": minutes,
                    "current_page": 0,
                    "furthest_page": 0,
                    "vector": answer_vector(
                        columns, {r["item_key"]: StoredValue(r["value_num"], r["value_text"], False) for r in mine[rid]}
                    ),
                }
            )
            answers.extend(mine[rid])
    insert_responses(responses, answers)
    db.session.commit()
    return len(responses)


def _row(response_id: str, key: str, number: int | None, text: str | None) -> dict:
    return {
        "response_id": response_id,
        "item_key": key,
        "value_num": None if number is None else float(number),
        "value_text": text,
        "skipped": False,
    }
