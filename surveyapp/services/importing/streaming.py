"""PostgreSQL: storing a clean file's answers while the rest of it is still being read and checked.

Most of a PostgreSQL import is the server storing the answer rows (39 a
response in the benchmark survey) and their primary-key entries; the careful
path (:func:`~surveyapp.services.importing._import`) starts that work only
once the whole file is read and checked, so the server waits for Python and
then Python for the server. Here the file is read and checked a block of rows
at a time, with the same checks, and each clean block's answers go into one
open ``COPY`` (sent by a thread of psycopg's) while the next block is
checked; the responses follow in one ``COPY`` at the end.

Only a file with nothing wrong in it is stored this way. At the first sign of
anything else (a row with a problem, a row of the wrong width, an id that
appeared in an earlier block or is already in the database, text that is not
CSV, more rows than allowed, the database refusing a row) the savepoint is
rolled back and the caller runs the careful path, which checks the whole file
before writing anything and reports every problem exactly as it always has.
The answers go in before their responses, which PostgreSQL's foreign key
checks would refuse, so this runs only where the import may skip those checks
(:func:`~surveyapp.db.base.skip_triggers_in_transaction`), after locking the
rows they would have locked; any other role takes the careful path.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import numpy as np
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from ...db import Survey, db, item_key_ids
from ...db.base import restore_triggers, skip_triggers_in_transaction
from ..export import ExportPlan
from .checks import _check_conditions, _check_meta, _check_routing, _columns
from .judging import _check_items
from .postgres import (
    _ANSWER_COPY,
    _BINARY_HEADER,
    _BINARY_TRAILER,
    _NEXT_KEYS,
    _RESPONSE_COPY,
    _answer_lines,
    _lock_parents,
    _response_records,
)
from .prepared import _numbered, _Rows
from .reading import _lines, _transpose
from .report import _Problems
from .storing import _rows

#: rows read and checked at a time: small enough that the server starts soon, large enough that numpy pays
BLOCK = 5000
#: pieces of COPY data (up to 128 kB each) waiting for the sending thread: the memory the stream may hold
QUEUED = 64


class _NotPlainlyCleanError(Exception):
    """The file is not plainly clean: the careful path must read it, and report what it finds."""


def stream_import(
    survey: Survey, content: str, plan: ExportPlan, used: frozenset[str], now: dt.datetime, max_rows: int | None
) -> int | None:
    """Store a clean file's responses and say how many; None (nothing stored) when the careful path must look at it."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
        return None
    if max_rows is not None and _line_count(content) > max_rows + 1:  # perhaps too long: refused without a write
        return None
    savepoint = db.session.begin_nested()
    try:
        with db.engine.connect() as side:  # ids already taken, asked while the import's own connection is in a COPY
            stored = _stream(survey, content, plan, used, now, max_rows, side)
    except (_NotPlainlyCleanError, DBAPIError, PoolTimeoutError, csv.Error, _driver_error()):
        savepoint.rollback()
        return None
    savepoint.commit()
    return stored


def _driver_error() -> type[Exception]:
    import psycopg  # the driver in use (COPY errors come from it, not from SQLAlchemy)

    return psycopg.Error


