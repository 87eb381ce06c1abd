"""The codebook: one row per variable of the wide file (CSV and an HTML page read the same rows)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..instruments.wide_columns import Variable

__all__ = ["codebook_columns", "codebook_rows"]


def codebook_columns(languages: Sequence[str], audiences: Sequence[str] = ()) -> list[str]:
    """``audiences``: the survey's, in order; each gets a column of its own wording per language (``text_staff_en``),
    since an item is often worded for each audience ("I know my tasks." / "Peers know their tasks.")."""
    return [
        "name",
        "kind",
        "instrument",
        "instrument_version",
        "content_hash",
        "item_type",
        "type",
        *[f"label_{lang}" for lang in languages],
        *[f"text_{audience}_{lang}" for audience in audiences for lang in languages],
        "audiences",
        "values",
        "missing_codes",
        "reverse_keyed",
        "subscales",
        "scoring",
        "minimum",
        "maximum",
        "task",
        "task_part",
        "domain",
    ]


def _values(variable: Variable, language: str) -> str:
    return "; ".join(
        f"{code}={labels.get(language) or labels.get('en') or next(iter(labels.values()))}" for code, labels in variable.values
    )


def _wordings(variable: Variable, languages: Sequence[str], audiences: Sequence[str]) -> list[str | None]:
    """Each audience's own wording of the item, per language; empty where the audience is not asked it."""
    texts = variable.texts_by_audience
    return [(texts[a].get(lang) or None) if a in texts else None for a in audiences for lang in languages]


def codebook_rows(variables: Sequence[Variable], languages: Sequence[str], audiences: Sequence[str] = ()) -> list[list[Any]]:
    rows = []
    for v in variables:
        rows.append(
            [
                v.name,
                v.kind,
                v.instrument,
                v.instrument_version,
                v.content_hash,
                v.item_type,
                v.type,
                *[v.label.get(lang) or v.label.get("en") for lang in languages],
                *_wordings(v, languages, audiences),
                " ".join(v.audiences),
                _values(v, languages[0]),
                json.dumps(list(v.missing)) if v.missing else "",
                "yes" if v.reverse else ("no" if v.kind == "item" and v.type == "integer" else ""),
                " ".join(v.subscales),
                v.scoring,
                v.minimum,
                v.maximum,
                v.task,
                v.task_part,
                v.domain,
            ]
        )
    return rows
