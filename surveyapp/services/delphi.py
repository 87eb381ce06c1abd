"""A Delphi round's results: per task and audience, the rating summary, the verdict and the do-now gap.

One survey is one round. Its consensus rule comes from the spec's
``delphi:`` block (the documented default when the survey has none) with the
survey's ``min_cell_size``. Small cells are hidden with the one suppression
rule every output uses: an audience with fewer submitted responses than the
minimum is hidden from every task, and a task's figures for an audience are
hidden when fewer than the minimum rated it (the rule does not count them
either). No total across audiences is published, so no hidden audience can
be recovered by subtraction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..analysis.consensus import ConsensusRule, GapRule, RatingSummary, judge_task, practice_gap, rule_for
from ..db import Survey
from ..instruments.audiences import SELF_AUDIENCE
from ..instruments.flow import item_key
from ..instruments.model import Instrument, Task
from ..instruments.survey_spec import DelphiSpec, delphi_from_raw
from .cells import audience_suppression, grouping_keys, survey_disclosure
from .publication import publish_all, publish_ready
from .survey_data import SurveyData, load_survey_data
from .surveys import SurveyError, not_asked, survey_instruments

__all__ = ["AudienceFigures", "RoundResults", "TaskResult", "result_rows", "round_results"]


@dataclass(frozen=True)
class AudienceFigures:
    n: int  # substantive ratings
    n_dont_know: int
    distribution: Mapping[str, float | None]  # "1".."4" over substantive ratings, "dont_know" over all answers
    bar: Mapping[str, float | None]  # "1".."4" and "dont_know", all over everyone who answered (sums to 1)
    median: float | None
    q1: float | None
    q3: float | None
    iqr: float | None
    share_in_role: float | None
    share_out_of_role: float | None
    share_essential: float | None
    stance: str  # include | exclude | no_consensus


@dataclass(frozen=True)
class TaskResult:
    instrument: str
    task: str
    domain: str
    verdict: str  # included | excluded | open
    for_inclusion: tuple[str, ...]
    for_exclusion: tuple[str, ...]
    undecided: tuple[str, ...]
    split: bool
    #: audience -> figures; None where hidden (too few ratings, or a hidden audience)
    audiences: Mapping[str, AudienceFigures | None]
    too_few_ratings: tuple[str, ...]
    peers_often: float | None  # share of peers doing it weekly or daily
    peers_rarely: float | None  # share of peers doing it never or less than monthly
    done_but_disputed_by: tuple[str, ...]
    essential_but_rare: bool


@dataclass(frozen=True)
class RoundResults:
    survey: str
    wave: int | None
    min_cell_size: int
    rule: ConsensusRule
    delphi: DelphiSpec | None
    responses: Mapping[str, int | None]  # per audience; None where hidden
    hidden: tuple[str, ...]
    note: str | None
    tasks: tuple[TaskResult, ...]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["rule"] = asdict(self.rule)
        return out


def _figures(summary: RatingSummary, stance: str) -> AudienceFigures:
    return AudienceFigures(
        n=summary.n,
        n_dont_know=summary.n_dont_know,
        distribution=summary.distribution(),
        bar=summary.distribution_of_answers(),
        median=summary.median,
        q1=summary.q1,
        q3=summary.q3,
        iqr=summary.iqr,
        share_in_role=summary.share_in_role,
        share_out_of_role=summary.share_out_of_role,
        share_essential=summary.share_essential,
        stance=stance,
    )


def round_results(survey: Survey, closing: bool = False) -> RoundResults:
    """Every role task of the survey, judged by its rule, with small cells hidden.

    Like every manager's figure, it counts published responses (services.publication: they arrive in steps of at
    least the minimum cell size). ``closing``: the
    round is being closed for the next one, so every submitted response is published first and counts.
    """
    instruments = [i for i in survey_instruments(survey) if i.tasks]
    if not instruments:
        raise SurveyError(f"survey '{survey.slug}' has no role tasks: a Delphi needs a role-task instrument")
    raw = (survey.spec or {}).get("delphi")
    delphi = delphi_from_raw(raw, tuple(i.id for i in instruments)) if raw is not None else None
    min_cell = survey.min_cell_size
    rule = rule_for(delphi, min_cell) if delphi else ConsensusRule(min_cell_size=min_cell)
    keys = [
        item_key(i, i.item(item_id))
        for i in instruments
        for t in i.tasks
        for item_id in (t.role_item, t.frequency_item)
        if item_id
    ]
    if closing:
        publish_all(survey)
    else:
        publish_ready([survey])
    data = load_survey_data([survey], [*keys, *grouping_keys(survey)], published_only=True)
    audiences = [a.key for a in survey.audiences]
    counts = {a: int(np.count_nonzero(data.audience == a)) for a in audiences}
    # the survey's one decision (services.cells): the results page of the same survey shows a total across
    # audiences and breakdowns, so an audience hidden there to protect another is hidden here too
    decision = survey_disclosure(survey, data)
    suppression = audience_suppression(survey, data, decision)
    shown = [a for a in audiences if suppression.shows(a) and counts[a]]  # nobody answered: nothing to show
    skipped = not_asked(survey, instruments)  # a later round does not ask the tasks it dropped
    tasks = []
    for instrument in instruments:
        for task in instrument.tasks:
            if f"{instrument.id}.{task.role_item}" in skipped:
                continue
            # a task's figures cover those who rated it: decided over them (services.cells.SurveyDisclosure.values)
            rated = ~np.isnan(data.column(item_key(instrument, instrument.item(task.role_item))))
            rating = audience_suppression(survey, data, decision, rated)
            tasks.append(_task_result(instrument, task, data, [a for a in shown if rating.shows(a)], rule))
    return RoundResults(
        survey=survey.slug,
        wave=survey.wave,
        min_cell_size=min_cell,
        rule=rule,
        delphi=delphi,
        responses={a: (counts[a] if suppression.shows(a) else None) for a in audiences},
        hidden=tuple(sorted(suppression.hidden)),
        note=suppression.note(),
        tasks=tuple(tasks),
    )


def _task_result(instrument: Instrument, task: Task, data: SurveyData, shown: Sequence[str], rule: ConsensusRule) -> TaskResult:
    asked = [a for a in shown if a in task.audiences]
    role = data.column(item_key(instrument, instrument.item(task.role_item)))
    ratings = {a: role[data.of_audiences([a])] for a in asked}
    consensus = judge_task(task.id, ratings, rule)
    figures: dict[str, AudienceFigures | None] = {
        a: (_figures(consensus.summaries[a], consensus.stances[a]) if a in consensus.stances else None) for a in asked
    }
    often = rarely = None
    disputed: tuple[str, ...] = ()
    essential_rare = False
    if task.frequency_item and SELF_AUDIENCE in asked:
        frequency = data.column(item_key(instrument, instrument.item(task.frequency_item)))[data.of_audiences([SELF_AUDIENCE])]
        gap = practice_gap(task.id, consensus.summaries, frequency, SELF_AUDIENCE, GapRule(min_cell_size=rule.min_cell_size))
        often, rarely, disputed, essential_rare = gap.share_often, gap.share_rarely, gap.disputed_by, gap.essential_but_rare
    return TaskResult(
        instrument=instrument.id,
        task=task.id,
        domain=task.domain,
        verdict=consensus.verdict,
        for_inclusion=consensus.for_inclusion,
        for_exclusion=consensus.for_exclusion,
        undecided=consensus.undecided,
        split=consensus.split,
        audiences=figures,
        too_few_ratings=consensus.too_small,
        peers_often=often,
        peers_rarely=rarely,
        done_but_disputed_by=disputed,
        essential_but_rare=essential_rare,
    )


ROW_COLUMNS = (
    "instrument",
    "task",
    "domain",
    "verdict",
    "audience",
    "n",
    "dont_know",
    "share_1",
    "share_2",
    "share_3",
    "share_4",
    "share_dont_know",
    "median",
    "iqr",
    "share_essential_or_appropriate",
    "stance",
    "peers_often",
    "peers_rarely",
    "done_but_disputed_by",
    "essential_but_rare",
)


def result_rows(results: RoundResults) -> list[list[Any]]:
    """One row per task and audience (hidden figures left empty), for CSV."""
    rows: list[list[Any]] = []
    for task in results.tasks:
        common = [task.instrument, task.task, task.domain, task.verdict]
        gap = [
            task.peers_often,
            task.peers_rarely,
            " ".join(task.done_but_disputed_by),
            "yes" if task.essential_but_rare else "",
        ]
        for audience, figures in task.audiences.items():
            if figures is None:
                rows.append([*common, audience, *[None] * 10, "too few ratings", *gap])
                continue
            share = figures.distribution
            rows.append(
                [
                    *common,
                    audience,
                    figures.n,
                    figures.n_dont_know,
                    share["1"],
                    share["2"],
                    share["3"],
                    share["4"],
                    share["dont_know"],
                    figures.median,
                    figures.iqr,
                    figures.share_in_role,
                    figures.stance,
                    *gap,
                ]
            )
    return rows
