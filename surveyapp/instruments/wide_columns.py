"""The variables of a survey's wide data file, described once for every format.

The wide CSV, the codebook (CSV and HTML), the Frictionless Table Schema,
the SPSS labels and the importer all read this list, so a column's name,
type, codes and labels cannot disagree between them. Pure: instruments in,
variables out.

Missing codes in every numeric item column:

* ``-9`` prefer not to answer (the respondent chose not to answer);
* ``-8`` not shown (the item was not asked of this audience, or show_if hid it);
* empty: shown but not answered.

"Not observed" / "don't know" keep the instrument's own codes (e.g. 9) and
are listed as missing values too, never scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .model import NOT_SHOWN, PREFER_NOT_TO_ANSWER, Instrument

__all__ = ["META_COLUMNS", "Variable", "wide_variables"]

MISSING_LABELS = {
    PREFER_NOT_TO_ANSWER: {"en": "Prefer not to answer", "he": "מעדיף/ה לא לענות", "ar": "أفضّل عدم الإجابة"},
    NOT_SHOWN: {"en": "Not shown", "he": "לא הוצג", "ar": "لم يُعرض"},
}


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str  # meta | item | option | score | count
    type: str  # string | integer | number | date | datetime
    label: Mapping[str, str]  # language -> variable label (item text, or a description)
    instrument: str | None = None
    instrument_version: str | None = None
    content_hash: str | None = None
    item: str | None = None
    item_type: str | None = None
    audiences: tuple[str, ...] = ()
    #: (code, language -> label) for every code the column can hold, missing codes included
    values: tuple[tuple[int, Mapping[str, str]], ...] = ()
    #: codes that mean "no substantive answer"
    missing: tuple[int, ...] = ()
    reverse: bool = False
    subscales: tuple[str, ...] = ()
    scoring: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    texts_by_audience: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: role tasks: the task this column belongs to, which question it holds (role | frequency | comment) and its domain
    task: str | None = None
    task_part: str | None = None
    domain: str | None = None
    domain_title: Mapping[str, str] = field(default_factory=dict)

    def label_in(self, language: str) -> str:
        return self.label.get(language) or next(iter(self.label.values()), "")

    def value_label(self, code: int, language: str) -> str | None:
        for value, labels in self.values:
            if value == code:
                return labels.get(language) or labels.get("en") or next(iter(labels.values()))
        return None


def _en(text: str) -> dict[str, str]:
    return {"en": text}


META_COLUMNS: tuple[Variable, ...] = (
    Variable("response_id", "meta", "string", _en("Response id (random; not linked to any invitation)")),
    Variable("audience", "meta", "string", _en("Audience the respondent answered as")),
    Variable("language", "meta", "string", _en("Language the respondent answered in")),
    Variable("wave", "meta", "integer", _en("Wave of the survey series")),
    Variable("submitted", "meta", "date", _en("Date submitted (UTC; date only in anonymous surveys)")),
    Variable("source", "meta", "string", _en("web, import or demo")),
)


def _missing_values(languages: Sequence[str]) -> tuple[tuple[int, Mapping[str, str]], ...]:
    return tuple((code, {lang: labels.get(lang, labels["en"]) for lang in languages}) for code, labels in MISSING_LABELS.items())


def wide_variables(instruments: Sequence[Instrument], audiences: Sequence[str]) -> list[Variable]:
    """Every column of the wide file, in order: metadata, each instrument's items, then subscale scores."""
    variables = list(META_COLUMNS)
    scores: list[Variable] = []
    for instrument in instruments:
        languages = instrument.languages
        common = {"instrument": instrument.id, "instrument_version": instrument.version, "content_hash": instrument.content_hash}
        membership: dict[str, list[str]] = {}
        for subscale in instrument.subscales:
            for item_id in subscale.items:
                membership.setdefault(item_id, []).append(subscale.id)
        for item in instrument.items:
            asked = tuple(a for a in item.audiences if a in audiences)
            if not asked:
                continue
            name = f"{instrument.id}.{item.id}"
            label = dict(item.text[asked[0]])
            by_audience = {a: dict(item.text[a]) for a in asked}
            base = {**common, "item": item.id, "item_type": item.type, "audiences": asked, "texts_by_audience": by_audience}
            if item.task is not None:
                base |= {
                    "task": item.task.task,
                    "task_part": item.task.part,
                    "domain": item.task.domain,
                    "domain_title": dict(instrument.domain(item.task.domain).title),
                }
            if item.type == "multi" and item.scale is not None:
                for option in item.scale.options:
                    variables.append(
                        Variable(
                            f"{name}.{option.code}",
                            "option",
                            "integer",
                            {lang: f"{label[lang]} — {option.label[lang]}" for lang in languages},
                            values=((1, _en("chosen")), (0, _en("not chosen")), *_missing_values(languages)),
                            missing=(PREFER_NOT_TO_ANSWER, NOT_SHOWN),
                            **base,
                        )
                    )
                continue
            if item.scale is not None:
                options = item.scale.options + item.scale.missing_options
                values = tuple((o.code, dict(o.label)) for o in options) + _missing_values(languages)
                missing = (*(o.code for o in item.scale.missing_options), PREFER_NOT_TO_ANSWER, NOT_SHOWN)
                variables.append(
                    Variable(
                        name,
                        "item",
                        "integer",
                        label,
                        values=values,
                        missing=missing,
                        reverse=item.reverse,
                        subscales=tuple(membership.get(item.id, ())),
                        minimum=item.scale.min,
                        maximum=item.scale.max,
                        **base,
                    )
                )
            elif item.type == "number":
                variables.append(
                    Variable(
                        name,
                        "item",
                        "integer" if item.integer else "number",
                        label,
                        values=_missing_values(languages),
                        missing=(PREFER_NOT_TO_ANSWER, NOT_SHOWN),
                        minimum=item.min,
                        maximum=item.max,
                        **base,
                    )
                )
            else:
                variables.append(Variable(name, "item", "string", label, **base))
        for subscale in instrument.subscales:
            scale = instrument.scale_of(subscale)
            n = len(subscale.items)
            low, high = (scale.min, scale.max) if subscale.scoring == "mean" else (scale.min * n, scale.max * n)
            asked = tuple(a for a in audiences if subscale in instrument.subscales_for(a))
            if not asked:
                continue
            rule = (
                f"{subscale.scoring} of {n} items ({', '.join(subscale.items)}), reverse-keyed recoded as "
                f"{scale.min}+{scale.max}-x; needs at least {subscale.min_answered:g} of items and 2 answered"
            )
            scores.append(
                Variable(
                    f"{instrument.id}.{subscale.id}",
                    "score",
                    "number",
                    dict(subscale.label),
                    scoring=rule,
                    minimum=low,
                    maximum=high,
                    audiences=asked,
                    **common,
                )
            )
    return variables + scores


def score_count_variables(scores: Sequence[Variable]) -> list[Variable]:
    """For the scores file: each score followed by the number of items it was computed from."""
    out: list[Variable] = []
    for score in scores:
        out.append(score)
        out.append(
            Variable(
                f"{score.name}.n_items",
                "count",
                "integer",
                _en(f"Items answered for {score.name}"),
                instrument=score.instrument,
                instrument_version=score.instrument_version,
                content_hash=score.content_hash,
            )
        )
    return out
