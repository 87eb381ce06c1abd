"""Survey specs: a small YAML file saying which instruments go to which audiences.

Checked as strictly as instrument files, against ``survey_schema.json`` and
against the instruments it names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Instrument, Text
from .problems import InstrumentError, Path, Problem
from .schema_check import schema_problems
from .survey_parts import check_routing, check_short_forms
from .yamlread import InstrumentYAMLError, read_yaml

__all__ = ["MAX_SPEC_CHARS", "DelphiSpec", "SurveySpec", "check_survey_spec", "delphi_from_raw", "parse_survey_spec", "spec_yaml"]

#: longest survey spec accepted, in characters (the documented example is under 4,000)
MAX_SPEC_CHARS = 100_000


@dataclass(frozen=True)
class DelphiSpec:
    """A survey's ``delphi:`` block: how consensus is judged and how rounds follow each other (docs/delphi.md).

    The consensus fields mirror ``analysis.consensus.ConsensusRule`` (the
    instruments layer cannot import it); its minimum cell size is the
    survey's ``min_cell_size``, the one rule every output uses.
    """

    max_rounds: int = 3
    settled: str = "drop"  # drop | confirm: what round n+1 does with tasks settled in round n
    propose_tasks: bool = False  # round 1 asks the instrument's proposal item ("something missing?")
    include_share: float = 0.70
    exclude_share: float = 0.70
    max_iqr: float | None = 1.0
    max_iqr_exclude: float | None = None
    min_audiences: int = 1
    max_shift: float = 0.15  # a task is stable when at most this share of its ratings moved between rounds
    #: the survey's role-task instruments, in survey order
    task_instruments: tuple[str, ...] = ()


@dataclass(frozen=True)
class SurveySpec:
    slug: str
    title: Text
    instruments: tuple[str, ...]
    audiences: tuple[str, ...]
    languages: tuple[str, ...]
    consent: Text
    thank_you: Text | None = None
    support: Text | None = None
    audience_labels: Mapping[str, Text] = field(default_factory=dict)
    series: str | None = None
    wave: int | None = None
    opens_at: dt.date | None = None
    closes_at: dt.date | None = None
    anonymity: str = "anonymous"
    min_cell_size: int = 5
    delphi: DelphiSpec | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    #: the survey's instruments as asked: short forms applied (survey_parts)
    asked: Mapping[str, Instrument] = field(default_factory=dict, repr=False, compare=False)

    @property
    def texts(self) -> dict[str, Any]:
        return {
            "consent": self.consent,
            "thank_you": self.thank_you,
            "support": self.support,
            "audience_labels": dict(self.audience_labels),
        }


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def parse_survey_spec(text: str, source: str, instruments: Mapping[str, Instrument]) -> SurveySpec:
    """Parse and check a spec against the available instruments; raise with every problem."""
    try:
        data, lines = read_yaml(text, source, max_chars=MAX_SPEC_CHARS)
    except InstrumentYAMLError as exc:
        raise InstrumentError([exc.problem]) from exc
    return check_survey_spec(data, source, instruments, lines)


def spec_yaml(data: Mapping[str, Any]) -> str:
    """A spec as YAML (the builder's export), readable again by :func:`parse_survey_spec`."""
    import yaml

    plain = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}
    header = "# A Peerscope survey spec (docs/surveys.md). Import it on Surveys -> Import a spec.\n"
    return header + yaml.safe_dump(plain, allow_unicode=True, sort_keys=False, width=100)


