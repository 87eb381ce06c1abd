"""The CSV exports: wide (one row per response), long (one row per answer), scores, and the codebook."""

from __future__ import annotations

from collections.abc import Iterator

from ..services.export import ExportPlan, iter_scores_rows, iter_wide_rows, scores_columns
from ..services.export_long import CsvRules, long_csv_blocks
from .codebook import codebook_columns, codebook_rows
from .csvsafe import FORMULA_PREFIXES, csv_line_writer
from .export_format import ExportFormat, ExportOptions, csv_stream

__all__ = ["CSV_FORMATS", "codebook", "long", "scores", "wide"]


def wide(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    rows = iter_wide_rows(plan, labels=options.labels, language=options.language)
    return csv_stream([v.name for v in plan.variables], rows, options)


LONG_COLUMNS = ("response_id", "audience", "item", "value", "label", "skipped")


def long(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    """The rows of :func:`~surveyapp.services.export.iter_long_rows` as the CSV writer writes them, made by the database."""
    rules = CsvRules(csv_line_writer(options.raw), () if options.raw else FORMULA_PREFIXES)
    yield (("\ufeff" if options.bom else "") + rules.line(LONG_COLUMNS)).encode("utf-8")
    for block in long_csv_blocks(plan, options.language, rules):
        yield block.encode("utf-8")


def scores(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    return csv_stream(scores_columns(plan), iter_scores_rows(plan), options)


def codebook(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    languages = plan.survey.languages
    audiences = [a.key for a in plan.survey.audiences]
    return csv_stream(codebook_columns(languages, audiences), codebook_rows(plan.variables, languages, audiences), options)


CSV_FORMATS = (
    ExportFormat(
        "wide", "{slug}-wide.csv", "text/csv", wide, "one row per response: metadata, every item's code, every subscale score"
    ),
    ExportFormat("long", "{slug}-long.csv", "text/csv", long, "one row per answer"),
    ExportFormat(
        "scores", "{slug}-scores.csv", "text/csv", scores, "one row per response: subscale scores and the items each used"
    ),
    ExportFormat("codebook", "{slug}-codebook.csv", "text/csv", codebook, "one row per variable of the wide file"),
)
