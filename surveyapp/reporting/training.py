"""The training-needs list as flat rows: one row per competency and audience compared (CSV and CLI)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["TRAINING_COLUMNS", "training_rows"]

TRAINING_COLUMNS = (
    "rank",
    "instrument",
    "level",
    "domain",
    "id",
    "competency",
    "status",
    "lead",
    "compared_with",
    "n_peers",
    "n_others",
    "mean_peers",
    "mean_others",
    "gap",
    "ci_low",
    "ci_high",
    "hedges_g",
    "cliffs_delta",
    "reading",
    "not_observed_share",
    "sentence",
)


def training_rows(result: Mapping[str, Any]) -> Iterator[list[Any]]:
    """Domains first, then items, each in rank order; a competency without any gap still gets a row."""
    for instrument in result["instruments"]:
        for level in ("domains", "items"):
            for rank, entry in enumerate(instrument[level], start=1):
                base = [rank, instrument["id"], entry["level"], entry["domain_id"], entry["id"], entry["label"], entry["status"]]
                if not entry["gaps"]:
                    yield [*base, False, *([None] * 12), entry["sentence"]]
                for gap in entry["gaps"]:
                    yield [
                        *base,
                        gap["audience"] == entry["lead"],
                        gap["audience"],
                        gap["n_self"],
                        gap["n_other"],
                        gap["mean_self"],
                        gap["mean_other"],
                        gap["diff"],
                        gap["ci_low"],
                        gap["ci_high"],
                        gap["hedges_g"],
                        gap["cliffs_delta"],
                        gap["reading"],
                        gap["not_observed"],
                        entry["sentence"],
                    ]
