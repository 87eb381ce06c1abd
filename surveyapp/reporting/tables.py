"""The dashboard's tables, as (title, columns, rows): rendered as HTML tables and downloaded as CSV.

One builder per table serves both, so a download is exactly what the page shows — suppressed cells included
(empty, with the reason in the note) — except that the page rounds and the download keeps full precision
(reporting.table). The builders live in score_tables and answer_tables; this is their registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .answer_tables import gaps, items
from .score_tables import bands, comparisons, item_reliability, overview, pairs, reliability, subscale_scores
from .table import Table

__all__ = ["TABLES", "Table", "build_table"]

TABLES: Mapping[str, Callable[..., Table]] = {
    "overview": overview,
    "scores": subscale_scores,
    "comparisons": comparisons,
    "pairs": pairs,
    "reliability": reliability,
    "item_reliability": item_reliability,
    "bands": bands,
    "items": items,
    "gaps": gaps,
}


def build_table(result: Mapping[str, Any], name: str, **params: str) -> Table:
    if name not in TABLES:
        raise KeyError(name)
    return TABLES[name](result, **params)
