"""Writing a checked import into PostgreSQL (psycopg 3): two COPY streams in the session's transaction.

Where the time goes (100,000 responses of 40 items, measured on the server
process): the answer table's COPY is most of it, and most of that is
PostgreSQL adding each of the 3.9 million rows to the answer table's primary
key; what the importer controls is everything around it:

* the response keys come from the table's own sequence in one statement that
  names the sequence once (``pg_get_serial_sequence`` per row cost five times
  more than the ``nextval`` calls) and returns them as one text value;
* the responses travel in COPY's binary format, laid out by numpy a few
  thousand records at a time: the server parses no timestamps and no
  hexadecimal vectors, and Python builds no tuple per response;
* both streams are made a chunk ahead by a second thread, so the next chunk
  is formatted while the server stores the last.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.exc import IntegrityError

from ...db import Survey, db
from ...db.base import restore_triggers, skip_triggers_in_transaction
from ..survey_data import VECTOR_DTYPE
from .constants import CHUNK
from .judging import _Judged
from .prepared import _made_ahead, _numbered, _Rendered, _Rows

_RESPONSE_COPY = (
    "COPY response (pk, id, survey_id, audience_id, language, status, source, started_at, updated_at, "
    "submitted_at, current_page, furthest_page, vector) FROM STDIN (FORMAT binary)"
)
_ANSWER_COPY = "COPY answer (response_pk, item_key_id, value_num, value_text, skipped) FROM STDIN"
# n keys from the response table's sequence, as "k1,k2,..."; the sequence is looked up once (a sub-select), not per key
_NEXT_KEYS = (
    "SELECT string_agg(nextval((SELECT pg_get_serial_sequence('response', 'pk')::regclass))::text, ',') "
    "FROM generate_series(1, %(n)s)"
)
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)  # signature, flags, no header extension
_BINARY_TRAILER = struct.pack(">h", -1)
_PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_STATUS, _SOURCE = b"submitted", b"import"


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
    keys = connection.exec_driver_sql(_NEXT_KEYS, {"n": len(rows.ids)}).scalar()
    # ascending, as rows.order is: ids and keys grow together
    pks = np.sort(np.array(keys.split(","), dtype=np.int64)) if keys else np.empty(0, dtype=np.int64)
    unchecked = skip_triggers_in_transaction(connection)
    if unchecked:  # the locks the skipped checks would take: no parent row can go away before this commits
        _lock_parents(connection, survey.id, sorted(set(rows.audience_ids)), [int(cells.key) for cells in numbered])
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(_RESPONSE_COPY) as copy:
            copy.write(_BINARY_HEADER)
            for block in _made_ahead(_response_records(survey.id, rows, pks, now)):
                copy.write(block)
            copy.write(_BINARY_TRAILER)
        with cursor.copy(_ANSWER_COPY) as copy:
            for block in _made_ahead(_answer_lines(numbered, rows, pks)):
                copy.write(block)
    if unchecked:
        restore_triggers(connection)


def _answer_lines(numbered: list[_Judged], rows: _Rows, pks: npt.NDArray[np.int64]) -> Iterator[bytes]:
    """The answers in COPY's text format, a chunk of responses at a time: one line per answer, led by its response's key."""
    rendered = _Rendered(numbered, _copy_render, "\n")  # COPY's text format escapes newlines in values
    for start in range(0, len(rows.order), CHUNK):
        answers = rendered.joined(rows.order[start : start + CHUNK])
        lines = []
        for pk, body in zip(pks[start : start + CHUNK].tolist(), answers, strict=True):
            if body:
                lead = f"{pk}\t"
                lines.append(lead + body.replace("\n", "\n" + lead) + "\n")
        yield "".join(lines).encode()


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_render(key: str, kind: str, value: str) -> str:
    if kind == "num":
        return f"{key}\t{value}\t\\N\tf"
    if kind == "skip":
        return f"{key}\t\\N\t\\N\tt"
    return f"{key}\t\\N\t{_copy_text(value)}\tf"


def _microseconds(moment: dt.datetime) -> int:
    """A moment as binary COPY writes a timestamptz: microseconds since 2000-01-01 UTC (a naive moment is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _PG_EPOCH) // dt.timedelta(microseconds=1)


