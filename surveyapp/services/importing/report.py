"""The import report: every problem with its row, column, value and reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from flask_babel import gettext, ngettext

from .constants import MAX_PROBLEMS


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

    def __post_init__(self) -> None:
        # a NUL in the file is reported as \x00: the page and the report file never carry one
        object.__setattr__(self, "value", self.value.replace("\x00", "\\x00"))
        if self.column is not None:
            object.__setattr__(self, "column", self.column.replace("\x00", "\\x00"))

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
    folded: int = 0  # problems told in a line about many rows, beyond that one line

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def truncated(self) -> bool:
        return self.problem_count - self.folded > len(self.problems)

    def summary(self) -> str:
        """In the reader's language on a page (English at the command line)."""
        if self.ok:
            return ngettext(
                "imported %(count)s response", "imported %(count)s responses", self.imported, count=format(self.imported, ",")
            )
        problems = ngettext("%(count)s problem", "%(count)s problems", self.problem_count, count=format(self.problem_count, ","))
        parts = [gettext("nothing was imported: %(problems)s", problems=problems)]
        if self.bad_rows:
            parts.append(
                ngettext(
                    "in %(bad)s of %(count)s row",
                    "in %(bad)s of %(count)s rows",
                    self.rows,
                    bad=format(self.bad_rows, ","),
                    count=format(self.rows, ","),
                )
            )
        if self.truncated:
            parts.append(gettext("(the first %(n)s are listed)", n=len(self.problems)))
        return " ".join(parts)

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
        self.folded = 0

    def add_file(self, column: str | None, value: str, reason: str) -> None:
        self.file.append(ImportProblem(None, column, value, reason))
        self.count += 1

    def add_summary(self, indexes: npt.NDArray[np.intp], column: str, reason: str) -> None:
        """Many data rows with one problem, listed once (so that other problems are not buried under them)."""
        if not len(indexes):
            return
        self.count += len(indexes)
        self.folded += len(indexes) - 1
        self.bad[indexes] = True
        self.file.append(ImportProblem(None, column, "", reason))

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
        bad_rows = int(self.bad.sum()) + extra_bad_rows
        return ImportReport(rows, 0, tuple(listed[:MAX_PROBLEMS]), self.count, bad_rows, self.folded)
