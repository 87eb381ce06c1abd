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
from .yamlread import InstrumentYAMLError, read_yaml

__all__ = ["MAX_SPEC_CHARS", "SurveySpec", "parse_survey_spec"]

#: longest survey spec accepted, in characters (the documented example is under 4,000)
MAX_SPEC_CHARS = 100_000


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
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

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
    used = [instruments[k] for k in data["instruments"] if k in instruments]
    for position, audience in enumerate(audiences):
        if used and not any(audience in i.audiences for i in used):
            problem(
                ("audiences", position),
                f"no instrument of this survey is asked of '{audience}'",
                "add an instrument written for this audience, or remove the audience",
            )
    for audience in data.get("audience_labels", {}):
        if audience not in audiences:
            problem(("audience_labels", audience), f"'{audience}' is not one of the survey's audiences", "remove the label")
    opens = dt.date.fromisoformat(data["opens_at"]) if "opens_at" in data else None
    closes = dt.date.fromisoformat(data["closes_at"]) if "closes_at" in data else None
    if opens and closes and closes < opens:
        problem(("closes_at",), f"closes ({closes}) before it opens ({opens})", "swap or correct the dates")
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
        raw=data,
    )
    if problems:
        raise InstrumentError(problems)
    return spec
