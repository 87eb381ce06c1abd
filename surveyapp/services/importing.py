"""Importing responses from a wide CSV file: all or nothing, with a report naming every problem.

The file is the wide export format (:mod:`surveyapp.reporting.variables`):
``response_id, audience, language, wave, submitted, source``, then one column
per item (one per option of a multi-choice item), then subscale scores. Score
columns are derived, so they are accepted and ignored (recomputed from the
answers); ``wave`` and ``source`` are ignored too (imported responses belong
to the survey's wave and are marked ``source=import``). Only ``audience`` is
required; a missing item column means "not answered".

Every row is checked before anything is written. If any row has a problem the
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
  Python; other databases get a Core ``insert()`` executemany.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import DateTime, insert, select, text
from sqlalchemy.exc import IntegrityError

from ..db import Answer, Response, Survey, User, db
from ..instruments import NOT_SHOWN, PREFER_NOT_TO_ANSWER, Instrument, Item
from ..instruments.answers import SKIP, AnswerError, StoredValue, parse_answer
from ..instruments.conditions import All, AnyOf, Compare, Condition, Not, evaluate, referenced_items
from .audit import record
from .export import export_plan
from .survey_data import VECTOR_DTYPE

__all__ = ["MAX_PROBLEMS", "ImportProblem", "ImportReport", "import_responses", "judge_column"]

#: problems listed in full; the report still counts every one
MAX_PROBLEMS = 1000
#: responses per insert statement
CHUNK = 5000
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
NOT_SHOWN_TEXT = str(NOT_SHOWN)

# What a cell holds once judged.
EMPTY = 0  # nothing to store
VALUE = 1  # a stored value
SKIPPED = 2  # "prefer not to answer"
MARKED = 3  # -8 "not shown" on an item asked of this audience: right only where show_if hides the item
BAD = 4


@dataclass(frozen=True)
class ImportProblem:
    """One reason the file was not imported.

    ``row`` is the row as a spreadsheet shows it: the header is row 1, so the
    first response is row 2 (a quoted cell spanning several lines is still one
    row). ``row`` is None for a problem with the file as a whole, such as an
    unknown column.
    """

    row: int | None
    column: str | None
    value: str
    reason: str

    def __str__(self) -> str:
        where = ", ".join((f"row {self.row}" if self.row else "file", *([f"column {self.column}"] if self.column else [])))
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"{where}: " + (f"'{shown}' {self.reason}" if self.value else self.reason)


@dataclass(frozen=True)
class ImportReport:
    rows: int  # responses in the file
    imported: int  # responses stored (0 unless ok)
    problems: tuple[ImportProblem, ...] = ()  # the first MAX_PROBLEMS, in file order
    problem_count: int = 0  # every problem, listed or not
    bad_rows: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def truncated(self) -> bool:
        return self.problem_count > len(self.problems)

    def summary(self) -> str:
        if self.ok:
            return f"imported {self.imported} responses"
        rows = f" in {self.bad_rows} of {self.rows} rows" if self.bad_rows else ""
        listed = f" (the first {len(self.problems)} are listed)" if self.truncated else ""
        return f"nothing was imported: {self.problem_count} problem(s){rows}{listed}"

    def lines(self) -> list[str]:
        """The report as text, one problem a line, then the summary."""
        return [str(p) for p in self.problems] + [self.summary()]


class _Problems:
    """Collects problems column by column without building millions of objects for a hopeless file."""

    def __init__(self, row_numbers: npt.NDArray[np.int64]) -> None:
        self.row_numbers = row_numbers
        self.bad = np.zeros(len(row_numbers), dtype=bool)
        self.file: list[ImportProblem] = []
        self.found: list[tuple[int, int, ImportProblem]] = []  # (row, column order, problem)
        self.kept: dict[int, int] = {}  # column order -> problems kept: the first MAX_PROBLEMS of each column
        self.count = 0

    def add_file(self, column: str | None, value: str, reason: str) -> None:
        self.file.append(ImportProblem(None, column, value, reason))
        self.count += 1

    def add_row(self, row_number: int, column: str | None, order: int, value: str, reason: str) -> None:
        """A problem on a row that is not a data row (it has the wrong number of cells)."""
        self.count += 1
        if self.kept.get(order, 0) < MAX_PROBLEMS:
            self.kept[order] = self.kept.get(order, 0) + 1
            self.found.append((row_number, order, ImportProblem(row_number, column, value, reason)))

    def add(self, index: int, column: str, order: int, value: str, reason: str) -> None:
        self.add_many(np.array([index]), column, order, [value], [reason])

    def add_many(
        self, indexes: npt.NDArray[np.intp], column: str, order: int, values: Sequence[str], reasons: Sequence[str]
    ) -> None:
        """``values[k]`` and ``reasons[k]`` belong to data row ``indexes[k]`` (in row order)."""
        if not len(indexes):
            return
        self.count += len(indexes)
        self.bad[indexes] = True
        room = min(len(indexes), MAX_PROBLEMS - self.kept.get(order, 0))
        self.kept[order] = self.kept.get(order, 0) + max(room, 0)
        for k in range(room):
            row = int(self.row_numbers[indexes[k]])
            self.found.append((row, order, ImportProblem(row, column, values[k], reasons[k])))

    def report(self, rows: int, extra_bad_rows: int) -> ImportReport:
        listed = self.file + [p for _, _, p in sorted(self.found, key=lambda f: (f[0], f[1]))]
        return ImportReport(rows, 0, tuple(listed[:MAX_PROBLEMS]), self.count, int(self.bad.sum()) + extra_bad_rows)


@dataclass(frozen=True)
class ColumnVerdict:
    """A numeric item's column judged: per row a state and a number, through the distinct (text, audience) pairs."""

    state: npt.NDArray[np.int8]  # per row: EMPTY, VALUE, SKIPPED, MARKED or BAD
    num: npt.NDArray[np.float64]  # per row: the stored number, NaN unless VALUE
    pair: npt.NDArray[np.intp]  # per row: its pair
    pair_state: npt.NDArray[np.int8]  # per pair
    literal: list[str]  # per pair: the stored number as text ("" unless VALUE)
    reasons: dict[int, str]  # per BAD pair: why

    def reason(self, row: int) -> str:
        return self.reasons[int(self.pair[row])]