def check_survey_spec(
    data: Any, source: str, instruments: Mapping[str, Instrument], lines: Mapping[Path, int] | None = None
) -> SurveySpec:
    """Check a spec (from YAML, or built by the admin form) against the instruments; raise with every problem.

    The one validator of survey specs: the form and an imported file get the
    same messages for the same mistake. ``lines``: where each field is in the
    file (none for the form).
    """
    lines = lines or {}
    problems: list[Problem] = []

    def problem(path: Path, message: str, fix: str | None = None) -> None:
        line = next((lines[path[:end]] for end in range(len(path), -1, -1) if path[:end] in lines), None)
        problems.append(Problem(source, line, path, message, fix))

    if not isinstance(data, dict):
        problem((), "a survey spec must be a mapping of keys such as title, instruments, audiences", "start from docs/surveys.md")
        raise InstrumentError(problems)
    data = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}
    for path, message, fix in schema_problems(data, "survey_schema.json"):
        problem(path, message, fix)
    if problems:
        raise InstrumentError(problems)

    languages = tuple(data["languages"])
    audiences = tuple(data["audiences"])

    def text_of(key: str | tuple[str, ...]) -> dict[str, str]:
        path: Path = key if isinstance(key, tuple) else (key,)
        raw: Any = data
        for part in path:
            raw = raw[part]
        for lang in languages:
            if not str(raw.get(lang, "")).strip():
                problem(
                    path,
                    f"the text in language '{lang}' is missing",
                    f"add '{lang}: ...' (the survey's languages are {', '.join(languages)})",
                )
        return {lang: str(raw.get(lang, "")) for lang in languages}

    for position, key in enumerate(data["instruments"]):
        instrument = instruments.get(key)
        if instrument is None:
            problem(("instruments", position), f"no instrument '{key}'", f"use one of: {', '.join(sorted(instruments))}")
            continue
        missing = [lang for lang in languages if lang not in instrument.languages]
        if missing:
            problem(
                ("instruments", position),
                f"'{key}' has no {', '.join(missing)} text",
                f"translate the instrument, or drop the language; it has {', '.join(instrument.languages)}",
            )
        if not set(instrument.audiences) & set(audiences):
            problem(
                ("instruments", position),
                f"'{key}' is not asked of any of this survey's audiences",
                f"it is written for {', '.join(instrument.audiences)}",
            )
    asked = check_short_forms(data, instruments, problem)
    used = list(asked.values())
    for position, audience in enumerate(audiences):
        if used and not any(i.items_for(audience) for i in used):
            problem(
                ("audiences", position),
                f"no instrument of this survey is asked of '{audience}'",
                "add an instrument written for this audience (or keep more of a short form), or remove the audience",
            )
    check_routing(data, asked, audiences, problem)
    for audience in data.get("audience_labels", {}):
        if audience not in audiences:
            problem(("audience_labels", audience), f"'{audience}' is not one of the survey's audiences", "remove the label")
    opens = dt.date.fromisoformat(data["opens_at"]) if "opens_at" in data else None
    closes = dt.date.fromisoformat(data["closes_at"]) if "closes_at" in data else None
    if opens and closes and closes < opens:
        problem(("closes_at",), f"closes ({closes}) before it opens ({opens})", "swap or correct the dates")
    delphi = _delphi(data, instruments, audiences, problem)
    slug = data.get("slug") or slugify(text_of("title")[languages[0]] if languages else "")
    if len(slug) < 3:
        problem(("slug",), "cannot make a web address from the title", "add slug: e.g. peer-role-2026")
    spec = SurveySpec(
        slug=slug,
        title=text_of("title"),
        instruments=tuple(data["instruments"]),
        audiences=audiences,
        languages=languages,
        consent=text_of("consent"),
        thank_you=text_of("thank_you") if "thank_you" in data else None,
        support=text_of("support") if "support" in data else None,
        audience_labels={a: text_of(("audience_labels", a)) for a in data.get("audience_labels", {}) if a in audiences},
        series=data.get("series"),
        wave=data.get("wave"),
        opens_at=opens,
        closes_at=closes,
        anonymity=data.get("anonymity", "anonymous"),
        min_cell_size=data.get("min_cell_size", 5),
        delphi=delphi,
        raw=data,
        asked=asked,
    )
    if problems:
        raise InstrumentError(problems)
    return spec


def _delphi(
    data: Mapping[str, Any],
    instruments: Mapping[str, Instrument],
    audiences: tuple[str, ...],
    problem: Any,
) -> DelphiSpec | None:
    """The ``delphi:`` block, checked against the instruments the survey uses."""
    raw = data.get("delphi")
    if raw is None:
        return None
    used = [instruments[k] for k in data["instruments"] if k in instruments]
    with_tasks = [i for i in used if i.tasks]
    if used and not with_tasks:
        problem(
            ("delphi",),
            "a Delphi rates role tasks, and none of this survey's instruments has any",
            "add a role-task instrument such as peer-role-tasks to 'instruments', or remove 'delphi'",
        )
    can_propose = any(i.task_questions and i.task_questions.proposal_item for i in with_tasks)
    if raw.get("propose_tasks") and with_tasks and not can_propose:
        problem(
            ("delphi", "propose_tasks"),
            f"{', '.join(i.id for i in with_tasks)} has no question for proposing tasks",
            "set task_rating.proposal_item in the instrument (docs/instruments.md), or set propose_tasks: false",
        )
    consensus = raw.get("consensus", {})
    min_audiences = consensus.get("min_audiences", 1)
    if min_audiences > len(audiences):
        problem(
            ("delphi", "consensus", "min_audiences"),
            f"asks for {min_audiences} audiences but the survey has {len(audiences)}",
            f"use at most {len(audiences)}",
        )
    return delphi_from_raw(raw, tuple(i.id for i in with_tasks))


def delphi_from_raw(raw: Mapping[str, Any], task_instruments: tuple[str, ...] = ()) -> DelphiSpec:
    """A checked ``delphi:`` block (as stored in the survey's spec) with its defaults filled in."""
    defaults = DelphiSpec()
    consensus = raw.get("consensus", {})
    return DelphiSpec(
        max_rounds=raw.get("max_rounds", defaults.max_rounds),
        settled=raw.get("settled", defaults.settled),
        propose_tasks=raw.get("propose_tasks", defaults.propose_tasks),
        include_share=float(consensus.get("include_share", defaults.include_share)),
        exclude_share=float(consensus.get("exclude_share", defaults.exclude_share)),
        max_iqr=consensus.get("max_iqr", defaults.max_iqr),
        max_iqr_exclude=consensus.get("max_iqr_exclude", defaults.max_iqr_exclude),
        min_audiences=consensus.get("min_audiences", defaults.min_audiences),
        max_shift=float(raw.get("stability", {}).get("max_shift", defaults.max_shift)),
        task_instruments=task_instruments,
    )
