"""Export formats: a registry, so adding a format is adding one entry.

Each format turns an export plan into a stream of bytes (CSV formats are
generated row by row). The command line and the web download both use this.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..services.export import ExportPlan, iter_long_rows, iter_scores_rows, iter_wide_rows, scores_columns
from .codebook import codebook_columns, codebook_rows
from .csvsafe import neutralise

__all__ = ["FORMATS", "ExportFormat", "ExportOptions", "csv_stream"]

BOM = "\ufeff"
ROWS_PER_CHUNK = 1000


@dataclass(frozen=True)
class ExportOptions:
    labels: bool = False
    raw: bool = False  # no formula neutralising: for analysis pipelines that read text verbatim
    bom: bool = False  # UTF-8 byte order mark, so Excel opens Hebrew and Arabic text correctly
    language: str | None = None


def csv_stream(columns: Sequence[str], rows: Iterable[Sequence[Any]], options: ExportOptions) -> Iterator[bytes]:
    """CSV, encoded chunk by chunk; text cells neutralised unless ``raw``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if options.bom:
        buffer.write(BOM)
    writer.writerow(columns)
    pending = 0
    for row in rows:
        # the csv module writes None as an empty cell; only text can carry a formula
        writer.writerow(row if options.raw else [neutralise(v) if v.__class__ is str else v for v in row])
        pending += 1
        if pending == ROWS_PER_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def wide(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    rows = iter_wide_rows(plan, labels=options.labels, language=options.language)
    return csv_stream([v.name for v in plan.variables], rows, options)


def long(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    return csv_stream(
        ["response_id", "audience", "item", "value", "label", "skipped"], iter_long_rows(plan, options.language), options
    )


def scores(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    return csv_stream(scores_columns(plan), iter_scores_rows(plan), options)


def codebook(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    languages = plan.survey.languages
    return csv_stream(codebook_columns(languages), codebook_rows(plan.variables, languages), options)


@dataclass(frozen=True)
class ExportFormat:
    name: str
    filename: str  # with {slug}
    mimetype: str
    write: Callable[[ExportPlan, ExportOptions], Iterator[bytes]]
    description: str


FORMATS: dict[str, ExportFormat] = {
    "wide": ExportFormat(
        "wide", "{slug}-wide.csv", "text/csv", wide, "one row per response: metadata, every item's code, every subscale score"
    ),
    "long": ExportFormat("long", "{slug}-long.csv", "text/csv", long, "one row per answer"),
    "scores": ExportFormat(
        "scores", "{slug}-scores.csv", "text/csv", scores, "one row per response: subscale scores and the items each used"
    ),
    "codebook": ExportFormat("codebook", "{slug}-codebook.csv", "text/csv", codebook, "one row per variable of the wide file"),
}


def register(fmt: ExportFormat) -> None:
    FORMATS[fmt.name] = fmt


from . import formats_extra  # noqa: E402,F401  registers datapackage, spss and codebook-html