def _stream(
    survey: Survey,
    content: str,
    plan: ExportPlan,
    used: frozenset[str],
    now: dt.datetime,
    max_rows: int | None,
    side: Any,
) -> int:
    reader = csv.reader(_lines(content))
    first = next(reader, None)
    if first is None or not any(cell.strip() for cell in first):
        raise _NotPlainlyCleanError
    header = [name.strip() for name in first]
    columns = _columns(header, plan.variables, _Problems(np.zeros(0, dtype=np.int64)))
    if len(columns) != len(header) or "audience" not in columns:  # a column the careful path reports
        raise _NotPlainlyCleanError
    keep = [position for position, name in enumerate(header) if name in used]
    connection = db.session.connection()
    if not skip_triggers_in_transaction(connection):
        raise _NotPlainlyCleanError

    def taken(ids: list[str]) -> set[str]:
        found = side.exec_driver_sql(
            "SELECT id FROM response WHERE id = ANY(string_to_array(%(ids)s, ','))", {"ids": ",".join(ids)}
        )
        return {row[0] for row in found}

    # a key for every line of the file (at least one per row; the unused ones are gaps, as sequences have)
    keys = connection.exec_driver_sql(_NEXT_KEYS, {"n": _line_count(content)}).scalar()
    pks = np.sort(np.array(keys.split(","), dtype=np.int64))
    stored: list[tuple[_Rows, Any]] = []
    seen: set[str] = set()
    numbers: dict[str, int] | None = None
    n = 0
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, ExitStack() as answers:  # type: ignore[union-attr]
        copy = None
        for batch, row_numbers in _blocks(reader, len(header), max_rows):
            cells_of: list[list[str]] = [[] for _ in header]
            _transpose(batch, keep, cells_of)
            problems = _Problems(np.array(row_numbers, dtype=np.int64))
            meta = _check_meta(survey, cells_of, columns, problems, taken)
            judged = _check_items(survey, plan.instruments, plan.variables, cells_of, columns, meta.audience_index, problems)
            _check_conditions(plan.instruments, judged, meta, problems)
            _check_routing(survey, judged, meta, problems)
            if problems.count or not seen.isdisjoint(meta.ids):
                raise _NotPlainlyCleanError
            seen.update(meta.ids)
            rows = _rows(plan.columns, meta, judged, now)
            block_pks = pks[n : n + len(meta.ids)]
            if len(block_pks) < len(meta.ids):  # more rows than lines: cannot happen, but never store keyless rows
                raise _NotPlainlyCleanError
            if copy is None:  # before the COPY takes the connection: the item keys' numbers, the parents' locks
                numbers = item_key_ids(cells.key for cells in judged)
                audience_ids = sorted(a.id for a in survey.audiences)
                _lock_parents(connection, survey.id, audience_ids, sorted(numbers.values()))
                copy = answers.enter_context(cursor.copy(_ANSWER_COPY, writer=_queued_writer(cursor)))
            for lines in _answer_lines(_numbered(judged, numbers), rows, block_pks):
                copy.write(lines)
            stored.append((rows, block_pks))
            n += len(meta.ids)
        if not n:
            raise _NotPlainlyCleanError
        answers.close()  # the last answers stored (and any refusal raised) before the responses go in
        with cursor.copy(_RESPONSE_COPY) as copy:
            copy.write(_BINARY_HEADER)
            for rows, block_pks in stored:
                for records in _response_records(survey.id, rows, block_pks, now):
                    copy.write(records)
            copy.write(_BINARY_TRAILER)
    restore_triggers(connection)
    return n


def _line_count(content: str) -> int:
    """How many lines :func:`~.reading._lines` cuts the text into, at most: no file has more rows than that."""
    return (content.count("\n") if "\n" in content else content.count("\r")) + 1


def _blocks(reader: Any, width: int, max_rows: int | None) -> Iterator[tuple[list[list[str]], list[int]]]:
    """The file's data rows, ``BLOCK`` at a time, with their line numbers; blank rows skipped as the careful path does."""
    batch: list[list[str]] = []
    numbers: list[int] = []
    count = 0
    for number, cells in enumerate(reader, start=2):
        if len(cells) != width:
            if any(c.strip() for c in cells):
                raise _NotPlainlyCleanError  # a row of the wrong width
            continue
        if not any(cells):
            continue
        count += 1
        if max_rows is not None and count > max_rows:
            raise _NotPlainlyCleanError
        batch.append(cells)
        numbers.append(number)
        if len(batch) == BLOCK:
            yield batch, numbers
            batch, numbers = [], []
    if batch:
        yield batch, numbers


def _queued_writer(cursor: Any) -> Any:
    """psycopg's writer that sends COPY data from a thread of its own, holding at most ``QUEUED`` pieces."""
    from queue import Queue

    from psycopg.copy import QueuedLibpqWriter

    writer = QueuedLibpqWriter(cursor)
    writer._queue = Queue(maxsize=QUEUED)  # its default holds 1,024 pieces: the whole file's answers, in memory
    return writer
