"""The role-definition view: every role task of a Delphi, per round and across rounds, in plain words.

Built on :func:`surveyapp.services.delphi.round_results` (one survey is one
round), so small cells are hidden by the one suppression rule every output
uses. Across rounds, a task's status is its verdict in the last round that
asked it (a task settled and dropped stays as it was settled), and it
"settled in" the first round from which its verdict did not change again.
Stability compares a task's ratings in two consecutive rounds per audience
(the unpaired shift and Mann-Whitney test of ``analysis.consensus``), only
where the audience is shown in both rounds. Task comments come from
:func:`surveyapp.services.comments.survey_comments`, so they appear only where
at least 10 people of an audience wrote one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from ..db import Survey, User, db
from ..instruments.flow import item_key
from ..instruments.model import Instrument, Task
from .access import can_see
from .audience_names import audience_name
from .comments import COMMENT_MIN_CELL, survey_comments
from .delphi import RoundResults, TaskResult, round_results
from .surveys import survey_instruments

__all__ = ["VIEW_COLUMNS", "RoleView", "TaskView", "delphi_rounds", "role_view", "view_rows"]

#: which audience's wording names a task for managers (third person first)
WORDING_ORDER = ("staff", "service_user", "peer")
VERDICT_WORDS = {
    "included": lazy_gettext("Agreed: part of the role"),
    "excluded": lazy_gettext("Agreed: not part of the role"),
    "open": lazy_gettext("Open: no agreement yet"),
}


@dataclass(frozen=True)
class AudienceCell:
    key: str
    label: str
    percent: float | None  # % essential or appropriate; None when hidden
    n: int | None
    stance: str | None  # include | exclude | no_consensus; None when hidden
    hidden_reason: str | None = None


@dataclass(frozen=True)
class Stability:
    audience: str
    label: str
    shift: float | None  # share of ratings that moved (0-1), unpaired
    stable: bool | None
    p: float | None
    pairs: int | None  # respondents whose link carried the previous round's answers; None when too few
    share_changed: float | None  # of those pairs, the share who changed their rating


@dataclass
class TaskView:
    instrument: str
    id: str
    domain: str
    domain_title: str
    title: str
    round: int  # the round whose figures are shown
    verdict: str
    verdict_words: str
    round_settled: int | None
    history: list[tuple[int, str | None]]  # (round, verdict; None when the round did not ask it)
    cells: list[AudienceCell]
    agreement: str
    gaps: list[str]
    stability: list[Stability] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    result: TaskResult | None = field(default=None, repr=False)


@dataclass
class RoleView:
    survey: Survey
    language: str
    rounds: list[tuple[int, Survey]]
    shown_round: int | None  # None: across rounds
    audiences: list[tuple[str, str]]
    responses: dict[str, int | None]
    note: str | None
    rule: str
    domains: list[tuple[str, str, list[TaskView]]]
    counts: dict[str, int]
    comment_floor: int
    max_shift: float
    withheld: int = 0  # rounds of this Delphi the viewer may not see (each round has its own grants)

    def tasks(self) -> list[TaskView]:
        return [t for _, _, tasks in self.domains for t in tasks]


def delphi_rounds(survey: Survey) -> list[tuple[int, Survey]]:
    """The Delphi's rounds, first to last, with their numbers (a survey without rounds is round 1 alone)."""
    first = survey
    while first.parent_round_id is not None:
        first = db.session.get(Survey, first.parent_round_id)
    chain = [first]
    while (nxt := db.session.scalar(select(Survey).where(Survey.parent_round_id == chain[-1].id))) is not None:
        chain.append(nxt)
    return [(getattr(s, "round", None) or n, s) for n, s in enumerate(chain, start=1)]


def task_title(task: Task, language: str) -> str:
    for audience in (*WORDING_ORDER, *task.text):
        text = task.text.get(audience, {})
        if text.get(language) or text.get("en"):
            return text.get(language) or text["en"]
    return task.id


def _language(survey: Survey, language: str | None) -> str:
    return language if language in survey.languages else survey.languages[0]


