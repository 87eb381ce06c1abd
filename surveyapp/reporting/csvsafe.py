"""CSV writing that spreadsheets cannot turn into formulas.

A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
read as a formula by Excel, LibreOffice and Google Sheets ("CSV injection").
Such text cells get a leading apostrophe. Numbers are never touched: a
negative number is a number, not a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["FORMULA_PREFIXES", "neutralise", "write_csv"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def format_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else repr(value)
    return neutralise(value)


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]], raw: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([("" if v is None else v) if raw else format_cell(v) for v in row])
    return out.getvalue()
