"""The draft job definition as plain data, and how to build one from per-task results.

Every writer (Word, Markdown, CSV, the printable page) takes a
:class:`JobDefinition` and nothing else: no database, no Flask.

Input of :func:`job_definition_from_tasks`: a list of dicts, one per task, in
the order the tasks should appear (domains keep the order in which they first
appear)::

    {
        "task_id": "advocacy_hr_committee",      # str, unique
        "domain_id": "advocacy",                   # str
        "domain_title": "Advocacy and systems change",   # in the document's language
        "text": "Sit on the human-rights committee",      # in the document's language
        "verdict": "included",                     # "included" | "excluded" | "open"
        "round_settled": 2,                        # int, or None when not settled
        "audiences": {                             # per audience key, in display order
            "peer": {"percent": 86.0, "n": 58},    # % essential-or-appropriate, respondents who rated it
            "staff": {"percent": 41.5, "n": 140},
            "service_user": {"percent": None, "n": None},   # None: hidden (small cell)
        },
    }

``percent`` is 0-100. An audience is "for" a task when its percent is at least
``threshold`` (70 by default, the consensus rule's level), "against" when it
is at most 100 - ``threshold``, and "divided" in between; contested tasks
show these stances side by side.

:func:`development_plan_from_training` turns the result of
:func:`surveyapp.services.training.survey_training_needs` (plain dicts) into
the development plan: the training needs first, then the strengths peers
underrate, in that list's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .labels import AUDIENCES, audience_label, label

__all__ = [
    "VERDICTS",
    "Agreement",
    "DevelopmentItem",
    "Domain",
    "JobDefinition",
    "MethodNotes",
    "Task",
    "development_plan_from_training",
    "job_definition_from_tasks",
]

VERDICTS = ("included", "excluded", "open")


@dataclass(frozen=True)
class Agreement:
    audience: str  # key: peer, staff, service_user...
    label: str  # the audience's name in the document's language
    percent: float | None  # % essential-or-appropriate; None when the audience is hidden
    n: int | None
    stance: str | None  # "for" | "against" | "divided"; None when hidden


@dataclass(frozen=True)
class Task:
    id: str
    domain_id: str
    domain_title: str
    text: str
    verdict: str  # one of VERDICTS
    agreement: tuple[Agreement, ...]
    round_settled: int | None

    def stances(self, stance: str) -> tuple[Agreement, ...]:
        return tuple(a for a in self.agreement if a.stance == stance)


@dataclass(frozen=True)
class Domain:
    id: str
    title: str
    tasks: tuple[Task, ...]


@dataclass(frozen=True)
class DevelopmentItem:
    status: str  # "need" | "strength"
    level: str  # "domain" | "item"
    competency: str
    domain: str
    audience: str  # who rates differently from peers, in the document's language
    mean_self: float
    mean_other: float
    n_self: int
    n_other: int
    diff: float  # others minus peers, scale points
    ci_low: float | None
    ci_high: float | None
    scale_min: float
    scale_max: float
    not_observed: float | None  # share of that audience's answers that were "not observed"


@dataclass(frozen=True)
class MethodNotes:
    rounds: int
    responses: tuple[tuple[str, int | None], ...]  # (audience name, respondents); None when hidden
    consensus_rule: str
    suppression_note: str | None = None


@dataclass(frozen=True)
class JobDefinition:
    title: str
    organisation: str
    language: str
    purpose: str
    domains: tuple[Domain, ...]  # tasks agreed to be part of the role
    boundaries: tuple[Task, ...]  # tasks agreed not to be part of it
    contested: tuple[Task, ...]  # open: for discussion
    development_plan: tuple[DevelopmentItem, ...]
    method: MethodNotes

    def all_tasks(self) -> tuple[Task, ...]:
        return tuple(t for d in self.domains for t in d.tasks) + self.boundaries + self.contested


def _stance(percent: float | None, threshold: float) -> str | None:
    if percent is None:
        return None
    if percent >= threshold:
        return "for"
    if percent <= 100 - threshold:
        return "against"
    return "divided"


def _task(row: Mapping[str, Any], language: str, names: Mapping[str, str], threshold: float) -> Task:
    verdict = row["verdict"]
    if verdict not in VERDICTS:
        raise ValueError(f"task {row.get('task_id')!r}: verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    agreement = []
    for key, figures in (row.get("audiences") or {}).items():
        percent = figures.get("percent")
        if percent is not None and not 0 <= percent <= 100:
            raise ValueError(f"task {row['task_id']!r}, audience {key!r}: percent must lie in 0-100, got {percent!r}")
        agreement.append(
            Agreement(
                audience=key,
                label=audience_label(key, language, names),
                percent=None if percent is None else float(percent),
                n=figures.get("n"),
                stance=_stance(percent, threshold),
            )
        )
    settled = row.get("round_settled")
    return Task(
        id=str(row["task_id"]),
        domain_id=str(row["domain_id"]),
        domain_title=str(row["domain_title"]),
        text=str(row["text"]),
        verdict=verdict,
        agreement=tuple(agreement),
        round_settled=None if settled is None else int(settled),
    )


def job_definition_from_tasks(
    tasks: Iterable[Mapping[str, Any]],
    *,
    title: str,
    organisation: str,
    language: str,
    purpose: str,
    rounds: int,
    responses: Mapping[str, int | None],
    consensus_rule: str | None = None,
    suppression_note: str | None = None,
    development_plan: Iterable[DevelopmentItem] = (),
    audience_labels: Mapping[str, str] | None = None,
    threshold: float = 70.0,
) -> JobDefinition:
    """A JobDefinition from per-task results (the input format is in the module docstring).

    ``responses`` maps audience keys to respondent counts (None when hidden); ``consensus_rule`` is the rule
    in words, the documented default in ``language`` when not given.
    """
    names = dict(audience_labels or {})
    built = [_task(row, language, names, threshold) for row in tasks]
    seen: set[str] = set()
    for task in built:
        if task.id in seen:
            raise ValueError(f"task {task.id!r} appears twice")
        seen.add(task.id)
    domains: dict[str, list[Task]] = {}
    titles: dict[str, str] = {}
    for task in built:
        if task.verdict == "included":
            domains.setdefault(task.domain_id, []).append(task)
            titles.setdefault(task.domain_id, task.domain_title)
    return JobDefinition(
        title=title,
        organisation=organisation,
        language=language,
        purpose=purpose,
        domains=tuple(Domain(key, titles[key], tuple(items)) for key, items in domains.items()),
        boundaries=tuple(t for t in built if t.verdict == "excluded"),
        contested=tuple(t for t in built if t.verdict == "open"),
        development_plan=tuple(development_plan),
        method=MethodNotes(
            rounds=rounds,
            responses=tuple((audience_label(k, language, names), n) for k, n in responses.items()),
            consensus_rule=consensus_rule or label(language, "default_rule"),
            suppression_note=suppression_note,
        ),
    )


def development_plan_from_training(result: Mapping[str, Any], language: str = "en") -> tuple[DevelopmentItem, ...]:
    """Needs, then strengths, from a ``survey_training_needs`` result; each with its lead gap."""
    plan: dict[str, list[DevelopmentItem]] = {"need": [], "strength": []}
    for instrument in result.get("instruments", []):
        for entry in [*instrument["domains"], *instrument["items"]]:
            if entry["status"] not in plan:
                continue
            lead = next(g for g in entry["gaps"] if g["audience"] == entry["lead"])
            audience = lead["audience"]
            plan[entry["status"]].append(
                DevelopmentItem(
                    status=entry["status"],
                    level=entry["level"],
                    competency=entry["label"] if entry["level"] == "domain" else entry.get("self_label") or entry["label"],
                    domain=entry["domain_label"],
                    audience=audience_label(
                        audience, language, {} if audience in AUDIENCES else {audience: lead["audience_label"]}
                    ),
                    mean_self=lead["mean_self"],
                    mean_other=lead["mean_other"],
                    n_self=lead["n_self"],
                    n_other=lead["n_other"],
                    diff=lead["diff"],
                    ci_low=lead["ci_low"],
                    ci_high=lead["ci_high"],
                    scale_min=entry["scale_min"],
                    scale_max=entry["scale_max"],
                    not_observed=lead["not_observed"],
                )
            )
    for status in plan:  # largest gap first within each part, domains and items together
        plan[status].sort(key=lambda d: -abs(d.diff))
    return tuple(plan["need"] + plan["strength"])
