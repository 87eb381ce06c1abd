"""A survey's submitted answers as one numeric matrix, for dashboards and statistics.

Rows are submitted responses (ordered by id), columns are the survey's
numeric item keys. A cell holds the stored code or number, ``-9`` for
"prefer not to answer", NaN where nothing was stored.

Two ways in, same result:

* fast: each submitted response carries ``vector``, its numeric answers as
  float32 in the survey's column order, written once at submission. One
  query returns one row per response and the bytes become the matrix in one
  ``numpy.frombuffer`` call;
* from the answer table, for responses without a vector or when waves with
  different columns are combined: the database numbers rows and columns (a
  window rank and a CASE over item keys), so Python never loops over answers.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Float, Integer, Select, and_, case, cast, func, literal, null, select
from sqlalchemy.sql.elements import ColumnElement

from ..db import Answer, Audience, ItemKey, Response, Survey, db
from ..instruments import PREFER_NOT_TO_ANSWER, Instrument, Subscale
from ..instruments.answers import StoredValue
from ..instruments.flow import item_key
from ..instruments.scoring import recoded_matrix, scores_of_recoded

__all__ = ["SurveyData", "answer_vector", "load_survey_data", "numeric_item_keys", "survey_columns"]

VECTOR_DTYPE = np.dtype("<f4")


@dataclass(frozen=True)
class SurveyData:
    audience: npt.NDArray[np.str_]
    wave: npt.NDArray[np.int64]
    minutes: npt.NDArray[np.float64]  # completion time; NaN where unknown (imported responses)
    survey_id: npt.NDArray[np.int64]
    columns: Mapping[str, int]
    codes: npt.NDArray[np.float64]
    _audience_masks: dict[frozenset[str], npt.NDArray[np.bool_]] = field(default_factory=dict, compare=False, repr=False)
    _scores: dict[tuple[str, str, str], npt.NDArray[np.float64]] = field(default_factory=dict, compare=False, repr=False)

    def of_audiences(self, keys: Iterable[str]) -> npt.NDArray[np.bool_]:
        """Which rows come from one of the audiences ``keys`` (kept: a dashboard asks the same few sets many times)."""
        wanted = frozenset(keys)
        mask = self._audience_masks.get(wanted)
        if mask is None:
            mask = self._audience_masks[wanted] = np.isin(self.audience, list(wanted))
        return mask

    def column(self, key: str) -> npt.NDArray[np.float64]:
        index = self.columns.get(key)
        if index is None:
            return np.full(len(self), np.nan)
        return self.codes[:, index]

    def matrix(self, keys: Sequence[str]) -> npt.NDArray[np.float64]:
        return np.column_stack([self.column(k) for k in keys]) if keys else np.empty((len(self), 0))

    def subscale_items(self, instrument: Instrument, subscale: Subscale) -> npt.NDArray[np.float64]:
        """The subscale's item scores (:func:`recoded_matrix`), one row per response; its scores are kept on the way."""
        key = (instrument.id, instrument.version, subscale.id)
        recoded = recoded_matrix(instrument, subscale, self.matrix([f"{instrument.id}.{i}" for i in subscale.items]))
        self._scores.setdefault(key, scores_of_recoded(subscale, recoded)[0])
        return recoded

    def subscale_scores(self, instrument: Instrument, subscale: Subscale) -> npt.NDArray[np.float64]:
        """The subscale's scores, one per response (NaN: too few items answered).

        Kept: the subscale's figures and the perception gaps both start from them, and at a million responses each is
        a pass over millions of values. Only the scores, not the item scores: those would add a copy of the answers.
        """
        key = (instrument.id, instrument.version, subscale.id)
        if key not in self._scores:
            self.subscale_items(instrument, subscale)
        return self._scores[key]

    def __len__(self) -> int:
        return len(self.audience)


def numeric_item_keys(instruments: Sequence[Instrument]) -> list[str]:
    """Answer keys whose stored value is a number (everything but free text and multi-choice)."""
    return [item_key(i, item) for i in instruments for item in i.items if item.type in ("likert", "single", "number")]


