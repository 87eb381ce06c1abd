"""The codebook as a standalone web page: one table per instrument, then the scores, every survey language side by
side (right-to-left where the language is)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ..instruments.wide_columns import Variable
from ..services.export import ExportPlan
from .column_words import MISSING_LEGEND, number, substantive, text_in
from .export_format import ExportFormat, ExportOptions

__all__ = ["CODEBOOK_HTML", "codebook_html", "codebook_html_context", "render_codebook_html"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "yi"})


@dataclass(frozen=True)
class LangText:
    lang: str
    text: str

    @property
    def dir(self) -> str:
        return "rtl" if self.lang.split("-")[0] in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True)
class CodebookValue:
    code: int
    labels: tuple[LangText, ...]


@dataclass(frozen=True)
class CodebookRow:
    name: str
    kind: str
    instrument: str
    type: str
    item_type: str
    labels: tuple[LangText | None, ...]  # one per survey language, None where the variable has no label in it
    wordings: tuple[tuple[str, tuple[LangText, ...]], ...]  # (audience, texts) when wording differs by audience
    values: tuple[CodebookValue, ...]
    missing: str
    reverse: str
    subscales: str
    audiences: str
    scoring: str
    range: str
    task: str = ""  # "role task <id> (<domain>): <question>" for role-task columns


@dataclass(frozen=True)
class CodebookInstrument:
    id: str
    title: str
    version: str
    content_hash: str
    licence: str
    citation: str
    rows: tuple[CodebookRow, ...]


def _lang_texts(labels: Mapping[str, str], languages: Sequence[str]) -> tuple[LangText, ...]:
    found = tuple(LangText(lang, labels[lang]) for lang in languages if labels.get(lang))
    return found or tuple(LangText(lang, text) for lang, text in list(labels.items())[:1])


def _row_labels(variable: Variable, languages: Sequence[str]) -> tuple[LangText | None, ...]:
    """One cell per survey language; a label in none of them (metadata: English) goes in the first."""
    labels = tuple(LangText(lang, variable.label[lang]) if variable.label.get(lang) else None for lang in languages)
    if any(labels):
        return labels
    fallback = next(iter(variable.label.items()), ("en", ""))
    return (LangText(*fallback), *[None] * (len(languages) - 1))


def _codebook_row(variable: Variable, languages: Sequence[str]) -> CodebookRow:
    wordings = variable.texts_by_audience
    differs = len({tuple(sorted(t.items())) for t in wordings.values()}) > 1
    coded = variable.kind == "item" and bool(substantive(variable))
    return CodebookRow(
        name=variable.name,
        kind=variable.kind,
        instrument=variable.instrument or "",
        type=variable.type,
        item_type=variable.item_type or "",
        labels=_row_labels(variable, languages),
        wordings=tuple((a, _lang_texts(t, languages)) for a, t in wordings.items()) if differs else (),
        values=tuple(CodebookValue(code, _lang_texts(labels, languages)) for code, labels in variable.values),
        missing=", ".join(str(code) for code in variable.missing),
        reverse=("yes" if variable.reverse else "no") if coded else "",
        subscales=", ".join(variable.subscales),
        audiences=", ".join(variable.audiences),
        scoring=variable.scoring or "",
        range=f"{number(variable.minimum)} to {number(variable.maximum)}"
        if variable.minimum is not None and variable.maximum is not None
        else "",
        task=f"role task {variable.task} ({text_in(variable.domain_title, languages[0])}): {variable.task_part}"
        if variable.task
        else "",
    )


def codebook_html_context(plan: ExportPlan) -> dict[str, Any]:
    """Everything the HTML codebook template shows (pure: no request, no clock)."""
    survey = plan.survey
    languages = list(survey.languages)
    rows: dict[str | None, list[CodebookRow]] = {i.id: [] for i in plan.instruments}
    meta: list[CodebookRow] = []
    scores: list[CodebookRow] = []
    for variable in plan.variables:
        row = _codebook_row(variable, languages)
        if variable.kind == "meta":
            meta.append(row)
        elif variable.kind == "score":
            scores.append(row)
        else:
            rows.setdefault(variable.instrument, []).append(row)
    instruments = [
        CodebookInstrument(
            i.id,
            text_in(i.title, languages[0]),
            i.version,
            i.content_hash,
            str(i.licence.get("name", "")),
            i.citation,
            tuple(rows.get(i.id, ())),
        )
        for i in plan.instruments
    ]
    return {
        "title": text_in(survey.title, languages[0]),
        "titles": _lang_texts(survey.title, languages),
        "slug": survey.slug,
        "wave": survey.wave or 1,
        "anonymity": survey.anonymity,
        "languages": [LangText(lang, lang) for lang in languages],
        "missing_legend": MISSING_LEGEND,
        "meta": meta,
        "instruments": instruments,
        "scores": scores,
    }


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_codebook_html(plan: ExportPlan) -> str:
    """The codebook as a standalone HTML page (no Flask, no url_for: it is a downloaded file)."""
    return _environment().get_template("exports/codebook.html").render(**codebook_html_context(plan))


def codebook_html(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    yield render_codebook_html(plan).encode("utf-8")


CODEBOOK_HTML = ExportFormat(
    "codebook-html",
    "{slug}-codebook.html",
    "text/html",
    codebook_html,
    "the codebook as a readable web page (one table per instrument, then the scores)",
)
