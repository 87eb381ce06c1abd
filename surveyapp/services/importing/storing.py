"""Writing a checked import in one transaction, as fast as each database allows."""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from sqlalchemy import DateTime, text
from sqlalchemy.exc import IntegrityError

from ...db import Survey, db, insert_responses, item_key_ids
from ...db.base import restore_triggers, skip_foreign_key_checks, skip_triggers_in_transaction
from ...instruments import PREFER_NOT_TO_ANSWER
from ..survey_data import VECTOR_DTYPE
from .checks import _fast_sqlite, _Meta
from .constants import CHUNK, SKIPPED, VALUE
from .judging import Render, _Judged

_T = TypeVar("_T")

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


class _Rendered:
    """Every answer to ``judged`` as ``render`` writes it, ready to be joined per response."""

    def __init__(self, judged: list[_Judged], render: Render, separator: str) -> None:
        # per item, per row: its answer followed by the separator, or "" (which joins to nothing)
        self.cells = [cells.rendered(render, end=separator) for cells in judged]
        self.cut = len(separator)

    def joined(self, picked: Sequence[int]) -> list[str]:
        """Per response in ``picked``, its answers joined by the separator ("" if it has none)."""
        if not self.cells:
            return [""] * len(picked)
        matrix = np.empty((len(picked), len(self.cells)), dtype=object)
        index = np.asarray(picked, dtype=np.intp)
        for k, column in enumerate(self.cells):
            matrix[:, k] = column[index]
        return ["".join(row)[: -self.cut] for row in matrix.tolist()]


def _made_ahead(items: Iterator[_T], depth: int = 2) -> Iterator[_T]:
    """``items``, made by a second thread up to ``depth`` ahead of the caller.

    SQLite lets go of Python's interpreter lock while it runs a statement, so
    the next JSON document is built while SQLite stores the previous one.
    If the caller stops early (an error), the maker stops too.
    """
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for item in items:
                if not offer("item", item):
                    return
            offer("done", None)
        except BaseException as exc:
            offer("error", exc)

    maker = threading.Thread(target=make, name="import-json", daemon=True)
    maker.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        maker.join()


def _numbered(judged: list[_Judged]) -> list[_Judged]:
    """``judged`` with each ``key`` replaced by the item key's number (how answers refer to their question)."""
    numbers = item_key_ids(cells.key for cells in judged)
    return [replace(cells, key=str(numbers[cells.key])) for cells in judged]


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


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_render(key: str, kind: str, value: str) -> str:
    if kind == "num":
        return f"{key}\t{value}\t\\N\tf"
    if kind == "skip":
        return f"{key}\t\\N\t\\N\tt"
    return f"{key}\t\\N\t{_copy_text(value)}\tf"


def _store_postgres(survey: Survey, rows: _Rows, judged: list[_Judged], now: dt.datetime) -> None:
    """PostgreSQL (psycopg 3): COPY, in this session's transaction, instead of millions of INSERT parameters."""
    import psycopg  # the driver in use

    try:
        _copy_postgres(survey, rows, judged, now)
    except psycopg.IntegrityError as exc:  # the driver's own error: COPY bypasses SQLAlchemy's wrapping
        raise IntegrityError("COPY", None, exc) from exc


def _copy_postgres(survey: Survey, rows: _Rows, judged: list[_Judged], now: dt.datetime) -> None:
    """Response keys drawn from the table's own sequence first, so the answers can name them in the same COPY."""
    connection = db.session.connection()
    numbered = _numbered(judged)
    pks = (
        connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('response', 'pk')) FROM generate_series(1, %(n)s)", {"n": len(rows.ids)}
        )
        .scalars()
        .all()
    )
    unchecked = skip_triggers_in_transaction(connection)
    if unchecked:  # the locks the skipped checks would take: no parent row can go away before this commits
        _lock_parents(connection, survey.id, sorted(set(rows.audience_ids)), [int(cells.key) for cells in numbered])
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(
            "COPY response (pk, id, survey_id, audience_id, language, status, source, started_at, updated_at, "
            "submitted_at, current_page, furthest_page, vector) FROM STDIN"
        ) as copy:
            for pk, i in zip(pks, rows.order, strict=True):
                copy.write_row((pk, rows.ids[i], survey.id, rows.audience_ids[i], rows.languages[i], "submitted", "import",
                                rows.submitted[i], now, rows.submitted[i], 0, 0, rows.vectors[i].tobytes()))  # fmt: skip
        rendered = _Rendered(numbered, _copy_render, "\n")  # COPY's text format escapes newlines in values
        with cursor.copy("COPY answer (response_pk, item_key_id, value_num, value_text, skipped) FROM STDIN") as copy:
            for start in range(0, len(rows.order), CHUNK):
                answers = rendered.joined(rows.order[start : start + CHUNK])
                lines = []
                for pk, body in zip(pks[start : start + CHUNK], answers, strict=True):
                    if body:
                        lead = f"{pk}\t"
                        lines.append(lead + body.replace("\n", "\n" + lead) + "\n")
                copy.write("".join(lines))
    if unchecked:
        restore_triggers(connection)


def _lock_parents(connection: Any, survey_id: int, audience_ids: list[int], item_key_ids: list[int]) -> None:
    """Every row the imported rows refer to, locked as PostgreSQL's foreign key checks would lock them."""
    for table, ids in (("survey", [survey_id]), ("audience", audience_ids), ("item_key", item_key_ids)):
        found = connection.exec_driver_sql(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id = ANY(%(ids)s) FOR KEY SHARE) AS locked",  # noqa: S608
            {"ids": ids},
        ).scalar()
        if found != len(set(ids)):  # gone meanwhile: refuse as the checks would have
            raise IntegrityError(f"lock {table}", None, Exception(f"a {table} row the import refers to is gone"))


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
