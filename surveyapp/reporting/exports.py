"""Export formats: a registry, so adding a format is adding one entry.

Each format turns an export plan into a stream of bytes (CSV formats are
generated row by row). The command line and the web download both use this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..services.export import ExportPlan, iter_long_rows, iter_scores_rows, iter_wide_rows, scores_columns
from .codebook import codebook_columns, codebook_rows
from .csvsafe import csv_chunks

__all__ = ["FORMATS", "ExportFormat", "ExportOptions", "csv_stream"]


@dataclass(frozen=True)
class ExportOptions:
    labels: bool = False
    raw: bool = False  # no formula neutralising: for analysis pipelines that read text verbatim
    bom: bool = False  # UTF-8 byte order mark, so Excel opens Hebrew and Arabic text correctly
    language: str | None = None


def csv_stream(columns: Sequence[str], rows: Iterable[Sequence[Any]], options: ExportOptions) -> Iterator[bytes]:
    """CSV encoded chunk by chunk; text cells neutralised unless ``raw``."""
    for chunk in csv_chunks(columns, rows, raw=options.raw, bom=options.bom):
        yield chunk.encode("utf-8")


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

    def download_name(self, slug: str, options: ExportOptions) -> str:
        """The file name, telling apart the downloads one survey can give: ``demo-wide-labels-he.csv``."""
        stem, dot, extension = self.filename.format(slug=slug).partition(".")
        labelled = self.name in ("long", "spss") or (self.name == "wide" and options.labels)
        parts = [stem, *(["labels"] if options.labels and self.name == "wide" else [])]
        if labelled and options.language:  # the language of the labels; codebooks hold every language
            parts.append(options.language)
        return "-".join(parts) + dot + extension


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
