"""Importing responses from a wide CSV file: all or nothing, with a report naming every problem.

The file is the wide export format (:mod:`surveyapp.instruments.wide_columns`):
``response_id, audience, language, wave, submitted, source``, then one column
per item (one per option of a multi-choice item), then subscale scores. Score
columns are derived, so they are accepted and ignored (recomputed from the
answers); ``wave`` and ``source`` are ignored too (imported responses belong
to the survey's wave and are marked ``source=import``). Only ``audience`` is
required; a missing item column means "not answered".

Every row is checked before anything is committed (before anything is
written at all, except on PostgreSQL's streamed path, which writes inside a
savepoint it rolls back at the first doubt). If any row has a problem the
database is left untouched and the report lists every problem (the first
:data:`MAX_PROBLEMS` in full, and how many there are in all).

Why it is fast (the benchmark target is 20,000 respondent rows a second):

* a cell is judged by :func:`~surveyapp.instruments.answers.parse_answer`,
  the one rule for what a valid answer is, but once per distinct (cell text,
  audience) pair of a column rather than once per cell: a 100,000-row column
  of a 1-5 scale holds a dozen distinct pairs, and numpy maps the verdicts
  back onto the rows. The result is parse_answer's by construction;
* answers are inserted in one statement per few thousand responses. On
  SQLite the rows travel as one JSON document that SQLite unpacks itself
  (``json_each``), which avoids binding five parameters per answer row from
  Python; PostgreSQL gets ``COPY`` (:mod:`.postgres`); other databases a
  Core ``insert()`` executemany;
* on PostgreSQL a clean file is stored while it is still being read and
  checked, a block at a time (:mod:`.streaming`); any file that is not
  plainly clean is rolled back there and goes through the path above, which
  checks every row before writing and makes the report.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import numpy as np
from sqlalchemy.exc import IntegrityError

from ...db import Survey, User, db
from ..audit import record
from ..export import export_plan
from .checks import _check_conditions, _check_meta, _check_routing, _columns
from .constants import MAX_PROBLEMS
from .judging import _check_items, judge_column
from .reading import TooManyRowsError, read_rows
from .report import ImportProblem, ImportReport, _Problems
from .storing import _store
from .streaming import stream_import

__all__ = ["MAX_PROBLEMS", "ImportProblem", "ImportReport", "import_responses", "judge_column"]


def import_responses(
    survey: Survey,
    source: str | bytes | IO[str] | IO[bytes],
    now: dt.datetime,
    actor: User | None,
    max_rows: int | None = None,
) -> ImportReport:
    """Check every row of a wide CSV file and, only if all are right, store them as submitted responses.

    ``source`` is the file's text, its bytes (UTF-8, with or without a byte
    order mark) or an open file. One unit of work: the responses, their
    answers and an audit event are committed together; on any problem nothing
    is written and the report says what to fix. ``max_rows`` (the web's
    limit) refuses a longer file as soon as reading passes it.
    """
    with _collector_paused():
        return _import(survey, source, now, actor, max_rows)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the file's millions of cells are alive.

    The cells are strings in lists and tuples that live until the import
    ends; the collector would walk all of them again and again as they are
    made (a tenth of the import's time) and free none. Nothing here makes
    reference cycles; the collector runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(
    survey: Survey, source: str | bytes | IO[str] | IO[bytes], now: dt.datetime, actor: User | None, max_rows: int | None
) -> ImportReport:
    try:
        content = _read(source)
    except UnicodeDecodeError as exc:
        return ImportReport(0, 0, (ImportProblem(None, None, "", _not_text(exc)),), 1)
    plan = export_plan(survey)
    used = frozenset(v.name for v in plan.variables if v.kind in ("item", "option")) | META_COLUMNS
    stored = stream_import(survey, content, plan, used, now, max_rows)
    if stored is not None:  # PostgreSQL, and nothing wrong in the file: stored while it was read
        record("responses.import", actor, survey.slug, {"responses": stored}, now)
        db.session.commit()
        return ImportReport(stored, stored)
    try:
        rows = read_rows(content, used, max_rows)
    except csv.Error as exc:
        reason = f"the file is not valid CSV (line {exc.line_num}: {exc})"  # type: ignore[attr-defined]
        return ImportReport(0, 0, (ImportProblem(None, None, "", reason),), 1)
    except TooManyRowsError as exc:
        return ImportReport(0, 0, (ImportProblem(None, None, "", _too_many(exc.limit)),), 1)
    finally:
        del content
    if rows is None:
        return ImportReport(0, 0, (ImportProblem(None, None, "", "the file is empty: it needs a header row"),), 1)
    header, row_numbers, short = rows.header, rows.row_numbers, rows.short
    problems = _Problems(np.array(row_numbers, dtype=np.int64))
    for number, count in short:
        problems.add_row(number, None, -1, "", f"has {count} cells, but the header has {len(header)}")
    columns = _columns(header, plan.variables, problems)
    if "audience" not in columns:
        problems.add_file("audience", "", "is missing: every row must say which audience answered (e.g. peer, staff)")
    if not row_numbers and not short:
        problems.add_file(None, "", "the file has no responses (only a header)")
    if problems.count and ("audience" not in columns or not row_numbers):
        return problems.report(len(row_numbers) + len(short), len(short))

    cells_of = rows.cells_of
    del rows
    meta = _check_meta(survey, cells_of, columns, problems)
    judged = _check_items(survey, plan.instruments, plan.variables, cells_of, columns, meta.audience_index, problems)
    _check_conditions(plan.instruments, judged, meta, problems)
    _check_routing(survey, judged, meta, problems)
    n = len(row_numbers)
    if problems.count:
        return problems.report(n + len(short), len(short))
    try:
        _store(survey, plan.columns, meta, judged, now)
    except IntegrityError as exc:
        db.session.rollback()
        reason = f"the database refused the import, so nothing was stored ({exc.orig}); were responses added meanwhile?"
        return ImportReport(n, 0, (ImportProblem(None, None, "", reason),), 1)
    record("responses.import", actor, survey.slug, {"responses": n}, now)
    db.session.commit()
    return ImportReport(n, n)


#: how files that are not CSV text begin, and what they are
_SIGNATURES = (
    (b"$FL2", "an SPSS data file (.sav)"),
    (b"$FL3", "an SPSS data file (.sav)"),
    (b"PK\x03\x04", "a ZIP file (an Excel .xlsx workbook, or a data package)"),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook"),
    (b"%PDF", "a PDF document"),
)


def _not_text(error: UnicodeDecodeError) -> str:
    data = bytes(error.object)
    for start, kind in _SIGNATURES:
        if data.startswith(start):
            return f"this is {kind}, not a CSV file: save or export the data as 'CSV UTF-8' and upload that"
    line = data[: error.start].count(b"\n") + 1
    return (
        f"the file is not UTF-8 text (line {line} has a character in another encoding); "
        "in Excel use Save As > 'CSV UTF-8 (Comma delimited)', or save it as UTF-8 in your editor"
    )


#: metadata columns the checks read; the others (wave, source, scores) are ignored
META_COLUMNS = frozenset({"audience", "response_id", "language", "submitted"})


def _too_many(limit: int) -> str:
    return (
        f"the file has more than {limit:,} responses, the most one web import takes: import it on the server with "
        "`surveyapp responses import SURVEY FILE.csv` (no limit there), or split it into files of at most "
        f"{limit:,} rows, each with the header row"
    )


def _read(source: str | bytes | IO[str] | IO[bytes]) -> str:
    data = source.read() if hasattr(source, "read") else source  # type: ignore[union-attr]
    if isinstance(data, bytes | bytearray):
        return bytes(data).decode("utf-8-sig")
    return str(data).removeprefix("\ufeff")
