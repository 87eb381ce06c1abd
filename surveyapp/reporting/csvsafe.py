"""CSV writing that spreadsheets cannot turn into formulas.

A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
read as a formula by Excel, LibreOffice and Google Sheets ("CSV injection").
Such text cells get a leading apostrophe. Numbers are never touched: a
negative number is a number, not a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

__all__ = ["FORMULA_PREFIXES", "csv_chunks", "csv_line_writer", "neutralise", "write_csv"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell(value: Any, raw: bool) -> Any:
    """Only text can carry a formula; the csv module writes None as an empty cell."""
    if value.__class__ is str:
        return value if raw else neutralise(value)
    if value.__class__ is bool:
        return "true" if value else "false"
    return value


def _cells(row: Sequence[Any], raw: bool) -> Sequence[Any]:
    """``row`` as :func:`_cell` makes each cell, copied only when a cell changes (most rows of numbers do not)."""
    kinds = set(map(type, row))
    if bool in kinds or (not raw and str in kinds and any(v.startswith(FORMULA_PREFIXES) for v in row if v.__class__ is str)):
        return [_cell(v, raw) for v in row]
    return row


def csv_line_writer(raw: bool = False) -> Callable[[Sequence[Any]], str]:
    """A function writing one row as :func:`csv_chunks` writes it (the line terminator included)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(row: Sequence[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v, raw) for v in row])
        return buffer.getvalue()

    return line


def csv_chunks(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], raw: bool = False, bom: bool = False, rows_per_chunk: int = 1000
) -> Iterator[str]:
    """CSV text a chunk of rows at a time, so a large export never sits in memory whole."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")  # lets Excel read UTF-8 (Hebrew, Arabic) correctly
    writer.writerow(columns)
    pending = 0
    for row in rows:
        writer.writerow(_cells(row, raw))
        pending += 1
        if pending == rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]], raw: bool = False) -> str:
    return "".join(csv_chunks(columns, rows, raw=raw))
