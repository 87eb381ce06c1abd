"""Role tasks (``type: task``): read from the file, checked, and expanded into ordinary items.

A task is written once (an id, a domain, a wording per audience) and asked
as up to three questions: the role rating for every audience, how often the
respondent does it now (peers by default), and an optional comment. Each
question is stored as an ordinary item (``<task>``, ``<task>_now``,
``<task>_note``) so saving, import, exports and the codebook handle tasks
with the code they already have; :class:`~.model.TaskPart` on each item and
:class:`~.model.Task` on the instrument say what belongs together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .model import (
    FREQUENCY_CODES,
    ROLE_CODES,
    TASK_PART_SUFFIX,
    Domain,
    Item,
    ResponseScale,
    Task,
    TaskPart,
    TaskQuestions,
)
from .problems import Path

__all__ = ["TaskContext", "check_proposal_item", "check_task_scales", "expand_task", "read_domains", "read_task_questions"]

#: keys an ordinary item may have that make no sense on a task
FORBIDDEN_ON_TASKS: Mapping[str, str] = {
    "scale": "a task is rated on the role scale named under task_rating.role.scale",
    "options": "a task is rated on the role scale named under task_rating.role.scale",
    "reverse": "tasks are not scored, so they are never reverse-keyed",
    "show_if": "every task is shown to every audience it is written for",
    "section": "a task's page is its domain",
    "allow_skip": 'a task already offers "don\'t know"',
    "min": "'min' applies only to number items",
    "max": "'max' applies only to number items",
    "integer": "'integer' applies only to number items",
    "max_length": "set the comment length once under task_rating.comment.max_length",
}


class Reporter(Protocol):
    audiences: tuple[str, ...]

    def problem(self, path: Path, message: str, fix: str | None = None) -> None: ...
    def text(self, raw: Mapping[str, Any], path: Path) -> dict[str, str]: ...
    def text_per_audience(self, raw: Mapping[str, Any], path: Path, audiences: tuple[str, ...]) -> dict[str, dict[str, str]]: ...


class TaskContext:
    """What every task of one instrument shares: its domains, questions and scales."""

    def __init__(
        self,
        domains: tuple[Domain, ...],
        questions: TaskQuestions | None,
        role: ResponseScale | None,
        frequency: ResponseScale | None,
    ) -> None:
        self.domains = domains
        self.questions = questions
        self.role_scale = role
        self.frequency_scale = frequency
        self.used_domains: set[str] = set()


def read_domains(reporter: Reporter, raw: list[dict[str, Any]], sections: set[str]) -> tuple[Domain, ...]:
    out: list[Domain] = []
    seen: set[str] = set()
    for index, domain in enumerate(raw):
        path: Path = ("domains", index, "id")
        if domain["id"] in seen:
            reporter.problem(path, f"domain id '{domain['id']}' is used twice", "give each domain its own id")
        elif domain["id"] in sections:
            reporter.problem(
                path,
                f"'{domain['id']}' is both a section and a domain",
                "rename one of them: each domain is already a page of its own",
            )
        seen.add(domain["id"])
        out.append(Domain(domain["id"], reporter.text(domain["title"], ("domains", index, "title"))))
    return tuple(out)


def read_task_questions(
    reporter: Reporter, raw: Mapping[str, Any], scales: Mapping[str, ResponseScale]
) -> tuple[TaskQuestions, ResponseScale | None, ResponseScale | None]:
    everyone = reporter.audiences
    role = reporter.text_per_audience(raw["role"]["question"], ("task_rating", "role", "question"), everyone)
    frequency_raw = raw["frequency"]
    listed = frequency_raw.get("audiences")
    if listed is None:
        listed = ["peer"] if "peer" in everyone else []
        if not listed:
            reporter.problem(
                ("task_rating", "frequency"),
                "there is no 'peer' audience to ask how often they do each task",
                "add 'audiences: [...]' naming who is asked 'how often do you do this now?'",
            )
    for aud in listed:
        if aud not in everyone:
            reporter.problem(
                ("task_rating", "frequency", "audiences"),
                f"'{aud}' is not one of the instrument's audiences ({', '.join(everyone)})",
                "use an audience listed under the instrument's 'audiences'",
            )
    frequency_audiences = tuple(a for a in everyone if a in listed)
    frequency = reporter.text_per_audience(
        frequency_raw["question"], ("task_rating", "frequency", "question"), frequency_audiences
    )
    comment_raw = raw.get("comment")
    comment = (
        reporter.text_per_audience(comment_raw["question"], ("task_rating", "comment", "question"), everyone)
        if comment_raw
        else None
    )
    questions = TaskQuestions(
        role=role,
        frequency=frequency,
        frequency_audiences=frequency_audiences,
        comment=comment,
        comment_max_length=int((comment_raw or {}).get("max_length", 1000)),
        proposal_item=raw.get("proposal_item"),
    )
    role_scale = _named_scale(reporter, raw["role"]["scale"], ("task_rating", "role", "scale"), scales)
    frequency_scale = _named_scale(reporter, frequency_raw["scale"], ("task_rating", "frequency", "scale"), scales)
    return questions, role_scale, frequency_scale


def _named_scale(reporter: Reporter, name: str, path: Path, scales: Mapping[str, ResponseScale]) -> ResponseScale | None:
    if name not in scales:
        reporter.problem(path, f"unknown scale '{name}'", f"use one of: {', '.join(scales) or '(add a scales: section)'}")
        return None
    return scales[name]


def check_task_scales(reporter: Reporter, role: ResponseScale | None, frequency: ResponseScale | None) -> None:
    """The consensus rule reads the role codes and the do-now gap the frequency codes, so both are fixed."""
    if role is not None:
        codes = tuple(o.code for o in role.options)
        if codes != ROLE_CODES:
            reporter.problem(
                ("scales", role.id, "options"),
                f"the role scale must have the codes 1, 2, 3, 4, found {', '.join(map(str, codes))}",
                "use 1 = should not be done by peers, 2 = not appropriate, 3 = appropriate, 4 = essential",
            )
        keys = [o.key for o in role.missing_options]
        if keys != ["dont_know"]:
            reporter.problem(
                ("scales", role.id, "missing_options"),
                'the role scale needs exactly one missing option, "don\'t know"',
                "add missing_options: [{code: 9, key: dont_know, label: ...}]",
            )
    if frequency is not None:
        codes = tuple(o.code for o in frequency.options)
        if codes != FREQUENCY_CODES:
            reporter.problem(
                ("scales", frequency.id, "options"),
                f"the frequency scale must have the codes 1 to 5, found {', '.join(map(str, codes))}",
                "use 1 = never, 2 = less than monthly, 3 = monthly, 4 = weekly, 5 = daily",
            )


def check_proposal_item(reporter: Reporter, questions: TaskQuestions | None, items: Mapping[str, Item]) -> None:
    """The item named for proposing missing tasks must be an ordinary free-text item."""
    name = questions.proposal_item if questions else None
    if name is None:
        return
    path: Path = ("task_rating", "proposal_item")
    item = items.get(name)
    if item is None:
        reporter.problem(
            path, f"names item '{name}', which does not exist", "add a longtext item with this id, or remove the key"
        )
    elif item.task is not None or item.type not in ("text", "longtext"):
        reporter.problem(
            path,
            f"'{name}' is not a free-text item",
            "name a text or longtext item where respondents can describe a missing task",
        )


def _joined(first: Mapping[str, Mapping[str, str]], second: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """ "<task> — <question>" per audience and language: the label a codebook or review page shows."""
    return {a: {lang: f"{text} — {second[a][lang]}" for lang, text in first[a].items()} for a in first if a in second}


def expand_task(
    reporter: Reporter,
    raw: dict[str, Any],
    path: Path,
    audiences: tuple[str, ...],
    text: Mapping[str, Mapping[str, str]],
    context: TaskContext,
    help_text: Mapping[str, str] | None,
) -> tuple[list[Item], Task | None]:
    """The items one task is stored as, and the task itself (None when the file is broken)."""
    for key, why in FORBIDDEN_ON_TASKS.items():
        if key in raw:
            reporter.problem((*path, key), f"a task takes no '{key}': {why}", f"remove '{key}'")
    task_id = raw["id"]
    domain = raw.get("domain")
    known = {d.id for d in context.domains}
    if domain is None:
        reporter.problem(
            path, "a task needs a 'domain'", f"add 'domain: <id>' naming one of: {', '.join(sorted(known)) or '(add domains:)'}"
        )
        return [], None
    if domain not in known:
        reporter.problem(
            (*path, "domain"),
            f"unknown domain '{domain}'",
            f"use one of: {', '.join(sorted(known)) or '(none: add a domains: list)'}",
        )
        return [], None
    context.used_domains.add(domain)
    questions, role_scale = context.questions, context.role_scale
    if questions is None or role_scale is None or context.frequency_scale is None:
        return [], None  # the missing task_rating block is reported once, by the builder
    role = Item(
        id=task_id,
        type="likert",
        text=text,
        audiences=audiences,
        scale=role_scale,
        required=raw.get("required", False),
        section=domain,
        help=help_text,
        task=TaskPart(task_id, "role", domain),
    )
    items = [role]
    asked_now = tuple(a for a in audiences if a in questions.frequency_audiences)
    frequency_id = comment_id = None
    if asked_now:
        frequency_id = task_id + TASK_PART_SUFFIX["frequency"]
        items.append(
            Item(
                id=frequency_id,
                type="likert",
                text=_joined({a: text[a] for a in asked_now}, questions.frequency),
                audiences=asked_now,
                scale=context.frequency_scale,
                section=domain,
                task=TaskPart(task_id, "frequency", domain),
            )
        )
    if questions.comment is not None and raw.get("comment", True):
        comment_id = task_id + TASK_PART_SUFFIX["comment"]
        items.append(
            Item(
                id=comment_id,
                type="longtext",
                text=_joined(text, questions.comment),
                audiences=audiences,
                section=domain,
                max_length=questions.comment_max_length,
                task=TaskPart(task_id, "comment", domain),
            )
        )
    return items, Task(task_id, domain, text, audiences, task_id, frequency_id, comment_id)
