"""The long export's lines made by the database, so Python only copies blocks of text to the file.

One row per stored answer (``response_id, audience, item, value, label,
skipped``), exactly as :func:`~surveyapp.services.export.iter_long_rows`
written by the CSV writer makes it, but each line is built by one SQL
expression: codes as integers, labels as a ``CASE`` built from the export
plan, text answers neutralised against spreadsheet formulas and quoted as
the CSV writer quotes them. Python fetches a block of finished lines and
joins them; memory stays flat (a streaming cursor, one block at a time).

A number the database could print differently from Python (not a whole
number, or one too large for an exact integer) comes back without its value
and label, and Python writes those two cells the old way: the file is byte
for byte what the row-by-row export wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection

from ..db import db, known_item_keys
from ..instruments import PREFER_NOT_TO_ANSWER
from ..instruments.wide_columns import MISSING_LABELS
from .export import ExportPlan, _code

__all__ = ["CsvRules", "long_csv_blocks"]

_first, _second = itemgetter(0), itemgetter(1)

BLOCK = 20_000
#: larger whole numbers are left to Python (SQLite's integers stop at 2**63; floats are exact integers below 2**53)
EXACT = 10**15


@dataclass(frozen=True)
class CsvRules:
    """How the CSV writer writes: the database's lines must come out the same."""

    #: one line of cells as the CSV writer writes it (terminator included), formula text neutralised unless raw
    line: Callable[[Sequence[Any]], str]
    #: text starting with one of these gets a leading apostrophe; empty for a raw export
    formula_prefixes: tuple[str, ...]
    #: the line terminator
    end: str = "\r\n"

    def cell(self, value: Any) -> str:
        """One cell's text (a two-cell line cut back: a lone empty cell would be written as "")."""
        return self.line([value, None])[: -len(self.end) - 1]


@dataclass(frozen=True)
class _Dialect:
    char: Callable[[int], str]
    string: Callable[[str], str]  # a string constant, whatever the server's settings
    contains: Callable[[str, str], str]
    first: Callable[[str], str]
    integer: Callable[[str], str]
    is_whole: Callable[[str], str]
    true: str
    cross_join: str  # a join that keeps its left side as the outer loop
    unindexed: Callable[[str], str]  # a column no index should be chosen for

    def whole(self, column: str) -> str:
        """A whole-number float as integer text."""
        return f"CAST({self.integer(column)} AS {'TEXT' if self.true == '1' else 'text'})"


_SQLITE = _Dialect(
    char=lambda n: f"char({n})",
    string=lambda x: "'" + x.replace("'", "''") + "'",
    contains=lambda x, y: f"instr({x}, {y}) > 0",
    first=lambda x: f"substr({x}, 1, 1)",
    integer=lambda x: f"CAST({x} AS INTEGER)",
    is_whole=lambda x: f"{x} = CAST({x} AS INTEGER)",
    true="1",
    cross_join="CROSS JOIN",
    unindexed=lambda x: f"+{x}",
)
_POSTGRES = _Dialect(
    char=lambda n: f"chr({n})",
    # E'': backslashes are escapes however standard_conforming_strings is set, so doubling them keeps them
    string=lambda x: "E'" + x.replace("\\", "\\\\").replace("'", "''") + "'",
    contains=lambda x, y: f"strpos({x}, {y}) > 0",
    first=lambda x: f"left({x}, 1)",
    integer=lambda x: f"CAST({x} AS bigint)",
    is_whole=lambda x: f"{x} = trunc({x})",
    true="true",
    cross_join="JOIN",
    unindexed=lambda x: x,
)


def _literal(value: str, sql: _Dialect) -> str:
    """A string constant; control characters spelled with char()/chr() so the statement stays one plain line."""
    parts, plain = [], []
    for c in value:
        if c in "\r\n\t\0":
            if plain:
                parts.append(sql.string("".join(plain)))
                plain = []
            parts.append(sql.char(ord(c)))
        else:
            plain.append(c)
    if plain or not parts:
        parts.append(sql.string("".join(plain)))
    return " || ".join(parts)


def _text_cell(column: str, rules: CsvRules, sql: _Dialect) -> str:
    """A text column as the CSV writer writes it: neutralised (unless raw), quoted when it holds , " CR or LF.

    The apostrophe that neutralising adds is none of those, so the test for quoting reads the stored text.
    """
    special = " OR ".join(sql.contains(column, _literal(c, sql)) for c in ('"', ",", "\n", "\r"))
    quoted = f"replace({column}, '\"', '\"\"') || '\"'"
    if not rules.formula_prefixes:
        return f"(CASE WHEN {special} THEN '\"' || {quoted} ELSE {column} END)"
    formula = f"{sql.first(column)} IN ({', '.join(_literal(p, sql) for p in rules.formula_prefixes)})"
    return (
        f"(CASE WHEN {special} THEN (CASE WHEN {formula} THEN '\"''' ELSE '\"' END) || {quoted} "
        f"WHEN {formula} THEN '''' || {column} ELSE {column} END)"
    )


def _labelled(plan: ExportPlan, language: str, rules: CsvRules, sql: _Dialect) -> str:
    """The rest of the line of a whole-number answer with a label: a CASE on the item, then on the code, giving
    ``code,label,false`` as the CSV writer writes it; NULL for a code or item without a label."""
    variables = {v.name: v for v in plan.variables if v.values}
    numbers = known_item_keys(variables)
    by_labels: dict[tuple[tuple[int, str], ...], list[int]] = {}
    for name, variable in variables.items():
        if name in numbers:
            lines = tuple(
                (code, rules.line([code, variable.value_label(code, language), "false"])) for code, _ in variable.values
            )
            by_labels.setdefault(lines, []).append(numbers[name])
    if not by_labels:
        return "NULL"
    branches = []
    for lines, ids in by_labels.items():
        codes = " ".join(f"WHEN {code} THEN {_literal(line, sql)}" for code, line in lines)
        branches.append(f"WHEN {_ranges(ids, 'a.item_key_id')} THEN CASE {sql.integer('a.value_num')} {codes} END")
    return f"CASE {' '.join(branches)} END"