#: how one answer is written for the insert: render(item key, kind, text), kind being "num", "text" or "skip"
Render = Callable[[str, str, str], str]


@dataclass
class _Judged:
    """One item's verdict on every row: what to store."""

    instrument: Instrument
    item: Item
    key: str
    state: npt.NDArray[np.int8]
    verdict: ColumnVerdict | None = None  # numeric items
    stored: dict[int, StoredValue] = field(default_factory=dict)  # text and multi items: row -> value
    columns: tuple[str, ...] = ()
    orders: tuple[int, ...] = ()

    @property
    def num(self) -> npt.NDArray[np.float64] | None:
        return self.verdict.num if self.verdict is not None else None

    def rendered(self, render: Render) -> npt.NDArray[np.object_]:
        """Per row, its answer as ``render`` writes it; "" where nothing is stored."""
        n = len(self.state)
        out = np.full(n, "", dtype=object)
        if self.verdict is not None:  # once per distinct pair, spread over the rows
            table = np.array(
                [render(self.key, "num", lit) if st == VALUE else render(self.key, "skip", "") if st == SKIPPED else ""
                 for st, lit in zip(self.verdict.pair_state.tolist(), self.verdict.literal, strict=True)],
                dtype=object,
            )  # fmt: skip
            out[:] = table[self.verdict.pair]
        else:
            for row, value in self.stored.items():
                out[row] = render(self.key, "skip", "") if value.skipped else render(self.key, "text", value.text or "")
        out[(self.state != VALUE) & (self.state != SKIPPED)] = ""
        return out

    def condition_value(self, row: int) -> Any:
        """The answer as show_if sees it ("prefer not to answer" is no answer)."""
        if self.state[row] != VALUE:
            return None
        if self.num is not None:
            value = float(self.num[row])
            return int(value) if value.is_integer() else value
        return self.stored[row].value


