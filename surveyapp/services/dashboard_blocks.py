"""One instrument's part of the dashboard: each subscale's scores per group with its comparison in words, and each
Likert item's answer distribution per group, small groups hidden (services.groupings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
import numpy.typing as npt
from flask_babel import gettext

from ..analysis.comparison_words import explain
from ..analysis.comparisons import compare_groups
from ..analysis.descriptives import describe
from ..analysis.likert import distribution
from ..analysis.reliability import reliability
from ..instruments import Instrument, Subscale
from ..instruments.flow import item_key
from ..instruments.model import text_in
from ..instruments.scoring import needs_every_item
from .groupings import Groups
from .survey_data import SurveyData

__all__ = ["instrument_block"]


def instrument_block(
    instrument: Instrument, data: SurveyData, groups: Groups, min_cell: int, language: str | None = None
) -> dict[str, Any]:
    """``language``: the reader's (the instrument's first by default); texts the instrument lacks in it are in English."""
    language = language or instrument.languages[0]
    block: dict[str, Any] = {
        "id": instrument.id,
        "version": instrument.version,
        "title": text_in(instrument.title, language),
        "short_title": text_in(instrument.short_title, language),
        "validated": instrument.validated,
        "subscales": [],
        "items": [],
    }
    for subscale in instrument.subscales:
        audiences = [
            a
            for a in instrument.audiences
            if subscale in instrument.subscales_for(a) and (groups.among is None or a == groups.among)
        ]
        if audiences:
            block["subscales"].append(_subscale_block(instrument, subscale, audiences, data, groups, language))
    for item in instrument.items:
        if item.type == "likert" and item.scale is not None and (groups.among is None or item.asked_of(groups.among)):
            block["items"].append(_item_block(instrument, item, data, groups, language))
    return block


def _subscale_block(
    instrument: Instrument, subscale: Subscale, audiences: Sequence[str], data: SurveyData, groups: Groups, language: str
) -> dict[str, Any]:
    label = text_in(subscale.label, language)
    scale = instrument.scale_of(subscale)
    keys = [f"{instrument.id}.{i}" for i in subscale.items]
    asked = data.of_audiences(audiences)
    recoded = data.subscale_items(instrument, subscale)
    scores = data.subscale_scores(instrument, subscale)
    low, high = (scale.min, scale.max) if subscale.scoring == "mean" else (scale.min * len(keys), scale.max * len(keys))
    rows = {k: groups.rows(k, asked) for k in groups.keys}
    scored = ~np.isnan(scores)
    asked_counts = {k: int(np.count_nonzero(rows[k])) for k in groups.keys}
    scored_counts = {k: int(np.count_nonzero(rows[k] & scored)) for k in groups.keys}
    counts = {k: n for k, n in scored_counts.items() if asked_counts[k]}
    hide = groups.suppression(counts, audiences, scored, needs_every_item(subscale))
    per_group, samples = [], {}
    for key in groups.keys:
        if not asked_counts[key]:
            continue
        mask = rows[key]
        entry: dict[str, Any] = {"key": key, "label": groups.labels[key], "hidden": not hide.shows(key)}
        if hide.shows(key):
            finite = scores[mask & scored]
            summary = describe(finite)
            entry.update(asdict(summary))
            entry["n_asked"] = asked_counts[key]
            entry["p5"], entry["p95"] = (float(q) for q in np.percentile(finite, [5, 95])) if finite.size else (None, None)
            entry["bands"] = (
                [
                    {
                        "label": text_in(b.label, language),
                        "max": b.max,
                        "share": float(np.mean(_band_index(finite, subscale) == i)),
                    }
                    for i, b in enumerate(subscale.bands)
                ]
                if finite.size and subscale.bands
                else []
            )
            entry["reliability"] = asdict(reliability(recoded[mask], list(subscale.items), _=gettext))
            samples[groups.labels[key]] = finite
        per_group.append(entry)
    comparison = compare_groups(samples)
    subject = label.lower()
    sentence = explain(comparison, subject, scale_points=int(high - low + 1), names=groups.in_sentence, _=gettext)
    if comparison.status == "single_group" and hide.hidden:
        sentence = gettext(
            "The other groups are too small to show, so %(subject)s cannot be compared here (see the note).", subject=subject
        )
    return {
        "id": subscale.id,
        "label": label,
        "n_items": len(keys),
        "scoring": subscale.scoring,
        "min": low,
        "max": high,
        "reverse_items": [i for i in subscale.items if instrument.item(i).reverse],
        "groups": per_group,
        "comparison": asdict(comparison),
        "sentence": sentence,
        "note": hide.note(groups.labels, gettext),
        "bands": [{"label": text_in(b.label, language), "max": b.max} for b in subscale.bands],
        "reference": asdict(subscale.reference) if subscale.reference else None,
    }


def _band_index(scores: npt.NDArray[np.float64], subscale: Subscale) -> npt.NDArray[np.int64]:
    return np.searchsorted(np.array([b.max for b in subscale.bands]), scores, side="left")


def _item_block(instrument: Instrument, item: Any, data: SurveyData, groups: Groups, language: str) -> dict[str, Any]:
    key = item_key(instrument, item)
    asked = data.of_audiences(item.audiences)
    column = data.column(key)
    scale = item.scale
    rows = {k: groups.rows(k, asked) for k in groups.keys}
    asked_counts = {k: int(np.count_nonzero(rows[k])) for k in groups.keys}
    hide = groups.suppression({k: n for k, n in asked_counts.items() if n}, item.audiences)
    per_group = []
    for group in groups.keys:
        if not asked_counts[group]:
            continue
        entry: dict[str, Any] = {"key": group, "label": groups.labels[group], "hidden": not hide.shows(group)}
        if hide.shows(group):
            dist = distribution(column[rows[group]], [o.code for o in scale.options], [o.code for o in scale.missing_options])
            entry.update(asdict(dist))
            entry["percentages"] = list(dist.percentages())
        per_group.append(entry)
    first = item.audiences[0]
    return {
        "key": key,
        "id": item.id,
        "text": text_in(item.text[first], language),
        "texts": {a: text_in(item.text[a], language) for a in item.audiences},
        "reverse": item.reverse,
        "scale": scale.id,
        "options": [text_in(o.label, language) for o in scale.options],
        "missing_options": [text_in(o.label, language) for o in scale.missing_options],
        "groups": per_group,
        "note": hide.note(groups.labels, gettext),
    }
