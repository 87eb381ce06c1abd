"""Subscale scoring, one vectorised implementation for one response or a million.

Rules (docs/instruments.md, "Subscales"):

* only substantive answers count; "prefer not to answer", "don't know",
  "not observed" and unanswered items are missing, never a midpoint;
* reverse-keyed items are recoded ``min + max - x`` before scoring;
* a score exists only when the share of answered items is at least
  ``min_answered`` and at least two items are answered;
* ``mean`` is the mean of the answered items; ``sum`` is that mean times the
  number of items (equal to the plain sum when nothing is missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .model import Instrument, Subscale

__all__ = [
    "SubscaleScore",
    "item_matrix",
    "needs_every_item",
    "recode",
    "recoded_matrix",
    "score_matrix",
    "score_response",
    "score_subscale",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SubscaleScore:
    value: float | None
    n_answered: int
    n_items: int


def recode(
    values: FloatArray, low: float, high: float, reverse: npt.NDArray[np.bool_], *, in_place: bool = False
) -> FloatArray:
    """Reverse-key the columns flagged in ``reverse``; NaN stays NaN.

    ``in_place``: change ``values`` itself (a matrix the caller just made): at a million responses a second copy
    of the matrix costs more than the arithmetic.
    """
    out = values if in_place else np.array(values, dtype=np.float64)
    np.subtract(low + high, out, out=out, where=reverse)  # ``reverse`` per column, or per value for a flat array
    return out


def required_answers(n_items: int, min_answered: float) -> int:
    """Fewest answered items that still give a score."""
    needed = int(np.ceil(min_answered * n_items - 1e-9))
    return min(n_items, max(2, needed))


def needs_every_item(subscale: Subscale) -> bool:
    """Whether a score needs every item answered: then scores are a fixed sum of the items (reverse-keyed ones
    recoded), so a group's total score follows from its items' totals (which matters for suppression)."""
    return required_answers(len(subscale.items), subscale.min_answered) >= len(subscale.items)


def score_matrix(instrument: Instrument, subscale: Subscale, matrix: FloatArray) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Score many responses at once.

    ``matrix`` has one row per response and one column per item of the
    subscale (in ``subscale.items`` order) holding the stored codes, NaN where
    nothing was stored. Returns the scores (NaN where missing) and the number
    of items answered per row.
    """
    return scores_of_recoded(subscale, recoded_matrix(instrument, subscale, matrix))


def scores_of_recoded(subscale: Subscale, values: FloatArray) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """:func:`score_matrix` from the matrix :func:`recoded_matrix` already made (a dashboard needs both)."""
    answered = (~np.isnan(values)).sum(axis=1)
    ok = answered >= required_answers(len(subscale.items), subscale.min_answered)
    with np.errstate(invalid="ignore"):
        sums = np.nansum(values, axis=1)
        means = np.divide(sums, answered, out=np.full(len(values), np.nan), where=answered > 0)
    scores = means * len(subscale.items) if subscale.scoring == "sum" else means
    return np.where(ok, scores, np.nan), answered.astype(np.int64)


def recoded_matrix(instrument: Instrument, subscale: Subscale, matrix: FloatArray) -> FloatArray:
    """Stored codes -> item scores: non-substantive answers become NaN, reverse-keyed items are recoded.

    This is also what reliability is computed on.
    """
    scale = instrument.scale_of(subscale)
    values = np.asarray(matrix, dtype=np.float64).reshape(-1, len(subscale.items))
    substantive = np.isin(values, np.fromiter(scale.codes, dtype=np.float64))
    values = np.where(substantive, values, np.nan)  # a new array: recoded in place
    reverse = np.array([instrument.item(i).reverse for i in subscale.items], dtype=bool)
    return recode(values, scale.min, scale.max, reverse, in_place=True)


def item_matrix(subscale: Subscale, answers: Mapping[str, Any]) -> FloatArray:
    """One response's answers as a one-row matrix for :func:`score_matrix`."""
    row = [answers.get(item_id) for item_id in subscale.items]
    return np.array([[np.nan if not isinstance(v, int | float) or isinstance(v, bool) else v for v in row]], dtype=np.float64)


def score_subscale(instrument: Instrument, subscale: Subscale, answers: Mapping[str, Any]) -> SubscaleScore:
    scores, answered = score_matrix(instrument, subscale, item_matrix(subscale, answers))
    value = float(scores[0])
    return SubscaleScore(None if np.isnan(value) else value, int(answered[0]), len(subscale.items))


def score_response(instrument: Instrument, audience: str, answers: Mapping[str, Any]) -> dict[str, SubscaleScore]:
    """Every subscale this audience is scored on, for one response."""
    return {s.id: score_subscale(instrument, s, answers) for s in instrument.subscales_for(audience)}