def import_responses(
    survey: Survey, source: str | bytes | IO[str] | IO[bytes], now: dt.datetime, actor: User | None
) -> ImportReport:
    """Check every row of a wide CSV file and, only if all are right, store them as submitted responses.

    ``source`` is the file's text, its bytes (UTF-8, with or without a byte
    order mark) or an open file. One unit of work: the responses, their
    answers and an audit event are committed together; on any problem nothing
    is written and the report says what to fix.
    """
    try:
        content = _read(source)
    except UnicodeDecodeError as exc:
        reason = f"the file is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'"
        return ImportReport(0, 0, (ImportProblem(None, None, "", reason),), 1)
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        reason = f"the file is not valid CSV (line {reader.line_num}: {exc})"
        return ImportReport(0, 0, (ImportProblem(None, None, "", reason),), 1)
    if not records or not any(cell.strip() for cell in records[0]):
        return ImportReport(0, 0, (ImportProblem(None, None, "", "the file is empty: it needs a header row"),), 1)
    plan = export_plan(survey)
    header = [name.strip() for name in records[0]]
    data_rows: list[list[str]] = []
    row_numbers: list[int] = []
    short: list[tuple[int, int]] = []
    for number, cells in enumerate(records[1:], start=2):
        if len(cells) == len(header):
            if any(cells):
                data_rows.append(cells)
                row_numbers.append(number)
        elif any(c.strip() for c in cells):
            short.append((number, len(cells)))
    del records
    problems = _Problems(np.array(row_numbers, dtype=np.int64))
    for number, count in short:
        problems.add_row(number, None, -1, "", f"has {count} cells, but the header has {len(header)}")
    columns = _columns(header, plan.variables, problems)
    if "audience" not in columns:
        problems.add_file("audience", "", "is missing: every row must say which audience answered (e.g. peer, staff)")
    if not data_rows and not short:
        problems.add_file(None, "", "the file has no responses (only a header)")
    if problems.count and ("audience" not in columns or not data_rows):
        return problems.report(len(data_rows) + len(short), len(short))

    cells_of = list(zip(*data_rows, strict=True))
    del data_rows
    meta = _check_meta(survey, cells_of, columns, problems)
    judged = _check_items(survey, plan.instruments, plan.variables, cells_of, columns, meta.audience_index, problems)
    _check_conditions(plan.instruments, judged, meta, problems)
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


def _read(source: str | bytes | IO[str] | IO[bytes]) -> str:
    data = source.read() if hasattr(source, "read") else source  # type: ignore[union-attr]
    if isinstance(data, bytes | bytearray):
        return bytes(data).decode("utf-8-sig")
    return str(data).removeprefix("\ufeff")


# --- columns -------------------------------------------------------------------------------------------------


def _columns(header: list[str], variables: Sequence[Any], problems: _Problems) -> dict[str, int]:
    """Column name -> position for every known column; unknown and repeated columns are problems."""
    known = {v.name for v in variables}
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        if not name:
            problems.add_file(f"#{position + 1}", "", "has no name in the header row")
        elif name in positions:
            problems.add_file(name, "", "appears twice in the header row")
        elif name not in known:
            problems.add_file(name, "", "is not a column of this survey's wide format (see its codebook)")
        else:
            positions[name] = position
    return positions


# --- metadata ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Meta:
    audiences: list[str]
    audience_ids: list[int]
    audience_index: npt.NDArray[np.intp]  # into audiences; len(audiences) where unknown
    ids: list[str]
    languages: list[str]
    submitted: list[dt.datetime | None]  # None: now


