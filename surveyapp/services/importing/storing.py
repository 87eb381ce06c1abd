"""Writing a checked import in one transaction, as fast as each database allows."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import DateTime, insert, text
from sqlalchemy.exc import IntegrityError

from ...db import Answer, Response, Survey, db
from ...instruments import PREFER_NOT_TO_ANSWER
from ..survey_data import VECTOR_DTYPE
from .checks import _fast_sqlite, _Meta
from .constants import CHUNK, SKIPPED, VALUE
from .judging import Render, _Judged

# --- storing -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    """The responses to insert; ``order`` is id order, so the indexes on response ids grow at their right edge."""

    order: list[int]
    ids: list[str]
    audience_ids: list[int]
    languages: list[str]
    submitted: list[dt.datetime]
    vectors: npt.NDArray[np.float32]


def _store(survey: Survey, columns: Sequence[str], meta: _Meta, judged: list[_Judged], now: dt.datetime) -> None:
    """Insert the responses (with their vectors) and their answers in the current transaction."""
    n = len(meta.ids)
    position = {key: i for i, key in enumerate(columns)}
    vectors = np.full((n, len(columns)), np.nan, dtype=VECTOR_DTYPE)
    for cells in judged:  # the numbers answer_vector() makes from the stored answers
        if cells.num is not None and cells.key in position:
            vectors[:, position[cells.key]] = np.where(cells.state == SKIPPED, float(PREFER_NOT_TO_ANSWER), cells.num)
    rows = _Rows(
        np.argsort(np.array(meta.ids), kind="stable").tolist(),
        meta.ids,
        [meta.audience_ids[a] for a in meta.audience_index.tolist()],
        meta.languages,
        [m or now for m in meta.submitted],
        vectors,
    )
    dialect = db.session.connection().dialect
    if _fast_sqlite():
        _store_sqlite(survey, rows, judged, now)
    elif dialect.name == "postgresql" and dialect.driver == "psycopg":
        _store_postgres(survey, rows, judged, now)
    else:
        _store_core(survey, rows, judged, now)


def _rendered(judged: list[_Judged], n: int, render: Render) -> list[list[str]]:
    """Per response, its answers as ``render`` writes them, leaving out items with nothing stored."""
    if not judged:
        return [[] for _ in range(n)]
    matrix = np.empty((n, len(judged)), dtype=object)
    for k, cells in enumerate(judged):
        matrix[:, k] = cells.rendered(render)
    return [[cell for cell in row if cell] for row in matrix.tolist()]


_JSON_INSERT = text(
    "INSERT INTO answer (response_id, item_key, value_num, value_text, skipped) "
    "SELECT r.key, a.key, CASE WHEN a.type IN ('integer', 'real') THEN a.value END, "
    "CASE WHEN a.type = 'text' THEN a.value END, a.type = 'null' "
    "FROM json_each(:payload) AS r, json_each(r.value) AS a"
)


def _json_render(key: str, kind: str, value: str) -> str:
    name = json.dumps(key)
    if kind == "num":
        return f"{name}:{value}"
    if kind == "skip":
        return f"{name}:null"
    return f"{name}:{json.dumps(value, ensure_ascii=False)}"


def _store_sqlite(survey: Survey, rows: _Rows, judged: list[_Judged], now: dt.datetime) -> None:
    """Responses as plain tuples straight to the driver; answers as JSON that SQLite unpacks itself.

    Binding five parameters per answer row from Python costs more than
    SQLite's own work; one JSON document per few thousand responses,
    ``{"<response id>": {"<item key>": value, ...}, ...}``, costs almost
    nothing. A number is a code or number, a string a text (or a multi item's
    chosen codes), null "prefer not to answer". Response ids need no escaping
    (checked against ID_PATTERN, or made here).
    """
    connection = db.session.connection()
    as_text = DateTime(timezone=True).dialect_impl(connection.dialect).bind_processor(connection.dialect)
    if as_text is None:  # SQLite keeps times as text, in the form this processor writes
        raise RuntimeError("SQLite has no datetime processor")
    moments = {m: as_text(m) for m in {*rows.submitted, now}}
    connection.exec_driver_sql(
        "INSERT INTO response (id, survey_id, audience_id, language, status, source, started_at, updated_at, "
        "submitted_at, current_page, furthest_page, vector) VALUES (?, ?, ?, ?, 'submitted', 'import', ?, ?, ?, 0, 0, ?)",
        [
            (rows.ids[i], survey.id, rows.audience_ids[i], rows.languages[i], moments[rows.submitted[i]], moments[now],
             moments[rows.submitted[i]], rows.vectors[i].tobytes())
            for i in rows.order
        ],
    )  # fmt: skip
    bodies = [",".join(answers) for answers in _rendered(judged, len(rows.ids), _json_render)]
    for start in range(0, len(rows.order), CHUNK):
        chunk = rows.order[start : start + CHUNK]
        payload = "{" + ",".join(f'"{rows.ids[i]}":{{{bodies[i]}}}' for i in chunk) + "}"
        connection.execute(_JSON_INSERT, {"payload": payload})


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_render(key: str, kind: str, value: str) -> str:
    if kind == "num":
        return f"{_copy_text(key)}\t{value}\t\\N\tf"
    if kind == "skip":
        return f"{_copy_text(key)}\t\\N\t\\N\tt"
    return f"{_copy_text(key)}\t\\N\t{_copy_text(value)}\tf"


def _store_postgres(survey: Survey, rows: _Rows, judged: list[_Judged], now: dt.datetime) -> None:
    """PostgreSQL (psycopg 3): COPY, in this session's transaction, instead of millions of INSERT parameters."""
    import psycopg  # the driver in use

    try:
        _copy_postgres(survey, rows, judged, now)
    except psycopg.IntegrityError as exc:  # the driver's own error: COPY bypasses SQLAlchemy's wrapping
        raise IntegrityError("COPY", None, exc) from exc


