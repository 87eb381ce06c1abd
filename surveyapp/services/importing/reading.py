"""Reading the CSV file into columns, with bounded memory.

The checks work column by column, so the file is read straight into columns:
rows are parsed a few thousand at a time and transposed, and only the
columns the import uses are kept (scores, ``wave`` and ``source`` are
recomputed or ignored, so their cells are dropped as they are read). Lines
are sliced from the decoded text one at a time: ``io.StringIO`` would copy
the text at four bytes a character. A web import stops reading at its row
limit, so a file of millions of tiny rows costs little before it is refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["Rows", "TooManyRowsError", "read_rows"]

#: rows parsed before they are transposed into columns
BATCH = 10_000


class TooManyRowsError(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} rows")
        self.limit = limit


@dataclass
class Rows:
    header: list[str]
    #: one sequence of cells per header position; empty for the columns not kept
    cells_of: list[list[str]]
    #: the file's line number of each kept row (rows with every cell empty are skipped)
    row_numbers: list[int] = field(default_factory=list)
    #: (line number, cell count) of rows with the wrong number of cells
    short: list[tuple[int, int]] = field(default_factory=list)


def read_rows(content: str, kept_names: frozenset[str], max_rows: int | None = None) -> Rows | None:
    """The file's header and the cells of the columns named in ``kept_names``; None when there is no header.

    Raises ``csv.Error`` (with ``line_num`` set on it) for text that is not CSV, and
    :class:`TooManyRowsError` past ``max_rows`` non-empty rows.
    """
    reader = csv.reader(_lines(content))
    try:
        first = next(reader, None)
        if first is None or not any(cell.strip() for cell in first):
            return None
        header = [name.strip() for name in first]
        width = len(header)
        keep = [position for position, name in enumerate(header) if name in kept_names]
        rows = Rows(header, [[] for _ in header])
        batch: list[list[str]] = []
        for number, cells in enumerate(reader, start=2):
            if len(cells) == width:
                if any(cells):
                    batch.append(cells)
                    rows.row_numbers.append(number)
            elif any(c.strip() for c in cells):
                rows.short.append((number, len(cells)))
            else:
                continue
            if max_rows is not None and len(rows.row_numbers) + len(rows.short) > max_rows:
                raise TooManyRowsError(max_rows)
            if len(batch) == BATCH:
                _transpose(batch, keep, rows.cells_of)
                batch = []
        _transpose(batch, keep, rows.cells_of)
    except csv.Error as exc:
        exc.line_num = reader.line_num  # type: ignore[attr-defined]
        raise
    return rows


def _transpose(batch: list[list[str]], keep: list[int], cells_of: list[list[str]]) -> None:
    if not batch:
        return
    columns = list(zip(*batch, strict=True))
    for position in keep:
        cells_of[position].extend(columns[position])


def _lines(text: str) -> Iterator[str]:
    """The text's lines, each ending with its newline, as csv.reader wants them, without copying the text."""
    if "\r" in text and "\n" not in text:  # old Mac line ends: let io split them (the rare case pays the copy)
        yield from io.StringIO(text, newline="")
        return
    find = text.find
    start = 0
    while True:
        end = find("\n", start) + 1
        if not end:
            if start < len(text):
                yield text[start:]
            return
        yield text[start:end]
        start = end