def _check_meta(survey: Survey, cells_of: list[tuple[str, ...]], columns: dict[str, int], problems: _Problems) -> _Meta:
    n = len(cells_of[0])
    audiences = [a.key for a in survey.audiences]
    index = {key: i for i, key in enumerate(audiences)}
    order = columns["audience"]
    given = cells_of[order]
    audience_index = np.fromiter((index.get(a.strip(), len(audiences)) for a in given), dtype=np.intp, count=n)
    bad = np.flatnonzero(audience_index == len(audiences))
    allowed = ", ".join(audiences)
    problems.add_many(
        bad,
        "audience",
        order,
        [given[i].strip() for i in bad],
        [
            f"is not an audience of this survey (allowed: {allowed})"
            if given[i].strip()
            else f"no audience given: every row needs one ({allowed})"
            for i in bad
        ],
    )
    return _Meta(
        audiences,
        [a.id for a in survey.audiences],
        audience_index,
        _check_ids(cells_of, columns, problems, n),
        _check_languages(survey, cells_of, columns, problems, n),
        _check_submitted(cells_of, columns, problems, n),
    )


def _check_ids(cells_of: list[tuple[str, ...]], columns: dict[str, int], problems: _Problems, n: int) -> list[str]:
    """Kept ids (so export -> import -> export round-trips); a fresh random id where the cell is empty."""
    if "response_id" not in columns:
        return [uuid.uuid4().hex for _ in range(n)]
    order = columns["response_id"]
    first: dict[str, int] = {}
    ids: list[str] = []
    bad: list[int] = []
    reasons: list[str] = []
    for i, raw in enumerate(cells_of[order]):
        value = raw.strip()
        if not value:
            ids.append(uuid.uuid4().hex)
            continue
        ids.append(value)
        if not ID_PATTERN.fullmatch(value):
            bad.append(i)
            reasons.append("is not a valid response id (1 to 32 letters, digits, - or _; or leave it empty for a new id)")
        elif value in first:
            bad.append(i)
            reasons.append(f"appears twice in the file (first in row {problems.row_numbers[first[value]]})")
        else:
            first[value] = i
    for value in sorted(_existing_ids(list(first))):
        bad.append(first[value])
        reasons.append("is already in the database (this response was imported or collected before)")
    if bad:
        sort = np.argsort(np.array(bad), kind="stable")
        problems.add_many(np.array(bad)[sort], "response_id", order, [ids[bad[k]] for k in sort], [reasons[k] for k in sort])
    return ids


def _existing_ids(ids: list[str]) -> set[str]:
    """Which of ``ids`` are already taken (by any survey: response ids are unique across the database)."""
    if _fast_sqlite():  # one query, the ids as one JSON parameter
        found = db.session.execute(
            text("SELECT id FROM response WHERE id IN (SELECT value FROM json_each(:ids))"), {"ids": json.dumps(ids)}
        )
        return {row[0] for row in found}
    existing: set[str] = set()
    for start in range(0, len(ids), 5000):
        existing.update(db.session.scalars(select(Response.id).where(Response.id.in_(ids[start : start + 5000]))))
    return existing


def _fast_sqlite() -> bool:
    """SQLite with JSON functions built in (3.38+), where JSON parameters replace long parameter lists."""
    return db.session.connection().dialect.name == "sqlite" and sqlite3.sqlite_version_info >= (3, 38)


def _check_languages(
    survey: Survey, cells_of: list[tuple[str, ...]], columns: dict[str, int], problems: _Problems, n: int
) -> list[str]:
    default = survey.languages[0]
    if "language" not in columns:
        return [default] * n
    order = columns["language"]
    languages = [c.strip() or default for c in cells_of[order]]
    known = set(survey.languages)
    bad = np.array([i for i, lang in enumerate(languages) if lang not in known], dtype=np.intp)
    problems.add_many(
        bad,
        "language",
        order,
        [languages[i] for i in bad],
        [f"is not a language of this survey (allowed: {', '.join(survey.languages)})"] * len(bad),
    )
    return languages


def _moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _check_submitted(
    cells_of: list[tuple[str, ...]], columns: dict[str, int], problems: _Problems, n: int
) -> list[dt.datetime | None]:
    if "submitted" not in columns:
        return [None] * n
    order = columns["submitted"]
    seen: dict[str, dt.datetime | None] = {"": None}
    out: list[dt.datetime | None] = []
    bad: list[int] = []
    for i, raw in enumerate(cells_of[order]):
        value = raw.strip()
        if value not in seen:
            try:
                seen[value] = _moment(value)
            except ValueError:
                bad.append(i)
                out.append(None)
                continue
        out.append(seen[value])
    problems.add_many(
        np.array(bad, dtype=np.intp),
        "submitted",
        order,
        [cells_of[order][i] for i in bad],
        ["is not a date (use YYYY-MM-DD, or an ISO date and time such as 2026-11-24T09:30:00)"] * len(bad),
    )
    return out