def _copy_postgres(survey: Survey, rows: _Rows, judged: list[_Judged], now: dt.datetime) -> None:
    driver = db.session.connection().connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(
            "COPY response (id, survey_id, audience_id, language, status, source, started_at, updated_at, submitted_at, "
            "current_page, furthest_page, vector) FROM STDIN"
        ) as copy:
            for i in rows.order:
                copy.write_row((rows.ids[i], survey.id, rows.audience_ids[i], rows.languages[i], "submitted", "import",
                                rows.submitted[i], now, rows.submitted[i], 0, 0, rows.vectors[i].tobytes()))  # fmt: skip
        answers = _rendered(judged, len(rows.ids), _copy_render)
        with cursor.copy("COPY answer (response_id, item_key, value_num, value_text, skipped) FROM STDIN") as copy:
            for start in range(0, len(rows.order), CHUNK):
                lines = []
                for i in rows.order[start : start + CHUNK]:
                    if answers[i]:
                        lead = rows.ids[i] + "\t"
                        lines.append(lead + ("\n" + lead).join(answers[i]) + "\n")
                copy.write("".join(lines))


def _store_core(survey: Survey, rows: _Rows, judged: list[_Judged], now: dt.datetime) -> None:
    """Any other database: Core insert() executemany."""
    connection = db.session.connection()
    responses = [
        {"id": rows.ids[i], "survey_id": survey.id, "audience_id": rows.audience_ids[i], "language": rows.languages[i],
         "status": "submitted", "source": "import", "started_at": rows.submitted[i], "updated_at": now,
         "submitted_at": rows.submitted[i], "current_page": 0, "furthest_page": 0, "resume_hash": None,
         "invitation_id": None, "vector": rows.vectors[i].tobytes()}
        for i in rows.order
    ]  # fmt: skip
    connection.execute(insert(Response.__table__), responses)
    for start in range(0, len(rows.order), CHUNK):
        answers = [
            {"response_id": rows.ids[i], "item_key": cells.key, "skipped": cells.state[i] == SKIPPED,
             "value_num": None if cells.num is None or cells.state[i] == SKIPPED else float(cells.num[i]),
             "value_text": cells.stored[i].text if cells.num is None and cells.state[i] == VALUE else None}
            for i in rows.order[start : start + CHUNK]
            for cells in judged
            if cells.state[i] in (VALUE, SKIPPED)
        ]  # fmt: skip
        if answers:
            connection.execute(insert(Answer.__table__), answers)