def survey_columns(survey: Survey) -> list[str]:
    """The survey's vector layout. Fixed for a survey's life: its instrument snapshots never change."""
    from .surveys import survey_instruments

    return numeric_item_keys(survey_instruments(survey))


def answer_vector(columns: Sequence[str], answers: Mapping[str, StoredValue]) -> bytes:
    values = np.full(len(columns), np.nan, dtype=VECTOR_DTYPE)
    for index, key in enumerate(columns):
        stored = answers.get(key)
        if stored is None:
            continue
        if stored.skipped:
            values[index] = PREFER_NOT_TO_ANSWER
        elif stored.num is not None:
            values[index] = stored.num
    return values.tobytes()


def _minutes(start: ColumnElement, end: ColumnElement) -> ColumnElement:
    """Minutes between two timestamps, in the current database's dialect."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 1440.0
    return func.extract("epoch", end - start) / 60.0


def _completion_minutes() -> ColumnElement:
    """Minutes from start to submission, as stored at submission (anonymous surveys keep no instants); from the
    times for rows stored without it; unknown (NULL) for imported responses, which carry no start time."""
    return case(
        (Response.source == "import", null()),
        else_=func.coalesce(Response.minutes, _minutes(Response.started_at, Response.submitted_at)),
    )


def load_survey_data(
    surveys: Sequence[Survey], keys: Sequence[str], published_only: bool = False, waiting_only: bool = False
) -> SurveyData:
    """Submitted responses of ``surveys`` (one survey, or every wave of a series) with the ``keys`` columns.

    ``published_only``: only responses already published to managers (services.publication);
    ``waiting_only``: only those not yet published. Rows come in key order.
    """
    survey_ids = [s.id for s in surveys]
    wave_of = {s.id: (s.wave or index + 1) for index, s in enumerate(surveys)}
    columns = {key: index for index, key in enumerate(dict.fromkeys(keys))}
    submitted = and_(Response.survey_id.in_(survey_ids), Response.status == "submitted")
    if published_only or waiting_only:
        submitted = and_(submitted, Response.published.is_(published_only))
    audiences = db.session.execute(select(Audience.id, Audience.key).where(Audience.survey_id.in_(survey_ids))).all()
    audience_ids = np.array(sorted(a for a, _ in audiences), dtype=np.int64)
    key_of = dict(audiences)
    audience_keys = np.array([key_of[int(a)] for a in audience_ids] or [""], dtype=str)
    wave_ids = np.array(sorted(survey_ids), dtype=np.int64)
    wave_numbers = np.array([wave_of[int(s)] for s in wave_ids], dtype=np.int64)
    query = (
        select(Response.audience_id, Response.survey_id, cast(_completion_minutes(), Float), Response.vector)
        .where(submitted)
        .order_by(Response.pk)  # the table's own order: no index lookups
    )
    layout = survey_columns(surveys[0]) if len(surveys) == 1 else None
    positions = {key: i for i, key in enumerate(layout or [])}
    take = [(index, positions[key]) for key, index in columns.items() if key in positions]
    audience_parts, wave_parts, survey_parts, minute_parts, code_parts = [], [], [], [], []
    complete = True
    with _collector_paused(), _cursor(query) as cursor:
        while rows := cursor.fetchmany(20_000):  # bounded memory however large the survey
            # one transposition in C, then whole-column conversions: at a million responses a Python step per row
            # and column costs seconds
            audience_col, survey_col, minute_col, vector_col = zip(*rows, strict=True)
            del rows
            size = len(audience_col)
            ids = np.array(survey_col, dtype=np.int64)
            audience_parts.append(audience_keys[np.searchsorted(audience_ids, np.array(audience_col, dtype=np.int64))])
            wave_parts.append(wave_numbers[np.searchsorted(wave_ids, ids)])
            survey_parts.append(ids)
            minute_parts.append(np.array(minute_col, dtype=np.float64))  # None (unknown) becomes NaN
            if complete and layout is not None and None not in vector_col:
                code_parts.append(np.frombuffer(b"".join(vector_col), dtype=VECTOR_DTYPE).reshape(size, len(layout)))
            else:
                complete = False
    n = sum(len(a) for a in audience_parts)
    audience = np.concatenate(audience_parts) if audience_parts else np.array([], dtype=str)
    wave = np.concatenate(wave_parts) if wave_parts else np.array([], dtype=np.int64)
    survey_id = np.concatenate(survey_parts) if survey_parts else np.array([], dtype=np.int64)
    minutes = np.concatenate(minute_parts) if minute_parts else np.array([], dtype=np.float64)
    if complete and code_parts:
        codes = _columns(code_parts, n, len(columns), take)
    else:
        code_parts.clear()
        codes = _codes_from_answers(submitted, columns, n)
    return SurveyData(audience=audience, wave=wave, minutes=minutes, survey_id=survey_id, columns=columns, codes=codes)


@contextmanager
def _cursor(query: Select[Any]) -> Iterator[Any]:
    """The driver's cursor over ``query``'s rows: plain tuples, no result object per row.

    PostgreSQL: a server-side cursor (the rows come a block at a time, not all at once into this process) in binary
    format (a vector arrives as its bytes, not as hexadecimal text to decode; a number as its 8 bytes): at a million
    responses, 1.2 s instead of 2.0 s, and 0.3 s of this process's CPU instead of 0.8 s. The statement's only values
    are survey ids and constants, rendered by SQLAlchemy.
    """
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        yield connection.execute(query).cursor
        return
    driver: Any = connection.connection.driver_connection
    cursor = driver.cursor(name="peerscope_survey_data", binary=True)
    try:
        cursor.execute(str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})))
        yield cursor
    finally:
        cursor.close()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a million rows arrive as short-lived tuples (none forms a cycle).

    Each few hundred new tuples start a collection that walks every object alive; at a million responses that was
    half the time spent reading them (2.9 s of CPU against 1.2 s without).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _columns(
    parts: Sequence[npt.NDArray[np.float32]], n: int, width: int, take: Sequence[tuple[int, int]]
) -> npt.NDArray[np.float64]:
    """The vectors' values as the codes matrix, column ``index`` from vector position ``position`` for each of ``take``.

    Column-major: every figure reads one question's column at a time (a group's answers to an item, a subscale's
    items), which is then one contiguous run of memory instead of one value per 8 x ``width`` bytes.
    """
    codes = np.full((n, width), np.nan, order="F")
    start = 0
    for part in parts:
        stop = start + len(part)
        for index, position in take:
            codes[start:stop, index] = part[:, position]
        start = stop
    return codes


def _codes_from_answers(submitted: ColumnElement, columns: Mapping[str, int], n: int) -> npt.NDArray[np.float64]:
    codes = np.full((n, len(columns)), np.nan, order="F")  # column-major, as _columns explains
    if not n or not columns:
        return codes
    ranked = (
        select(Response.pk.label("rpk"), (func.dense_rank().over(order_by=Response.pk) - 1).label("row"))
        .where(submitted)
        .subquery()
    )
    column_number = case({key: literal(index) for key, index in columns.items()}, value=ItemKey.key)
    value = case((Answer.skipped, literal(float(PREFER_NOT_TO_ANSWER))), else_=cast(Answer.value_num, Float))
    rows = (
        db.session.connection()
        .execute(
            select(ranked.c.row, cast(column_number, Integer), value)
            .join(ranked, ranked.c.rpk == Answer.response_pk)
            .join(ItemKey, ItemKey.id == Answer.item_key_id)
            .where(ItemKey.key.in_(list(columns)), Answer.value_num.is_not(None) | Answer.skipped)
        )
        .cursor.fetchall()
    )
    if rows:
        flat = np.array(rows, dtype=np.float64)
        codes[flat[:, 0].astype(np.int64), flat[:, 1].astype(np.int64)] = flat[:, 2]
    return codes