# --- items ---------------------------------------------------------------------------------------------------


def _check_items(
    survey: Survey,
    instruments: Sequence[Instrument],
    variables: Sequence[Any],
    cells_of: list[tuple[str, ...]],
    columns: dict[str, int],
    audience_index: npt.NDArray[np.intp],
    problems: _Problems,
) -> list[_Judged]:
    audiences = [a.key for a in survey.audiences]
    language = survey.languages[0]
    by_id = {i.id: i for i in instruments}
    judged: list[_Judged] = []
    options: dict[str, list[Any]] = {}
    for variable in variables:
        if variable.kind == "option":
            options.setdefault(f"{variable.instrument}.{variable.item}", []).append(variable)
    done: set[str] = set()
    for variable in variables:
        if variable.kind not in ("item", "option"):
            continue
        instrument = by_id[variable.instrument]
        item = instrument.item(variable.item)
        key = f"{instrument.id}.{item.id}"
        if key in done:
            continue
        done.add(key)
        if variable.kind == "option":
            present = [(v, columns[v.name]) for v in options[key] if v.name in columns]
            if present:
                judged.append(_judge_multi(instrument, item, present, cells_of, audiences, audience_index, language, problems))
            continue
        if variable.name not in columns:
            continue
        order = columns[variable.name]
        if item.type in ("text", "longtext"):
            judged.append(
                _judge_text(
                    instrument, item, variable.name, order, cells_of[order], audiences, audience_index, language, problems
                )
            )
            continue
        verdict = judge_column(item, cells_of[order], audience_index, audiences, language)
        bad = np.flatnonzero(verdict.state == BAD)
        problems.add_many(bad, variable.name, order, [cells_of[order][i].strip() for i in bad], [verdict.reason(i) for i in bad])
        state = verdict.state.copy()  # show_if may still find problems
        judged.append(_Judged(instrument, item, key, state, verdict=verdict, columns=(variable.name,), orders=(order,)))
    return judged