def _names(keys: Sequence[str]) -> str:
    names = [k if i == 0 else k.lower() for i, k in enumerate(keys)]
    return names[0] if len(names) == 1 else gettext("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])


def agreement_sentence(result: TaskResult, label: dict[str, str]) -> str:
    """Which audiences agree and which disagree, for a manager."""
    inc = [label[a] for a in result.for_inclusion]
    exc = [label[a] for a in result.for_exclusion]
    und = [label[a] for a in result.undecided]
    if not inc and not exc and not und:
        return gettext("Too few ratings in every group to say.")
    if inc and not exc and not und:
        if len(inc) > 1:
            return gettext("%(groups)s agree: part of the role.", groups=_names(inc))
        return gettext("%(group)s: part of the role.", group=inc[0])
    if exc and not inc and not und:
        if len(exc) > 1:
            return gettext("%(groups)s agree: not part of the role.", groups=_names(exc))
        return gettext("%(group)s: not part of the role.", group=exc[0])
    parts = []
    if inc:
        parts.append(gettext("%(groups)s want it in the role", groups=_names(inc)))
    if exc:
        parts.append(gettext("%(groups)s do not", groups=_names(exc)))
    if und:
        parts.append(gettext("%(groups)s are divided", groups=_names(und)))
    sentence = "; ".join(p if i == 0 else p[0].lower() + p[1:] for i, p in enumerate(parts)) + "."
    if result.split:
        return gettext("The groups disagree: %(sentence)s", sentence=sentence[0].lower() + sentence[1:])
    return sentence


def gap_sentences(result: TaskResult, label: dict[str, str]) -> list[str]:
    out = []
    if result.done_but_disputed_by and result.peers_often is not None:
        out.append(
            gettext(
                "Done but disputed: %(pct)s%% of peers do this weekly or daily, yet at least half of %(groups)s say "
                "it is not part of the role.",
                pct=round(result.peers_often * 100),
                groups=_names([label[a] for a in result.done_but_disputed_by]).lower(),
            )
        )
    if result.essential_but_rare and result.peers_rarely is not None:
        out.append(
            gettext(
                "Essential but rare: at least half of every group rate it essential, yet %(pct)s%% of peers do it "
                "never or less than monthly.",
                pct=round(result.peers_rarely * 100),
            )
        )
    return out


def _cells(result: TaskResult, label: dict[str, str], responses: dict[str, int | None]) -> list[AudienceCell]:
    cells = []
    for key, figures in result.audiences.items():
        if figures is None or figures.share_in_role is None:
            reason = gettext("hidden: too few responses") if responses.get(key) is None else gettext("hidden: too few ratings")
            cells.append(AudienceCell(key, label[key], None, None, None, reason))
        else:
            cells.append(AudienceCell(key, label[key], figures.share_in_role * 100, figures.n, figures.stance))
    for key in responses:  # a hidden audience appears in no task at all: say so in every row
        if key not in result.audiences:
            cells.append(AudienceCell(key, label[key], None, None, None, gettext("hidden: too few responses")))
    return cells


def _asked(result: TaskResult) -> bool:
    return any(f is not None and (f.n or f.n_dont_know) for f in result.audiences.values())


def _comments(survey: Survey, instruments: Sequence[Instrument]) -> dict[str, list[dict[str, Any]]]:
    keys = {item_key(i, i.item(t.comment_item)): t.id for i in instruments for t in i.tasks if t.comment_item}
    return {keys[block["key"]]: block["groups"] for block in survey_comments(survey) if block["key"] in keys}


def role_view(
    survey: Survey, round_number: int | None = None, language: str | None = None, viewer: User | None = None
) -> RoleView:
    """The view of ``survey``'s Delphi: one round's figures (``round_number``), or across rounds (None).

    With a ``viewer``, only the rounds the viewer may see are used (each round is a survey with its own grants).
    """
    every = delphi_rounds(survey)
    rounds = [(n, s) for n, s in every if viewer is None or s.id == survey.id or can_see(viewer, s)]
    numbers = [n for n, _ in rounds]
    if round_number is not None and round_number not in numbers:
        round_number = None
    language = _language(survey, language)
    results = {n: round_results(s) for n, s in rounds}
    labels = survey.texts.get("audience_labels") or {}
    order = [a.key for a in survey.audiences]
    label = {a: audience_name(a, labels, language) for a in order}
    chosen = [(n, s) for n, s in rounds if round_number is None or n == round_number]
    last_n, last_survey = chosen[-1]
    instruments = {i.id: i for _, s in rounds for i in survey_instruments(s) if i.tasks}
    # every task of any round, in the order of the latest instrument version that has it
    tasks: dict[tuple[str, str], Task] = {}
    for _, s in reversed(rounds):
        for instrument in survey_instruments(s):
            for task in instrument.tasks:
                tasks.setdefault((instrument.id, task.id), task)
    by_round = {n: {(t.instrument, t.task): t for t in r.tasks} for n, r in results.items()}
    delphi = results[last_n].delphi
    max_shift = delphi.max_shift if delphi else 0.15
    stability = _stability(rounds, label) if round_number is None or round_number > 1 else {}
    comments = {n: _comments(s, [i for i in survey_instruments(s) if i.tasks]) for n, s in chosen}
    single = len(rounds) == 1  # one round asked every task, even one nobody could rate
    views: list[TaskView] = []
    for key, task in tasks.items():
        history = [
            (n, by_round[n][key].verdict if key in by_round[n] and (single or _asked(by_round[n][key])) else None)
            for n in numbers
        ]
        asked = [(n, v) for n, v in history if v is not None and (round_number is None or n <= round_number)]
        if not asked:
            continue
        shown_n = asked[-1][0] if round_number is None else round_number
        if shown_n not in by_round or key not in by_round[shown_n]:
            continue
        result = by_round[shown_n][key]
        verdict = result.verdict
        settled = None
        if verdict != "open":
            settled = asked[-1][0]
            for n, v in reversed(asked):
                if v != verdict:
                    break
                settled = n
        instrument = instruments[key[0]]
        domain_title = instrument.domain(task.domain).title
        groups = comments.get(shown_n, {}).get(task.id, [])
        views.append(
            TaskView(
                instrument=key[0],
                id=task.id,
                domain=task.domain,
                domain_title=domain_title.get(language) or domain_title.get("en") or task.domain,
                title=task_title(task, language),
                round=shown_n,
                verdict=verdict,
                verdict_words=str(VERDICT_WORDS[verdict])
                + (" " + gettext("(settled in round %(n)s)", n=settled) if settled else ""),
                round_settled=settled,
                history=history,
                cells=_cells(result, label, results[shown_n].responses),
                agreement=agreement_sentence(result, label),
                gaps=gap_sentences(result, label),
                stability=stability.get((shown_n, key), []),
                comments=[g for g in groups if not g["hidden"]],
                result=result,
            )
        )
    domains: dict[str, tuple[str, list[TaskView]]] = {}
    for view in views:
        domains.setdefault(view.domain, (view.domain_title, []))[1].append(view)
    last = results[last_n]
    return RoleView(
        survey=last_survey,
        language=language,
        rounds=rounds,
        shown_round=round_number,
        audiences=[(a, label[a]) for a in order],
        responses=dict(last.responses),
        note=last.note,
        rule=rule_sentence(last),
        domains=[(d, title, items) for d, (title, items) in domains.items()],
        counts={v: sum(1 for t in views if t.verdict == v) for v in ("included", "excluded", "open")},
        comment_floor=max(COMMENT_MIN_CELL, survey.min_cell_size),
        max_shift=max_shift,
        withheld=len(every) - len(rounds),
    )


def rule_sentence(results: RoundResults) -> str:
    rule = results.rule
    values = {
        "include": round(rule.include_share * 100),
        "exclude": round(rule.exclude_share * 100),
        "min_cell": rule.min_cell_size,
        "groups": rule.min_audiences,
    }
    if rule.max_iqr is not None:
        included = gettext(
            "A task is agreed as part of the role when at least %(include)s%% of every group rate it essential or "
            "appropriate and their ratings spread by at most %(iqr)s point (IQR);",
            iqr=format(rule.max_iqr, "g"),
            **values,
        )
    else:
        included = gettext(
            "A task is agreed as part of the role when at least %(include)s%% of every group rate it essential or appropriate;",
            **values,
        )
    rest = gettext(
        "it is agreed as not part of the role when at least %(exclude)s%% of every group rate it not appropriate or "
        "not for peers. A group counts when at least %(min_cell)s of its members rated the task, and a verdict needs "
        "at least this many such groups: %(groups)s.",
        **values,
    )
    return f"{included} {rest}"


def _stability(rounds: list[tuple[int, Survey]], label: dict[str, str]) -> dict[tuple[int, tuple[str, str]], list[Stability]]:
    """Per (round n, task): how far each audience's ratings moved since round n-1 (services.delphi_rounds)."""
    from .delphi_rounds import round_stability

    out: dict[tuple[int, tuple[str, str]], list[Stability]] = {}
    for n, survey in rounds[1:]:
        for figures in round_stability(survey):
            if figures.shift is None and figures.pairs is None:
                continue
            instrument, task = figures.task.split(".", 1)
            out.setdefault((n, (instrument, task)), []).append(
                Stability(
                    figures.audience,
                    label.get(figures.audience, figures.audience),
                    figures.shift,
                    figures.stable,
                    figures.p,
                    figures.pairs,
                    figures.share_changed,
                )
            )
    return out


VIEW_COLUMNS = (
    "round",
    "domain",
    "task_id",
    "task",
    "status",
    "round_settled",
    "audience",
    "percent_essential_or_appropriate",
    "n",
    "stance",
    "hidden",
    "shift_from_previous_round",
    "stable",
    "paired_respondents",
    "share_changed",
    "agreement",
    "do_now_gap",
)


def view_rows(view: RoleView) -> list[list[Any]]:
    """One row per task and audience, for the CSV download."""
    rows = []
    for task in view.tasks():
        shift = {s.audience: s for s in task.stability}
        for cell in task.cells:
            s = shift.get(cell.key)
            rows.append(
                [
                    task.round,
                    task.domain_title,
                    task.id,
                    task.title,
                    task.verdict,
                    task.round_settled,
                    cell.label,
                    None if cell.percent is None else round(cell.percent, 1),
                    cell.n,
                    cell.stance,
                    cell.hidden_reason or "",
                    None if s is None or s.shift is None else round(s.shift, 3),
                    "" if s is None or s.stable is None else ("yes" if s.stable else "no"),
                    None if s is None else s.pairs,
                    None if s is None or s.share_changed is None else round(s.share_changed, 3),
                    task.agreement,
                    " ".join(task.gaps),
                ]
            )
    return rows
