"""Research exports, generated row by row so memory stays flat however large the survey.

Responses are read with a server-side (streaming) cursor in chunks; each
chunk's numeric answers come from the per-response vectors and become one
numpy block, so formatting 100,000 x 40 cells is a few vectorised steps per
chunk, not a Python loop per answer. Free-text and multi-choice answers are
merged in from a second stream ordered the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import and_, select

from ..db import Answer, Audience, ItemKey, Response, Survey, User, db
from ..instruments import NOT_SHOWN, PREFER_NOT_TO_ANSWER, Instrument
from ..instruments.answers import StoredValue
from ..instruments.flow import item_key
from ..instruments.scoring import score_matrix
from ..reporting.variables import MISSING_LABELS, Variable, score_count_variables, wide_variables
from .audit import log
from .survey_data import VECTOR_DTYPE, answer_vector, survey_columns
from .surveys import survey_instruments

__all__ = ["ExportPlan", "export_plan", "iter_long_rows", "iter_scores_rows", "iter_wide_rows", "record_export"]

CHUNK = 2000


@dataclass(frozen=True)
class ExportPlan:
    survey: Survey
    instruments: tuple[Instrument, ...]
    variables: tuple[Variable, ...]
    columns: tuple[str, ...]  # the survey's vector layout

    @property
    def items(self) -> list[Variable]:
        return [v for v in self.variables if v.kind in ("item", "option")]

    @property
    def scores(self) -> list[Variable]:
        return [v for v in self.variables if v.kind == "score"]


def export_plan(survey: Survey) -> ExportPlan:
    instruments = tuple(survey_instruments(survey))
    variables = tuple(wide_variables(instruments, [a.key for a in survey.audiences]))
    return ExportPlan(survey, instruments, variables, tuple(survey_columns(survey)))


def record_export(survey: Survey, fmt: str, actor: User | None, now: dt.datetime, detail: dict[str, Any] | None = None) -> None:
    log("export", actor, survey.slug, {"format": fmt, **(detail or {})}, now)


# Streaming options go on each statement, never on the session's connection: set there they would stay
# for every later statement of the transaction (PostgreSQL then refuses a DELETE as a cursor).


def _responses(survey: Survey) -> Iterator[list[tuple[Any, ...]]]:
    query = (
        select(Response.id, Audience.key, Response.language, Response.submitted_at, Response.source, Response.vector)
        .join(Audience, Audience.id == Response.audience_id)
        .where(and_(Response.survey_id == survey.id, Response.status == "submitted"))
        .order_by(Response.id)
    )
    result = db.session.connection().execute(query.execution_options(stream_results=True, yield_per=CHUNK))
    yield from result.partitions(CHUNK)


def _other_answers(survey: Survey, keys: Sequence[str]) -> Iterator[tuple[str, str, str | None, bool]]:
    """Text and multi-choice answers, ordered like the responses (streamed)."""
    if not keys:
        return
    query = (
        select(Response.id, ItemKey.key, Answer.value_text, Answer.skipped)
        .join(Response, Response.pk == Answer.response_pk)
        .join(ItemKey, ItemKey.id == Answer.item_key_id)
        .where(Response.survey_id == survey.id, Response.status == "submitted", ItemKey.key.in_(list(keys)))
        .order_by(Response.id)
    )
    yield from db.session.connection().execute(query.execution_options(stream_results=True, yield_per=CHUNK))


def _vector_of(response_id: str, vector: bytes | None, columns: Sequence[str]) -> npt.NDArray[np.float32]:
    if vector is None:  # submitted before vectors existed: rebuild from the answer rows
        rows = db.session.execute(
            select(ItemKey.key, Answer.value_num, Answer.value_text, Answer.skipped)
            .join(ItemKey, ItemKey.id == Answer.item_key_id)
            .join(Response, Response.pk == Answer.response_pk)
            .where(Response.id == response_id)
        ).all()
        vector = answer_vector(columns, {k: StoredValue(n, t, s) for k, n, t, s in rows})
    return np.frombuffer(vector, dtype=VECTOR_DTYPE)


def _submitted(moment: dt.datetime | None, anonymous: bool) -> str | None:
    if moment is None:
        return None
    return moment.date().isoformat() if anonymous else moment.replace(microsecond=0).isoformat()


def iter_wide_rows(plan: ExportPlan, labels: bool = False, language: str | None = None) -> Iterator[list[Any]]:
    """One list per submitted response, in ``plan.variables`` order: codes (or labels), -9/-8, None for empty."""
    survey = plan.survey
    language = language or survey.languages[0]
    anonymous = survey.anonymity == "anonymous"
    position = {key: i for i, key in enumerate(plan.columns)}
    numeric = [v for v in plan.items if v.kind == "item" and v.type in ("integer", "number")]
    numeric_index = [position[v.name] for v in numeric]
    texts = [v for v in plan.items if v.kind == "item" and v.type == "string"]
    options = [v for v in plan.items if v.kind == "option"]
    other_keys = sorted({v.name for v in texts} | {f"{v.instrument}.{v.item}" for v in options})
    other = _other_answers(survey, other_keys)
    pending = next(other, None)
    conditional = _conditional_items(plan)
    scored = [(i, s) for i in plan.instruments for s in i.subscales if f"{i.id}.{s.id}" in {v.name for v in plan.scores}]
    score_columns = [[position[f"{i.id}.{x}"] for x in s.items] for i, s in scored]
    order = {v.name: n for n, v in enumerate(plan.variables)}
    numeric_at = [order[v.name] for v in numeric]
    score_at = [order[f"{i.id}.{s.id}"] for i, s in scored]
    for chunk in _responses(survey):
        vectors = np.stack([_vector_of(r[0], r[5], plan.columns) for r in chunk]).astype(np.float64)
        audiences = np.array([r[1] for r in chunk])
        block = vectors[:, numeric_index]
        for column, variable in enumerate(numeric):  # not asked of this audience: "not shown"
            block[~np.isin(audiences, variable.audiences), column] = NOT_SHOWN
        # The whole chunk as one object table, filled column-wise: Python touches a cell only for text,
        # multi-choice and show_if, never for the numeric bulk.
        table = np.full((len(chunk), len(plan.variables)), None, dtype=object)
        table[:, numeric_at] = _codes(block)
        if scored:
            scores = np.column_stack(
                [score_matrix(i, s, vectors[:, cols])[0] for (i, s), cols in zip(scored, score_columns, strict=True)]
            )
            table[:, score_at] = _codes(np.round(scores, 6), whole=False)
        rows = table.tolist()
        for row_number, (row, response) in enumerate(zip(rows, chunk, strict=True)):
            response_id, audience = response[0], response[1]
            row[0:6] = [response_id, audience, response[2], survey.wave or 1, _submitted(response[3], anonymous), response[4]]
            extra: dict[str, tuple[str | None, bool]] = {}
            while pending is not None and pending[0] < response_id:
                pending = next(other, None)
            while pending is not None and pending[0] == response_id:
                extra[pending[1]] = (pending[2], bool(pending[3]))
                pending = next(other, None)
            for variable in texts:
                text, skipped = extra.get(variable.name, (None, False))
                row[order[variable.name]] = "" if skipped else text
            for variable in options:
                key = f"{variable.instrument}.{variable.item}"
                if audience not in variable.audiences:
                    row[order[variable.name]] = NOT_SHOWN
                elif key in extra:
                    text, skipped = extra[key]
                    chosen = json.loads(text) if text else []
                    row[order[variable.name]] = (
                        PREFER_NOT_TO_ANSWER if skipped else int(int(variable.name.rsplit(".", 1)[1]) in chosen)
                    )
            if conditional:
                _mark_hidden(row, order, conditional, vectors[row_number], position, audience)
            yield _as_labels(row, plan.variables, language) if labels else row


def _codes(values: npt.NDArray[np.float64], whole: bool = True) -> npt.NDArray[Any]:
    """Numbers as CSV-ready Python values: whole numbers as int, others as float, NaN as None."""
    out = values.astype(object)
    out[np.isnan(values)] = None
    if whole:
        integral = ~np.isnan(values) & (values == np.rint(values))
        if integral.any():
            out[integral] = values[integral].astype(np.int64).tolist()
    return out


def _code(value: float) -> int | float | None:
    if np.isnan(value):
        return None
    return int(value) if float(value).is_integer() else round(float(value), 6)


def _conditional_items(plan: ExportPlan) -> list[tuple[Instrument, Any]]:
    return [(i, item) for i in plan.instruments for item in i.items if item.show_if is not None]


def _mark_hidden(
    row: list[Any],
    order: dict[str, int],
    conditional: list[tuple[Instrument, Any]],
    vector: npt.NDArray[np.float64],
    position: dict[str, int],
    audience: str,
) -> None:
    """Items that show_if hid from this respondent are "not shown" (-8), not "not answered"."""
    from ..instruments import evaluate

    for instrument, item in conditional:
        if not item.asked_of(audience):
            continue  # already marked: not asked of this audience
        own: dict[str, Any] = {}
        for other in instrument.items:
            key = item_key(instrument, other)
            if key in position:
                value = vector[position[key]]
                if not np.isnan(value) and value != PREFER_NOT_TO_ANSWER:
                    own[other.id] = _code(value)
            elif key in order and row[order[key]] not in (None, ""):
                own[other.id] = row[order[key]]
        if evaluate(item.show_if, own):
            continue
        name = item_key(instrument, item)
        for variable_name, index in order.items():
            if variable_name == name:
                row[index] = None if item.type in ("text", "longtext") else NOT_SHOWN
            elif variable_name.startswith(name + "."):
                row[index] = NOT_SHOWN


def _as_labels(row: list[Any], variables: Sequence[Variable], language: str) -> list[Any]:
    out = []
    for value, variable in zip(row, variables, strict=True):
        if variable.values and isinstance(value, int):
            out.append(variable.value_label(value, language) or value)
        else:
            out.append(value)
    return out


def iter_long_rows(plan: ExportPlan, language: str | None = None) -> Iterator[list[Any]]:
    """One row per stored answer: response, audience, item, value, label, skipped."""
    language = language or plan.survey.languages[0]
    variables = {v.name: v for v in plan.variables}
    query = (
        select(Response.id, Audience.key, ItemKey.key, Answer.value_num, Answer.value_text, Answer.skipped)
        .join(Response, Response.pk == Answer.response_pk)
        .join(Audience, Audience.id == Response.audience_id)
        .join(ItemKey, ItemKey.id == Answer.item_key_id)
        .where(Response.survey_id == plan.survey.id, Response.status == "submitted")
        .order_by(Response.id, ItemKey.key)
    )
    skipped_label = MISSING_LABELS[PREFER_NOT_TO_ANSWER].get(language) or MISSING_LABELS[PREFER_NOT_TO_ANSWER]["en"]
    result = db.session.connection().execute(query.execution_options(stream_results=True, yield_per=CHUNK * 20))
    for response_id, audience, key, num, text, skipped in result:
        variable = variables.get(key)
        if skipped:
            yield [response_id, audience, key, PREFER_NOT_TO_ANSWER, skipped_label, "true"]
            continue
        value: Any = _code(num) if num is not None else text
        label = variable.value_label(value, language) if variable is not None and isinstance(value, int) else None
        yield [response_id, audience, key, value, label, "false"]


def iter_scores_rows(plan: ExportPlan) -> Iterator[list[Any]]:
    """One row per response: id, audience, wave, then each score and the number of items it used."""
    survey = plan.survey
    position = {key: i for i, key in enumerate(plan.columns)}
    scored = [(i, s) for i in plan.instruments for s in i.subscales if f"{i.id}.{s.id}" in {v.name for v in plan.scores}]
    for chunk in _responses(survey):
        vectors = np.stack([_vector_of(r[0], r[5], plan.columns) for r in chunk]).astype(np.float64)
        audiences = [r[1] for r in chunk]
        results = []
        for instrument, subscale in scored:
            asked = np.isin(audiences, [a for a in instrument.audiences if subscale in instrument.subscales_for(a)])
            values, answered = score_matrix(
                instrument, subscale, vectors[:, [position[f"{instrument.id}.{x}"] for x in subscale.items]]
            )
            results.append((np.where(asked, values, np.nan), np.where(asked, answered, -1)))
        for n, response in enumerate(chunk):
            row: list[Any] = [response[0], response[1], survey.wave or 1]
            for values, answered in results:
                row.append(None if np.isnan(values[n]) else round(float(values[n]), 6))
                row.append(None if answered[n] < 0 else int(answered[n]))
            yield row


def scores_columns(plan: ExportPlan) -> list[str]:
    return ["response_id", "audience", "wave", *[v.name for v in score_count_variables(plan.scores)]]