def judge_column(
    item: Item,
    cells: Sequence[str],
    audience_index: npt.NDArray[np.intp],
    audiences: Sequence[str],
    language: str = "en",
) -> ColumnVerdict:
    """Judge one numeric item's column (likert, single, number) for every row at once.

    ``audience_index[row]`` indexes ``audiences``; ``len(audiences)`` marks a
    row whose audience is unknown (already reported), which is not judged.

    Each distinct (cell text, audience) pair is judged once by
    :func:`_verdict` (that is, by parse_answer); numpy spreads the verdicts
    over the rows. So the outcome equals calling parse_answer on every cell.
    """
    n = len(cells)
    lookup = {value: i for i, value in enumerate(dict.fromkeys(cells))}
    texts = list(lookup)
    width = len(audiences) + 1
    pair = np.fromiter(map(lookup.__getitem__, cells), dtype=np.intp, count=n) * width + audience_index
    size = len(texts) * width
    seen = np.zeros(size, dtype=bool)
    seen[pair] = True
    state_of = np.zeros(size, dtype=np.int8)
    num_of = np.full(size, np.nan)
    literal = [""] * size
    reasons: dict[int, str] = {}
    for p in np.flatnonzero(seen).tolist():
        a = p % width
        if a == len(audiences):
            continue
        state, stored, reason = _verdict(item, audiences[a], texts[p // width], language, codes=True)
        state_of[p] = state
        if state == BAD:
            reasons[p] = reason or "is not a valid answer"
        elif state == VALUE and stored is not None and stored.num is not None:
            num_of[p] = stored.num
            literal[p] = _number_text(stored.num)
    return ColumnVerdict(state_of[pair], num_of[pair], pair, state_of, literal, reasons)


def _number_text(value: float) -> str:
    """A number as JSON and PostgreSQL's COPY both read it."""
    return str(int(value)) if value.is_integer() else repr(value)


def _verdict(item: Item, audience: str, raw: str, language: str, codes: bool) -> tuple[int, StoredValue | None, str | None]:
    """One cell: what to store, or why not. ``codes``: the column holds codes, where -8 means "not shown"."""
    value = raw.strip()
    if not value:
        return EMPTY, None, None
    if codes and value == NOT_SHOWN_TEXT:
        if not item.asked_of(audience):
            return EMPTY, None, None
        if item.show_if is not None:
            return MARKED, None, None
        return BAD, None, _NOT_SHOWN_BUT_ASKED.format(audience=audience)
    if not item.asked_of(audience):
        return BAD, None, _NOT_ASKED.format(audience=audience)
    try:
        stored = parse_answer(item, audience, raw)
    except AnswerError as exc:
        return BAD, None, _reason(item, audience, value, exc, language)
    if stored is None:
        return EMPTY, None, None
    return (SKIPPED if stored.skipped else VALUE), stored, None


_NOT_ASKED = "is an answer, but this question is not asked of audience {audience} (leave the cell empty, or -8)"
_NOT_SHOWN_BUT_ASKED = (
    "means 'not shown', but this question is shown to audience {audience} (leave the cell empty if not answered)"
)


def _reason(item: Item, audience: str, value: str, error: AnswerError, language: str) -> str:
    allowed = _allowed(item, audience, language)
    if error.code == "not_an_option":
        try:
            code = int(value)
        except ValueError:
            return f"is not a numeric code ({allowed})"
        if item.scale is not None and any(o.code == code for o in item.scale.options + item.scale.missing_options):
            return f"is not an option for audience {audience} ({allowed})"
        return f"is not an option ({allowed})"
    if error.code == "not_a_number":
        return f"is not a number ({allowed})"
    if error.code == "not_whole":
        return f"is not a whole number ({allowed})"
    if error.code == "out_of_range":
        return f"is out of range ({allowed})"
    if error.code == "skip_not_allowed":
        return "is 'prefer not to answer', which this question does not offer (leave the cell empty if not answered)"
    if error.code == "too_long":
        return f"is too long: {len(value)} characters, at most {item.max_length}"
    return str(error)


def _allowed(item: Item, audience: str, language: str) -> str:
    parts: list[str] = []
    if item.scale is not None:
        parts.append(_code_list([o.code for o in item.scale.options if o.offered_to(audience)]))
        for option in item.scale.missing_options:
            if option.offered_to(audience):
                label = option.label.get(language) or next(iter(option.label.values()))
                parts.append(f"{option.code} {label[:1].lower()}{label[1:]}")
    elif item.type == "number":
        kind = "a whole number" if item.integer else "a number"
        if item.min is not None and item.max is not None:
            parts.append(f"{kind} from {item.min:g} to {item.max:g}")
        else:
            parts.append(kind)
    if item.allow_skip:
        parts.append(f"{PREFER_NOT_TO_ANSWER} prefer not to answer")
    return "allowed: " + ", ".join(parts)


def _code_list(codes: list[int]) -> str:
    if len(codes) > 2 and codes == list(range(codes[0], codes[-1] + 1)):
        return f"{codes[0]}-{codes[-1]}"
    return ", ".join(str(c) for c in codes)


def _judge_text(
    instrument: Instrument,
    item: Item,
    column: str,
    order: int,
    cells: Sequence[str],
    audiences: list[str],
    audience_index: npt.NDArray[np.intp],
    language: str,
    problems: _Problems,
) -> _Judged:
    n = len(cells)
    state = np.zeros(n, dtype=np.int8)
    stored: dict[int, StoredValue] = {}
    for i in [i for i, c in enumerate(cells) if c]:
        a = int(audience_index[i])
        if a == len(audiences):
            continue
        verdict, value, reason = _verdict(item, audiences[a], cells[i], language, codes=False)
        state[i] = verdict
        if verdict == BAD:
            problems.add(i, column, order, cells[i].strip(), reason or "is not a valid answer")
        elif value is not None:
            stored[i] = value
    return _Judged(
        instrument,
        item,
        f"{instrument.id}.{item.id}",
        state,
        stored=stored,
        columns=(column,),
        orders=(order,),
    )


def _judge_multi(
    instrument: Instrument,
    item: Item,
    present: list[tuple[Any, int]],
    cells_of: list[tuple[str, ...]],
    audiences: list[str],
    audience_index: npt.NDArray[np.intp],
    language: str,
    problems: _Problems,
) -> _Judged:
    """A multi-choice item: one 0/1 column per option, judged per distinct combination of cells and audience."""
    n = len(audience_index)
    names = tuple(v.name for v, _ in present)
    orders = tuple(order for _, order in present)
    codes = [int(v.name.rsplit(".", 1)[1]) for v, _ in present]
    combos = list(zip(*(cells_of[order] for order in orders), strict=True))
    lookup = {combo: i for i, combo in enumerate(dict.fromkeys(combos))}
    distinct = list(lookup)
    width = len(audiences) + 1
    pair = np.fromiter(map(lookup.__getitem__, combos), dtype=np.intp, count=n) * width + audience_index
    verdicts: dict[int, tuple[int, StoredValue | None, list[tuple[int, str]]]] = {}
    for p in np.unique(pair).tolist():
        a = p % width
        if a < len(audiences):
            verdicts[p] = _multi_verdict(item, audiences[a], codes, distinct[p // width], language)
    state = np.zeros(n, dtype=np.int8)
    stored: dict[int, StoredValue] = {}
    bad: dict[int, tuple[list[int], list[str], list[str]]] = {}
    for i, p in enumerate(pair.tolist()):
        verdict = verdicts.get(p)
        if verdict is None or verdict[0] == EMPTY:
            continue
        state[i] = verdict[0]
        value = verdict[1]
        if verdict[0] == BAD:
            for k, reason in verdict[2]:
                rows, values, reasons = bad.setdefault(k, ([], [], []))
                rows.append(i)
                values.append(combos[i][k].strip())
                reasons.append(reason)
        elif value is not None:
            stored[i] = value
    for k, (rows, values, reasons) in bad.items():
        problems.add_many(np.array(rows, dtype=np.intp), names[k], orders[k], values, reasons)
    return _Judged(instrument, item, f"{instrument.id}.{item.id}", state, stored=stored, columns=names, orders=orders)


def _multi_verdict(
    item: Item, audience: str, codes: list[int], cells: tuple[str, ...], language: str
) -> tuple[int, StoredValue | None, list[tuple[int, str]]]:
    """One respondent's option cells: (state, stored value, [(option position, reason)])."""
    values = [c.strip() for c in cells]
    given = [k for k, v in enumerate(values) if v]
    if not given:
        return EMPTY, None, []
    if all(values[k] == NOT_SHOWN_TEXT for k in given):
        if not item.asked_of(audience):
            return EMPTY, None, []
        if item.show_if is not None:
            return MARKED, None, []
        return BAD, None, [(k, _NOT_SHOWN_BUT_ASKED.format(audience=audience)) for k in given]
    if not item.asked_of(audience):
        return BAD, None, [(k, _NOT_ASKED.format(audience=audience)) for k in given if values[k] != NOT_SHOWN_TEXT]
    if any(values[k] == SKIP for k in given):
        if not all(values[k] == SKIP for k in given):
            mixed = "mixes 'prefer not to answer' (-9) and answers in the options of one question"
            return BAD, None, [(k, mixed) for k in given if values[k] != SKIP][:1]
        try:
            return SKIPPED, parse_answer(item, audience, SKIP), []
        except AnswerError as exc:
            return BAD, None, [(given[0], _reason(item, audience, SKIP, exc, language))]
    problems: list[tuple[int, str]] = []
    chosen: list[int] = []
    for k in given:
        if values[k] not in ("0", "1"):
            problems.append((k, "is not 1 (chosen) or 0 (not chosen)"))
        elif values[k] == "1":
            if item.accepts_code(codes[k], audience):
                chosen.append(codes[k])
            else:
                problems.append((k, f"is chosen, but this option is not offered to audience {audience}"))
    if problems:
        return BAD, None, problems
    if not chosen:  # every option 0: nothing chosen is stored as "not answered", as the web form does
        return EMPTY, None, []
    try:
        return VALUE, parse_answer(item, audience, [str(c) for c in chosen]), []
    except AnswerError as exc:
        return BAD, None, [(given[0], _reason(item, audience, "1", exc, language))]


# --- show_if ----------------------------------------------------------------------------------------------------


def _check_conditions(instruments: Sequence[Instrument], judged: list[_Judged], meta: _Meta, problems: _Problems) -> None:
    """Items hidden by show_if must have no answer; -8 ("not shown") only where show_if hid the item.

    Follows the respondent's form (instruments.flow.visible_items): conditions
    see the instrument's own answers, and a hidden item's answer steers no
    later condition. Rows are grouped by the answers the conditions read, so
    each distinct situation is evaluated once.
    """
    by_key = {j.key: j for j in judged}
    for instrument in instruments:
        conditional = [item for item in instrument.items if item.show_if is not None]
        if not conditional:
            continue
        refs = sorted({r for item in conditional for r in referenced_items(item.show_if)})
        ref_cells = [(r, by_key.get(f"{instrument.id}.{r}")) for r in refs]
        checked = [(item, by_key[f"{instrument.id}.{item.id}"]) for item in conditional if f"{instrument.id}.{item.id}" in by_key]
        if not checked:
            continue
        memo: dict[tuple[Any, ...], set[str]] = {}
        for i in range(len(meta.audience_index)):
            a = int(meta.audience_index[i])
            if a == len(meta.audiences):
                continue
            if all(cells.state[i] == EMPTY for _, cells in checked):
                continue
            own = {r: cells.condition_value(i) for r, cells in ref_cells if cells is not None}
            situation = (a, *(_hashable(own.get(r)) for r in refs))
            hidden = memo.get(situation)
            if hidden is None:
                hidden = memo[situation] = _hidden(instrument, meta.audiences[a], own)
            for item, cells in checked:
                state = cells.state[i]
                if item.id in hidden and state in (VALUE, SKIPPED):
                    _condition_problem(
                        cells,
                        i,
                        f"is an answer, but this question was not shown to this respondent "
                        f"(it is shown only when {_describe(item.show_if)}); leave the cell empty or -8",
                        problems,
                    )
                elif item.id not in hidden and state == MARKED:
                    _condition_problem(
                        cells,
                        i,
                        f"means 'not shown', but this respondent's answers show this question "
                        f"(shown when {_describe(item.show_if)}); leave the cell empty if not answered",
                        problems,
                    )


def _condition_problem(cells: _Judged, row: int, reason: str, problems: _Problems) -> None:
    cells.state[row] = BAD
    problems.add(row, cells.columns[0], cells.orders[0], "", reason)


def _hidden(instrument: Instrument, audience: str, own: dict[str, Any]) -> set[str]:
    own = dict(own)
    hidden: set[str] = set()
    for item in instrument.items_for(audience):
        if item.show_if is not None and not evaluate(item.show_if, own):
            hidden.add(item.id)
            own.pop(item.id, None)
    return hidden


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _describe(condition: Condition | None) -> str:
    if isinstance(condition, Compare):
        words = {"equals": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "in": "is one of"}
        if condition.op == "answered":
            return f"{condition.item} is {'answered' if condition.value else 'not answered'}"
        return f"{condition.item} {words.get(condition.op, condition.op)} {condition.value}"
    if isinstance(condition, Not):
        return f"not ({_describe(condition.part)})"
    if isinstance(condition, All | AnyOf):
        joiner = " and " if isinstance(condition, All) else " or "
        return "(" + joiner.join(_describe(p) for p in condition.parts) + ")"
    return "a condition holds"


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
