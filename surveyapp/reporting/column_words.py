"""What the extra export formats say about a column in words, shared by the data package, SPSS and HTML codebook."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..instruments import NOT_SHOWN, PREFER_NOT_TO_ANSWER
from ..instruments.wide_columns import Variable

__all__ = ["MISSING_LEGEND", "TASK_PART_WORDS", "column_type", "describe", "number", "substantive", "text_in"]

MISSING_LEGEND = (
    (str(PREFER_NOT_TO_ANSWER), "Prefer not to answer: the respondent chose not to answer"),
    (str(NOT_SHOWN), "Not shown: the item was not asked of this respondent (audience or skip logic)"),
    ("empty", "Not answered: shown, but left empty"),
)


def text_in(labels: Mapping[str, str], language: str) -> str:
    return labels.get(language) or labels.get("en") or next(iter(labels.values()), "")


#: what each stored question of a role task holds, for codebooks and file notes
TASK_PART_WORDS: Mapping[str, str] = {
    "role": "should this be part of the peer specialist's role (1 should not be done by peers .. 4 essential)",
    "frequency": "how often the respondent does this now (1 never .. 5 daily)",
    "comment": "free-text comment on the task",
}


def substantive(variable: Variable) -> list[int]:
    """The codes of a coded column that are real answers (empty for free numbers and text)."""
    return [code for code, _ in variable.values if code not in variable.missing]


def column_type(variable: Variable, anonymous: bool) -> str:
    """Submission dates carry a time unless the survey is anonymous."""
    return "datetime" if variable.type == "date" and not anonymous else variable.type


def number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def describe(variable: Variable, languages: Sequence[str]) -> list[str]:
    """Plain-text lines describing a column: wording, instrument, codes, missing codes, scoring."""
    labelled = [lang for lang in languages if variable.label.get(lang)]
    if len(labelled) > 1:
        lines = [" | ".join(f"[{lang}] {variable.label[lang]}" for lang in labelled)]
    else:
        lines = [variable.label_in(languages[0])]
    wordings = variable.texts_by_audience
    if len({tuple(sorted(t.items())) for t in wordings.values()}) > 1:
        for audience, text in wordings.items():
            lines.append(f"Asked of {audience}: " + " | ".join(f"[{lang}] {text[lang]}" for lang in languages if lang in text))
    if variable.instrument:
        lines.append(f"Instrument {variable.instrument} {variable.instrument_version} (content hash {variable.content_hash}).")
    if variable.task:
        lines.append(
            f"Role task {variable.task}, domain {variable.domain} ({text_in(variable.domain_title, languages[0])}): "
            f"{TASK_PART_WORDS.get(variable.task_part or '', variable.task_part)}; not scored."
        )
    if variable.values:
        lines.append("Codes: " + "; ".join(f"{code} = {text_in(labels, languages[0])}" for code, labels in variable.values) + ".")
    if variable.missing:
        lines.append("Missing codes (not answers): " + ", ".join(str(code) for code in variable.missing) + ".")
    if variable.kind == "item" and substantive(variable):
        lines.append("Reverse-keyed." if variable.reverse else "Not reverse-keyed.")
    if variable.subscales:
        lines.append("Scored in subscale(s): " + ", ".join(variable.subscales) + ".")
    if variable.scoring:
        lines.append(f"Scoring: {variable.scoring}.")
    if variable.minimum is not None and variable.maximum is not None:
        lines.append(f"Valid range {number(variable.minimum)} to {number(variable.maximum)}.")
    return lines