def _ranges(ids: list[int], column: str) -> str:
    """``column`` is one of ``ids``, as a few BETWEENs (item keys of one scale are usually numbered in a row)."""
    runs: list[list[int]] = []
    for number in sorted(ids):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return " OR ".join(f"{column} = {a}" if a == b else f"{column} BETWEEN {a} AND {b}" for a, b in runs)


def _head(survey: int, rules: CsvRules, sql: _Dialect) -> str:
    """``response_id,audience,item,`` of a line: as stored when no id or key needs quoting or neutralising.

    Which is tested by subqueries the database runs once per statement (they read no column of the outer
    row), so they see the rows the export reads; the lines then skip the per-cell tests.
    """
    columns = (("r.id", "response", f"x.survey_id = {survey} AND "), ("au.key", "audience", f"x.survey_id = {survey} AND "),
               ("k.key", "item_key", ""))  # fmt: skip
    plain = " AND ".join(
        f"NOT EXISTS (SELECT 1 FROM {table} x WHERE {where}({_needs_care('x.' + column.split('.')[1], rules, sql)}))"  # noqa: S608
        for column, table, where in columns
    )
    careful = " || ',' || ".join(_text_cell(column, rules, sql) for column, _, _ in columns)
    return f"(CASE WHEN {plain} THEN r.id || ',' || au.key || ',' || k.key ELSE {careful} END)"


def _needs_care(column: str, rules: CsvRules, sql: _Dialect) -> str:
    tests = [sql.contains(column, _literal(c, sql)) for c in ('"', ",", "\n", "\r")]
    if rules.formula_prefixes:
        tests.append(f"{sql.first(column)} IN ({', '.join(_literal(p, sql) for p in rules.formula_prefixes)})")
    return " OR ".join(tests)


def _statement(plan: ExportPlan, language: str, rules: CsvRules, sql: _Dialect) -> str:
    end = _literal(rules.end, sql)
    skipped_label = MISSING_LABELS[PREFER_NOT_TO_ANSWER].get(language) or MISSING_LABELS[PREFER_NOT_TO_ANSWER]["en"]
    skipped = _literal(rules.line([PREFER_NOT_TO_ANSWER, skipped_label, "true"]), sql)
    exact = f"{sql.is_whole('a.value_num')} AND abs(a.value_num) < {EXACT}"  # NULL (not true) for no number
    tail = (
        f"CASE WHEN a.skipped = {sql.true} THEN {skipped} "
        f"WHEN {exact} THEN coalesce({_labelled(plan, language, rules, sql)}, {sql.whole('a.value_num')} || ',,false' || {end}) "
        "WHEN a.value_num IS NOT NULL THEN '' "  # Python writes the value, label and skipped cells
        f"WHEN a.value_text IS NOT NULL THEN {_text_cell('a.value_text', rules, sql)} || ',,false' || {end} "
        f"ELSE ',,false' || {end} END"
    )
    survey = int(plan.survey.id)
    head = _head(survey, rules, sql)
    # Python writes a number the database may print otherwise; skipped answers have no number (a table check)
    later = f"CASE WHEN {exact} THEN NULL ELSE a.value_num END"
    # Built from constants, integers and _literal()'s escaped plan labels: nothing a respondent typed.
    # Responses in id order (their unique index), each one's answers sorted by item: the database sorts 40 rows
    # at a time instead of every answer of the survey, and the first lines arrive at once.
    return (
        f"SELECT {head} || ',' || {tail}, {later} "  # noqa: S608
        f"FROM response r {sql.cross_join} answer a ON a.response_pk = r.pk JOIN audience au ON au.id = r.audience_id "
        "JOIN item_key k ON k.id = a.item_key_id "
        f"WHERE {sql.unindexed('r.survey_id')} = {survey} AND {sql.unindexed('r.status')} = 'submitted' "
        "ORDER BY r.id, k.key"
    )


def long_csv_blocks(plan: ExportPlan, language: str | None, rules: CsvRules) -> Iterator[str]:
    """The long export's lines (no header), a block of many lines at a time, in the row-by-row export's order."""
    language = language or plan.survey.languages[0]
    connection = db.session.connection()
    sql = _POSTGRES if connection.dialect.name == "postgresql" else _SQLITE
    if any(abs(code) >= EXACT for v in plan.variables for code, _ in v.values):  # pragma: no cover - no scale has
        raise ValueError("a labelled code too large for the database's integers")  # such codes; labels need them

    def rest(num: float) -> str:  # not a whole number (so no label), or a whole number too large to have one
        return rules.line([_code(num), None, "false"])

    for rows in _fetched(connection, _statement(plan, language, rules, sql)):
        if any(map(_second, rows)):  # a number left to Python (never 0: zero is a whole number)
            yield "".join([line if num is None else line + rest(num) for line, num in rows])
        else:
            yield "".join(map(_first, rows))


def _fetched(connection: Connection, statement: str) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``statement`` a block at a time, straight from the driver (no result objects per row)."""
    driver: Any = connection.connection.driver_connection
    postgres = connection.dialect.name == "postgresql"
    cursor = driver.cursor(name="peerscope_long_export") if postgres else driver.cursor()  # PostgreSQL: server-side
    try:
        cursor.execute(statement)
        while rows := cursor.fetchmany(BLOCK):
            yield rows
    finally:
        cursor.close()