def _response_layout(id_size: int, language_size: int, width: int) -> np.dtype[Any]:
    """One binary COPY record of a response whose id and language have these byte sizes: a field count, then each
    column as its size and its bytes (big-endian numbers; the vector as the bytes the product stores)."""
    columns: list[tuple[Any, ...]] = [
        ("pk", ">i4"), ("id", f"S{id_size}"), ("survey_id", ">i4"), ("audience_id", ">i4"),
        ("language", f"S{language_size}"), ("status", f"S{len(_STATUS)}"), ("source", f"S{len(_SOURCE)}"),
        ("started_at", ">i8"), ("updated_at", ">i8"), ("submitted_at", ">i8"), ("current_page", ">i4"),
        ("furthest_page", ">i4"), ("vector", VECTOR_DTYPE, (width,)),
    ]  # fmt: skip
    fields: list[tuple[Any, ...]] = [("count", ">i2")]
    for name, *kind in columns:
        fields += [(f"{name}_size", ">i4"), (name, *kind)]
    return np.dtype(fields)


def _response_records(survey_id: int, rows: _Rows, pks: npt.NDArray[np.int64], now: dt.datetime) -> Iterator[bytes]:
    """The responses in ``rows.order`` with keys ``pks`` as COPY's binary records (no header), a chunk at a time.

    Records are laid out by numpy, one array per chunk of responses whose ids
    and languages have the same sizes (in a file of 32-character ids, one
    layout); COPY takes the records in any order, each naming its key.
    """
    n = len(rows.order)
    order = np.asarray(rows.order, dtype=np.intp)
    ids = [rows.ids[i].encode() for i in rows.order]
    languages = [rows.languages[i].encode() for i in rows.order]
    moments = {m: _microseconds(m) for m in {*rows.submitted, now}}
    submitted = np.fromiter((moments[rows.submitted[i]] for i in rows.order), dtype=np.int64, count=n)
    audience_ids = np.asarray(rows.audience_ids, dtype=np.int64)[order]
    sizes = np.fromiter(map(len, ids), dtype=np.int64, count=n) * 256 + np.fromiter(map(len, languages), np.int64, n)
    for size in np.unique(sizes).tolist():
        layout = _response_layout(size // 256, size % 256, rows.vectors.shape[1])
        where = np.flatnonzero(sizes == size)
        for start in range(0, len(where), CHUNK):
            picked = where[start : start + CHUNK]
            record = np.zeros(len(picked), dtype=layout)
            record["count"] = 13
            for name in layout.names[2::2]:
                record[f"{name}_size"] = layout[name].itemsize
            record["pk"] = pks[picked]
            record["id"] = [ids[k] for k in picked.tolist()]
            record["survey_id"] = survey_id
            record["audience_id"] = audience_ids[picked]
            record["language"] = [languages[k] for k in picked.tolist()]
            record["status"] = _STATUS
            record["source"] = _SOURCE
            record["started_at"] = record["submitted_at"] = submitted[picked]
            record["updated_at"] = moments[now]
            record["vector"] = rows.vectors[order[picked]]
            yield record.tobytes()


def _lock_parents(connection: Any, survey_id: int, audience_ids: list[int], item_key_ids: list[int]) -> None:
    """Every row the imported rows refer to, locked as PostgreSQL's foreign key checks would lock them."""
    for table, ids in (("survey", [survey_id]), ("audience", audience_ids), ("item_key", item_key_ids)):
        found = connection.exec_driver_sql(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id = ANY(%(ids)s) FOR KEY SHARE) AS locked",  # noqa: S608
            {"ids": ids},
        ).scalar()
        if found != len(set(ids)):  # gone meanwhile: refuse as the checks would have
            raise IntegrityError(f"lock {table}", None, Exception(f"a {table} row the import refers to is gone"))
