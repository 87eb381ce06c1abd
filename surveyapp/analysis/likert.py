"""Item-level answer distributions for diverging stacked bars.

Counts of every option per group, with "prefer not to answer", the scale's
missing options ("not observed", "don't know") and unanswered kept apart
from the substantive answers, never folded into a midpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..instruments.model import PREFER_NOT_TO_ANSWER

__all__ = ["ItemDistribution", "distribution"]


@dataclass(frozen=True)
class ItemDistribution:
    n_asked: int  # respondents of the group who were asked (rows)
    counts: tuple[int, ...]  # one per substantive code, in scale order
    missing_counts: tuple[int, ...]  # one per missing option (not observed, don't know), in scale order
    skipped: int  # prefer not to answer
    unanswered: int
    mean: float | None  # of substantive answers, after no recoding (as asked)

    @property
    def n_substantive(self) -> int:
        return sum(self.counts)

    def percentages(self) -> tuple[float, ...]:
        """Share of each substantive option among substantive answers (what the bar shows)."""
        total = self.n_substantive
        return tuple(100.0 * c / total if total else 0.0 for c in self.counts)


def distribution(values: npt.ArrayLike, codes: Sequence[int], missing_codes: Sequence[int] = ()) -> ItemDistribution:
    """``values`` are one item's stored codes for one group's rows (NaN: no answer)."""
    arr = np.asarray(values, dtype=np.float64)
    answered = arr[~np.isnan(arr)]
    known = [*codes, *missing_codes, PREFER_NOT_TO_ANSWER]
    low, high = min(known), max(known)
    on_grid = answered[(answered >= low) & (answered <= high) & (answered == np.rint(answered))]
    table = np.bincount((on_grid - low).astype(np.int64), minlength=high - low + 1)  # one pass for every code

    def count(code: int) -> int:
        return int(table[code - low])

    counts = tuple(count(c) for c in codes)
    total = sum(counts)
    return ItemDistribution(
        n_asked=int(arr.size),
        counts=counts,
        missing_counts=tuple(count(c) for c in missing_codes),
        skipped=count(PREFER_NOT_TO_ANSWER),
        unanswered=int(arr.size - answered.size),
        mean=sum(c * n for c, n in zip(codes, counts, strict=True)) / total if total else None,
    )
