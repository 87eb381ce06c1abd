"""Perception gaps between parallel forms: how peer specialists see their own work
against how staff or service users see peers' work (research/instruments.md 7.3).

A gap is labelled only when the data are clear about it: "self higher" or
"others higher" needs a confidence interval that excludes zero AND a gap of at
least ``min_gap`` scale points (a provisional practical threshold, 0.5 on a 1-5
scale); "aligned" needs the whole interval inside +-``min_gap``. Anything else is
"unclear": too few answers or too much spread to say. The raw-point gap is the
headline; Hedges' g and Cliff's delta sit beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy.typing as npt

from .comparisons import cliffs_delta, hedges_g, welch_t
from .descriptives import _finite

__all__ = ["GAP_LABELS", "Gap", "perception_gap"]

GAP_LABELS = ("aligned", "others_higher", "self_higher", "unclear")


@dataclass(frozen=True)
class Gap:
    self_group: str
    other_group: str
    n_self: int
    n_other: int
    mean_self: float
    mean_other: float
    diff: float  # mean_other - mean_self, in scale points
    ci_low: float | None  # Welch interval of diff; None only when neither group's answers vary
    ci_high: float | None
    hedges_g: float | None  # (other - self) / pooled SD, small-sample corrected
    cliffs_delta: float  # P(other > self) - P(other < self)
    label: str  # "aligned" | "others_higher" | "self_higher" | "unclear"


def _label(diff: float, low: float | None, high: float | None, min_gap: float) -> str:
    if low is None or high is None:
        return "unclear"
    excludes_zero = low > 0.0 or high < 0.0
    if excludes_zero and abs(diff) >= min_gap:
        return "others_higher" if diff > 0 else "self_higher"
    if -min_gap < low and high < min_gap:
        return "aligned"
    return "unclear"


def perception_gap(
    self_values: npt.ArrayLike,
    other_values: npt.ArrayLike,
    self_group: str,
    other_group: str,
    min_gap: float = 0.5,
    confidence: float = 0.95,
) -> Gap | None:
    """The gap other - self for one parallel subscale; None when either side has fewer than 2 answers.

    The groups are independent (team-level ratings, never dyads), so the interval is
    Welch's, which does not assume the two groups spread their answers equally.
    """
    if min_gap <= 0:
        raise ValueError(f"min_gap must be positive, got {min_gap!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence!r}")
    own, others = _finite(self_values), _finite(other_values)
    if own.size < 2 or others.size < 2:
        return None
    mean_self, mean_other = float(own.mean()), float(others.mean())
    diff = mean_other - mean_self
    welch = welch_t(own, others, confidence)
    low, high = (welch[3], welch[4]) if welch else (None, None)
    return Gap(
        self_group=self_group,
        other_group=other_group,
        n_self=int(own.size),
        n_other=int(others.size),
        mean_self=mean_self,
        mean_other=mean_other,
        diff=diff,
        ci_low=low,
        ci_high=high,
        hedges_g=hedges_g(own, others),
        cliffs_delta=cliffs_delta(own, others),
        label=_label(diff, low, high, min_gap),
    )
