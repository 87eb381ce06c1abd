"""Writing a checked import in one transaction, as fast as each database allows."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import TypeVar

import numpy as np
from sqlalchemy import DateTime, text

from ...db import Survey, db, insert_responses
from ...db.base import skip_foreign_key_checks
from ...instruments import PREFER_NOT_TO_ANSWER
from ..survey_data import VECTOR_DTYPE
from .checks import _fast_sqlite, _Meta
from .constants import CHUNK, SKIPPED, VALUE
from .judging import _Judged
from .prepared import _made_ahead, _numbered, _Rendered, _Rows

_T = TypeVar("_T")

# --- storing -----------------------------------------------------------------------------------------------------


def _store(survey: Survey, columns: Sequence[str], meta: _Meta, judged: list[_Judged], now: dt.datetime) -> None:
    """Insert the responses (with their vectors) and their answers in the current transaction."""
    rows = _rows(columns, meta, judged, now)
    dialect = db.session.connection().dialect
    if _fast_sqlite():
        _store_sqlite(survey, rows, judged, now)
    elif dialect.name == "postgresql" and dialect.driver == "psycopg":
        from .postgres import _store_postgres  # the driver is imported only where it is used

        _store_postgres(survey, rows, judged, now)
    else:
        _store_core(survey, rows, judged, now)


def _rows(columns: Sequence[str], meta: _Meta, judged: list[_Judged], now: dt.datetime) -> _Rows:
    """The checked rows as the writers take them: in id order, each with its vector (``columns``' numbers)."""
    n = len(meta.ids)
    position = {key: i for i, key in enumerate(columns)}
    vectors = np.full((n, len(columns)), np.nan, dtype=VECTOR_DTYPE)
    for cells in judged:  # the numbers answer_vector() makes from the stored answers
        if cells.num is not None and cells.key in position:
            vectors[:, position[cells.key]] = np.where(cells.state == SKIPPED, float(PREFER_NOT_TO_ANSWER), cells.num)
    return _Rows(
        np.argsort(np.array(meta.ids), kind="stable").tolist(),
        meta.ids,
        [meta.audience_ids[a] for a in meta.audience_index.tolist()],
        meta.languages,
        [m or now for m in meta.submitted],
        vectors,
    )


# SQLite unpacks the answers itself from one JSON document per few thousand responses:
# ``[{"<item number>": value, ...}, ...]``, the n-th object being the response with key ``:first + n``.
# Numeric items' answers in one statement, text and multi-choice items' in another, so that each
# takes every value as it is, with no per-row CASE; null is "prefer not to answer".
# The responses likewise: ``[[id, audience id, language, submitted], ...]``, and their vectors as one
# blob of equal slices (SQLite's substr counts bytes in a blob).
_JSON_RESPONSES = text(
    "INSERT INTO response (pk, id, survey_id, audience_id, language, status, source, started_at, updated_at, "
    "submitted_at, current_page, furthest_page, vector) "
    "SELECT :first + r.key, r.value ->> 0, :survey, r.value ->> 1, r.value ->> 2, 'submitted', 'import', "
    "r.value ->> 3, :now, r.value ->> 3, 0, 0, "
    "CASE WHEN :width > 0 THEN substr(:vectors, r.key * :width + 1, :width) ELSE X'' END "
    "FROM json_each(:rows) AS r"
)
_JSON_NUMBERS = text(
    "INSERT INTO answer (response_pk, item_key_id, value_num, value_text, skipped) "
    "SELECT :first + r.key, CAST(a.key AS INTEGER), a.atom, NULL, a.atom IS NULL "
    "FROM json_each(:payload) AS r, json_each(r.value) AS a"
)
_JSON_TEXTS = text(
    "INSERT INTO answer (response_pk, item_key_id, value_num, value_text, skipped) "
    "SELECT :first + r.key, CAST(a.key AS INTEGER), NULL, a.atom, a.atom IS NULL "
    "FROM json_each(:payload) AS r, json_each(r.value) AS a"
)


def _json_render(key: str, kind: str, value: str) -> str:
    if kind == "num":
        return f'"{key}":{value}'
    if kind == "skip":
        return f'"{key}":null'
    return f'"{key}":{json.dumps(value, ensure_ascii=False)}'


def _store_sqlite(survey: Survey, rows: _Rows, judged: list[_Judged], now: dt.datetime) -> None:
    """Responses and answers as JSON documents that SQLite unpacks itself.

    Binding parameters row by row from Python costs more than SQLite's own
    work; one JSON document per few thousand responses costs almost nothing,
    and SQLite stores it in one step, during which the next one is built.
    The first response's key comes from SQLite; the rest
    follow it (this transaction holds SQLite's only write lock, and SQLite
    gives a new row the largest key plus one, so the keys above are free).

    Foreign keys are not checked row by row (that doubles the time): every
    answer points at a response inserted just before and at an item key
    read from its table in this transaction. The pool switches the checks
    back on when the connection is returned (:mod:`surveyapp.db.base`).
    """
    connection = db.session.connection()
    skip_foreign_key_checks(connection)
    numbered = _numbered(judged)
    as_text = DateTime(timezone=True).dialect_impl(connection.dialect).bind_processor(connection.dialect)
    if as_text is None:  # SQLite keeps times as text, in the form this processor writes
        raise RuntimeError("SQLite has no datetime processor")
    moments = {m: as_text(m) for m in {*rows.submitted, now}}
    width = rows.vectors.shape[1] * rows.vectors.itemsize

    def send_responses(picked: list[int], first: int | None) -> int | None:
        """Responses ``picked`` with keys ``first``, ``first + 1``, ...; None: SQLite's next key (returned)."""
        return connection.execute(
            _JSON_RESPONSES,
            {
                "first": first,
                "survey": survey.id,
                "now": moments[now],
                "width": width,
                "rows": json.dumps(
                    [[rows.ids[i], rows.audience_ids[i], rows.languages[i], moments[rows.submitted[i]]] for i in picked]
                ),
                "vectors": rows.vectors[picked].tobytes(),
            },
        ).lastrowid

    first = send_responses(rows.order[:1], None)
    if first is None:  # pragma: no cover - SQLite always reports the row it inserted
        raise RuntimeError("SQLite gave the first imported response no key")
    for start in range(1, len(rows.order), CHUNK):
        send_responses(rows.order[start : start + CHUNK], first + start)
    numeric = [cells for cells in numbered if cells.verdict is not None]
    others = [cells for cells in numbered if cells.verdict is None]
    for statement, columns in ((_JSON_NUMBERS, numeric), (_JSON_TEXTS, others)):
        for start, payload in _made_ahead(_json_documents(columns, rows.order)):
            connection.execute(statement, {"first": first + start, "payload": payload})


def _json_documents(columns: list[_Judged], order: list[int]) -> Iterator[tuple[int, str]]:
    """Per chunk of responses (taken in ``order``): its offset and its answers to ``columns`` as one JSON document."""
    rendered = _Rendered(columns, _json_render, ",")
    for start in range(0, len(order), CHUNK):
        bodies = rendered.joined(order[start : start + CHUNK])
        if any(bodies):
            yield start, "[{" + "},{".join(bodies) + "}]"


def _store_core(survey: Survey, rows: _Rows, judged: list[_Judged], now: dt.datetime) -> None:
    """Any other database: Core insert() executemany."""
    responses = [
        {"id": rows.ids[i], "survey_id": survey.id, "audience_id": rows.audience_ids[i], "language": rows.languages[i],
         "status": "submitted", "source": "import", "started_at": rows.submitted[i], "updated_at": now,
         "submitted_at": rows.submitted[i], "current_page": 0, "furthest_page": 0, "resume_hash": None,
         "invitation_id": None, "vector": rows.vectors[i].tobytes()}
        for i in rows.order
    ]  # fmt: skip
    answers = [
        {"response_id": rows.ids[i], "item_key": cells.key, "skipped": cells.state[i] == SKIPPED,
         "value_num": None if cells.num is None or cells.state[i] == SKIPPED else float(cells.num[i]),
         "value_text": cells.stored[i].text if cells.num is None and cells.state[i] == VALUE else None}
        for i in rows.order
        for cells in judged
        if cells.state[i] in (VALUE, SKIPPED)
    ]  # fmt: skip
    insert_responses(responses, answers)
