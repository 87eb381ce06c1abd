"""Checks of the file and its rows: columns, metadata, ids, languages, dates, show_if."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select, text

from ...db import Response, Survey, db
from ...instruments import Instrument
from ...instruments.conditions import All, AnyOf, Compare, Condition, Not, evaluate, referenced_items
from .constants import BAD, EMPTY, ID_PATTERN, MARKED, SKIPPED, SUMMARISED_FROM, VALUE
from .judging import _Judged
from .report import _Problems

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


def _check_meta(
    survey: Survey,
    cells_of: Sequence[Sequence[str]],
    columns: dict[str, int],
    problems: _Problems,
    taken: Callable[[list[str]], set[str]] | None = None,
) -> _Meta:
    """``taken``: which of some ids are in the database already (by default :func:`_existing_ids`, in this session)."""
    n = len(cells_of[columns["audience"]])
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
        _check_ids(cells_of, columns, problems, n, taken),
        _check_languages(survey, cells_of, columns, problems, n),
        _check_submitted(cells_of, columns, problems, n),
    )


def _check_ids(
    cells_of: Sequence[Sequence[str]],
    columns: dict[str, int],
    problems: _Problems,
    n: int,
    taken: Callable[[list[str]], set[str]] | None = None,
) -> list[str]:
    """Kept ids (so export -> import -> export round-trips); a fresh random id where the cell is empty."""
    if "response_id" not in columns:
        return [uuid.uuid4().hex for _ in range(n)]
    order = columns["response_id"]
    first: dict[str, int] = {}
    ids: list[str] = []
    bad: list[int] = []
    reasons: list[str] = []
    plain = _plain_and_distinct(cells_of[order])
    if plain:  # the usual file: what the loop below would find, found at C speed
        ids = list(cells_of[order])
        first = dict(zip(ids, range(n), strict=True))
    for i, raw in enumerate([] if plain else cells_of[order]):
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
    existing = sorted(first[value] for value in (taken or _existing_ids)(list(first)))
    if len(existing) > SUMMARISED_FROM:
        problems.add_summary(
            np.array(existing, dtype=np.intp),
            "response_id",
            f"{len(existing):,} rows (from row {problems.row_numbers[existing[0]]}) have a response id that is already "
            "in the database: these responses were imported or collected before. To import them into another "
            "survey, empty the response_id column and new ids are made.",
        )
    else:
        for index in existing:
            bad.append(index)
            reasons.append("is already in the database (this response was imported or collected before)")
    if bad:
        sort = np.argsort(np.array(bad), kind="stable")
        problems.add_many(np.array(bad)[sort], "response_id", order, [ids[bad[k]] for k in sort], [reasons[k] for k in sort])
    return ids


#: a column of valid ids, one a line
_ID_LINES = re.compile(f"{ID_PATTERN.pattern}(?:\n{ID_PATTERN.pattern})*")


def _plain_and_distinct(cells: Sequence[str]) -> bool:
    """Every cell a valid response id as it stands (no spaces around it, none empty), and no id twice."""
    joined = "\n".join(cells)
    return (
        joined.count("\n") == len(cells) - 1  # no cell holds a line break of its own
        and _ID_LINES.fullmatch(joined) is not None
        and len(set(cells)) == len(cells)
    )


def _existing_ids(ids: list[str]) -> set[str]:
    """Which of ``ids`` are already taken (by any survey: response ids are unique across the database)."""
    if _fast_sqlite():  # one query, the ids as one JSON parameter
        found = db.session.execute(
            text("SELECT id FROM response WHERE id IN (SELECT value FROM json_each(:ids))"), {"ids": json.dumps(ids)}
        )
        return {row[0] for row in found}
    if db.session.connection().dialect.name == "postgresql":  # one query, the ids as one text (ids have no comma)
        found = db.session.execute(
            text("SELECT id FROM response WHERE id = ANY(string_to_array(:ids, ','))"), {"ids": ",".join(ids)}
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
    survey: Survey, cells_of: Sequence[Sequence[str]], columns: dict[str, int], problems: _Problems, n: int
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
    cells_of: Sequence[Sequence[str]], columns: dict[str, int], problems: _Problems, n: int
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


def _check_routing(survey: Survey, judged: list[_Judged], meta: _Meta, problems: _Problems) -> None:
    """Pages the survey's routing skipped for a row must have no answer; -8 only where routing (or show_if) hid them.

    Follows the respondent's form (instruments.flow.routed_out): a rule reads the row's earlier answers. Each
    distinct situation (audience and the answers a rule reads) is evaluated once; the rest is numpy.
    """
    from ..surveys import pages_for

    by_key = {j.key: j for j in judged}
    for a, audience in enumerate(meta.audiences):
        rows = np.flatnonzero(meta.audience_index == a)
        if not len(rows):
            continue
        for page in pages_for(survey, audience):
            if page.skip_when is None:
                continue
            checked = [(item, by_key[k]) for item, k in zip(page.page.items, page.answer_keys(), strict=True) if k in by_key]
            if not checked:
                continue
            reads = [(r, by_key.get(r)) for r in referenced_items(page.skip_when)]
            memo: dict[tuple[Any, ...], bool] = {}
            skipped = np.zeros(len(meta.audience_index), dtype=bool)
            for i in rows.tolist():
                answers = {r: cells.condition_value(i) for r, cells in reads if cells is not None}
                situation = tuple(_hashable(answers.get(r)) for r, _ in reads)
                if situation not in memo:
                    memo[situation] = evaluate(page.skip_when, answers)
                skipped[i] = memo[situation]
            mine = np.zeros(len(meta.audience_index), dtype=bool)
            mine[rows] = True
            rule = _describe(page.skip_when)
            for item, cells in checked:
                answered = mine & skipped & ((cells.state == VALUE) | (cells.state == SKIPPED))
                for i in np.flatnonzero(answered).tolist():
                    _condition_problem(
                        cells,
                        i,
                        f"is an answer, but the survey's routing skipped this question for this respondent "
                        f"(skipped when {rule}); leave the cell empty or -8",
                        problems,
                    )
                if item.show_if is not None:
                    continue  # -8 may also mean show_if hid it: checked with show_if
                marked = mine & ~skipped & (cells.state == MARKED)
                for i in np.flatnonzero(marked).tolist():
                    _condition_problem(
                        cells,
                        i,
                        f"means 'not shown', but this respondent's answers do not skip this question "
                        f"(skipped when {rule}); leave the cell empty if not answered",
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
