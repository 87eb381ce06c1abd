"""What an export format is (a name, a file name, a writer of bytes) and the options every format takes.

The formats live in their own modules (csv_formats, datapackage, spss, codebook_html); reporting.exports lists
them in one registry, so no format module imports the registry and nothing imports in a circle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..services.export import ExportPlan
from .csvsafe import csv_chunks

__all__ = ["ExportFormat", "ExportOptions", "csv_stream"]


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
